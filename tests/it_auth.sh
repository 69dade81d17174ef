#!/bin/bash
# Request headers: Authorization (bearer, basic), Origin, custom -H, subprotocols; secrets must
# never reach stderr even with -v / --log-comms.
. "$(dirname "$0")/lib.sh"

start_ws P
U=ws://127.0.0.1:$P

# header NAME: print the value the server saw for header NAME (from /headers' JSON, line 1).
header() {
	head -n1 "$OUT" | "$PY" -c 'import json, sys
try:
    h = json.loads(sys.stdin.read())
except ValueError:
    sys.exit(2)
v = h.get(sys.argv[1].lower())
if v is None:
    sys.exit(1)
print(v)' "$1"
}

expect_header() { # NAME VALUE
	local got
	got=$(header "$1")
	[ "$got" = "$2" ] || _fail " server saw $1: $(_show "$got"), expected $(_show "$2") (stdout: $(_show "$(head -c 300 "$OUT")"))"
}

t_begin "auth: --bearer TOKEN arrives as Authorization: Bearer TOKEN"
wsc_run -w 5 --count 1 --bearer tok-123.abc "$U/headers"
expect_rc 0
expect_header authorization "Bearer tok-123.abc"
t_end

t_begin "auth: WSC_BEARER_TOKEN from the environment"
WSC_BEARER_TOKEN=env-tok-456 wsc_run -w 5 --count 1 "$U/headers"
expect_rc 0
expect_header authorization "Bearer env-tok-456"
t_end

t_begin "auth: --bearer overrides WSC_BEARER_TOKEN"
WSC_BEARER_TOKEN=env-tok-456 wsc_run -w 5 --count 1 --bearer cli-tok "$U/headers"
expect_rc 0
expect_header authorization "Bearer cli-tok"
t_end

t_begin "auth: with -v and --log-comms the bearer token is [redacted] on stderr"
wsc_run -w 5 --count 2 -v --log-comms --bearer SeCrEtToKeN987 "$U/headers" < <(printf 'ping-me\n')
expect_rc 0
expect_header authorization "Bearer SeCrEtToKeN987"
expect_err_lacks SeCrEtToKeN987
expect_err_contains "[redacted]"
t_end

t_begin "auth: env token also redacted with -v"
WSC_BEARER_TOKEN=EnvSecret555 wsc_run -w 5 --count 1 -v --log-comms "$U/headers"
expect_rc 0
expect_err_lacks EnvSecret555
expect_err_contains "[redacted]"
t_end

B64=$(printf 'alice:pa55word!' | base64)
t_begin "auth: user:pass@ in the URL sends Basic auth, password not on stderr with -v"
wsc_run -w 5 --count 1 -v --log-comms "ws://alice:pa55word%21@127.0.0.1:$P/headers"
expect_rc 0
expect_header authorization "Basic $B64"
expect_err_lacks pa55word
expect_err_lacks "$B64"
t_end

t_begin "auth: --auth USER:PASS sends Basic auth, password not on stderr with -v"
wsc_run -w 5 --count 1 -v --log-comms --auth 'alice:pa55word!' "$U/headers"
expect_rc 0
expect_header authorization "Basic $B64"
expect_err_lacks pa55word
expect_err_lacks "$B64"
expect_err_contains "[redacted]"
t_end

t_begin "auth: the URL's userinfo is not sent anywhere else (Host, path)"
wsc_run -w 5 --count 1 "ws://bob:hunter2@127.0.0.1:$P/headers"
expect_rc 0
expect_header host "127.0.0.1:$P"
expect_that '! grep -q hunter2 <<<"$(head -n1 "$OUT" | "$PY" -c "import json,sys; h=json.load(sys.stdin); h.pop(\"authorization\", None); print(h)")"' \
	"the password appears in a header other than Authorization"
t_end

t_begin "headers: -H custom headers reach the server"
wsc_run -w 5 --count 1 -H 'X-Test-One: value one' --header 'X-Test-Two:two' "$U/headers"
expect_rc 0
expect_header x-test-one "value one"
expect_header x-test-two "two"
t_end

