/*
 * conn_hop - the hops of one connection attempt: following a redirect of the upgrade request
 * (-L; RFC 9110 §15.4, §10.2.2) to a new connection, and the -v timing of each step of a hop.
 *
 * A 301, 302, 303, 307 or 308 reply with -L closes the connection and starts a new one (new
 * lookup, TCP and TLS as needed) to its Location, resolved against the current URL
 * (url_resolve()). The hop's host, port, scheme and resource replace those of c->cfg, pointing
 * at strings the conn owns, so everything that reads c->cfg (the transport, the proxy choice,
 * the Host header) follows. An empty Location is taken as none (as curl does), so the reply is a
 * refusal. A redirect is refused (CONN_ERR_REDIRECT, exit 47) past --max-redirs, for a reply
 * with more than one Location, for a Location that does not resolve or has another scheme, and
 * from wss:// to ws:// (a downgrade). Credentials (the Authorization header and any -H
 * Authorization or Cookie line) go only to the original host, port and scheme, as curl does, unless
 * --location-trusted. Each attempt (conn_reset(), and so each --reconnect) starts again from
 * the configured URL: a redirect may be temporary. Each hop gets its own --connect-timeout.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "conn_int.h"
#include "log.h"
#include "url.h"

#define CONN_SHOWN_LOCATION 200  /* bytes of a raw Location shown */
#define CONN_SHOWN_DISPLAY  1000 /* bytes of a followed URL shown (-v, the JSON event) */

static int64_t now_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

bool conn_hop_followable(int status)
{
    return status == 301 || status == 302 || status == 303 || status == 307 || status == 308;
}

/* The current hop's URL as a struct url that borrows cfg's strings (never freed). */
static struct url current_url(const struct conn *c)
{
    return (struct url){
        .tls = c->cfg.tls,
        .host = (char *)c->cfg.host,
        .ipv6 = strchr(c->cfg.host, ':') != NULL,
        .port = c->cfg.port,
        .port_given = true,
        .resource = (char *)c->cfg.resource,
    };
}

char *conn_hop_host_header(const struct conn_config *cfg)
{
    struct url u = {.tls = cfg->tls,
                    .host = (char *)cfg->host,
                    .ipv6 = strchr(cfg->host, ':') != NULL,
                    .port = cfg->port};
    return url_host_header(&u);
}

/* An -H line that carries a credential: Authorization or Cookie (curl's rule). */
static bool secret_header(const char *line)
{
    return strncasecmp(line, "authorization:", 14) == 0 || strncasecmp(line, "cookie:", 7) == 0;
}

void conn_hop_free(struct conn *c)
{
    free(c->location);
    free(c->hop_host);
    free(c->hop_resource);
    free(c->hop_headers);
    c->location = c->hop_host = c->hop_resource = NULL;
    c->hop_headers = NULL;
}

void conn_hop_reset(struct conn *c)
{
    c->redirects = 0;
    c->redirect_pending = false;
    if (c->hop_host != NULL) {
        char *hh = conn_hop_host_header(&c->base);
        if (hh == NULL) /* out of memory: the next attempt goes where this one went */
            return;
        free(c->host_header);
        c->host_header = hh;
        c->cfg = c->base;
    }
    conn_hop_free(c);
}

