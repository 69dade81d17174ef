#!/bin/bash
# Which proxy wsc uses, as curl chooses it, against a real tinyproxy on loopback and websockets
# echo servers: http_proxy for ws:// (HTTP_PROXY ignored), https_proxy/HTTPS_PROXY for wss://,
# all_proxy as the fallback, --proxy over the environment, --proxy "" and no_proxy/--noproxy
# (a dead proxy proves the bypass), -v's reason, and proxy credentials never shown.
# The tunnel itself (CONNECT, SOCKS, exit 5 and 97) is tested by it_proxy.sh.
. "$(dirname "$0")/lib.sh"

# Whatever the caller's environment says, these tests set the proxy variables themselves.
SECRET=hunter2SECRET

# start_tinyproxy VAR: tinyproxy in the foreground on a free loopback port, its log in
# $TMP/tinyproxy-VAR.log (every CONNECT is logged there); all CONNECT ports allowed (no
# ConnectPort line). Sets VAR to the port.
start_tinyproxy() {
	local var=$1 port conf log i
	port=$(free_port)
	conf=$TMP/tinyproxy-$var.conf
	log=$TMP/tinyproxy-$var.log
	cat >"$conf" <<EOF
Port $port
Listen 127.0.0.1
Timeout 30
MaxClients 50
LogFile "$log"
LogLevel Info
DisableViaHeader Yes
EOF
	tinyproxy -d -c "$conf" >"$TMP/tinyproxy-$var.out" 2>&1 &
	_PIDS+=($!)
	for ((i = 0; i < 100; i++)); do
		if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
			printf -v "$var" '%s' "$port"
			return 0
		fi
		sleep 0.05
	done
	echo "# tinyproxy did not start: $(tr '\n' ' ' <"$TMP/tinyproxy-$var.out")" >&2
	printf -v "$var" '%s' 1
	return 1
}

# The CONNECTs tinyproxy logged for 127.0.0.1:PORT so far.
connects() { grep -c "CONNECT 127.0.0.1:$1 " "$TMP/tinyproxy-TP.log" 2>/dev/null; }

# expect_via_proxy BEFORE PORT: one more CONNECT to 127.0.0.1:PORT than BEFORE.
expect_via_proxy() {
	local n
	n=$(connects "$2")
	[ "${n:-0}" -gt "$1" ] ||
		_fail " tinyproxy's log shows no CONNECT 127.0.0.1:$2 (not carried by the proxy; is the proxy layer in?)"
}
expect_not_via_proxy() {
	local n
	n=$(connects "$2")
	[ "${n:-0}" -eq "$1" ] || _fail " tinyproxy carried it (CONNECT 127.0.0.1:$2 logged)"
}

C=$TMP/certs
if ! bash "$TESTS_DIR/gen-certs.sh" "$C" >"$TMP/certs.log" 2>&1; then
	t_begin "proxy-env: make test certificates"
	_fail " gen-certs.sh failed: $(tr '\n' ' ' <"$TMP/certs.log")"
	t_end
	exit 0
fi
start_ws P
start_ws S --tls-cert "$C/server.pem" --tls-key "$C/server.key"
DEAD=$(free_port) # nobody listens: a proxy there can only fail
U=ws://127.0.0.1:$P/echo
US=wss://127.0.0.1:$S/echo

HAVE_TP=1
if ! command -v tinyproxy >/dev/null; then
	HAVE_TP=0
elif ! start_tinyproxy TP; then
	t_begin "proxy-env: start tinyproxy"
	_fail " tinyproxy did not start"
	t_end
	HAVE_TP=0
fi
# tp_case NAME: begin a case that needs tinyproxy, or print it as skipped (returns 1).
tp_case() {
	if [ "$HAVE_TP" = 1 ]; then
		t_begin "$1"
		return 0
	fi
	echo "ok - $1 # SKIP tinyproxy not installed"
	return 1
}
TPU=http://127.0.0.1:${TP:-1}

# --- the environment ---------------------------------------------------------------------------

if tp_case "proxy-env: ws:// goes through http_proxy; -v says which and why"; then
	n=$(connects "$P")
	http_proxy=$TPU wsc_run -v --count 1 "$U" < <(printf 'via-http-proxy\n')
	expect_rc 0
	expect_out 'via-http-proxy\n'
	expect_via_proxy "$n" "$P"
	expect_err_contains "using proxy $TPU (from http_proxy)"
	t_end
