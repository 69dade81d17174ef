/*
 * proxy_lookup - socks5://'s lookup of the server's name; see proxy_lookup.h.
 */
#include "proxy_lookup.h"

#include <errno.h>
#include <netdb.h>
#include <stdio.h>
#include <string.h>
#include <arpa/inet.h>
#include <sys/socket.h>

#include "transport.h"

static int family_of(const struct sock_settings *net)
{
    return net ? net->family : 0;
}

/* Keep sa (AF_INET or AF_INET6) as the answer. */
static void keep_addr(struct proxy_lookup *lk, const struct sockaddr *sa)
{
    if (sa->sa_family == AF_INET) {
        memcpy(lk->addr, &((const struct sockaddr_in *)sa)->sin_addr, 4);
        lk->family = AF_INET;
    } else if (sa->sa_family == AF_INET6) {
        memcpy(lk->addr, &((const struct sockaddr_in6 *)sa)->sin6_addr, 16);
        lk->family = AF_INET6;
    }
    if (lk->family)
        inet_ntop(lk->family, lk->addr, lk->shown, sizeof lk->shown);
}

/* No address of the family -4/-6 asks for. */
static int no_family(int fam, const char *host, char *err, size_t errlen)
{
    snprintf(err, errlen, "could not resolve host '%s': no IPv%d address (-%d)", host, fam, fam);
    return T_ERR_RESOLVE;
}

int proxy_lookup_start(struct proxy_lookup *lk, const struct sock_settings *net, const char *host,
                       uint16_t port, char *err, size_t errlen)
{
    const char *fixed = net ? sock_resolve_find(net, host, port) : NULL;
    int fam = family_of(net);
    struct addrinfo hints = {.ai_socktype = SOCK_STREAM, .ai_flags = AI_NUMERICSERV};
    char serv[8];

    memset(lk, 0, sizeof *lk);
    if (fixed) {
        struct sock_addr a[SOCK_MAX_ADDRS];
        int n = sock_parse_addrs(fixed, port, a, SOCK_MAX_ADDRS);
        if (n <= 0) {
            snprintf(err, errlen, "bad --resolve entry for %s:%u", host, (unsigned)port);
            return T_ERR_RESOLVE;
        }
        if (sock_keep_family(a, (size_t)n, fam) == 0)
            return no_family(fam, host, err, errlen);
        keep_addr(lk, (const struct sockaddr *)&a[0].sa);
        lk->fixed = true;
        return 1;
    }
    hints.ai_family = fam == 4 ? AF_INET : fam == 6 ? AF_INET6 : AF_UNSPEC;
    snprintf(serv, sizeof serv, "%u", (unsigned)port);
    lk->res = resolve_start(host, serv, &hints);
    if (!lk->res && errno == EBUSY) {
        snprintf(err, errlen,
                 "could not resolve host '%s': %d earlier lookups are still waiting for the DNS "
                 "server",
                 host, RESOLVE_MAX_ABANDONED);
        return T_ERR_RESOLVE;
    }
    if (!lk->res) {
        snprintf(err, errlen, "cannot start resolving '%s': %s", host, strerror(errno));
        return T_ERR_NOMEM;
    }
    return 0;
}

int proxy_lookup_done(struct proxy_lookup *lk, const struct sock_settings *net, const char *host,
                      char *err, size_t errlen)
{
    struct addrinfo *ai = NULL;
    int rc = 0, sys_errno = 0, fam = family_of(net);

    if (!lk->res || !resolve_result(lk->res, &rc, &ai, &sys_errno))
        return 0;
    resolve_free(lk->res);
    lk->res = NULL;
    if (rc == EAI_MEMORY) {
        snprintf(err, errlen, "out of memory");
        return T_ERR_NOMEM;
    }
    if (rc != 0) {
        snprintf(err, errlen, "could not resolve host '%s': %s", host,
                 rc == EAI_SYSTEM ? strerror(sys_errno) : gai_strerror(rc));
        return T_ERR_RESOLVE;
    }
    for (struct addrinfo *a = ai; a && !lk->family; a = a->ai_next)
        if ((a->ai_family == AF_INET && fam != 6) || (a->ai_family == AF_INET6 && fam != 4))
            keep_addr(lk, a->ai_addr);
    freeaddrinfo(ai);
    if (!lk->family && (fam == 4 || fam == 6))
        return no_family(fam, host, err, errlen);
    if (!lk->family) {
        snprintf(err, errlen, "could not resolve host '%s': no IPv4 or IPv6 address", host);
        return T_ERR_RESOLVE;
    }
    return 1;
}

void proxy_lookup_free(struct proxy_lookup *lk)
{
    resolve_free(lk->res);
    lk->res = NULL;
}