void conn_hop_location_shown(const char *value, size_t len, char *out, size_t n)
{
    /* "scheme://user:pass@host": the userinfo goes */
    char *loc = strndup(value, len);
    char *copy = malloc(len + 16);
    if (loc == NULL || copy == NULL) {
        free(loc);
        free(copy);
        snprintf(out, n, "?");
        return;
    }
    len = strlen(loc); /* a NUL in the value ends it */
    /* An authority: "//" at the start or right after the scheme, before any '/', '?', '#' */
    size_t pre = strcspn(loc, "/?#");
    const char *auth = NULL, *at = NULL;
    if (loc[pre] == '/' && loc[pre + 1] == '/' && (pre == 0 || loc[pre - 1] == ':')) {
        auth = loc + pre + 2;
        size_t alen = strcspn(auth, "/?#");
        for (size_t i = 0; i < alen; i++)
            if (auth[i] == '@')
                at = auth + i;
    }
    if (at != NULL)
        snprintf(copy, len + 16, "%.*s[redacted]%s", (int)(auth - loc), loc, at);
    else
        memcpy(copy, loc, len + 1);
    size_t need = url_redact_query(copy, NULL, 0) + 1;
    char *red = malloc(need);
    if (red != NULL) {
        url_redact_query(copy, red, need);
        size_t rl = strlen(red);
        char shown[4 * CONN_SHOWN_LOCATION + 1];
        conn_escape(shown, sizeof shown, (const uint8_t *)red,
                    rl < CONN_SHOWN_LOCATION ? rl : CONN_SHOWN_LOCATION);
        snprintf(out, n, "%s%s", shown, rl > CONN_SHOWN_LOCATION ? "..." : "");
    } else {
        snprintf(out, n, "?");
    }
    free(red);
    explicit_bzero(copy, len);
    explicit_bzero(loc, len);
    free(copy);
    free(loc);
}

void conn_hop_location_text(const struct conn *c, char *out, size_t n)
{
    if (n > 0)
        out[0] = '\0';
    if (c->location == NULL)
        return;
    struct url base = current_url(c), next;
    if (url_resolve(&base, c->location, &next, NULL) == URL_OK) {
        char *d = url_display(&next);
        url_free(&next);
        if (d != NULL && strlen(d) <= CONN_SHOWN_LOCATION) { /* else cut, below */
            char shown[4 * CONN_SHOWN_LOCATION + 1];
            conn_escape(shown, sizeof shown, (const uint8_t *)d, strlen(d));
            snprintf(out, n, "%s", shown);
            free(d);
            return;
        }
        free(d);
    }
    conn_hop_location_shown(c->location, strlen(c->location), out, n);
}

/* Which credentials go to the hop now in c->cfg: all of them to the original host, port and
 * scheme (or with --location-trusted), none elsewhere. */
static int hop_credentials(struct conn *c)
{
    const struct conn_config *b = &c->base;
    bool same =
        strcasecmp(c->cfg.host, b->host) == 0 && c->cfg.port == b->port && c->cfg.tls == b->tls;
    c->cfg.authorization = b->authorization;
    c->cfg.headers = b->headers;
    c->cfg.nheaders = b->nheaders;
    if (same || b->location_trusted)
        return 0;
    size_t kept = 0, dropped = 0;
    if (c->hop_headers == NULL && b->nheaders > 0) {
        c->hop_headers = calloc(b->nheaders, sizeof *c->hop_headers);
        if (c->hop_headers == NULL)
            return -1;
    }
    for (size_t i = 0; i < b->nheaders; i++) {
        if (secret_header(b->headers[i]))
            dropped++;
        else
            c->hop_headers[kept++] = b->headers[i];
    }
    c->cfg.authorization = NULL;
    c->cfg.headers = c->hop_headers;
    c->cfg.nheaders = kept;
    if (b->authorization || dropped) {
        char what[64] = "";
        if (dropped)
            snprintf(what, sizeof what, "%s%zu -H line%s", b->authorization ? " and " : "", dropped,
                     dropped == 1 ? "" : "s");
        log_msg(LOG_VERBOSE,
                "credentials dropped (%s%s): another host, port or scheme than the original "
                "(--location-trusted sends them)",
                b->authorization ? "the Authorization header" : "", what);
    }
    return 0;
}

