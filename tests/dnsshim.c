/*
 * dnsshim - an LD_PRELOAD getaddrinfo() for the integration tests, so that no test ever asks a
 * real DNS server (the tests may only use loopback). Built by lib.sh's use_dns_shim.
 *
 * Numeric hosts and "localhost" go to the real getaddrinfo() (which answers them from the
 * address itself or /etc/hosts). A name listed in WSC_TEST_HOSTS ("name=addr[/addr...],...")
 * answers those addresses, in order. Any other name fails with EAI_NONAME, as an unknown name
 * would, without a packet leaving the machine.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <netdb.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

typedef int gai_fn(const char *, const char *, const struct addrinfo *, struct addrinfo **);

/* Append the real answer for one numeric address to *tail. */
static int add_numeric(gai_fn *real, const char *addr, const char *serv,
                       const struct addrinfo *hints, struct addrinfo ***tail)
{
    struct addrinfo h = {0}, *res = NULL;
    int rc;

    if (hints)
        h = *hints;
    h.ai_flags |= AI_NUMERICHOST;
    h.ai_flags &= ~AI_CANONNAME;
    if ((rc = real(addr, serv, &h, &res)) != 0)
        return rc == EAI_FAMILY || rc == EAI_ADDRFAMILY ? 0 : rc; /* -4/-6 filter it out */
    **tail = res;
    while (res->ai_next)
        res = res->ai_next;
    *tail = &res->ai_next;
    return 0;
}

int getaddrinfo(const char *host, const char *serv, const struct addrinfo *hints,
                struct addrinfo **out)
{
    gai_fn *real = (gai_fn *)dlsym(RTLD_NEXT, "getaddrinfo");
    const char *map = getenv("WSC_TEST_HOSTS");
    struct addrinfo probe = {0}, *res = NULL;
    size_t hl;

    if (host == NULL || strcasecmp(host, "localhost") == 0 ||
        (hints && (hints->ai_flags & AI_NUMERICHOST)))
        return real(host, serv, hints, out);
    if (hints)
        probe = *hints;
    probe.ai_flags |= AI_NUMERICHOST;
    if (real(host, serv, &probe, &res) == 0) {
        freeaddrinfo(res);
        return real(host, serv, hints, out);
    }
    hl = strlen(host);
    while (map && *map) {
        const char *end = strchr(map, ',');
        size_t len = end ? (size_t)(end - map) : strlen(map);
        if (len > hl && map[hl] == '=' && strncasecmp(map, host, hl) == 0) {
            char addrs[512], *a, *save = NULL;
            struct addrinfo *head = NULL, **tail = &head;
            size_t al = len - hl - 1;
            int rc = 0;
            if (al >= sizeof addrs)
                return EAI_FAIL;
            memcpy(addrs, map + hl + 1, al);
            addrs[al] = '\0';
            for (a = strtok_r(addrs, "/", &save); a && rc == 0; a = strtok_r(NULL, "/", &save))
                rc = add_numeric(real, a, serv, hints, &tail);
            if (rc != 0 || head == NULL) {
                if (head)
                    freeaddrinfo(head);
                return rc ? rc : EAI_NONAME;
            }
            *out = head;
            return 0;
        }
        map = end ? end + 1 : NULL;
    }
    return EAI_NONAME;
}
