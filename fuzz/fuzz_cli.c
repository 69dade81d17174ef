/*
 * fuzz_cli - option parsing (cli_parse() in src/cli.h) from a fuzzer-made argv.
 *
 * Input: a config byte, then the arguments separated by NUL. A fixed random-looking secret is
 * planted as a credential, in a form the config byte picks: --bearer TOKEN or --bearer=TOKEN,
 * --auth USER:PASS or --auth=USER:PASS (first, so no option before it can take them as its
 * value), the password of a URL anywhere in argv (with the fuzzer's next argument as the rest of
 * the URL), an Authorization header, or WSC_BEARER_TOKEN. The fuzzer's own arguments never hold
 * the secret. Properties: the result is CLI_OK, another CLI_* (<= 0) or exit code 1, 2 or 3;
 * an exit code comes with a message that never contains the secret; cli_free() is safe
 * whatever happened.
 */
#include "fuzz.h"

#include <stdbool.h>

#include "cli.h"

#define SECRET "Kq3vZ8sPw0rdX7"

static char *cat(const char *a, const char *b, const char *c)
{
    size_t la = strlen(a), lb = strlen(b), lc = strlen(c);
    char *s = malloc(la + lb + lc + 1);
    if (s == NULL)
        abort();
    memcpy(s, a, la);
    memcpy(s + la, b, lb);
    memcpy(s + la + lb, c, lc + 1);
    return s;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    uint8_t cfg = fz_byte(&data, &size);
    char *text = malloc(size + 1);
    if (text == NULL)
        abort();
    memcpy(text, data, size);
    text[size] = '\0';

    /* The fuzzer's arguments, each with any copy of the secret spoiled. */
    size_t nf = 0;
    char *fa[64];
    for (size_t i = 0, start = 0; i <= size && nf < 64; i++) {
        if (i < size && text[i] != '\0')
            continue;
        fa[nf++] = text + start;
        start = i + 1;
    }
    if (size == 0)
        nf = 0;
    for (size_t i = 0; i < nf; i++)
        for (char *p = fa[i]; (p = strstr(p, SECRET)) != NULL;)
            *p = '_';

    char *argv[72], *owned[1] = {NULL};
    int argc = 0;
    size_t k = 0;
    argv[argc++] = "wsc";
    size_t url_at = (cfg >> 4) % (nf + 1);
    switch (cfg & 7) {
    case 1:
        argv[argc++] = "--bearer";
        argv[argc++] = SECRET;
        break;
    case 2:
        argv[argc++] = "--bearer=" SECRET;
        break;
    case 3:
        argv[argc++] = "--auth";
        argv[argc++] = "user:" SECRET;
        break;
    case 4:
        argv[argc++] = "--auth=user:" SECRET;
        break;
    case 7:
        argv[argc++] = "-H";
        argv[argc++] = "Authorization: Bearer " SECRET;
        break;
    default:
        break;
    }
    for (;;) {
        if ((cfg & 7) == 5 && k == url_at) {
            /* ws://user:SECRET@ followed by the fuzzer's next argument */
            owned[0] = cat("ws://user:", SECRET "@", k < nf ? fa[k++] : "");
            argv[argc++] = owned[0];
            url_at = (size_t)-1;
        } else if ((cfg & 7) == 6 && k == url_at) {
            owned[0] = cat("wss://u:", SECRET, "@localhost/");
            argv[argc++] = owned[0];
            url_at = (size_t)-1;
        }
        if (k >= nf)
            break;
        argv[argc++] = fa[k++];
    }
    argv[argc] = NULL;

    struct options o;
    char err[512];
    err[0] = '\0';
    int rc = cli_parse(&o, argc, argv, cfg & 8 ? SECRET : NULL, err, sizeof err);
    FUZZ_REQUIRE(rc <= 0 || rc <= 3, "result %d", rc); /* CLI_OK or a CLI_* action; exit 1-3 */
    if (rc > 0) {
        /* Not checked: the message is one line. Arguments are echoed as given, so a newline or
         * an escape sequence in one reaches stderr raw ("bad URL '\n...'"). */
        FUZZ_REQUIRE(err[0] != '\0', "no message for %d", rc);
        FUZZ_REQUIRE(strstr(err, SECRET) == NULL, "the secret is in the message: %s", err);
    }
    if (rc == CLI_OK) {
        FUZZ_REQUIRE(o.url.host != NULL && o.url.resource != NULL, "no URL");
        if ((cfg & 7) >= 1 && (cfg & 7) <= 4)
            FUZZ_REQUIRE(o.authorization != NULL, "planted credentials ignored");
    }
    cli_free(&o);
    free(owned[0]);
    free(text);
    return 0;
}
