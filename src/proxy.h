/*
 * proxy - the proxy layer of the transport stack (layer.h): it sits on the socket (or on a TLS
 * layer to an https:// proxy) and, in its connect step, asks the proxy for a tunnel to the
 * server: HTTP CONNECT (RFC 9110 §9.3.6, Basic credentials per RFC 7617), SOCKS5 (RFC 1928,
 * username/password per RFC 1929; socks5 resolves locally, socks5h lets the proxy resolve) or
 * SOCKS4a. Once the tunnel is up, reads and writes pass straight through; TLS to the server runs
 * inside it, end to end, against the server's name.
 *
 * Which proxy (if any) a URL uses is proxyenv.h's job; this file only speaks to one.
 */
#ifndef WSC_PROXY_H
#define WSC_PROXY_H

#include <stdbool.h>
#include <stdint.h>

#include "layer.h"
#include "sock.h"

enum proxy_type {
    PROXY_NONE = 0,
    PROXY_HTTP,    /* http://: CONNECT in clear text (default port 3128) */
    PROXY_HTTPS,   /* https://: TLS to the proxy, then CONNECT inside it (default port 443) */
    PROXY_SOCKS4A, /* socks4a://: the proxy resolves (default port 1080) */
    PROXY_SOCKS5,  /* socks5://: we resolve, the proxy gets an address (default port 1080) */
    PROXY_SOCKS5H, /* socks5h://: the proxy resolves (default port 1080) */
};

/* One proxy, as proxyenv.c chose it for one URL. Plain data: it may be copied. */
struct proxy_spec {
    enum proxy_type type;
    char host[256]; /* name or address literal, without brackets */
    uint16_t port;
    bool has_auth;      /* user and pass below are set (either may be empty) */
    char user[256];     /* percent-decoded; secret */
    char pass[256];     /* percent-decoded; secret */
    const char *cacert; /* https:// proxies: --proxy-cacert, or NULL for the system store */
    bool insecure;      /* https:// proxies: --proxy-insecure */
};

/*
 * A proxy layer over below (a connected socket to the proxy, or TLS to an https:// proxy) that
 * asks the proxy in spec (type and credentials, copied; the credentials are wiped when the
 * layer goes) for a tunnel to host:port (copied). NULL when out of memory.
 *
 * Connect step errors (text in env->err, never holding the credentials):
 *   T_ERR_PROXY    the proxy refused or failed the handshake: a CONNECT status other than 2xx
 *                  ("HTTP proxy 127.0.0.1:3128 refused the tunnel to localhost:8443: HTTP/1.0
 *                  403 Forbidden"; 407 says whether credentials are needed or were rejected),
 *                  a SOCKS reply code in RFC 1928's words, rejected SOCKS5 credentials, a reply
 *                  that is not the protocol's, or the connection closing or breaking meanwhile
 *   T_ERR_PROXY_AUTH  the proxy wants credentials or rejected ours: a 407 (or 401) to CONNECT,
 *                  with any scheme, a SOCKS5 proxy that needs credentials we do not have, or
 *                  rejected SOCKS5 credentials (the text as for T_ERR_PROXY)
 *   T_ERR_RESOLVE  socks5:// only: the server's name does not resolve here (or has no address
 *                  of the family -4/-6 asks for)
 *   T_ERR_NOMEM
 * While it looks up a name (socks5://) its poll_fd() is the lookup's pipe (layer.h).
 *
 * net (NULL: none; the struct is copied, its strings stay the caller's and must outlive the
 * layer) is for socks5://'s own lookup of host: a --resolve entry for host:port answers it,
 * and -4/-6 keep only that family's addresses, as for a direct connection (sock.h).
 */
struct layer *proxy_new(struct layer_env *env, struct layer *below, const struct proxy_spec *spec,
                        const struct sock_settings *net, const char *host, uint16_t port);

#endif