fi

t_begin "proxy-env: HTTP_PROXY in uppercase is ignored (CGI's Proxy: header), as curl"
HTTP_PROXY=http://127.0.0.1:$DEAD wsc_run -v --count 1 "$U" < <(printf 'direct\n')
expect_rc 0
expect_out 'direct\n'
expect_err_contains "no proxy: no proxy set"
t_end

t_begin "proxy-env: ws:// never uses https_proxy"
https_proxy=http://127.0.0.1:$DEAD HTTPS_PROXY=http://127.0.0.1:$DEAD wsc_run --count 1 "$U" \
	< <(printf 'direct\n')
expect_rc 0
expect_out 'direct\n'
t_end

if tp_case "proxy-env: wss:// goes through https_proxy; TLS is checked against the server"; then
	n=$(connects "$S")
	https_proxy=$TPU http_proxy=http://127.0.0.1:$DEAD wsc_run -v --cacert "$C/ca.pem" --count 1 \
		"$US" < <(printf 'via-https-proxy\n')
	expect_rc 0
	expect_out 'via-https-proxy\n'
	expect_via_proxy "$n" "$S"
	expect_err_contains "(from https_proxy)"
	t_end
fi

if tp_case "proxy-env: wss:// reads HTTPS_PROXY when https_proxy is unset, and says so"; then
	n=$(connects "$S")
	HTTPS_PROXY=$TPU wsc_run -v --cacert "$C/ca.pem" --count 1 "$US" < <(printf 'upper\n')
	expect_rc 0
	expect_out 'upper\n'
	expect_via_proxy "$n" "$S"
	expect_err_contains "(from HTTPS_PROXY)"
	t_end
fi

if tp_case "proxy-env: an empty https_proxy counts as unset: HTTPS_PROXY is used, as curl"; then
	n=$(connects "$S")
	https_proxy= HTTPS_PROXY=$TPU wsc_run -v --cacert "$C/ca.pem" --count 1 "$US" \
		< <(printf 'empty-lower\n')
	expect_rc 0
	expect_out 'empty-lower\n'
	expect_via_proxy "$n" "$S"
	expect_err_contains "(from HTTPS_PROXY)"
	t_end
fi

if tp_case "proxy-env: https_proxy wins over HTTPS_PROXY"; then
	n=$(connects "$S")
	https_proxy=$TPU HTTPS_PROXY=http://127.0.0.1:$DEAD wsc_run --cacert "$C/ca.pem" --count 1 \
		"$US" < <(printf 'lower-first\n')
	expect_rc 0
	expect_out 'lower-first\n'
	expect_via_proxy "$n" "$S"
	t_end
fi

if tp_case "proxy-env: all_proxy is the fallback for ws:// (ALL_PROXY too)"; then
	n=$(connects "$P")
	ALL_PROXY=$TPU wsc_run -v --count 1 "$U" < <(printf 'all\n')
	expect_rc 0
	expect_out 'all\n'
	expect_via_proxy "$n" "$P"
	expect_err_contains "(from ALL_PROXY)"
	t_end
fi

if tp_case "proxy-env: all_proxy is the fallback for wss://"; then
	n=$(connects "$S")
	all_proxy=$TPU http_proxy=http://127.0.0.1:$DEAD wsc_run --cacert "$C/ca.pem" --count 1 "$US" \
		< <(printf 'all-tls\n')
	expect_rc 0
	expect_out 'all-tls\n'
	expect_via_proxy "$n" "$S"
	t_end
fi

t_begin "proxy-env: a dead http_proxy is really used (the bypass tests below mean something)"
http_proxy=http://127.0.0.1:$DEAD wsc_run --count 1 "$U" < <(printf 'x\n')
expect_that '[ "$RC" != 0 ]' "exit 0: the proxy in http_proxy was not used (is the proxy layer in?)"
expect_out ''
t_end

# --- no_proxy and --noproxy --------------------------------------------------------------------

t_begin "proxy-env: no_proxy names the host: direct, and -v says which entry"
no_proxy=example.test,127.0.0.1 http_proxy=http://127.0.0.1:$DEAD wsc_run -v --count 1 "$U" \
	< <(printf 'bypass\n')
expect_rc 0
expect_out 'bypass\n'
expect_err_contains "no proxy: host matches no_proxy entry '127.0.0.1'"
t_end