t_begin "headers: -H Sec-WebSocket-Key is refused with exit 2"
wsc_run -H 'Sec-WebSocket-Key: x' "$U/headers"
expect_rc 2
expect_err_contains Sec-WebSocket-Key
t_end

for h in 'Upgrade: h2c' 'Connection: close' 'sec-websocket-version: 8' 'Host: evil.test'; do
	t_begin "headers: -H '$h' (owned by the handshake) is refused with exit 2"
	wsc_run -H "$h" "$U/headers"
	expect_rc 2
	t_end
done

t_begin "headers: -H without a colon is refused with exit 2"
wsc_run -H 'NoColonHere' "$U/headers"
expect_rc 2
t_end

t_begin "headers: -o Origin reaches the server"
wsc_run -w 5 --count 1 -o https://app.example.test "$U/headers"
expect_rc 0
expect_header origin "https://app.example.test"
t_end

t_begin "headers: the handshake request has the RFC 6455 headers"
wsc_run -w 5 --count 1 "$U/headers"
expect_rc 0
expect_that '[ "$(header upgrade | tr A-Z a-z)" = websocket ]' "server saw Upgrade: $(_show "$(header upgrade)")"
expect_header sec-websocket-version 13
expect_header host "127.0.0.1:$P"
expect_that '[ "$(header sec-websocket-key | base64 -d 2>/dev/null | wc -c)" = 16 ]' \
	"Sec-WebSocket-Key is not 16 bytes in base64: $(_show "$(header sec-websocket-key)")"
t_end

t_begin "subprotocol: -s chat is negotiated"
wsc_run -w 5 --count 1 -s chat "$U/subproto"
expect_rc 0
expect_out 'chat\n'
t_end

t_begin "subprotocol: -s repeated offers all of them"
wsc_run -w 5 --count 1 -s foo -s superchat "$U/headers"
expect_rc 0
expect_that '[ "$(header sec-websocket-protocol | tr -d " ")" = foo,superchat ]' \
	"server saw Sec-WebSocket-Protocol $(_show "$(header sec-websocket-protocol)")"
t_end

t_begin "subprotocol: no -s offers none"
wsc_run -w 5 --count 1 "$U/subproto"
expect_rc 0
expect_out 'none\n'
t_end

t_begin "auth: argument errors never show credentials (--auth, --bearer, URL password)"
for args in "$U/echo -x --auth u:hunter2" "$U/echo -x --bearer hunter2" \
	"--wait --auth=u:hunter2 $U/echo" "x ws://u:hunter2@127.0.0.1:1/" "--bearer hunter2" \
	"-m -H Authorization:hunter2 $U/echo"; do
	# shellcheck disable=SC2086 # word splitting is the point
	wsc_run $args
	expect_rc 2
	expect_err_contains "wsc: "
	expect_err_lacks hunter2
done
WSC_BEARER_TOKEN=hunter2 wsc_run x "$U/echo"
expect_rc 2
expect_err_lacks hunter2
t_end

t_begin "auth: a token in the URL's query is sent, but -v shows only the names ([redacted] values)"
wsc_run -w 5 --count 1 -v --log-comms "$U/send?n=1&access_token=QuErYsEcReT42"
expect_rc 0
expect_out "message 1\n"
expect_err_lacks QuErYsEcReT42
expect_err_contains "GET /send?n=[redacted]&access_token=[redacted] HTTP/1.1"
t_end

t_begin "auth: a bad URL's error shows its query's names, never the values"
for url in "ws://127.0.0.1:99999/?token=QuErYsEcReT42" "wx://h/?api_key=QuErYsEcReT42" \
	"ws://127.0.0.1:1/?a=1#sig=QuErYsEcReT42"; do
	wsc_run -w 1 --count 1 "$url"
	expect_err_contains "wsc: "
	expect_err_lacks QuErYsEcReT42
done
wsc_run --bearerr=QuErYsEcReT42 "$U/echo"
expect_rc 2
expect_err_contains "unknown option '--bearerr'"
expect_err_lacks QuErYsEcReT42
t_end
