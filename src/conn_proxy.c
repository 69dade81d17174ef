/*
 * conn_proxy - the proxy of one connection attempt: proxyenv.c's choice for the URL as it is
 * at conn_start() (a redirect may have changed host, port and tls), logged at -v.
 */
#include <string.h>

#include "conn_int.h"
#include "log.h"

bool conn_select_proxy(struct conn *c)
{
    const struct conn_config *cfg = &c->cfg;
    char why[256], shown[600];
    explicit_bzero(&c->proxy, sizeof c->proxy);
    if (cfg->net.unix_path != NULL) {
        if (cfg->proxy && (cfg->proxy->proxy || cfg->proxy->env_http_proxy ||
                           cfg->proxy->env_https_proxy || cfg->proxy->env_all_proxy))
            log_msg(LOG_VERBOSE, "no proxy: connecting to a unix socket");
        return true;
    }
    if (proxy_select(cfg->proxy, cfg->tls, cfg->host, cfg->port, &c->proxy, why, sizeof why) < 0) {
        conn_finish(c, CONN_ERR_PROXY_CONFIG, "%s", why);
        return false;
    }
    if (c->proxy.type != PROXY_NONE)
        log_msg(LOG_VERBOSE, "using proxy %s (%s)", proxy_describe(&c->proxy, shown, sizeof shown),
                why);
    else
        log_msg(LOG_VERBOSE, "no proxy: %s", why);
    return true;
}
