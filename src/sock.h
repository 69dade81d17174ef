/*
 * sock - the bottom layer of the transport stack (layer.h): a socket.
 *
 * Two constructors over the same struct and ops:
 *
 *   sock_new_tcp_net()  TCP to a host name or address literal. --connect-to may first replace
 *                       the host and port (sock_connect_to()); then a --resolve entry for that
 *                       host and port gives the addresses (the name is not looked up at all),
 *                       or the name is resolved (an address literal at once; a name on
 *                       resolve.c's thread, so nothing blocks; -4/-6 limit the family). While
 *                       resolving, the layer's fd is the resolver's pipe.
 *   sock_new_unix()     AF_UNIX (curl's --unix-socket / --abstract-unix-socket): no resolving,
 *                       one connect(); the URL still gives Host, path and the TLS name.
 *
 * -4/-6 keep the addresses of one family, from the resolver or --resolve alike (curl does the
 * same); none left is T_ERR_RESOLVE ("no IPv6 address (-6)").
 *
 * Connecting over TCP (RFC 8305 §5, Happy Eyeballs). One address: a non-blocking connect();
 * the layer's fd is that socket (POLLOUT). Several: when they hold both families they are
 * first interleaved (sock_interleave(): the resolver's first family first), and of one family
 * or both, attempts are staggered: the first connect() starts, the next one SOCK_HE_DELAY_MS
 * later if none has connected yet, earlier attempts keep running, and an attempt that fails
 * starts the next at once. The first to connect wins and the others are closed. The caller
 * still polls one fd: during a staggered connect it is an epoll fd (POLLIN when anything inside
 * is ready) that holds every socket in flight (EPOLLOUT) and a timerfd for the next step. Once
 * connected the fd is the winning socket. -v logs each attempt ("trying [::1]:8080", "trying
 * 127.0.0.1:8080 (after 250 ms)") and the winner.
 *
 * An accept()ed fd for a listen mode (sock_new_fd(fd): connected from the start) would be a
 * third constructor; the layers above need no change.
 */
#ifndef WSC_SOCK_H
#define WSC_SOCK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "layer.h"

/* Where and how the socket connects (curl's --unix-socket, -4/-6, --resolve, --connect-to).
 * Borrowed strings. All zero: TCP to the host's addresses in the resolver's order. */
struct sock_settings {
    const char *unix_path;      /* --unix-socket / --abstract-unix-socket, or NULL for TCP */
    bool abstract;              /* unix_path names an abstract socket (Linux) */
    int family;                 /* 0 any, 4 (-4) or 6 (-6) */
    const char *const *resolve; /* "HOST:PORT:ADDR[,ADDR]..." */
    size_t nresolve;
    const char *const *connect_to; /* "HOST:PORT:HOST2:PORT2" */
    size_t nconnect_to;
};

/* Happy Eyeballs' "Connection Attempt Delay" (RFC 8305 §5: 250 ms recommended). */
#define SOCK_HE_DELAY_MS 250
/* At most this many addresses are tried per connect (more from the resolver are dropped). */
#define SOCK_MAX_ADDRS 32

/* A TCP layer for host (copied) and port, with the settings in net (NULL: none; the struct is
 * copied, its strings stay the caller's and must outlive the layer). net->unix_path is ignored
 * here (the caller picks sock_new_unix()). It starts on its first connect step. NULL when out
 * of memory. A proxy's socket should get net without connect_to (curl applies --connect-to to
 * the server, not to the proxy), and apply sock_connect_to() to the tunnel's target instead. */
struct layer *sock_new_tcp_net(struct layer_env *env, const char *host, uint16_t port,
                               const struct sock_settings *net);
/* The same with no settings. */
struct layer *sock_new_tcp(struct layer_env *env, const char *host, uint16_t port);
/* An AF_UNIX stream socket to path (copied); abstract: the Linux abstract name path (no file,
 * no leading NUL in path). NULL when out of memory. A path too long for sockaddr_un, or a
 * connect() that fails, is T_ERR_CONNECT on the first connect step, with the path in the text. */
struct layer *sock_new_unix(struct layer_env *env, const char *path, bool abstract);

