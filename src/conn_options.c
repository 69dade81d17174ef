/*
 * conn_options - struct options to struct conn_config; see conn_options.h.
 */
#include "conn_options.h"

#include <string.h>

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
    cfg->tls_opts.cacert = o->cacert;
    cfg->tls_opts.insecure = o->insecure;
    cfg->connect_timeout = o->connect_timeout;
    cfg->max_message_size = o->max_message_size;
    cfg->log_comms = o->log_comms;
    cfg->proxy = &o->proxy_in; /* main() filled it from the proxy options and the environment */
}