t_begin "proxy-env: NO_PROXY with a CIDR network"
NO_PROXY=10.0.0.0/8,127.0.0.0/8 all_proxy=http://127.0.0.1:$DEAD wsc_run -v --count 1 "$U" \
	< <(printf 'cidr\n')
expect_rc 0
expect_out 'cidr\n'
expect_err_contains "NO_PROXY entry '127.0.0.0/8'"
t_end

t_begin "proxy-env: an empty no_proxy counts as unset: NO_PROXY still bypasses, as curl"
no_proxy= NO_PROXY=127.0.0.1 http_proxy=http://127.0.0.1:$DEAD wsc_run -v --count 1 "$U" \
	< <(printf 'empty-no\n')
expect_rc 0
expect_out 'empty-no\n'
expect_err_contains "NO_PROXY entry '127.0.0.1'"
t_end

t_begin "proxy-env: an IPv6 host: no_proxy by address and by CIDR"
if start_ws P6 --host ::1; then
	for entry in ::1 ::1/128 'fe80::/10 ::/96'; do
		no_proxy=$entry http_proxy=http://127.0.0.1:$DEAD wsc_run --count 1 "ws://[::1]:$P6/echo" \
			< <(printf 'v6\n')
		expect_rc 0
		expect_out 'v6\n'
	done
	no_proxy=127.0.0.1 http_proxy=http://127.0.0.1:$DEAD wsc_run --count 1 "ws://[::1]:$P6/echo" \
		< <(printf 'v6\n')
	expect_that '[ "$RC" != 0 ]' "exit 0: 127.0.0.1 in no_proxy bypassed the proxy for ::1"
else
	_fail " no websockets server on ::1"
fi
t_end

t_begin "proxy-env: no_proxy=* turns every proxy off, --proxy's too"
no_proxy='*' wsc_run --proxy "http://127.0.0.1:$DEAD" --count 1 "$U" < <(printf 'star\n')
expect_rc 0
expect_out 'star\n'
t_end

use_dns_shim || echo "# cannot build the DNS shim" >&2
export WSC_TEST_HOSTS=ws.example.test=127.0.0.1,notexample.test=127.0.0.1

t_begin "proxy-env: a no_proxy domain covers its subdomains (.example.test, example.test)"
for entry in .example.test example.test EXAMPLE.test.; do
	no_proxy="other.test, $entry" http_proxy=http://127.0.0.1:$DEAD wsc_run --count 1 \
		"ws://ws.example.test:$P/echo" < <(printf 'sub\n')
	expect_rc 0
	expect_out 'sub\n'
done
t_end

t_begin "proxy-env: a no_proxy domain does not cover a name that only ends the same"
no_proxy=example.test http_proxy=http://127.0.0.1:$DEAD wsc_run --count 1 \
	"ws://notexample.test:$P/echo" < <(printf 'x\n')
expect_that '[ "$RC" != 0 ]' "exit 0: notexample.test bypassed the proxy"
t_end

t_begin "proxy-env: --noproxy bypasses the proxy"
http_proxy=http://127.0.0.1:$DEAD wsc_run -v --noproxy 127.0.0.1 --count 1 "$U" \
	< <(printf 'opt-bypass\n')
expect_rc 0
expect_out 'opt-bypass\n'
expect_err_contains "--noproxy entry '127.0.0.1'"
t_end

if tp_case "proxy-env: --noproxy overrides no_proxy"; then
	n=$(connects "$P")
	no_proxy='*' http_proxy=$TPU wsc_run --noproxy other.test --count 1 "$U" \
		< <(printf 'override\n')
	expect_rc 0
	expect_out 'override\n'
	expect_via_proxy "$n" "$P"
	t_end
fi

# --- --proxy --------------------------------------------------------------------------------

if tp_case "proxy-env: --proxy wins over the environment"; then
	n=$(connects "$P")
	http_proxy=http://127.0.0.1:$DEAD all_proxy=http://127.0.0.1:$DEAD wsc_run -v --proxy "$TPU" \
		--count 1 "$U" < <(printf 'opt\n')
	expect_rc 0
	expect_out 'opt\n'
	expect_via_proxy "$n" "$P"
	expect_err_contains "using proxy $TPU (--proxy)"
	t_end
fi

