#!/bin/bash
# Where and how wsc connects: --unix-socket and --abstract-unix-socket (ws:// and wss://), -4/-6,
# --resolve, --connect-to, and Happy Eyeballs (RFC 8305) against a black-holed IPv6 port on
# loopback. Names resolve only through tests/dnsshim.c (use_dns_shim): no DNS server is asked.
. "$(dirname "$0")/lib.sh"

use_dns_shim
C=$TMP/certs
if ! bash "$TESTS_DIR/gen-certs.sh" "$C" >"$TMP/certs.log" 2>&1; then
	t_begin "net: make test certificates"
	_fail " gen-certs.sh failed: $(tr '\n' ' ' <"$TMP/certs.log")"
	t_end
	exit 0
fi

start_unix() { # VAR ARGS...: servers/unix_server.py; VAR gets its path or @name
	local var=$1
	shift
	start_server "$var" "unix-$var" "$PY" "$TESTS_DIR/servers/unix_server.py" "$@"
}

start_ws PLAIN
start_ws GOOD --tls-cert "$C/server.pem" --tls-key "$C/server.key"
start_ws WRONG --tls-cert "$C/wrong.pem" --tls-key "$C/wrong.key"
start_unix U --path "$TMP/ws.sock"
start_unix UTLS --path "$TMP/wss.sock" --tls-cert "$C/server.pem" --tls-key "$C/server.key"
start_unix UABS --abstract "wsc-it-net-$$"

# --- unix sockets ------------------------------------------------------------------------------

t_begin "net: --unix-socket carries ws://; Host comes from the URL, whose name is never looked up"
wsc_run --count 2 --unix-socket "$TMP/ws.sock" "ws://app.test:8080/headers" < <(printf 'over unix\n')
expect_rc 0
expect_out_contains '"host": "app.test:8080"'
expect_out_contains 'over unix'
t_end

t_begin "net: -v names the unix socket"
wsc_run -v --count 1 --unix-socket "$TMP/ws.sock" "ws://app.test/echo" < <(printf 'x\n')
expect_rc 0
expect_err_contains "connecting to unix socket $TMP/ws.sock"
expect_err_contains "connected to unix:$TMP/ws.sock"
expect_err_lacks "resolved"
t_end

t_begin "net: --unix-socket carries wss://, verified against the URL's host"
wsc_run --count 1 --cacert "$C/ca.pem" --unix-socket "$TMP/wss.sock" "wss://localhost/echo" \
	< <(printf 'tls over unix\n')
expect_rc 0
expect_out 'tls over unix\n'
t_end

t_begin "net: wss:// over a unix socket with another URL host fails verification -> 60"
wsc_run --count 1 --cacert "$C/ca.pem" --unix-socket "$TMP/wss.sock" "wss://other.test/echo" \
	< <(printf 'x\n')
expect_rc 60
expect_err_contains "mismatch"
t_end

t_begin "net: --abstract-unix-socket"
wsc_run --count 1 --abstract-unix-socket "wsc-it-net-$$" "ws://app.test/echo" < <(printf 'abstract\n')
expect_rc 0
expect_out 'abstract\n'
t_end

t_begin "net: a missing unix socket -> 7, naming the path"
wsc_run --unix-socket "$TMP/none.sock" "ws://app.test/echo"
expect_rc 7
expect_err_contains "no such file or directory (unix socket $TMP/none.sock)"
t_end

t_begin "net: the last of --unix-socket and --abstract-unix-socket wins"
wsc_run --count 1 --abstract-unix-socket "wsc-it-net-nothing-$$" --unix-socket "$TMP/ws.sock" \
	"ws://app.test/echo" < <(printf 'last\n')
expect_rc 0
expect_out 'last\n'
t_end

# --- -4 / -6 -----------------------------------------------------------------------------------

# PLAIN listens on 127.0.0.1 only; dual.test has both loopback addresses.
export WSC_TEST_HOSTS="dual.test=::1/127.0.0.1,he.test=::1/127.0.0.1"

t_begin "net: -6 to a server on 127.0.0.1 only -> 7, IPv4 never tried"
wsc_run -v -6 "ws://dual.test:$PLAIN/echo"
expect_rc 7
expect_err_contains "trying [::1]:$PLAIN"
expect_err_lacks "127.0.0.1"
t_end

t_begin "net: -4 to the same server works, IPv6 never tried"
wsc_run -v -4 --count 1 "ws://dual.test:$PLAIN/echo" < <(printf 'four\n')
expect_rc 0
expect_out 'four\n'
expect_err_lacks "[::1]"
t_end