/* Follow the Location of this status (-L), or end the attempt saying why not. */
static void follow(struct conn *c, int status)
{
    char shown[4 * CONN_SHOWN_LOCATION + 8];
    if (c->cfg.max_redirs >= 0 && c->redirects >= c->cfg.max_redirs) {
        conn_finish(c, CONN_ERR_REDIRECT, "maximum (%ld) redirects followed (--max-redirs)",
                    c->cfg.max_redirs);
        return;
    }
    struct url base = current_url(c), next;
    const char *why = NULL;
    int rc = url_resolve(&base, c->location, &next, &why);
    if (rc == URL_ERR_NOMEM) {
        conn_finish(c, CONN_ERR_INTERNAL, "out of memory");
        return;
    }
    if (rc != URL_OK) {
        conn_hop_location_shown(c->location, strlen(c->location), shown, sizeof shown);
        conn_finish(c, CONN_ERR_REDIRECT, "bad Location '%s' in the %d reply: %s", shown, status,
                    why);
        return;
    }
    char *d = url_display(&next);
    if (d == NULL) {
        url_free(&next);
        conn_finish(c, CONN_ERR_INTERNAL, "out of memory");
        return;
    }
    /* For the log, the message and the event: bytes that are not UTF-8 escaped, and cut. */
    char display[4 * CONN_SHOWN_DISPLAY + 1];
    conn_escape(display, sizeof display, (const uint8_t *)d, strlen(d));
    free(d);
    if (c->cfg.tls && !next.tls) {
        conn_finish(c, CONN_ERR_REDIRECT,
                    "refusing the %d from wss:// to %s: a downgrade to an unencrypted connection",
                    status, display);
        url_free(&next);
        return;
    }
    char *hh = url_host_header(&next);
    if (hh == NULL) {
        url_free(&next);
        conn_finish(c, CONN_ERR_INTERNAL, "out of memory");
        return;
    }
    if (next.user != NULL)
        log_msg(LOG_VERBOSE, "the user name and password in the Location are not used");
    /* The hop owns its strings; cfg points at them. */
    free(c->hop_host);
    free(c->hop_resource);
    free(c->host_header);
    c->hop_host = next.host;
    c->hop_resource = next.resource;
    c->host_header = hh;
    next.host = next.resource = NULL;
    c->cfg.host = c->hop_host;
    c->cfg.port = next.port;
    c->cfg.tls = next.tls;
    c->cfg.resource = c->hop_resource;
    url_free(&next);
    c->redirects++;
    /* The caller says it (an event line, a JSON event); without a handler, -v does. */
    if (c->h.on_redirect)
        c->h.on_redirect(c->ud, status, display, c->redirects);
    else if (c->cfg.max_redirs >= 0)
        log_msg(LOG_VERBOSE, "following %d to %s (%d of %ld)", status, display, c->redirects,
                c->cfg.max_redirs);
    else
        log_msg(LOG_VERBOSE, "following %d to %s (%d, no limit)", status, display, c->redirects);
    if (hop_credentials(c) < 0) {
        conn_finish(c, CONN_ERR_INTERNAL, "out of memory");
        return;
    }
    /* No more of this reply is read: the next hop starts once conn_handle() unwinds. */
    transport_free(c->t);
    c->t = NULL;
    c->deadline = -1;
    c->redirect_pending = true;
}

bool conn_hop_reply(struct conn *c, const struct handshake_response *r)
{
    free(c->location);
    c->location = NULL;
    if (r->status < 300 || r->status > 399)
        return false;
    const struct http_header *loc = handshake_response_header(r, "Location");
    /* An empty Location (the parser has trimmed its white space) would resolve to this very
     * URL and loop to --max-redirs: like curl, take it as no Location at all. */
    if (loc == NULL || loc->value_len == 0) {
        if (loc != NULL)
            log_msg(LOG_VERBOSE, "the %d reply has an empty Location: not a redirect", r->status);
        return false;
    }
    c->location = strndup(loc->value, loc->value_len);
    if (c->location == NULL) {
        conn_finish(c, CONN_ERR_INTERNAL, "out of memory");
        return true;
    }
    if (!c->cfg.follow_redirects || !conn_hop_followable(r->status))
        return false;
    /* Location is a single URI (RFC 9110 §10.2.2): with two, which one is meant is a guess. */
    size_t nloc = http_header_count(r->headers, r->nheaders, "Location");
    if (nloc > 1) {
        conn_finish(c, CONN_ERR_REDIRECT,
                    "the %d reply has %zu Location headers (a redirect has one target)", r->status,
                    nloc);
        return true;
    }
    follow(c, r->status);
    return true;
}

void conn_hop_next(struct conn *c)
{
    c->redirect_pending = false;
    conn_start(c);
}

/* The step a --connect-timeout cut short, for its message: "connecting", "during the TLS
 * handshake", "waiting for the handshake reply". */