if tp_case "proxy-env: --proxy without a scheme is http://"; then
	n=$(connects "$P")
	wsc_run --proxy "127.0.0.1:$TP" --count 1 "$U" < <(printf 'bare\n')
	expect_rc 0
	expect_out 'bare\n'
	expect_via_proxy "$n" "$P"
	t_end
fi

t_begin "proxy-env: --proxy \"\" ignores the environment"
http_proxy=http://127.0.0.1:$DEAD all_proxy=http://127.0.0.1:$DEAD wsc_run -v --proxy "" \
	--count 1 "$U" < <(printf 'off\n')
expect_rc 0
expect_out 'off\n'
expect_err_contains 'no proxy: --proxy "" turns proxies off'
t_end

t_begin "proxy-env: without -v nothing about the proxy is printed"
http_proxy=$TPU wsc_run --count 1 "$U" < <(printf 'quiet\n')
expect_out 'quiet\n'
expect_err_lacks 'proxy'
t_end

# --- credentials are never shown -------------------------------------------------------------

if tp_case "proxy-env: credentials in the proxy URL are [redacted] at -v and -vv"; then
	n=$(connects "$P")
	wsc_run -vv --log-comms --proxy "http://alice:$SECRET@127.0.0.1:$TP" --count 1 "$U" \
		< <(printf 'creds\n')
	expect_rc 0
	expect_out 'creds\n'
	expect_via_proxy "$n" "$P"
	expect_err_contains "using proxy http://[redacted]@127.0.0.1:$TP"
	expect_err_lacks "$SECRET"
	expect_err_lacks "alice"
	t_end
fi

if tp_case "proxy-env: --proxy-user is never shown at -vv"; then
	wsc_run -vv --proxy "$TPU" --proxy-user "bob:$SECRET" --count 1 "$U" < <(printf 'pu\n')
	expect_rc 0
	expect_out 'pu\n'
	expect_err_contains "http://[redacted]@127.0.0.1:$TP"
	expect_err_lacks "$SECRET"
	t_end
fi

t_begin "proxy-env: a dead proxy's error does not show its credentials"
http_proxy="http://alice:$SECRET@127.0.0.1:$DEAD" wsc_run -vv --count 1 "$U" < <(printf 'x\n')
expect_that '[ "$RC" != 0 ]' "exit 0 through a dead proxy"
expect_err_lacks "$SECRET"
t_end

t_begin "proxy-env: a bad --proxy is a usage error (2), named, without its password"
wsc_run --proxy "ftp://alice:$SECRET@127.0.0.1:1" "$U"
expect_rc 2
expect_err_contains "wsc: --proxy: bad proxy URL: unsupported proxy scheme 'ftp'"
expect_err_lacks "$SECRET"
wsc_run "--proxy=http://alice:$SECRET@127.0.0.1:0" "$U"
expect_rc 2
expect_err_contains "port"
expect_err_lacks "$SECRET"
t_end

t_begin "proxy-env: a bad proxy variable is a usage error (2) naming the variable"
HTTPS_PROXY="socks9://alice:$SECRET@127.0.0.1:1" wsc_run "$US"
expect_rc 2
expect_err_contains "wsc: HTTPS_PROXY: bad proxy URL"
expect_err_lacks "$SECRET"
http_proxy="http://alice:$SECRET@127.0.0.1:99999" wsc_run "$U"
expect_rc 2
expect_err_contains "wsc: http_proxy: bad proxy URL"
expect_err_lacks "$SECRET"
t_end

t_begin "proxy-env: a bad variable the URL does not use is no error"
https_proxy="socks9://x" wsc_run --count 1 "$U" < <(printf 'unused\n')
expect_rc 0
expect_out 'unused\n'
t_end

t_begin "proxy-env: a bad proxy variable a redirect needs: 2, 'bad proxy configuration'"
start_server RD redirect "$PY" "$TESTS_DIR/servers/redirect_server.py" --port 0 \
	--log "$TMP/rd.requests"
https_proxy="socks9://alice:$SECRET@127.0.0.1:1" wsc_run -L --count 1 \
	"ws://127.0.0.1:$RD/r?code=307&to=wss%3A%2F%2F127.0.0.1%3A1%2F" </dev/null
expect_rc 2
expect_err_contains "wsc: bad proxy configuration: https_proxy: bad proxy URL"
expect_err_lacks "TLS"
expect_err_lacks "$SECRET"
t_end