t_begin "net: -6 then -4: the last one wins"
wsc_run -6 -4 --count 1 "ws://dual.test:$PLAIN/echo" < <(printf 'last\n')
expect_rc 0
t_end

t_begin "net: -6 with an IPv4 literal -> 6"
wsc_run -6 "ws://127.0.0.1:$PLAIN/echo"
expect_rc 6
expect_err_contains "no IPv6 address (-6)"
t_end

# --- --resolve ---------------------------------------------------------------------------------

t_begin "net: ws.test does not resolve without --resolve -> 6"
wsc_run "ws://ws.test:$PLAIN/echo"
expect_rc 6
t_end

t_begin "net: --resolve maps ws.test to 127.0.0.1 without a lookup"
wsc_run -v --count 1 --resolve "ws.test:$PLAIN:127.0.0.1" "ws://ws.test:$PLAIN/headers"
expect_rc 0
expect_out_contains "\"host\": \"ws.test:$PLAIN\""
expect_err_contains "resolved ws.test to 127.0.0.1 (--resolve)"
t_end

t_begin "net: a --resolve entry for another port is ignored -> 6"
wsc_run --resolve "ws.test:1:127.0.0.1" "ws://ws.test:$PLAIN/echo"
expect_rc 6
t_end

t_begin "net: --resolve '*' applies to any host on that port"
wsc_run --count 1 --resolve "*:$PLAIN:127.0.0.1" "ws://any.test:$PLAIN/echo" < <(printf 'star\n')
expect_rc 0
expect_out 'star\n'
t_end

t_begin "net: a malformed --resolve entry -> 2 before connecting"
wsc_run --resolve "ws.test:$PLAIN:not-an-address" "ws://ws.test:$PLAIN/echo"
expect_rc 2
expect_err_contains "--resolve: "
t_end

t_begin "net: -6 applies to --resolve addresses: only 127.0.0.1 there -> 6"
wsc_run -6 --resolve "ws.test:$PLAIN:127.0.0.1" "ws://ws.test:$PLAIN/echo"
expect_rc 6
expect_err_contains "no IPv6 address (-6)"
t_end

t_begin "net: -4 drops the IPv6 addresses of a --resolve entry"
wsc_run -v -4 --count 1 --resolve "ws.test:$PLAIN:[::1],127.0.0.1" "ws://ws.test:$PLAIN/echo" \
	< <(printf 'four\n')
expect_rc 0
expect_out 'four\n'
expect_err_contains "resolved ws.test to 127.0.0.1 (--resolve)"
expect_err_lacks "[::1]"
t_end

# --- --connect-to ------------------------------------------------------------------------------

t_begin "net: --connect-to sends wss://localhost to another port; the certificate is checked for localhost"
wsc_run -v --count 1 --cacert "$C/ca.pem" --connect-to "localhost:443:127.0.0.1:$GOOD" \
	"wss://localhost/echo" < <(printf 'moved\n')
expect_rc 0
expect_out 'moved\n'
expect_err_contains "--connect-to: connecting to 127.0.0.1 port $GOOD instead of localhost port 443"
t_end

t_begin "net: --connect-to keeps the URL's name for TLS: a certificate for wrong.test passes for wss://wrong.test"
wsc_run --count 2 --cacert "$C/ca.pem" --connect-to "wrong.test:443:127.0.0.1:$WRONG" \
	"wss://wrong.test/headers" < <(printf 'named\n')
expect_rc 0
expect_out_contains '"host": "wrong.test"'
t_end

t_begin "net: ... and fails for wss://localhost -> 60"
wsc_run --cacert "$C/ca.pem" --connect-to "::127.0.0.1:$WRONG" "wss://localhost/echo"
expect_rc 60
t_end

t_begin "net: --connect-to: the first matching entry wins"
wsc_run --count 1 --connect-to "app.test:80:127.0.0.1:$PLAIN" --connect-to "app.test:80:127.0.0.1:1" \
	"ws://app.test/echo" < <(printf 'first\n')
expect_rc 0
expect_out 'first\n'
t_end

t_begin "net: a malformed --connect-to entry -> 2"
wsc_run --connect-to "app.test:80:127.0.0.1" "ws://app.test/echo"
expect_rc 2
expect_err_contains "--connect-to: "
t_end

# --- Happy Eyeballs ----------------------------------------------------------------------------