/* The fd to poll: the resolver's pipe while resolving; while connecting the socket, or the
 * epoll fd of a staggered connect; then the socket. -1 before the first connect step and after
 * a failure. */
int sock_fd(const struct layer *l);
/* True while the host name is being looked up. */
bool sock_resolving(const struct layer *l);
/* The connected address "127.0.0.1:8080" / "[::1]:8080" / "unix:/run/x.sock" /
 * "unix:@name" (abstract), or "". */
const char *sock_peer(const struct layer *l);
/* The TCP addresses connect() was started on so far, in order: "[::1]:8080, 127.0.0.1:8080",
 * or "" (none yet, or a unix socket). Valid until the layer is freed. For a --connect-timeout
 * message. */
const char *sock_tried(const struct layer *l);
/* Bytes in the kernel's send queue not yet put on the network (Linux SIOCOUTQNSD); 0 when
 * unknown or not connected. */
size_t sock_unsent(const struct layer *l);

/* ---- pure helpers (sock_rules.c): no I/O, no allocation ---- */

/* One address to try. */
struct sock_addr {
    struct sockaddr_storage sa;
    socklen_t len;
};

/*
 * Check a --resolve entry, curl's "[+]HOST:PORT:ADDR[,ADDR]..." (HOST may be "*" for any host,
 * an IPv6 HOST or ADDR is written in brackets, PORT is 1-65535) or "-HOST:PORT" (forget the
 * earlier entries for HOST:PORT). The '+' (curl's "time out this entry") is accepted and
 * changes nothing. Returns NULL when well formed, or why not ("no address after HOST:PORT:").
 */
const char *sock_check_resolve(const char *entry);
/* Check a --connect-to entry "HOST:PORT:HOST2:PORT2" (any part may be empty; IPv6 in brackets;
 * ports 1-65535). NULL or why not. */
const char *sock_check_connect_to(const char *entry);

/*
 * The addresses --resolve gives host:port (host without brackets; names compare without case),
 * or NULL when no entry applies. Entries for other host:port pairs are ignored; of several for
 * the same pair the last one wins (curl replaces the earlier one in its DNS cache); a "*" entry
 * applies only when no entry names the host; "-HOST:PORT" drops what came before it for that
 * pair. Malformed entries are skipped. The result points into the entry: "::1,127.0.0.1"
 * (brackets kept), for sock_parse_addrs().
 */
const char *sock_resolve_find(const struct sock_settings *s, const char *host, uint16_t port);
/* Parse "ADDR[,ADDR]..." (numeric IPv4 or IPv6, the latter bare or in brackets) into out[]
 * with port. Returns how many were stored (at most max: the rest are checked, not stored; out
 * may be NULL with max 0 to check only), or -1 when one is not a numeric address. */
int sock_parse_addrs(const char *addrs, uint16_t port, struct sock_addr *out, size_t max);

/*
 * --connect-to: the first entry whose HOST and PORT match host:port (an empty HOST or PORT
 * matches any) decides where to connect: *out_host gets HOST2 without brackets (or host when
 * HOST2 is empty; at most n - 1 bytes) and *out_port PORT2 (or port when empty). Returns true
 * when an entry matched, false (out_host = host, *out_port = port) when none did. Malformed
 * entries are skipped. TLS and the Host header are the caller's business: they stay on host.
 */
bool sock_connect_to(const struct sock_settings *s, const char *host, uint16_t port, char *out_host,
                     size_t n, uint16_t *out_port);

/* -4/-6 (family 4 or 6; 0 keeps all): drop the addresses of the other family from a[0..n), in
 * order. Returns how many are left. */
size_t sock_keep_family(struct sock_addr *a, size_t n, int family);
/* True when a[0..n) holds both IPv4 and IPv6 addresses. */
bool sock_mixed_families(const struct sock_addr *a, size_t n);
/* Reorder a[0..n) in place so the families alternate, starting with a[0]'s family, each
 * family keeping its own order (RFC 8305 §4, First Address Family Count 1): 6a 6b 4a 4b
 * becomes 6a 4a 6b 4b; what is left of the longer family goes last. */
void sock_interleave(struct sock_addr *a, size_t n);

#endif
