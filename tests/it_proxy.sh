#!/bin/bash
# The proxy layer against real proxies on loopback, each with its own config in $TMP: tinyproxy
# (HTTP CONNECT; BasicAuth; a ConnectPort rule that refuses with 403), microsocks (SOCKS5, with
# and without -u/-P) and socat's TLS in front of tinyproxy (an https:// proxy); websockets echo
# servers behind them, ws:// and wss:// (TLS end to end, checked against the server's name).
# Exit codes: 5 (proxy name), 7 (proxy down), 97 (handshake), 6 (socks5 target), 60 (server
# certificate through the tunnel). Proxy credentials never appear. Then the earlier guarantees
# through tinyproxy: nothing lost in pipe mode, and a reconnect.
# Which proxy is chosen (environment, no_proxy) is it_proxy_env.sh's.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/faults_lib.sh"
. "$(dirname "$0")/proxy_lib.sh"

SECRET=pw7SECRETpw

C=$TMP/certs
if ! bash "$TESTS_DIR/gen-certs.sh" "$C" >"$TMP/certs.log" 2>&1; then
	t_begin "proxy: make test certificates"
	_fail " gen-certs.sh failed: $(tr '\n' ' ' <"$TMP/certs.log")"
	t_end
	exit 0
fi
start_ws P
start_ws S --tls-cert "$C/server.pem" --tls-key "$C/server.key"
start_ws W --tls-cert "$C/wrong.pem" --tls-key "$C/wrong.key"
DEAD=$(free_port)

# case_if COND NAME: begin a case, or print it as skipped when a peer is missing.
case_if() {
	if [ "$1" = 1 ]; then
		t_begin "$2"
		return 0
	fi
	echo "ok - $2 # SKIP ${MISSING:-peer} not installed"
	return 1
}
connects() { grep -c "CONNECT 127.0.0.1:$2\|CONNECT localhost:$2" "$TMP/tinyproxy-$1.log" 2>/dev/null; }

HAVE_TP=0
HAVE_MS=0
HAVE_SOCAT=0
command -v tinyproxy >/dev/null && start_tinyproxy TP && HAVE_TP=1
command -v tinyproxy >/dev/null && start_tinyproxy TPA "BasicAuth alice $SECRET"
command -v tinyproxy >/dev/null && start_tinyproxy TPR "ConnectPort 443"
command -v microsocks >/dev/null && start_microsocks MS && HAVE_MS=1
command -v microsocks >/dev/null && start_microsocks MSA -u bob -P "$SECRET"
if [ "$HAVE_TP" = 1 ] && command -v socat >/dev/null; then
	TLSP=$(free_port)
	socat "OPENSSL-LISTEN:$TLSP,bind=127.0.0.1,cert=$C/server.pem,key=$C/server.key,verify=0,fork,reuseaddr" \
		"TCP:127.0.0.1:$TP" >"$TMP/socat.log" 2>&1 &
	_PIDS+=($!)
	wait_port "$TLSP" && HAVE_SOCAT=1
fi

# --- HTTP CONNECT through tinyproxy ----------------------------------------------------------

MISSING=tinyproxy
if case_if $HAVE_TP "proxy: ws:// through tinyproxy; -v shows the CONNECT and the tunnel"; then
	n=$(connects TP "$P")
	wsc_run -v --proxy "http://127.0.0.1:$TP" --count 1 "ws://localhost:$P/echo" < <(printf 'via-tp\n')
	expect_rc 0
	expect_out 'via-tp\n'
	expect_err_contains "HTTP proxy 127.0.0.1:$TP: CONNECT localhost:$P HTTP/1.1"
	expect_err_contains "HTTP proxy 127.0.0.1:$TP: HTTP/1.0 200 Connection established"
	expect_err_contains "tunnel to localhost:$P through HTTP proxy 127.0.0.1:$TP is open"
	expect_that '[ "$(connects TP "$P")" -gt "$n" ]' "tinyproxy logged no CONNECT localhost:$P"
	t_end
fi

if case_if $HAVE_TP "proxy: wss:// through tinyproxy: TLS end to end, verified for the server's name"; then
	wsc_run -v --proxy "http://127.0.0.1:$TP" --cacert "$C/ca.pem" --count 1 "wss://localhost:$S/echo" \
		< <(printf 'via-tp-tls\n')
	expect_rc 0
	expect_out 'via-tp-tls\n'
	expect_err_contains "server certificate verified for 'localhost'"
	t_end