const char *conn_hop_timeout_step(const struct conn *c)
{
    static char what[320];
    if (c->state == CONN_HANDSHAKE)
        return "waiting for the handshake reply";
    if (c->t == NULL || !transport_tcp_connected(c->t)) {
        if (c->t && transport_resolving(c->t))
            return "looking up the host name";
        if (c->t == NULL || !*transport_tried(c->t))
            return "connecting";
        snprintf(what, sizeof what, "connecting (tried %s)", transport_tried(c->t));
        return what;
    }
    const char *name = transport_layer_name(c->t, transport_layers_connected(c->t));
    if (strcmp(name, "tls") == 0)
        return "during the TLS handshake";
    snprintf(what, sizeof what, "during the %s handshake", *name ? name : "TLS");
    return what;
}

/* --- -v timing and --write-out's timings ------------------------------------------------- */

int64_t conn_now_us(void)
{
    return now_us();
}

void conn_get_timings(const struct conn *c, struct conn_timings *out)
{
    *out = c->tm;
}

void conn_hop_started(struct conn *c)
{
    c->hop_start_us = now_us();
    c->lookup_seen = c->lookup_logged = false;
    c->layers_logged = 0;
    c->layers_timed = 0;
    int64_t start = c->redirects > 0 && c->tm.start_us > 0 ? c->tm.start_us : c->hop_start_us;
    c->tm = (struct conn_timings){.start_us = start,
                                  .namelookup_us = -1,
                                  .connect_us = -1,
                                  .appconnect_us = -1,
                                  .upgrade_us = -1,
                                  .first_message_us = -1,
                                  .redirects = c->redirects};
}

void conn_hop_mark(struct conn *c, int64_t *step)
{
    if (*step < 0)
        *step = now_us() - c->tm.start_us;
}

void conn_hop_elapsed(const struct conn *c, const char *what)
{
    log_msg(LOG_VERBOSE, "%s after %.1f ms", what, (double)(now_us() - c->hop_start_us) / 1000);
}

void conn_hop_transport_line(struct conn *c, const char *line)
{
    /* sock.c says "resolved NAME to ADDRESSES" as the lookup ends, before it connects. */
    if (strncmp(line, "resolved ", 9) == 0)
        conn_hop_mark(c, &c->tm.namelookup_us);
    if (c->lookup_seen && !c->lookup_logged && strncmp(line, "resolved ", 9) == 0) {
        c->lookup_logged = true;
        conn_hop_elapsed(c, "name lookup done");
    }
}

/* --write-out: the lookup is done once the transport no longer resolves (at once for an
 * address literal), each layer once connected; the first TCP layer is "connect" and the TLS
 * layer to the server (the last one) is "appconnect". */
static void conn_hop_time_steps(struct conn *c)
{
    if (!transport_resolving(c->t))
        conn_hop_mark(c, &c->tm.namelookup_us);
    int up = transport_layers_connected(c->t);
    for (; c->layers_timed < up; c->layers_timed++) {
        const char *name = transport_layer_name(c->t, c->layers_timed);
        if (strcmp(name, "tcp") == 0)
            conn_hop_mark(c, &c->tm.connect_us);
        else if (strcmp(name, "tls") == 0 && c->cfg.tls)
            c->tm.appconnect_us = now_us() - c->tm.start_us; /* the last TLS layer */
    }
}

void conn_hop_steps(struct conn *c)
{
    if (c->t == NULL)
        return;
    conn_hop_time_steps(c);
    if (!log_enabled(LOG_VERBOSE))
        return;
    if (transport_resolving(c->t)) {
        c->lookup_seen = true;
    } else if (c->lookup_seen && !c->lookup_logged) {
        c->lookup_logged = true;
        conn_hop_elapsed(c, "name lookup done");
    }
    int up = transport_layers_connected(c->t);
    for (; c->layers_logged < up; c->layers_logged++) {
        const char *name = transport_layer_name(c->t, c->layers_logged);
        char what[96];
        if (strcmp(name, "tcp") == 0)
            snprintf(what, sizeof what, "TCP connected");
        else if (strcmp(name, "tls") == 0)
            snprintf(what, sizeof what, "TLS handshake done");
        else
            snprintf(what, sizeof what, "%s connected", name);
        conn_hop_elapsed(c, what);
    }
}
