/*
 * wsc - a WebSocket client for the command line (RFC 6455).
 *
 * main() parses the options and hands over to the loop; the exit code says what happened
 * (see wsc(1), EXIT STATUS).
 */
#include <stdio.h>
#include <stdlib.h>

#include "cli.h"
#include "conn.h"
#include "exitcode.h"
#include "log.h"
#include "loop.h"

int main(int argc, char **argv)
{
    struct options o;
    char err[512];
    int rc = cli_parse(&o, argc, argv, getenv("WSC_BEARER_TOKEN"), err, sizeof err);
    if (rc == CLI_HELP) {
        cli_usage(stdout);
        cli_free(&o);
        return fflush(stdout) == 0 ? EXIT_OK : EXIT_WRITE;
    }
    if (rc == CLI_VERSION) {
        printf("wsc %s\n", WSC_VERSION);
        cli_free(&o);
        return fflush(stdout) == 0 ? EXIT_OK : EXIT_WRITE;
    }
    if (rc == CLI_DUMP) {
        cli_dump_options(stdout);
        cli_free(&o);
        return fflush(stdout) == 0 ? EXIT_OK : EXIT_WRITE;
    }
    if (rc != CLI_OK) {
        fprintf(stderr, "wsc: %s\n", err);
        cli_free(&o);
        return rc;
    }
    log_init(o.verbosity, o.log_comms, o.timestamps);
    rc = loop_run(&o);
    cli_free(&o);
    return rc;
}
