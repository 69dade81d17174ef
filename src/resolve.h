/*
 * resolve - getaddrinfo() on a thread of its own, so that a slow DNS lookup never blocks the
 * poll() loop: the caller polls resolve_fd() for POLLIN and then takes the answer.
 *
 * The lookup runs on a detached thread that shares one small job with the caller, freed by
 * whichever of the two lets go last (a reference count under a mutex). resolve_free() during a
 * lookup returns at once: the thread finishes getaddrinfo() on its own, sees it is the last
 * owner and frees the answer, the pipe and the job. The thread has every signal blocked, so
 * SIGINT and friends still reach the main loop's handlers.
 */
#ifndef WSC_RESOLVE_H
#define WSC_RESOLVE_H

#include <netdb.h>
#include <stdbool.h>

/* The resolver function: getaddrinfo() unless a test installs another. */
typedef int resolve_fn(const char *host, const char *service, const struct addrinfo *hints,
                       struct addrinfo **res);

/* At most this many lookups abandoned by resolve_free() may still be running: a DNS server that
 * never answers cannot pile up threads and descriptors across reconnects. */
#define RESOLVE_MAX_ABANDONED 4

struct resolve;

/*
 * Start looking up host and service (copied) with hints. NULL when out of memory or out of
 * file descriptors (errno says which), or EBUSY when RESOLVE_MAX_ABANDONED abandoned lookups
 * still hang. If no thread can be started the lookup runs here, at once, and the answer is
 * ready on return.
 */
struct resolve *resolve_start(const char *host, const char *service, const struct addrinfo *hints);

/* Becomes readable (POLLIN) once the answer is ready, and stays so until resolve_free(). */
int resolve_fd(const struct resolve *r);

/*
 * Take the answer: false while the lookup runs; once done, true with *rc getaddrinfo()'s return
 * code (0 or EAI_*, whatever its sign), *res set on success (the caller frees it with
 * freeaddrinfo()) and *sys_errno the thread's errno (for EAI_SYSTEM). Call at most once after it
 * returns true.
 */
bool resolve_result(struct resolve *r, int *rc, struct addrinfo **res, int *sys_errno);

/* Let go: returns at once even while the lookup runs (the thread cleans up; it counts as
 * abandoned until it returns). NULL is a no-op. */
void resolve_free(struct resolve *r);

/* For tests only: make later lookups call fn instead of getaddrinfo (NULL restores it), e.g. a
 * resolver that sleeps first. Not for the program: nothing outside tests/ calls it. */
void resolve_set_function(resolve_fn *fn);
/* For tests: how many abandoned lookups are still running. */
int resolve_abandoned(void);

#endif
