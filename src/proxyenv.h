/*
 * proxyenv - which proxy a URL goes through, as curl chooses it: --proxy, else the environment
 * (ws:// reads http_proxy, lowercase only as curl does because of CGI's HTTP_PROXY; wss://
 * reads https_proxy then HTTPS_PROXY; then all_proxy, ALL_PROXY), unless --noproxy or
 * no_proxy/NO_PROXY names the host (curl's rules: "*", domain suffixes, IP literals, CIDR).
 * --proxy "" turns the environment off. Pure functions: the UI reads the environment once and
 * hands the strings in, so the rules are testable without touching the process environment.
 */
#ifndef WSC_PROXYENV_H
#define WSC_PROXYENV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "proxy.h"

struct proxy_inputs {
    const char *proxy;      /* --proxy URL: NULL = from the environment, "" = never a proxy */
    const char *proxy_user; /* --proxy-user USER:PASS (secret), or NULL */
    const char *noproxy;    /* --noproxy LIST, or NULL (then no_proxy/NO_PROXY) */
    const char *cacert;     /* --proxy-cacert, or NULL */
    bool insecure;          /* --proxy-insecure */
    /* The environment as read once by the UI; NULL when unset. */
    const char *env_http_proxy;  /* http_proxy (lowercase only) */
    const char *env_https_proxy; /* https_proxy, else HTTPS_PROXY */
    const char *env_all_proxy;   /* all_proxy, else ALL_PROXY */
    const char *env_no_proxy;    /* no_proxy, else NO_PROXY */
    /* Which variable each of the three came from ("HTTPS_PROXY"), for messages; NULL: the
     * lowercase name. */
    const char *env_https_name, *env_all_name, *env_no_name;
};

/*
 * Parse a proxy URL as curl takes it: [scheme://][user[:pass]@]host[:port][/]. Schemes http
 * (also the default without one), https, socks4a, socks5 and socks5h, case-insensitive; default
 * ports 3128, 443 and 1080 (SOCKS); an IPv6 literal in brackets; user and pass percent-decoded.
 * Fills *out (cacert and insecure are left NULL/false). Returns 0, or -1 with a one-line reason
 * in err (errlen > 0) that never shows the user name or password.
 */
int proxy_parse_url(const char *url, struct proxy_spec *out, char *err, size_t errlen);

/*
 * Choose the proxy for a connection to host:port (tls: wss://), as curl does: --proxy, else the
 * environment (https_proxy for tls, http_proxy without; then all_proxy); none when --proxy is ""
 * or when the host matches --noproxy (else no_proxy), whichever way the proxy was chosen.
 * --proxy-user gives the credentials when the proxy URL has none; credentials in the URL win
 * (as curl: lib/url.c applies -U, then parse_proxy() sets the URL's user and password over it).
 * cacert and insecure come from the inputs. in NULL means no proxy. Fills *out (type
 * PROXY_NONE: connect directly) and why: one line for -v ("from https_proxy", "--proxy", "host
 * matches no_proxy entry '.example.test'", "no proxy set"). Returns 0, or -1 when the proxy URL is
 * malformed, with why saying which option or variable and what is wrong (never a secret); *out is
 * then PROXY_NONE.
 */
int proxy_select(const struct proxy_inputs *in, bool tls, const char *host, uint16_t port,
                 struct proxy_spec *out, char *why, size_t whylen);

/*
 * Whether host (a name or an address literal, without brackets) matches the no-proxy list, by
 * curl's rules: entries separated by commas and spaces; "*" alone matches every host; a name
 * matches itself and its subdomains, with or without a leading dot, case-insensitive, a trailing
 * dot ignored; an IPv4 or IPv6 literal matches that address, and with a /BITS suffix (CIDR)
 * every address in that network; an entry with a port never matches (as in curl). entry (may be
 * NULL) receives the entry that matched ("" for none).
 */
bool proxy_noproxy_match(const char *list, const char *host, char *entry, size_t entrylen);

/* The proxy as a URL for messages, credentials shown as "[redacted]":
 * "socks5h://[redacted]@[::1]:1080". Returns buf. */
const char *proxy_describe(const struct proxy_spec *p, char *buf, size_t n);

/* The URL scheme of a proxy type ("http", ..., "none"). */
const char *proxy_scheme_name(enum proxy_type t);

#endif
