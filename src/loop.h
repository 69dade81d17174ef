/*
 * loop - the one poll() loop of wsc: the connection's socket, standard input, a self-pipe for
 * signals, and the timers (connect and close deadlines, --wait, --timeout). Pipe mode lives
 * here: stdin records become messages, messages go to stdout.
 */
#ifndef WSC_LOOP_H
#define WSC_LOOP_H

#include "cli.h"

/* Run until the connection is over. Returns the process exit code (see conn.h). */
int loop_run(const struct options *o);

#endif
