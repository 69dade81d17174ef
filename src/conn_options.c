/*
 * conn_options - struct options to struct conn_config; see conn_options.h.
 */
#include "conn_options.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "log.h"

/* SSLKEYLOGFILE, when set and it can be opened for append (made 0600 when new); otherwise a
 * warning once, and no key log (not fatal, as for curl and browsers). */
static const char *keylog_file(void)
{
    static const char *path;
    static bool done;
    const char *p = getenv("SSLKEYLOGFILE");
    int fd;

    if (done)
        return path;
    done = true;
    if (p == NULL || *p == '\0')
        return NULL;
    fd = open(p, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
    if (fd < 0) {
        log_error("warning: cannot open SSLKEYLOGFILE '%s': %s; TLS keys are not logged", p,
                  strerror(errno));
        return NULL;
    }
    close(fd);
    return path = p;
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
    cfg->tls_opts.min_version = o->tlsv1_3 ? TLS_VERSION_1_3 : TLS_VERSION_DEFAULT;
    cfg->tls_opts.max_version = (enum tls_version)o->tls_max;
    cfg->tls_opts.ciphers = o->ciphers;
    cfg->tls_opts.tls13_ciphers = o->tls13_ciphers;
    cfg->tls_opts.pinned_pubkey = o->pinned_pubkey;
    cfg->tls_opts.keylog_file = keylog_file();
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