fi

if case_if $HAVE_TP "proxy: wss:// through tinyproxy with the wrong --cacert still fails 60"; then
	wsc_run --proxy "http://127.0.0.1:$TP" --cacert "$C/other-ca.pem" --count 1 \
		"wss://localhost:$S/echo" < <(printf 'x\n')
	expect_rc 60
	expect_out ''
	t_end
fi

if case_if $HAVE_TP "proxy: wss:// through tinyproxy to a certificate for another name fails 60"; then
	wsc_run --proxy "http://127.0.0.1:$TP" --cacert "$C/ca.pem" --count 1 "wss://localhost:$W/echo" \
		< <(printf 'x\n')
	expect_rc 60
	expect_err_contains "mismatch"
	t_end
fi

if case_if $HAVE_TP "proxy: tinyproxy BasicAuth: right credentials (--proxy-user, URL) connect"; then
	wsc_run --proxy "http://127.0.0.1:$TPA" --proxy-user "alice:$SECRET" --count 1 \
		"ws://localhost:$P/echo" < <(printf 'auth-ok\n')
	expect_rc 0
	expect_out 'auth-ok\n'
	wsc_run --proxy "http://alice:$SECRET@127.0.0.1:$TPA" --count 1 "ws://localhost:$P/echo" \
		< <(printf 'auth-url\n')
	expect_rc 0
	expect_out 'auth-url\n'
	t_end
fi

if case_if $HAVE_TP "proxy: tinyproxy BasicAuth without credentials -> 97, credentials needed"; then
	wsc_run --proxy "http://127.0.0.1:$TPA" --count 1 "ws://localhost:$P/echo" < <(printf 'x\n')
	expect_rc 97
	expect_err_contains "wsc: proxy handshake failed: HTTP proxy 127.0.0.1:$TPA refused the tunnel to localhost:$P: HTTP/1.0 407 Proxy Authentication Required: proxy credentials needed (--proxy-user)"
	t_end
fi

if case_if $HAVE_TP "proxy: tinyproxy BasicAuth with wrong credentials -> 97, rejected, never shown"; then
	wsc_run -vv --log-comms --proxy "http://127.0.0.1:$TPA" --proxy-user "alice:wrong$SECRET" \
		--count 1 "ws://localhost:$P/echo" < <(printf 'x\n')
	expect_rc 97
	expect_err_contains "the proxy credentials were rejected"
	expect_err_contains "Proxy-Authorization: Basic [redacted]"
	expect_err_lacks "$SECRET"
	expect_err_lacks "$(printf 'alice:wrong%s' "$SECRET" | base64)"
	t_end
fi

# expect_one_attempt: the run ended 97 after one proxy handshake, without reconnecting.
expect_one_attempt() {
	expect_rc 97
	expect_err_contains "not reconnecting: proxy handshake failed"
	expect_err_lacks "reconnecting in"
	expect_that '[ "$(grep -c "disconnected: proxy handshake failed" "$ERR")" = 1 ]' "not exactly one attempt"
}

if case_if $HAVE_TP "proxy: 407/401 with --reconnect: one attempt, 97 (no account lock-out)"; then
	wsc_run --proxy "http://127.0.0.1:$TPA" --proxy-user "alice:wrong$SECRET" --reconnect \
		--reconnect-delay 0.1:0.2 "ws://localhost:$P/echo" < <(sleep 3)
	expect_one_attempt
	expect_err_contains "the proxy credentials were rejected"
	wsc_run --proxy "http://127.0.0.1:$TPA" --reconnect --reconnect-delay 0.1:0.2 \
		"ws://localhost:$P/echo" < <(sleep 3)
	expect_one_attempt
	expect_err_contains "proxy credentials needed (--proxy-user)"
	t_end
fi

if case_if $HAVE_TP "proxy: CONNECT refused (ConnectPort) -> 97 with the status line"; then
	wsc_run --proxy "http://127.0.0.1:$TPR" --count 1 "ws://localhost:$P/echo" < <(printf 'x\n')
	expect_rc 97
	expect_err_matches "^wsc: proxy handshake failed: HTTP proxy 127\.0\.0\.1:$TPR refused the tunnel to localhost:$P: HTTP/1\.[01] 403 Access violation\$"
	expect_out ''
	t_end
