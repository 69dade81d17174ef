#!/bin/bash
# Redirects of the upgrade request (-L, --max-redirs, --location-trusted) against
# servers/redirect_server.py: each followed status, relative Locations, http:// mapped to ws://,
# credentials kept only for the original host, port and scheme, redirect loops, the wss -> ws
# downgrade, secrets kept out of the logs; and -v's step timings and --connect-timeout over a
# TLS handshake that never ends. The servers log every request they get, so each test also checks
# which hops were really made.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/proxy_lib.sh"

C=$TMP/certs
if ! bash "$TESTS_DIR/gen-certs.sh" "$C" >"$TMP/certs.log" 2>&1; then
	t_begin "redirect: make test certificates"
	_fail " gen-certs.sh failed: $(tr '\n' ' ' <"$TMP/certs.log")"
	t_end
	exit 0
fi
use_dns_shim # localhost comes from /etc/hosts; nothing else is looked up

start_redirect() {
	local var=$1
	shift
	start_server "$var" "redirect-$var" "$PY" "$TESTS_DIR/servers/redirect_server.py" --port 0 \
		--log "$TMP/$var.requests" "$@"
}
start_redirect A
start_redirect B
start_redirect S --tls-cert "$C/server.pem" --tls-key "$C/server.key"
start_raw SILENT silent

# URL-encode one query value.
enc() { "$PY" -c 'import sys, urllib.parse; print(urllib.parse.quote(sys.argv[1], safe=""))' "$1"; }
# How many requests a server got for paths starting with $2.
requests() {
	local n
	n=$(grep -c " $2" "$TMP/$1.requests" 2>/dev/null)
	echo "${n:-0}"
}
# The first message (the JSON "what did the request carry") has "key": value.
expect_seen() {
	_SEEN="\"$1\": $2"
	expect_that 'head -n1 "$OUT" | grep -qF -- "$_SEEN"' \
		"the target did not see $_SEEN: $(_show "$(head -c 300 "$OUT")")"
}

A_URL=ws://127.0.0.1:$A

# --- without -L ------------------------------------------------------------------------------

t_begin "redirect: without -L a 301 exits 22 and names the Location and -L"
wsc_run -w 1 "$A_URL/r?code=301&to=$(enc "ws://127.0.0.1:$B/final")" </dev/null
expect_rc 22
expect_err_contains "wsc: server refused the upgrade: HTTP/1.1 301 Moved Permanently, Location: ws://127.0.0.1:$B/final; use -L to follow"
expect_that '[ "$(requests B /)" = 0 ]' "B was contacted without -L"
t_end

t_begin "redirect: a relative Location is shown resolved, its query values redacted"
wsc_run -w 1 "$A_URL/d/r?code=307&to=$(enc "../next?token=SECRETQ")" </dev/null
expect_rc 22
expect_err_contains "Location: ws://127.0.0.1:$A/next?token=[redacted]; use -L to follow"
expect_err_lacks SECRETQ
t_end

t_begin "redirect: a huge Location is cut in the message"
long=$(head -c 3000 /dev/zero | tr '\0' a)
wsc_run -w 1 "$A_URL/r?code=302&to=$(enc "ftp://h/$long")" </dev/null
expect_rc 22
expect_err_contains "Location: ftp://h/aaaa"
expect_that '[ "$(wc -c <"$ERR")" -lt 600 ]' "stderr is $(wc -c <"$ERR") bytes"
t_end

t_begin "redirect: an ESC in a Location makes the reply malformed (8), never shown raw"
# ESC is no field-vchar (RFC 9110 §5.5): the head does not parse, before -L looks at it.
wsc_run -v -L -w 1 "$A_URL/r?code=302&to=$(enc $'ws://h/\e[31mred')" </dev/null
expect_rc 8
expect_err_contains "wsc: bad handshake reply: not an HTTP response"
expect_that '! grep -q $'"'"'\e'"'"' "$ERR"' "an ESC byte reached stderr"
t_end

t_begin "redirect: a C1 control (U+009B) in a refused Location is escaped in the message (47)"
# UTF-8 is obs-text, so this head parses; -L refuses the ftp:// and shows the Location escaped.
wsc_run -v -L -w 1 "$A_URL/r?code=302&to=$(enc $'ftp://h/\xc2\x9b31mred')" </dev/null
expect_rc 47
expect_err_contains "bad Location 'ftp://h/"
expect_that '! grep -q $'"'"'\xc2\x9b'"'"' "$ERR"' "a raw C1 control reached stderr"
t_end

