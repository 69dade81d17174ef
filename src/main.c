/*
 * wsc - a WebSocket client for the command line (RFC 6455).
 *
 * main() parses the options and hands over to the loop; the exit code says what happened
 * (see wsc(1), EXIT STATUS).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "conn.h"
#include "conn_options.h"
#include "exitcode.h"
#include "log.h"
#include "loop.h"
#include "output.h"

/* The first of two environment variables that is set and not empty, and its name: an empty
 * one counts as unset, as in curl, so "https_proxy=" does not hide HTTPS_PROXY. */
static const char *env2(const char *lower, const char *upper, const char **name)
{
    const char *v = getenv(lower);
    *name = lower;
    if (v == NULL || *v == '\0') {
        const char *u = getenv(upper);
        if (u != NULL || v == NULL) {
            v = u;
            *name = upper;
        }
    }
    return v;
}

/*
 * The proxy options and the environment, read once for the whole run (proxyenv.h): http_proxy
 * in lowercase only (HTTP_PROXY may come from a CGI request's Proxy: header), the others in
 * either case, lowercase first. Returns 0, or 2 with a message when the proxy the URL would
 * use is malformed (a redirect that needs another proxy is checked when it connects).
 */
static int proxy_setup(struct options *o, char *err, size_t errlen)
{
    struct proxy_inputs *in = &o->proxy_in;
    memset(in, 0, sizeof *in);
    in->proxy = o->proxy;
    in->proxy_user = o->proxy_user;
    in->noproxy = o->noproxy;
    in->cacert = o->proxy_cacert;
    in->insecure = o->proxy_insecure;
    in->env_http_proxy = getenv("http_proxy");
    in->env_https_proxy = env2("https_proxy", "HTTPS_PROXY", &in->env_https_name);
    in->env_all_proxy = env2("all_proxy", "ALL_PROXY", &in->env_all_name);
    in->env_no_proxy = env2("no_proxy", "NO_PROXY", &in->env_no_name);

    struct conn_config cfg;
    struct proxy_spec spec;
    char why[256];
    conn_options_config(o, NULL, &cfg);
    if (cfg.net.unix_path != NULL) /* never a proxy to a unix socket, as curl */
        return 0;
    int rc = proxy_select(in, cfg.tls, cfg.host, cfg.port, &spec, why, sizeof why);
    explicit_bzero(&spec, sizeof spec);
    if (rc < 0) {
        snprintf(err, errlen, "%s", why);
        return EXIT_USAGE;
    }
    return 0;
}

/* The options that only qualify a match option: without the one they qualify they would be
 * ignored in silence, so they are a usage error (2) naming them. (--jq-output without --jq is
 * match_new()'s.) Returns 0 or 2 with the message in err. */
static int match_options_check(const struct options *o, char *err, size_t errlen)
{
    if (o->ignore_case && o->match == NULL && o->match_regex == NULL) {
        snprintf(err, errlen, "-i/--ignore-case needs -m/--match or -E/--match-regex");
        return EXIT_USAGE;
    }
    if (o->expect_first && o->match == NULL && o->match_regex == NULL && o->jq == NULL) {
        snprintf(err, errlen, "--expect-first needs -m/--match, -E/--match-regex or --jq");
        return EXIT_USAGE;
    }
    return 0;
}

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
    if ((rc = proxy_setup(&o, err, sizeof err)) != 0 ||
        (rc = conn_options_tls_check(&o, err, sizeof err)) != 0 ||
        (rc = match_options_check(&o, err, sizeof err)) != 0 ||
        (rc = output_match_setup(&o, err, sizeof err) < 0 ? EXIT_USAGE : 0) != 0) {
        fprintf(stderr, "wsc: %s\n", err);
        cli_free(&o);
        return rc;
    }
    log_init(o.verbosity, o.log_comms, o.timestamps);
    rc = loop_run(&o);
    cli_free(&o);
    return rc;
}
