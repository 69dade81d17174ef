/*
 * sock_rules - the pure parts of sock.h: curl's --resolve and --connect-to entries (their
 * syntax, which entry applies), numeric address lists, and the address order of Happy Eyeballs
 * (RFC 8305 §4). No I/O and no allocation, so tests/check_sock.c drives them from tables.
 */
#include "sock.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#define HOST_MAX 256

/* Take a host field from *p up to the next ':' (or the end); "[...]" may hold ':' and loses
 * its brackets. Returns NULL with *p just past the field, or why the field is malformed. */
static const char *take_host(const char **p, char *out, size_t n)
{
    const char *s = *p, *end;
    size_t len;

    if (*s == '[') {
        end = strchr(s, ']');
        if (!end)
            return "'[' without ']'";
        s++;
        len = (size_t)(end - s);
        *p = end + 1;
        if (**p != ':' && **p != '\0')
            return "expected ':' after ']'";
    } else {
        len = strcspn(s, ":");
        *p = s + len;
    }
    if (len >= n)
        return "host name too long";
    memcpy(out, s, len);
    out[len] = '\0';
    return NULL;
}

/* Take a port field up to ':' or the end: 1-65535, or empty (*port = 0) when allowed. */
static const char *take_port(const char **p, bool may_be_empty, uint16_t *port)
{
    const char *s = *p;
    unsigned long v = 0;
    size_t len = strcspn(s, ":");

    *p = s + len;
    *port = 0;
    if (len == 0)
        return may_be_empty ? NULL : "PORT is empty";
    if (len > 5 || strspn(s, "0123456789") < len)
        return "PORT must be a number from 1 to 65535";
    for (size_t i = 0; i < len; i++)
        v = v * 10 + (unsigned long)(s[i] - '0');
    if (v < 1 || v > 65535)
        return "PORT must be a number from 1 to 65535";
    *port = (uint16_t)v;
    return NULL;
}

static const char *take_colon(const char **p, const char *why)
{
    if (**p != ':')
        return why;
    (*p)++;
    return NULL;
}

/* A parsed --resolve entry. */
struct resolve_rule {
    char host[HOST_MAX];
    bool remove; /* "-HOST:PORT" */
    uint16_t port;
    const char *addrs; /* into the entry */
};

static const char *parse_resolve(const char *entry, struct resolve_rule *r)
{
    static const char shape[] = "expected [+]HOST:PORT:ADDR[,ADDR]... or -HOST:PORT";
    const char *p = entry, *why;

    r->remove = *p == '-';
    if (*p == '+' || *p == '-')
        p++;
    if ((why = take_host(&p, r->host, sizeof r->host)) != NULL)
        return why;
    if (r->host[0] == '\0')
        return "HOST is empty";
    if ((why = take_colon(&p, shape)) != NULL || (why = take_port(&p, false, &r->port)) != NULL)
        return why;
    if (r->remove)
        return *p == '\0' ? NULL : "expected -HOST:PORT to forget an entry";
    if ((why = take_colon(&p, shape)) != NULL)
        return why;
    if (*p == '\0')
        return "no address after HOST:PORT:";
    r->addrs = p;
    return sock_parse_addrs(p, r->port, NULL, 0) < 0
               ? "ADDR must be numeric IP addresses, IPv6 ones in brackets, separated by commas"
               : NULL;
}

const char *sock_check_resolve(const char *entry)
{
    struct resolve_rule r;

    return parse_resolve(entry, &r);
}

/* A parsed --connect-to entry; empty host or port 0 for an empty field. */
struct connect_rule {
    char host[HOST_MAX], host2[HOST_MAX];
    uint16_t port, port2;
};

static const char *parse_connect_to(const char *entry, struct connect_rule *r)
{
    static const char shape[] = "expected HOST:PORT:HOST2:PORT2 (any part may be empty)";
    const char *p = entry, *why;

    if ((why = take_host(&p, r->host, sizeof r->host)) != NULL ||
        (why = take_colon(&p, shape)) != NULL || (why = take_port(&p, true, &r->port)) != NULL ||
        (why = take_colon(&p, shape)) != NULL ||
        (why = take_host(&p, r->host2, sizeof r->host2)) != NULL ||
        (why = take_colon(&p, shape)) != NULL || (why = take_port(&p, true, &r->port2)) != NULL)
        return why;
    return *p == '\0' ? NULL : shape;
}