# --- following --------------------------------------------------------------------------------

for code in 301 302 303 307 308; do
	t_begin "redirect: -L follows $code to another server"
	wsc_run -L -n 1 "$A_URL/r?code=$code&to=$(enc "ws://127.0.0.1:$B/final$code")" </dev/null
	expect_rc 0
	expect_seen path "\"/final$code\""
	expect_seen port "$B"
	expect_that '[ "$(requests B /final$code)" = 1 ]' "B got $(requests B /final$code) requests"
	t_end
done

t_begin "redirect: -L leaves a 300 (not a redirect it follows) as a refusal, Location shown"
wsc_run -L -w 1 "$A_URL/r?code=300&to=/x" </dev/null
expect_rc 22
expect_err_contains "300 Multiple Choices, Location: ws://127.0.0.1:$A/x"
expect_err_lacks "use -L"
t_end

t_begin "redirect: -L with a 302 without Location is a refusal (22)"
wsc_run -L -w 1 "$A_URL/r?code=302" </dev/null
expect_rc 22
t_end

: >"$TMP/A.requests"
t_begin "redirect: -L takes an empty or blank Location as none: one request, a refusal (22)"
wsc_run -L -w 1 "$A_URL/empty?code=302&to=" </dev/null
expect_rc 22
expect_err_contains "HTTP/1.1 302 Found: <html><body>moved</body></html>"
expect_err_lacks "redirects followed"
wsc_run -L -w 1 "$A_URL/empty?code=301&to=$(enc "   ")" </dev/null
expect_rc 22
expect_that '[ "$(requests A /empty)" = 2 ]' "A got $(requests A /empty) requests, expected 2"
t_end

: >"$TMP/B.requests"
t_begin "redirect: two Location headers in a 302 are refused (47), neither followed"
wsc_run -L -w 1 "$A_URL/r?code=302&to=$(enc "ws://127.0.0.1:$B/one")&to2=$(enc "ws://127.0.0.1:$B/two")" </dev/null
expect_rc 47
expect_err_contains "wsc: cannot follow the redirect: the 302 reply has 2 Location headers"
expect_that '[ "$(requests B /)" = 0 ]' "B was contacted"
t_end

t_begin "redirect: spaces and UTF-8 in a Location go out percent-encoded, escapes kept"
wsc_run -L -n 1 "$A_URL/r?code=302&to=$(enc $'/a b/caf\xc3\xa9?v=%41 \xc3\xbc')" </dev/null
expect_rc 0
expect_seen path '"/a%20b/caf%C3%A9?v=%41%20%C3%BC"'
t_end

while read -r ref want; do
	t_begin "redirect: relative Location '$ref' resolves to $want"
	wsc_run -L -n 1 "$A_URL/a/b/r?code=302&to=$(enc "$ref")" </dev/null
	expect_rc 0
	expect_seen path "\"$want\""
	t_end
done <<EOF
/abs?x=1 /abs?x=1
sibling /a/b/sibling
../up /a/up
./here/../there /a/b/there
?only=1 /a/b/r?only=1
EOF

t_begin "redirect: a network-path Location (//host:port/path) keeps the scheme"
wsc_run -L -n 1 "$A_URL/r?code=302&to=$(enc "//localhost:$B/np")" </dev/null
expect_rc 0
expect_seen path '"/np"'
expect_seen host "\"localhost:$B\""
t_end

t_begin "redirect: an http:// Location is taken as ws://"
wsc_run -L -n 1 "$A_URL/r?code=301&to=$(enc "http://127.0.0.1:$B/viahttp")" </dev/null
expect_rc 0
expect_seen path '"/viahttp"'
t_end

t_begin "redirect: ws:// to wss:// is followed (an upgrade), https:// taken as wss://"
wsc_run -L -n 1 --cacert "$C/ca.pem" "$A_URL/r?code=302&to=$(enc "https://localhost:$S/secure")" </dev/null
expect_rc 0
expect_seen tls true
expect_seen path '"/secure"'
t_end