fi

t_begin "proxy: proxy down -> 7, naming the proxy"
wsc_run --proxy "http://127.0.0.1:$DEAD" --count 1 "ws://localhost:$P/echo" < <(printf 'x\n')
expect_rc 7
expect_err_contains "wsc: cannot connect to proxy 127.0.0.1:$DEAD: connection refused"
wsc_run --proxy "socks5h://bob:$SECRET@127.0.0.1:$DEAD" --count 1 "ws://localhost:$P/echo" \
	< <(printf 'x\n')
expect_rc 7
expect_err_lacks "$SECRET"
t_end

# --- SOCKS5 through microsocks -----------------------------------------------------------------

MISSING=microsocks
if case_if $HAVE_MS "proxy: ws:// and wss:// through microsocks, socks5 and socks5h"; then
	for scheme in socks5 socks5h; do
		wsc_run --proxy "$scheme://127.0.0.1:$MS" --count 1 "ws://localhost:$P/echo" \
			< <(printf '%s-ws\n' "$scheme")
		expect_rc 0
		expect_out "$scheme-ws\n"
		wsc_run --proxy "$scheme://127.0.0.1:$MS" --cacert "$C/ca.pem" --count 1 \
			"wss://localhost:$S/echo" < <(printf '%s-wss\n' "$scheme")
		expect_rc 0
		expect_out "$scheme-wss\n"
	done
	t_end
fi

if case_if $HAVE_MS "proxy: socks5 tunnel to the wrong certificate still fails 60"; then
	wsc_run --proxy "socks5h://127.0.0.1:$MS" --cacert "$C/ca.pem" --count 1 "wss://localhost:$W/echo" \
		< <(printf 'x\n')
	expect_rc 60
	t_end
fi

if case_if $HAVE_MS "proxy: microsocks -u/-P: right credentials connect; wrong -> 97; none -> 97"; then
	wsc_run --proxy "socks5h://bob:$SECRET@127.0.0.1:$MSA" --count 1 "ws://localhost:$P/echo" \
		< <(printf 'socks-auth\n')
	expect_rc 0
	expect_out 'socks-auth\n'
	wsc_run -vv --proxy "socks5h://127.0.0.1:$MSA" --proxy-user "bob:wrong$SECRET" --count 1 \
		"ws://localhost:$P/echo" < <(printf 'x\n')
	expect_rc 97
	expect_err_contains "wsc: proxy handshake failed: SOCKS5h proxy 127.0.0.1:$MSA rejected the username/password"
	expect_err_lacks "$SECRET"
	wsc_run --proxy "socks5://127.0.0.1:$MSA" --count 1 "ws://localhost:$P/echo" < <(printf 'x\n')
	expect_rc 97
	expect_err_contains "needs credentials (--proxy-user)"
	t_end
fi

if case_if $HAVE_MS "proxy: SOCKS5 credentials rejected or missing with --reconnect: one attempt"; then
	wsc_run --proxy "socks5h://bob:wrong$SECRET@127.0.0.1:$MSA" --reconnect \
		--reconnect-delay 0.1:0.2 "ws://localhost:$P/echo" < <(sleep 3)
	expect_one_attempt
	expect_err_contains "rejected the username/password"
	wsc_run --proxy "socks5h://127.0.0.1:$MSA" --reconnect --reconnect-delay 0.1:0.2 \
		"ws://localhost:$P/echo" < <(sleep 3)
	expect_one_attempt
	expect_err_lacks "$SECRET"
	t_end
fi

if case_if $HAVE_MS "proxy: the SOCKS5 target refuses -> 97 in RFC 1928's words"; then
	wsc_run --proxy "socks5://127.0.0.1:$MS" --count 1 "ws://127.0.0.1:$DEAD/echo" < <(printf 'x\n')
	expect_rc 97
	expect_err_matches "SOCKS5 proxy 127\.0\.0\.1:$MS could not open the tunnel to 127\.0\.0\.1:$DEAD: .*\(reply [0-9]\)"
	t_end
