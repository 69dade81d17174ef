/*
 * loop - the one poll() loop of wsc and the two faces around it.
 *
 * Slots: a self-pipe for signals, the connection's socket, standard input (records in pipe mode,
 * readline in the REPL) and standard output (to notice a reader that went away). Timers: the
 * connection's connect and close deadlines, --wait after end of input, --timeout, keep-alive
 * pings and their timeout, and the reconnect backoff.
 *
 * Pipe mode (stdin or stdout is not a terminal): stdin records become messages, received
 * messages go to stdout. REPL (both are terminals): the seed module's actions as commands.
 */
#ifndef WSC_LOOP_H
#define WSC_LOOP_H

#include "cli.h"

/* Run until done. Returns the process exit code (see conn.h). */
int loop_run(const struct options *o);

#endif
