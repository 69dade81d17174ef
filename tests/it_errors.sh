#!/bin/bash
# Failures before or around the connection: exit codes and the one-line message on stderr.
. "$(dirname "$0")/lib.sh"

start_ws P
U=ws://127.0.0.1:$P

t_begin "errors: upgrade refused with 403 -> 22, status line and body on stderr"
wsc_run "$U/status?code=403" < <(printf 'x\n')
expect_rc 22
expect_err_contains 403
expect_err_contains Forbidden
expect_err_contains "refused by the wsc test server"
expect_out ''
t_end

t_begin "errors: upgrade refused with 500 -> 22"
wsc_run "$U/status?code=500"
expect_rc 22
expect_err_contains 500
t_end

start_raw SPLIT status-403-split
t_begin "errors: 403 whose body comes in a later packet -> 22, body still on stderr"
wsc_run "ws://127.0.0.1:$SPLIT/"
expect_rc 22
expect_err_contains 403
expect_err_contains "body in a second packet"
t_end
stop_server "$SERVER_PID"

DEAD=$(free_port)
t_begin "errors: connection refused -> 7"
wsc_run "ws://127.0.0.1:$DEAD/"
expect_rc 7
expect_err_contains "wsc: "
expect_err_matches 'refused'
t_end

t_begin "errors: unknown host nonexistent.invalid -> 6"
use_dns_shim # the name is unknown without asking a DNS server
wsc_run -t 15 "ws://nonexistent.invalid/"
expect_rc 6
expect_err_contains nonexistent.invalid
t_end

for url in 'httpx://x/' 'ws://[::1' 'ws://h:99999/' 'ws://' 'ftp://example.test/' 'ws://h:port/' \
	'ws://127.0.0.1:0/' 'wss://127.0.0.1:0/'; do
	t_begin "errors: bad URL $url -> 3"
	wsc_run "$url"
	expect_rc 3
	expect_err_contains "wsc: "
	t_end
done

t_begin "errors: --port 70000 -> 2"
wsc_run --host 127.0.0.1 --port 70000
expect_rc 2
expect_err_contains port
t_end

t_begin "errors: --port -1 -> 2"
wsc_run --host 127.0.0.1 --port -1
expect_rc 2
t_end

t_begin "errors: --protocol ftp -> 2"
wsc_run --host 127.0.0.1 --protocol ftp
expect_rc 2
expect_err_contains protocol
t_end

t_begin "errors: --host ws://x -> 2"
wsc_run --host ws://x
expect_rc 2
expect_err_contains host
t_end

t_begin "errors: --host with a path -> 2"
wsc_run --host x/y
expect_rc 2
t_end

t_begin "errors: port 0 in a URL is a bad URL (exit 3), not port 80"
wsc_run 'ws://127.0.0.1:0/'
expect_rc 3
expect_err_contains "bad URL 'ws://127.0.0.1:0/'"
expect_err_contains "port"
t_end

t_begin "errors: http:// is taken as ws://"
wsc_run --count 1 "http://127.0.0.1:$P/echo" < <(printf 'via http\n')
expect_rc 0
expect_out 'via http\n'
t_end

t_begin "errors: --bearer URL (token forgotten) says the URL was taken as the token"
wsc_run --bearer "$U/echo"
expect_rc 2
expect_err_contains "no URL given (--bearer took '$U/echo' as its value; TOKEN is missing?)"
t_end

t_begin "errors: --bearer with a token and no URL never shows the token"
wsc_run --bearer hunter2
expect_rc 2
expect_err_contains "no URL given"
expect_err_lacks hunter2
t_end

t_begin "errors: a second argument with a password is redacted (unexpected argument)"
wsc_run x ws://u:hunter2@127.0.0.1:1/
expect_rc 2
expect_err_contains "unexpected argument 'ws://[redacted]@127.0.0.1:1/'"
expect_err_lacks hunter2
t_end

t_begin "errors: an option value with a password is redacted"
wsc_run --wait ws://u:hunter2@h/ "$U/echo"
expect_rc 2
expect_err_contains "--wait: 'ws://[redacted]@h/'"
expect_err_lacks hunter2
t_end

t_begin "errors: a token after a swallowed --bearer is never shown"
wsc_run "$U/echo" -x --bearer hunter2
expect_rc 2
expect_err_contains "unexpected argument"
expect_err_lacks hunter2
t_end

t_begin "errors: unknown option -> 2"
wsc_run --no-such-option "$U/echo"
expect_rc 2
t_end

t_begin "errors: no URL -> 2"
wsc_run
expect_rc 2
t_end

t_begin "errors: --count not a number -> 2"
wsc_run --count many "$U/echo"
expect_rc 2
t_end

t_begin "errors: --binary-format octal -> 2"
wsc_run --binary-format octal "$U/echo"
expect_rc 2
t_end

t_begin "errors: --host/--port/--path reach the server"
wsc_run --host 127.0.0.1 --port "$P" --path /echo --count 1 < <(printf 'parts\n')
expect_rc 0
expect_out 'parts\n'
t_end

t_begin "errors: --timeout 1 while waiting for the server -> 28 after about 1 s"
wsc_run -w -1 --timeout 1 "$U/echo"
expect_rc 28
expect_elapsed_above 0.9
expect_elapsed_below 3
t_end

start_raw SILENT silent
t_begin "errors: silent server with --connect-timeout 1 -> 28 within about 2 s"
wsc_run --connect-timeout 1 "ws://127.0.0.1:$SILENT/" < <(printf 'x\n')
expect_rc 28
expect_elapsed_above 0.9
expect_elapsed_below 2.5
expect_err_contains "wsc: "
t_end

t_begin "errors: --help exits 0 and lists options"
wsc_run --help
expect_rc 0
expect_that 'grep -q -- --connect-timeout "$OUT" "$ERR"' "--help does not mention --connect-timeout"
t_end

t_begin "errors: --version exits 0"
wsc_run --version
expect_rc 0
expect_that 'grep -qE "[0-9]+\.[0-9]+" "$OUT"' "no version number on stdout: $(_show "$(cat "$OUT")")"
t_end

t_begin "errors: stdout cannot be written (/dev/full) -> 23"
timeout -k 2 10 "$WSC" -w 5 "$U/send?n=2" >/dev/full 2>"$TMP/full.err"
RC=$?
ERR=$TMP/full.err
expect_rc 23
expect_err_contains "wsc: "
t_end

t_begin "errors: no password in the error for a URL that is not ws:// (ws:/user:pw@host)"
wsc_run 'ws:/user:hunter2@host/'
expect_rc 3
expect_err_lacks hunter2
t_end

t_begin "errors: a malformed -H shows only the header name, not its value"
wsc_run -H 'Authorization hunter2' ws://127.0.0.1:1/
expect_rc 2
expect_err_lacks hunter2
t_end