# A black hole on [::1] with PLAIN's port: its full accept queue makes the kernel drop SYNs.
if ! start_server BH blackhole "$PY" "$TESTS_DIR/servers/blackhole.py" --host ::1 --port "$PLAIN"; then
	t_begin "net: happy eyeballs # SKIP no black-holed port on [::1] here: $(head -c 200 "$TMP/blackhole.log")"
	t_end
	exit 0
fi

t_begin "net: the black hole holds: -6 alone times out"
wsc_run --connect-timeout 1 -6 "ws://he.test:$PLAIN/echo"
expect_rc 28
expect_err_contains "connecting (tried [::1]:$PLAIN) (--connect-timeout)"
t_end

# "[06:20:03.412] trying ..." -> milliseconds since midnight (gap() handles the wrap).
log_ms() {
	grep -F -m1 -- "$1" "$ERR" | sed -E 's/^\[([0-9]+):([0-9]+):([0-9.]+)\].*/\1 \2 \3/' |
		awk '{ printf "%d", ($1 * 3600 + $2 * 60 + $3) * 1000 }'
}

happy() { # NAME ARGS...: both families, IPv6 first; expects IPv4 in well under a second
	t_begin "net: happy eyeballs, $1"
	shift
	wsc_run -v --connect-timeout 10 --count 1 "$@" < <(printf 'eyeballs\n')
	expect_rc 0
	expect_out 'eyeballs\n'
	expect_elapsed_below 1.5
	expect_err_contains "trying [::1]:$PLAIN"
	expect_err_matches "trying 127\.0\.0\.1:$PLAIN \(after [0-9]+ ms\)"
	expect_err_contains "127.0.0.1:$PLAIN connected first; closing the attempt to [::1]:$PLAIN"
	local t6 t4 d after
	t6=$(log_ms "trying [::1]")
	t4=$(log_ms "trying 127.0.0.1")
	d=$((${t4:-0} - ${t6:-0}))
	[ "$d" -lt 0 ] && d=$((d + 86400000)) # the run crossed midnight
	after=$(grep -oE '\(after [0-9]+ ms\)' "$ERR" | grep -oE '[0-9]+')
	# shellcheck disable=SC2016 # expect_that evaluates the condition itself
	expect_that '[ -n "$t6" ] && [ -n "$t4" ] && [ "$d" -ge 200 ] && [ "$d" -lt 1000 ]' \
		"second attempt $d ms after the first by the log's clock, expected ~250"
	# shellcheck disable=SC2016
	expect_that '[ "${after:-0}" -ge 240 ] && [ "${after:-0}" -lt 1000 ]' \
		"logged 'after ${after:-?} ms', expected ~250"
	t_end
}

happy "--resolve h.test:P:[::1],127.0.0.1" --resolve "h.test:$PLAIN:[::1],127.0.0.1" \
	"ws://h.test:$PLAIN/echo"
happy "a name with AAAA and A answers" "ws://he.test:$PLAIN/echo"

# RFC 8305 §5 staggers every address, one family too: a second black hole on 127.0.0.2.
if ! start_server BH2 blackhole2 "$PY" "$TESTS_DIR/servers/blackhole.py" --host 127.0.0.2 --port "$PLAIN"; then
	t_begin "net: one family # SKIP no black-holed port on 127.0.0.2 here: $(head -c 200 "$TMP/blackhole2.log")"
	t_end
	exit 0
fi

t_begin "net: a black-holed first IPv4 address: the second one after the delay, not the timeout"
wsc_run -v --connect-timeout 10 --count 1 --resolve "h.test:$PLAIN:127.0.0.2,127.0.0.1" \
	"ws://h.test:$PLAIN/echo" < <(printf 'one family\n')
expect_rc 0
expect_out 'one family\n'
expect_elapsed_below 1.5
expect_err_contains "trying 127.0.0.2:$PLAIN"
expect_err_matches "trying 127\.0\.0\.1:$PLAIN \(after [0-9]+ ms\)"
expect_err_contains "127.0.0.1:$PLAIN connected first; closing the attempt to 127.0.0.2:$PLAIN"
t_end

t_begin "net: every address black-holed: --connect-timeout names what it tried -> 28"
wsc_run --connect-timeout 1 --resolve "h.test:$PLAIN:[::1],127.0.0.2" "ws://h.test:$PLAIN/echo"
expect_rc 28
expect_err_contains "connecting (tried [::1]:$PLAIN, 127.0.0.2:$PLAIN) (--connect-timeout)"
t_end
