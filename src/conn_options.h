/*
 * conn_options - the command line's view of a connection turned into a struct conn_config:
 * the one place where struct options meets conn.
 */
#ifndef WSC_CONN_OPTIONS_H
#define WSC_CONN_OPTIONS_H

#include "cli.h"
#include "conn.h"

/*
 * Fill *cfg for a client connection as the options describe it. authorization, when not NULL,
 * replaces the configured credentials (the REPL's /connect TOKEN). cfg points into o (and at
 * authorization): both must outlive every conn given cfg.
 */
void conn_options_config(const struct options *o, const char *authorization,
                         struct conn_config *cfg);

/* Build the TLS configuration once before any connection, when the URL is wss:// or a TLS
 * option is given (ws:// too: a redirect may lead to wss://): 0, or an exit code (2 for a bad
 * certificate, key, pass phrase, CA, cipher list or pin) with the message in err (n bytes).
 * Every later conn_options_config() hands it to the TLS layers (tls_settings.config), so that
 * no file is read again on a reconnect. */
int conn_options_tls_check(const struct options *o, char *err, size_t n);

#endif
