/*
 * proxy_lookup - socks5://'s own lookup of the server's name (the proxy gets an address): a
 * --resolve entry for host:port answers it at once, else resolve.c's thread does (its pipe is
 * the fd to poll meanwhile); -4/-6 keep only that family's addresses, as sock.h does for a
 * direct connection (curl does the same). The first address left is the answer.
 */
#ifndef WSC_PROXY_LOOKUP_H
#define WSC_PROXY_LOOKUP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <netinet/in.h>

#include "resolve.h"
#include "sock.h"

struct proxy_lookup {
    struct resolve *res;          /* the lookup running, or NULL */
    int family;                   /* AF_INET or AF_INET6 once answered, else 0 */
    uint8_t addr[16];             /* the address: 4 bytes (IPv4) or 16 (IPv6) */
    char shown[INET6_ADDRSTRLEN]; /* the address as text, for -v */
    bool fixed;                   /* it came from --resolve */
};

/*
 * Start looking host up for port with net's --resolve and -4/-6 (net may be NULL). Returns 1
 * answered now (--resolve), 0 running (resolve_fd(lk->res) wakes when the answer is in:
 * call proxy_lookup_done()), or T_ERR_RESOLVE / T_ERR_NOMEM with the reason in err.
 */
int proxy_lookup_start(struct proxy_lookup *lk, const struct sock_settings *net, const char *host,
                       uint16_t port, char *err, size_t errlen);
/* The running lookup: 1 answered, 0 not yet, or T_ERR_RESOLVE / T_ERR_NOMEM with err. */
int proxy_lookup_done(struct proxy_lookup *lk, const struct sock_settings *net, const char *host,
                      char *err, size_t errlen);
/* Abandon a running lookup (resolve.c's thread cleans up after itself). lk may be zeroed. */
void proxy_lookup_free(struct proxy_lookup *lk);

#endif