# --- credentials ------------------------------------------------------------------------------

t_begin "redirect: credentials stay for the same host and port"
wsc_run -L -n 1 --bearer tok "$A_URL/r?code=302&to=/same" </dev/null
expect_rc 0
expect_seen authorization true
t_end

t_begin "redirect: another port drops --bearer, and -v says so"
wsc_run -v -L -n 1 --bearer tok "$A_URL/r?code=302&to=$(enc "ws://127.0.0.1:$B/other")" </dev/null
expect_rc 0
expect_seen authorization false
expect_err_contains "credentials dropped (the Authorization header)"
expect_that 'grep -q "auth=True" "$TMP/A.requests"' "A never got the Authorization header"
t_end

t_begin "redirect: another host name (localhost vs 127.0.0.1), same port, drops --auth"
wsc_run -L -n 1 --auth user:pw "$A_URL/r?code=302&to=$(enc "ws://localhost:$A/named")" </dev/null
expect_rc 0
expect_seen authorization false
expect_seen host "\"localhost:$A\""
t_end

t_begin "redirect: another host drops URL credentials and WSC_BEARER_TOKEN"
wsc_run -L -n 1 "ws://u:pw@127.0.0.1:$A/r?code=302&to=$(enc "ws://localhost:$A/x")" </dev/null
expect_rc 0
expect_seen authorization false
WSC_BEARER_TOKEN=envtok wsc_run -L -n 1 "$A_URL/r?code=302&to=$(enc "ws://localhost:$A/x")" </dev/null
expect_rc 0
expect_seen authorization false
t_end

t_begin "redirect: another scheme (ws -> wss, same host) drops credentials"
wsc_run -L -n 1 --bearer tok --cacert "$C/ca.pem" "ws://localhost:$A/r?code=302&to=$(enc "wss://localhost:$S/s")" </dev/null
expect_rc 0
expect_seen tls true
expect_seen authorization false
t_end

t_begin "redirect: -H Authorization and -H Cookie go, other -H lines stay"
wsc_run -v -L -n 1 -H "Authorization: Bearer hx" -H "Cookie: c=1" -H "X-Test: kept" \
	"$A_URL/r?code=302&to=$(enc "ws://127.0.0.1:$B/h")" </dev/null
expect_rc 0
expect_seen authorization false
expect_seen cookie false
expect_seen x_test '"kept"'
expect_err_contains "credentials dropped (2 -H lines)"
t_end

t_begin "redirect: --location-trusted sends them to the other host too"
wsc_run --location-trusted -n 1 --bearer tok -H "Cookie: c=1" \
	"$A_URL/r?code=302&to=$(enc "ws://127.0.0.1:$B/trusted")" </dev/null
expect_rc 0
expect_seen authorization true
expect_seen cookie true
t_end

t_begin "redirect: back on the original host after another, credentials are sent again"
inner="ws://127.0.0.1:$B/r?code=302&to=$(enc "ws://127.0.0.1:$A/back")"
wsc_run -L -n 1 --bearer tok "$A_URL/r?code=302&to=$(enc "$inner")" </dev/null
expect_rc 0
expect_seen path '"/back"'
expect_seen authorization true
expect_that 'grep -q "/r?code=302.*auth=False" "$TMP/B.requests"' "B got the credentials"
t_end

# --- limits and refusals ----------------------------------------------------------------------

: >"$TMP/A.requests"
t_begin "redirect: a loop ends after --max-redirs (default 10) with 47"
wsc_run -L -w 1 "$A_URL/loop" </dev/null
expect_rc 47
expect_err_contains "wsc: cannot follow the redirect: maximum (10) redirects followed (--max-redirs)"
expect_that '[ "$(requests A /loop)" = 11 ]' "A got $(requests A /loop) requests, expected 11"
t_end

: >"$TMP/A.requests"
t_begin "redirect: --max-redirs 2 and 0"
wsc_run -L --max-redirs 2 -w 1 "$A_URL/loop" </dev/null
expect_rc 47
expect_err_contains "maximum (2) redirects"
expect_that '[ "$(requests A /loop)" = 3 ]' "A got $(requests A /loop) requests, expected 3"
wsc_run -L --max-redirs 0 -w 1 "$A_URL/loop" </dev/null
expect_rc 47
expect_that '[ "$(requests A /loop)" = 4 ]' "--max-redirs 0 made more than one request"
t_end

