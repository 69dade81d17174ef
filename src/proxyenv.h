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
};

#endif
