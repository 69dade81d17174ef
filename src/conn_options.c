/*
 * conn_options - struct options to struct conn_config; see conn_options.h.
 */
#include "conn_options.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "exitcode.h"
#include "log.h"
#include "transport.h"

/* The TLS configuration made once by conn_options_tls_check(), for every wss:// connection. */
static struct tls_config *tls_prepared;

/* SSLKEYLOGFILE, opened once for the whole run and only when a wss:// connection can happen
 * (the URL, or -L that may lead there), never blocking, a regular file only; otherwise a
 * warning once, and no key log (not fatal, as for curl and browsers). The fd, or -1. */
static int keylog_fd(const struct options *o)
{
    static int fd = -1;
    static bool done;
    const char *p = getenv("SSLKEYLOGFILE");
    char why[256];

    if (done || !(o->url.tls || o->location || o->location_trusted))
        return fd;
    done = true;
    if (p == NULL || *p == '\0')
        return -1;
    fd = tls_keylog_open(p, why, sizeof why);
    if (fd < 0)
        log_error("warning: cannot open SSLKEYLOGFILE '%s': %s; TLS keys are not logged", p, why);
    return fd;
}

void conn_options_config(const struct options *o, const char *authorization,
                         struct conn_config *cfg)
{
    memset(cfg, 0, sizeof *cfg);
    cfg->role = CONN_CLIENT;
    cfg->host = o->url.host;
    cfg->port = o->url.port;
    cfg->tls = o->url.tls;
    cfg->resource = o->url.resource;
    cfg->subprotocols = o->subprotocols;
    cfg->nsubprotocols = o->nsubprotocols;
    cfg->headers = o->headers;
    cfg->nheaders = o->nheaders;
    cfg->origin = o->origin;
    cfg->authorization = authorization ? authorization : o->authorization;
    cfg->follow_redirects = o->location || o->location_trusted;
    cfg->max_redirs = o->max_redirs;
    cfg->location_trusted = o->location_trusted;
    cfg->tls_opts.cacert = o->cacert;
    cfg->tls_opts.insecure = o->insecure;
    cfg->tls_opts.capath = o->capath;
    cfg->tls_opts.cert = o->cert;
    cfg->tls_opts.key = o->key;
    cfg->tls_opts.pass = o->pass;
    cfg->tls_opts.min_version = (enum tls_version)o->tls_min;
    cfg->tls_opts.max_version = (enum tls_version)o->tls_max;
    cfg->tls_opts.ciphers = o->ciphers;
    cfg->tls_opts.tls13_ciphers = o->tls13_ciphers;
    cfg->tls_opts.pinned_pubkey = o->pinned_pubkey;
    cfg->tls_opts.keylog_fd = keylog_fd(o);
    cfg->tls_opts.config = tls_prepared;
    cfg->net.unix_path = o->unix_socket;
    cfg->net.abstract = o->abstract_unix;
    cfg->net.family = o->ip_family;
    cfg->net.resolve = o->resolve;
    cfg->net.nresolve = o->nresolve;
    cfg->net.connect_to = o->connect_to;
    cfg->net.nconnect_to = o->nconnect_to;
    cfg->connect_timeout = o->connect_timeout;
    cfg->max_message_size = o->max_message_size;
    cfg->log_comms = o->log_comms;
    cfg->proxy = &o->proxy_in; /* main() filled it from the proxy options and the environment */
}

int conn_options_tls_check(const struct options *o, char *err, size_t n)
{
    struct conn_config cfg;
    char why[512];
    int r;

    if (!o->url.tls && !o->cacert && !o->capath && !o->cert && !o->key && !o->pass && !o->ciphers &&
        !o->tls13_ciphers && !o->pinned_pubkey && !o->tls_min && !o->tls_max)
        return 0;
    conn_options_config(o, NULL, &cfg);
    tls_config_free(tls_prepared);
    r = tls_config_new(&tls_prepared, &cfg.tls_opts, why, sizeof why);
    explicit_bzero(&cfg, sizeof cfg);
    if (r == 0)
        return 0;
    snprintf(err, n, "%s%s", r == T_ERR_CONFIG ? "bad TLS configuration: " : "", why);
    return r == T_ERR_CONFIG ? EXIT_USAGE : EXIT_INTERNAL;
}