const char *sock_check_connect_to(const char *entry)
{
    struct connect_rule r;

    return parse_connect_to(entry, &r);
}

const char *sock_resolve_find(const struct sock_settings *s, const char *host, uint16_t port)
{
    const char *named = NULL, *any = NULL;

    for (size_t i = 0; s && i < s->nresolve; i++) {
        struct resolve_rule r;
        bool wildcard;

        if (parse_resolve(s->resolve[i], &r) != NULL || r.port != port)
            continue;
        wildcard = strcmp(r.host, "*") == 0;
        if (!wildcard && strcasecmp(r.host, host) != 0)
            continue;
        if (wildcard)
            any = r.remove ? NULL : r.addrs;
        else
            named = r.remove ? NULL : r.addrs;
    }
    return named ? named : any;
}

int sock_parse_addrs(const char *addrs, uint16_t port, struct sock_addr *out, size_t max)
{
    const char *p = addrs;
    int n = 0;

    for (;;) {
        size_t len = strcspn(p, ",");
        char ip[INET6_ADDRSTRLEN + 2];
        struct sock_addr a;

        if (len >= 2 && p[0] == '[' && p[len - 1] == ']') {
            p++;
            len -= 2;
        }
        if (len == 0 || len >= sizeof ip)
            return -1;
        memcpy(ip, p, len);
        ip[len] = '\0';
        memset(&a, 0, sizeof a);
        if (inet_pton(AF_INET, ip, &((struct sockaddr_in *)&a.sa)->sin_addr) == 1) {
            struct sockaddr_in *s4 = (struct sockaddr_in *)&a.sa;
            s4->sin_family = AF_INET;
            s4->sin_port = htons(port);
            a.len = sizeof *s4;
        } else if (inet_pton(AF_INET6, ip, &((struct sockaddr_in6 *)&a.sa)->sin6_addr) == 1) {
            struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&a.sa;
            s6->sin6_family = AF_INET6;
            s6->sin6_port = htons(port);
            a.len = sizeof *s6;
        } else {
            return -1;
        }
        if ((size_t)n < max)
            out[n++] = a;
        p += len;
        if (*p == ']')
            p++;
        if (*p == '\0')
            return n;
        p++; /* the comma */
    }
}

bool sock_connect_to(const struct sock_settings *s, const char *host, uint16_t port, char *out_host,
                     size_t n, uint16_t *out_port)
{
    for (size_t i = 0; s && i < s->nconnect_to; i++) {
        struct connect_rule r;

        if (parse_connect_to(s->connect_to[i], &r) != NULL)
            continue;
        if ((r.host[0] && strcasecmp(r.host, host) != 0) || (r.port && r.port != port))
            continue;
        snprintf(out_host, n, "%s", r.host2[0] ? r.host2 : host);
        *out_port = r.port2 ? r.port2 : port;
        return true;
    }
    snprintf(out_host, n, "%s", host);
    *out_port = port;
    return false;
}

size_t sock_keep_family(struct sock_addr *a, size_t n, int family)
{
    int want = family == 4 ? AF_INET : family == 6 ? AF_INET6 : AF_UNSPEC;
    size_t k = 0;

    if (want == AF_UNSPEC)
        return n;
    for (size_t i = 0; i < n; i++)
        if (a[i].sa.ss_family == want)
            a[k++] = a[i];
    return k;
}

bool sock_mixed_families(const struct sock_addr *a, size_t n)
{
    for (size_t i = 1; i < n; i++)
        if (a[i].sa.ss_family != a[0].sa.ss_family)
            return true;
    return false;
}

void sock_interleave(struct sock_addr *a, size_t n)
{
    struct sock_addr tmp[SOCK_MAX_ADDRS];
    size_t i, j = 0, f = 0, o = 0;

    if (n > SOCK_MAX_ADDRS)
        n = SOCK_MAX_ADDRS;
    if (n < 3)
        return; /* already alternating */
    /* Walk both families in their own order: f over a[0]'s family, o over the other. */
    for (i = 0; i < n; i++) {
        while (f < n && a[f].sa.ss_family != a[0].sa.ss_family)
            f++;
        while (o < n && a[o].sa.ss_family == a[0].sa.ss_family)
            o++;
        if ((i % 2 == 0 || o >= n) && f < n)
            tmp[j++] = a[f++];
        else if (o < n)
            tmp[j++] = a[o++];
    }
    memcpy(a, tmp, j * sizeof *a);
}