fi

# --- an https:// proxy: socat's TLS in front of tinyproxy ------------------------------------

MISSING=socat
if case_if $HAVE_SOCAT "proxy: https:// proxy with --proxy-cacert, ws:// and wss://"; then
	wsc_run -v --proxy "https://localhost:$TLSP" --proxy-cacert "$C/ca.pem" --count 1 \
		"ws://localhost:$P/echo" < <(printf 'https-proxy\n')
	expect_rc 0
	expect_out 'https-proxy\n'
	expect_err_contains "server certificate verified for 'localhost'"
	expect_err_contains "through HTTPS proxy localhost:$TLSP is open"
	wsc_run --proxy "https://127.0.0.1:$TLSP" --proxy-cacert "$C/ca.pem" --cacert "$C/ca.pem" \
		--count 1 "wss://localhost:$S/echo" < <(printf 'tls-in-tls\n')
	expect_rc 0
	expect_out 'tls-in-tls\n'
	t_end
fi

if case_if $HAVE_SOCAT "proxy: https:// proxy whose certificate is not trusted -> 60, naming the proxy"; then
	wsc_run --proxy "https://localhost:$TLSP" --cacert "$C/ca.pem" --count 1 "ws://localhost:$P/echo" \
		< <(printf 'x\n')
	expect_rc 60
	expect_err_contains "proxy localhost:$TLSP: certificate verify failed"
	wsc_run --proxy "https://localhost:$TLSP" --proxy-insecure --count 1 "ws://localhost:$P/echo" \
		< <(printf 'insecure-proxy\n')
	expect_rc 0
	expect_out 'insecure-proxy\n'
	t_end
fi

t_begin "proxy: https:// to a port that answers in plain text -> 35 with a hint"
wsc_run --proxy "https://127.0.0.1:$P" --proxy-insecure --count 1 "ws://localhost:$P/echo" \
	< <(printf 'x\n')
expect_rc 35
expect_err_contains "wsc: TLS handshake failed: proxy 127.0.0.1:$P: wrong version number (is it an http:// proxy?)"
t_end

# --- names: the proxy's (5) and, for socks5 and socks5h, the target's ------------------------

use_dns_shim || echo "# cannot build the DNS shim" >&2

t_begin "proxy: the proxy's name does not resolve -> 5"
WSC_TEST_HOSTS= wsc_run --proxy "http://alice:$SECRET@proxy.nx.test:3128" --count 1 \
	"ws://localhost:$P/echo" < <(printf 'x\n')
expect_rc 5
expect_err_contains "wsc: could not resolve proxy 'proxy.nx.test'"
expect_err_lacks "$SECRET"
t_end

MISSING=microsocks
if [ "$HAVE_MS" = 1 ]; then
	# microsocks knows ws.test (through the shim); wsc does not.
	WSC_TEST_HOSTS=ws.test=127.0.0.1 start_microsocks MSN
fi
if case_if $HAVE_MS "proxy: socks5h lets the proxy resolve; socks5 resolves here -> 6"; then
	WSC_TEST_HOSTS= wsc_run --proxy "socks5h://127.0.0.1:$MSN" --count 1 "ws://ws.test:$P/echo" \
		< <(printf 'proxy-resolved\n')
	expect_rc 0
	expect_out 'proxy-resolved\n'
	WSC_TEST_HOSTS= wsc_run --proxy "socks5://127.0.0.1:$MSN" --count 1 "ws://ws.test:$P/echo" \
		< <(printf 'x\n')
	expect_rc 6
	expect_err_contains "could not resolve host 'ws.test'"
	t_end
fi

if case_if $HAVE_MS "proxy: socks5 resolves here with --resolve (the DNS does not know the name)"; then
	WSC_TEST_HOSTS= wsc_run -v --resolve "ws.test:$P:127.0.0.1" --proxy "socks5://127.0.0.1:$MSN" \
		--count 1 "ws://ws.test:$P/echo" < <(printf 'resolve-flag\n')
	expect_rc 0
	expect_out 'resolve-flag\n'
	expect_err_contains "resolved ws.test to 127.0.0.1 (--resolve, for the SOCKS5 proxy)"
	t_end
fi

