#!/bin/bash
# The ways of reaching a server together, as users combine them: a redirect chooses its proxy
# again for the new host (no_proxy), --connect-to through a proxy rewrites the tunnel's target,
# a unix socket ignores the proxy variables, TLS pinning and verification run end to end through
# a SOCKS tunnel, and no secret (proxy password, bearer token) shows at -vv --log-comms across a
# redirect through a proxy. Each part has its own script (it_proxy, it_proxy_env, it_net,
# it_redirect, it_mtls); this one checks the seams between them.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/proxy_lib.sh"

SECRET=pw9SECRETpw
TOKEN=tok9SECRETtok

if ! command -v tinyproxy >/dev/null || ! command -v microsocks >/dev/null; then
	echo "ok - paths: all cases # SKIP tinyproxy or microsocks not installed"
	exit 0
fi
C=$TMP/certs
if ! bash "$TESTS_DIR/gen-certs.sh" "$C" >"$TMP/certs.log" 2>&1; then
	t_begin "paths: make test certificates"
	_fail " gen-certs.sh failed: $(tr '\n' ' ' <"$TMP/certs.log")"
	t_end
	exit 0
fi
use_dns_shim # only localhost and WSC_TEST_HOSTS names resolve; no DNS server is asked

start_ws P
start_ws S --tls-cert "$C/server.pem" --tls-key "$C/server.key"
start_server R redirect "$PY" "$TESTS_DIR/servers/redirect_server.py" --port 0 --log "$TMP/R.requests"
start_server U unix "$PY" "$TESTS_DIR/servers/unix_server.py" --path "$TMP/ws.sock"
start_tinyproxy TP
start_tinyproxy TPA "BasicAuth alice $SECRET"
start_microsocks MS
DEAD=$(free_port)
tunnels() { grep -c "CONNECT $2" "$TMP/tinyproxy-$1.log" 2>/dev/null; }

t_begin "paths: -L through a proxy chooses again per hop: the redirect target is in --noproxy"
before_local=$(tunnels TP "localhost:$R")
before_ip=$(tunnels TP "127.0.0.1:$R")
to=$("$PY" -c 'import sys, urllib.parse; print(urllib.parse.quote(sys.argv[1], safe=""))' \
	"ws://127.0.0.1:$R/final")
wsc_run -v -L --proxy "http://127.0.0.1:$TP" --noproxy 127.0.0.1 --count 1 \
	"ws://localhost:$R/start?code=302&to=$to" </dev/null
expect_rc 0
expect_out_contains '"path": "/final"'
expect_err_contains "using proxy http://127.0.0.1:$TP (--proxy)"
expect_err_contains "no proxy: host matches"
expect_that '[ "$(tunnels TP "localhost:$R")" -gt "$before_local" ]' "the first hop did not go through tinyproxy"
expect_that '[ "$(tunnels TP "127.0.0.1:$R")" = "$before_ip" ]' "the second hop went through tinyproxy"
t_end

t_begin "paths: --connect-to through a proxy: the tunnel goes to HOST2:PORT2, the name is never looked up"
before=$(tunnels TP "127.0.0.1:$P")
WSC_TEST_HOSTS= wsc_run -v --proxy "http://127.0.0.1:$TP" --connect-to "app.test:80:127.0.0.1:$P" \
	--count 1 "ws://app.test/echo" < <(printf 'rewritten\n')
expect_rc 0
expect_out 'rewritten\n'
expect_err_contains "CONNECT 127.0.0.1:$P HTTP/1.1"
expect_that '[ "$(tunnels TP "127.0.0.1:$P")" -gt "$before" ]' "tinyproxy logged no CONNECT 127.0.0.1:$P"
t_end

t_begin "paths: --unix-socket ignores http_proxy and all_proxy (even a dead one)"
http_proxy="http://127.0.0.1:$DEAD" all_proxy="socks5://127.0.0.1:$DEAD" \
	wsc_run --unix-socket "$TMP/ws.sock" --count 1 "ws://localhost/echo" < <(printf 'by-unix\n')
expect_rc 0
expect_out 'by-unix\n'
t_end

t_begin "paths: wss:// through socks5h with --pinnedpubkey: the pin is the server's, checked through the tunnel"
pin=$(openssl x509 -in "$C/server.pem" -pubkey -noout | openssl pkey -pubin -outform der |
	openssl dgst -sha256 -binary | base64)
wsc_run --proxy "socks5h://127.0.0.1:$MS" --cacert "$C/ca.pem" --pinnedpubkey "sha256//$pin" \
	--count 1 "wss://localhost:$S/echo" < <(printf 'pinned\n')
expect_rc 0
expect_out 'pinned\n'
wsc_run --proxy "socks5h://127.0.0.1:$MS" --cacert "$C/ca.pem" \
	--pinnedpubkey "sha256//AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=" \
	--count 1 "wss://localhost:$S/echo" </dev/null
expect_rc 90
t_end

t_begin "paths: wss:// through an HTTP proxy and --connect-to: TLS still checks the URL's name -> 60"
wsc_run --proxy "http://127.0.0.1:$TP" --connect-to "other.test:$S:127.0.0.1:$S" \
	--cacert "$C/ca.pem" --count 1 "wss://other.test:$S/echo" </dev/null
expect_rc 60
expect_err_contains other.test
t_end

t_begin "paths: no secret at -vv --log-comms across an authenticated proxy and a same-host redirect"
wsc_run -vv --log-comms -L --proxy "http://alice:$SECRET@127.0.0.1:$TPA" --bearer "$TOKEN" \
	--count 1 "ws://localhost:$R/hop?n=2&code=307" </dev/null
expect_rc 0
expect_out_contains '"authorization": true'
expect_that '! grep -q -e "$SECRET" -e "$TOKEN" "$ERR" "$OUT"' "a secret was printed"
wsc_run -v -L --proxy "http://alice:wrong$SECRET@127.0.0.1:$TPA" --count 1 "ws://localhost:$R/x" </dev/null
expect_rc 97
expect_that '! grep -q -e "$SECRET" "$ERR"' "the rejected password was printed"
t_end