t_begin "redirect: 10 hops are allowed by default, 11 are not, --max-redirs -1 has no limit"
wsc_run -L -n 1 "$A_URL/hop?n=10" </dev/null
expect_rc 0
expect_seen path '"/hop?n=0&code=302"'
wsc_run -L -w 1 "$A_URL/hop?n=11" </dev/null
expect_rc 47
wsc_run -L --max-redirs -1 -n 1 "$A_URL/hop?n=14" </dev/null
expect_rc 0
t_end

t_begin "redirect: wss:// to ws:// is refused (47) and the plain server never contacted"
: >"$TMP/B.requests"
wsc_run -L -w 1 --cacert "$C/ca.pem" "wss://localhost:$S/r?code=301&to=$(enc "ws://127.0.0.1:$B/plain")" </dev/null
expect_rc 47
expect_err_contains "wsc: cannot follow the redirect: refusing the 301 from wss:// to ws://127.0.0.1:$B/plain"
expect_that '[ "$(requests B /)" = 0 ]' "B was contacted"
t_end

t_begin "redirect: https:// given, a Location to http:// (ws://) is a downgrade too"
wsc_run -L -w 1 --cacert "$C/ca.pem" "https://localhost:$S/r?code=302&to=$(enc "http://127.0.0.1:$B/plain")" </dev/null
expect_rc 47
expect_err_contains "downgrade"
t_end

t_begin "redirect: a Location with another scheme or no host -> 47"
wsc_run -L -w 1 "$A_URL/r?code=302&to=$(enc "ftp://127.0.0.1/x")" </dev/null
expect_rc 47
expect_err_contains "bad Location 'ftp://127.0.0.1/x' in the 302 reply"
wsc_run -L -w 1 "$A_URL/r?code=302&to=$(enc "ws://")" </dev/null
expect_rc 47
t_end

t_begin "redirect: with --reconnect, a cut redirect target is not followed again"
wsc_run -L --reconnect -w 1 "$A_URL/r?code=308&to=$(enc "ws://127.0.0.1:$B/r?code=302&to=ftp://x/")" </dev/null
expect_rc 47
expect_err_contains "not reconnecting: cannot follow the redirect"
expect_err_lacks "reconnecting in"
t_end

# --- secrets and events -----------------------------------------------------------------------

t_begin "redirect: -v never shows the token, the URL password, nor query values"
loc="ws://luser:SECRETPW@127.0.0.1:$B/final?token=SECRETLOC"
wsc_run -v -L -n 1 --bearer SECRETTOKEN "$A_URL/r?code=302&k=SECRETQ&to=$(enc "$loc")" </dev/null
expect_rc 0
expect_err_contains "following 302 to ws://127.0.0.1:$B/final?token=[redacted] (1 of 10)"
cp "$ERR" "$TMP/secrets.err"
wsc_run -v -L -n 1 "ws://u:SECRETURL@127.0.0.1:$A/r?code=302&to=$(enc "$loc")" </dev/null
expect_rc 0
cat "$TMP/secrets.err" >>"$ERR"
for s in SECRETPW SECRETLOC SECRETTOKEN SECRETURL SECRETQ; do
	expect_err_lacks "$s"
done
t_end

t_begin "redirect: --json reports connected, redirect, connected, established in order"
wsc_run -L -n 1 --json "$A_URL/r?code=307&to=$(enc "ws://127.0.0.1:$B/j?t=SECRETJ")" </dev/null
expect_rc 0
expect_that '[ "$(grep -o "\"event\":\"[a-z]*\"" "$OUT" | tr "\n" " ")" = "\"event\":\"connected\" \"event\":\"redirect\" \"event\":\"connected\" \"event\":\"established\" \"event\":\"disconnected\" " ]' \
	"events: $(grep -o '"event":"[a-z]*"' "$OUT" | tr '\n' ' ')"
expect_out_contains "\"status\":307,\"location\":\"ws://127.0.0.1:$B/j?t=[redacted]\",\"hop\":1"
t_end

