/*
 * resolve - getaddrinfo() on a detached thread, answered through a pipe. See resolve.h.
 *
 * Ownership: the job starts with two references, the caller's and the thread's. The thread
 * stores the answer, sets done and writes one byte to the pipe, all under the lock, then drops
 * its reference; resolve_free() drops the caller's. Whoever drops the last one frees the
 * answer (if nobody took it), closes both ends of the pipe and frees the job. So neither side
 * touches the job after letting go, and an abandoned lookup leaks nothing once it returns.
 */
#include "resolve.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

struct resolve {
    pthread_mutex_t lock;
    int refs;       /* under lock */
    bool done;      /* under lock; then rc, err and res are the thread's answer */
    bool abandoned; /* under lock: resolve_free() came before the answer */
    int rc, err;
    struct addrinfo *res;
    int rfd, wfd; /* the pipe: the caller polls rfd */
    /* read-only after start */
    char *host, *service;
    struct addrinfo hints;
    resolve_fn *fn;
};

static resolve_fn *resolver = getaddrinfo;

/* Lookups let go of before their answer, still running (under abandoned_lock). */
static pthread_mutex_t abandoned_lock = PTHREAD_MUTEX_INITIALIZER;
static int abandoned;

static void count_abandoned(int d)
{
    pthread_mutex_lock(&abandoned_lock);
    abandoned += d;
    pthread_mutex_unlock(&abandoned_lock);
}

int resolve_abandoned(void)
{
    pthread_mutex_lock(&abandoned_lock);
    int n = abandoned;
    pthread_mutex_unlock(&abandoned_lock);
    return n;
}

void resolve_set_function(resolve_fn *fn)
{
    resolver = fn ? fn : getaddrinfo;
}

static void destroy(struct resolve *r)
{
    if (r->res)
        freeaddrinfo(r->res);
    close(r->rfd);
    close(r->wfd);
    free(r->host);
    free(r->service);
    pthread_mutex_destroy(&r->lock);
    free(r);
}

static void unref(struct resolve *r)
{
    bool last;

    pthread_mutex_lock(&r->lock);
    last = --r->refs == 0;
    pthread_mutex_unlock(&r->lock);
    if (last)
        destroy(r);
}

static void *run(void *arg)
{
    struct resolve *r = arg;
    struct addrinfo *res = NULL;
    int rc, err;
    ssize_t w;

    errno = 0;
    rc = r->fn(r->host, r->service, &r->hints, &res);
    err = errno;
    pthread_mutex_lock(&r->lock);
    r->rc = rc;
    r->err = err;
    r->res = rc == 0 ? res : NULL;
    r->done = true;
    if (r->abandoned)
        count_abandoned(-1);
    do
        w = write(r->wfd, "", 1); /* one byte into an empty pipe: cannot block */
    while (w < 0 && errno == EINTR);
    pthread_mutex_unlock(&r->lock);
    unref(r);
    return NULL;
}

struct resolve *resolve_start(const char *host, const char *service, const struct addrinfo *hints)
{
    struct resolve *r = calloc(1, sizeof *r);
    int fds[2], saved;
    pthread_attr_t attr;
    pthread_t tid;
    sigset_t all, old;
    bool started = false;

    if (resolve_abandoned() >= RESOLVE_MAX_ABANDONED) {
        free(r);
        errno = EBUSY;
        return NULL;
    }
    if (!r)
        return NULL;
    r->host = strdup(host);
    r->service = strdup(service);
    if (!r->host || !r->service || pipe2(fds, O_CLOEXEC | O_NONBLOCK) < 0) {
        saved = r->host && r->service ? errno : ENOMEM;
        free(r->host);
        free(r->service);
        free(r);
        errno = saved;
        return NULL;
    }
    r->rfd = fds[0];
    r->wfd = fds[1];
    r->hints = *hints;
    r->hints.ai_addr = NULL;
    r->hints.ai_canonname = NULL;
    r->hints.ai_next = NULL;
    r->fn = resolver;
    r->refs = 2;
    pthread_mutex_init(&r->lock, NULL);

    /* The thread inherits this mask: no signal handler ever runs on it. */
    sigfillset(&all);
    pthread_sigmask(SIG_SETMASK, &all, &old);
    if (pthread_attr_init(&attr) == 0) {
        started = pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED) == 0 &&
                  pthread_create(&tid, &attr, run, r) == 0;
        pthread_attr_destroy(&attr);
    }
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    if (!started)
        run(r); /* no thread to spare: answer here, at once (blocking, as wsc 0.1 always did) */
    return r;
}

int resolve_fd(const struct resolve *r)
{
    return r->rfd;
}

bool resolve_result(struct resolve *r, int *rc, struct addrinfo **res, int *sys_errno)
{
    bool done;

    pthread_mutex_lock(&r->lock);
    done = r->done;
    if (done) {
        *rc = r->rc;
        *res = r->res;
        *sys_errno = r->err;
        r->res = NULL; /* the caller's now */
    }
    pthread_mutex_unlock(&r->lock);
    return done;
}

void resolve_free(struct resolve *r)
{
    if (!r)
        return;
    pthread_mutex_lock(&r->lock);
    if (!r->done) {
        r->abandoned = true;
        count_abandoned(1);
    }
    pthread_mutex_unlock(&r->lock);
    unref(r);
}