# The longest host name a URL may have (253 bytes, RFC 1035) is never cut: HTTP CONNECT carries
# it whole. A longer one is a bad URL (3) before any proxy is asked. (The SOCKS limit of 255
# bytes is checked in check_proxy, below the URL.)
LONGHOST=$(printf 'a%.0s' $(seq 1 248)).test
t_begin "proxy: a 253-byte host name goes whole into CONNECT; 300 bytes is a bad URL (3)"
PXR=$(free_port)
"$PY" -c '
import socket, sys
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1", int(sys.argv[1]))); s.listen(1)
while True:  # the first connection is wait_port'"'"'s probe
    c, _ = s.accept(); d = b""
    while b"\r\n\r\n" not in d:
        k = c.recv(4096)
        if not k: break
        d += k
    if d: break
    c.close()
open(sys.argv[2], "wb").write(d)
c.sendall(b"HTTP/1.1 502 Bad Gateway\r\n\r\n"); c.close()' "$PXR" "$TMP/longhost.req" &
LPID=$!
wait_port "$PXR"
wsc_run --proxy "http://127.0.0.1:$PXR" --count 1 "ws://$LONGHOST:$P/echo" < <(printf 'x\n')
wait "$LPID"
expect_rc 97
expect_that 'head -n 1 "$TMP/longhost.req" | grep -q "^CONNECT $LONGHOST:$P HTTP/1.1"' \
	"the CONNECT line does not carry the whole name: $(head -c 120 "$TMP/longhost.req")"
wsc_run --proxy "http://127.0.0.1:$DEAD" --count 1 "ws://$(printf 'a%.0s' $(seq 1 296)).test:$P/" </dev/null
expect_rc 3
expect_err_contains "longer than 253 bytes"
t_end

# --- the earlier guarantees, through tinyproxy -----------------------------------------------

MISSING=tinyproxy
if case_if $HAVE_TP "proxy: pipe mode through tinyproxy: 1000 lines in order, none lost"; then
	seq 1 1000 >"$TMP/seq"
	wsc_run -t 20 --proxy "http://127.0.0.1:$TP" --count 1000 "ws://127.0.0.1:$P/echo" <"$TMP/seq"
	expect_rc 0
	expect_out_file "$TMP/seq"
	t_end
fi

if case_if $HAVE_TP "proxy: pipe mode through tinyproxy: a 16 MiB line round-trips byte-exact"; then
	"$PY" -c 'import sys
line = (b"0123456789abcdefghijklmnopqrstuvwxyz" * 466034)[: 16 * 1024 * 1024] + b"\n"
sys.stdout.buffer.write(line)' >"$TMP/big"
	wsc_run -t 30 --proxy "http://127.0.0.1:$TP" --count 1 "ws://127.0.0.1:$P/echo" <"$TMP/big"
	expect_rc 0
	expect_that '[ "$(sha256sum <"$OUT" | cut -d" " -f1)" = "$(sha256sum <"$TMP/big" | cut -d" " -f1)" ]' \
		"sha256 of the output differs from the input ($(wc -c <"$OUT") bytes out, $(wc -c <"$TMP/big") in)"
	t_end
fi

if case_if $HAVE_TP "proxy: server down 2 s behind tinyproxy (97 meanwhile), --reconnect: nothing lost"; then
	PD=$(free_port)
	REC=$TMP/reconnect.rec
	NL=2000
	seq 1 $NL >"$TMP/seq2"
	wsc_bg -t 20 --proxy "http://127.0.0.1:$TP" --reconnect --reconnect-delay 0.1:0.3 -w 1 \
		"ws://127.0.0.1:$PD/" <"$TMP/seq2"
	sleep 2
	fs_start PD2 reconnect --port "$PD" --record "$REC" --log "$TMP/reconnect.log"
	wsc_wait
	read -r n lost dup reo gaps last < <(check_seq "$REC" "$NL")
	expect_rc 0
	expect_err_contains "proxy handshake failed"
	expect_err_contains "reconnecting in"
	expect_that '[ "$n" = "$NL" ] && [ "$lost" = 0 ] && [ "$dup" = 0 ] && [ "$reo" = 0 ]' \
		"$n of $NL lines recorded ($lost missing, $dup duplicated, $reo out of order)"
	t_done
fi