t_begin "redirect: --reconnect starts each attempt from the original URL"
: >"$TMP/A.requests"
: >"$TMP/B.requests"
wsc_run -L --reconnect --reconnect-max 1 --reconnect-delay 0.1 -w -1 \
	"$A_URL/orig?code=302&to=$(enc "ws://127.0.0.1:$B/target?close=1001")" </dev/null
expect_that '[ "$(requests A /orig)" = 2 ]' "A got $(requests A /orig) requests, expected 2"
expect_that '[ "$(requests B /target)" = 2 ]' "B got $(requests B /target) requests, expected 2"
t_end

# --- timing -----------------------------------------------------------------------------------

t_begin "redirect: -v times the lookup, TCP, TLS and the upgrade of each hop"
wsc_run -v -L -n 1 --cacert "$C/ca.pem" "ws://localhost:$A/r?code=302&to=$(enc "wss://localhost:$S/t")" </dev/null
expect_rc 0
expect_err_matches "name lookup done after [0-9]+\.[0-9] ms"
expect_err_matches "TCP connected after [0-9]+\.[0-9] ms"
expect_err_matches "TLS handshake done after [0-9]+\.[0-9] ms"
expect_err_matches "upgraded \(HTTP 101\) after [0-9]+\.[0-9] ms"
expect_that '[ "$(grep -c "TCP connected after" "$ERR")" = 2 ]' "not one TCP time per hop"
t_end

t_begin "redirect: --connect-timeout covers a TLS handshake that never ends -> 28"
wsc_run --connect-timeout 1 -w 1 "wss://127.0.0.1:$SILENT/" </dev/null
expect_rc 28
expect_err_contains "timed out after 1 s during the TLS handshake (--connect-timeout)"
expect_elapsed_below 2.5
t_end

t_begin "redirect: a silent second hop ends at --connect-timeout (28), waiting for the reply"
wsc_run -L --connect-timeout 1 -w 1 "$A_URL/r?code=302&to=$(enc "ws://127.0.0.1:$SILENT/")" </dev/null
expect_rc 28
expect_err_contains "waiting for the handshake reply (--connect-timeout)"
expect_elapsed_below 2.5
t_end

t_begin "redirect: each hop gets its own --connect-timeout"
# The 302 comes after 0.7 s, the second hop's 101 after 0.7 s more: 1.4 s in all, within a
# 1 s --connect-timeout only if each hop has its own.
wsc_run -L --connect-timeout 1 -n 1 "$A_URL/r?code=302&delay=0.7&to=$(enc "ws://127.0.0.1:$B/slow?delay=0.7")" </dev/null
expect_rc 0
expect_seen path '"/slow?delay=0.7"'
expect_elapsed_above 1.3
t_end

# --- through a proxy --------------------------------------------------------------------------

if ! command -v tinyproxy >/dev/null; then
	echo "ok - redirect: -L with --reconnect through tinyproxy # SKIP tinyproxy not installed"
else
	start_tinyproxy TP
	t_begin "redirect: -L with --reconnect through tinyproxy: each attempt, each hop tunnelled"
	: >"$TMP/A.requests"
	: >"$TMP/B.requests"
	wsc_run -L --proxy "http://127.0.0.1:$TP" --reconnect --reconnect-max 1 --reconnect-delay 0.1 \
		-w -1 "$A_URL/orig?code=302&to=$(enc "ws://127.0.0.1:$B/target?close=1001")" </dev/null
	expect_that '[ "$(requests A /orig)" = 2 ]' "A got $(requests A /orig) requests, expected 2"
	expect_that '[ "$(requests B /target)" = 2 ]' "B got $(requests B /target) requests, expected 2"
	expect_that '[ "$(grep -c "CONNECT 127.0.0.1:$A" "$TMP/tinyproxy-TP.log")" = 2 ]' \
		"tinyproxy tunnelled $(grep -c "CONNECT 127.0.0.1:$A" "$TMP/tinyproxy-TP.log") times to A, expected 2"
	expect_that '[ "$(grep -c "CONNECT 127.0.0.1:$B" "$TMP/tinyproxy-TP.log")" = 2 ]' \
		"tinyproxy tunnelled $(grep -c "CONNECT 127.0.0.1:$B" "$TMP/tinyproxy-TP.log") times to B, expected 2"
	t_end
fi
