/*
 * loop - the one poll() loop of wsc and the two faces around it.
 *
 * Slots: a self-pipe for signals (SIGINT, SIGTERM, SIGHUP, SIGUSR1), the connection's socket,
 * standard input (records in pipe mode, readline in the REPL) and standard output (POLLOUT while
 * output waits for a slow reader, POLLERR for a reader that went away). Nothing blocks: while
 * stdout is behind, the socket is not read (backpressure) and timers and signals go on. Timers:
 * the connection's connect and close deadlines, --wait after end of input, --timeout,
 * keep-alive pings and their timeout, the reconnect backoff, and a full stdout pipe.
 *
 * The jobs around the loop live in their own files (see app.h): pipe.c, actions.c (the REPL
 * command table's handlers), events.c, stayup.c (keep-alive and reconnect via policy.c).
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
