#!/bin/bash
# --write-out FORMAT: the variables after the run, against the websockets echo server (ws:// and
# wss:// with a test CA made now), a refusal (403), a closed port (7) and a redirect chain.
. "$(dirname "$0")/lib.sh"

C=$TMP/certs
start_ws PLAIN
if bash "$TESTS_DIR/gen-certs.sh" "$C" >"$TMP/certs.log" 2>&1; then
	start_ws TLS --tls-cert "$C/server.pem" --tls-key "$C/server.key"
else
	TLS=
fi
T6='%{time_namelookup} %{time_connect} %{time_appconnect} %{time_upgrade} %{time_first_message} %{time_total}'

# times_ordered LINE: the six times of $T6, each with six decimals, in order (appconnect 0 when
# $2 is "plain": it is left out of the order then).
times_ordered() {
	awk -v plain="$2" '{
		if (NF != 6) exit 1
		for (i = 1; i <= 6; i++) if ($i !~ /^[0-9]+\.[0-9][0-9][0-9][0-9][0-9][0-9]$/) exit 1
		if (plain == "plain") { if ($3 != 0) exit 1; $3 = $2 }
		for (i = 2; i <= 6; i++) if ($i + 0 < $(i - 1) + 0) exit 1
		if ($6 <= 0 || $6 > 10) exit 1
	}' <<<"$1"
}

t_begin "writeout: ws:// echo of 3 lines: ordered times, appconnect 0, 101, counts, after the messages"
wsc_run --count 3 --write-out "\n$T6\n%{http_code} %{exitcode} [%{errormsg}] %{messages_sent} %{messages_received} %{messages_matched} %{bytes_sent} %{bytes_received} %{close_code}" \
	"ws://localhost:$PLAIN/echo" < <(printf 'a\nbb\nccc\n')
expect_rc 0
expect_that '[ "$(head -4 "$OUT")" = "$(printf "a\nbb\nccc\n")" ]' "the messages come first: $(_show "$(cat "$OUT")")"
L5=$(sed -n 5p "$OUT")
expect_that 'times_ordered "$L5" plain' "times not ordered or appconnect not 0: $(_show "$L5")"
expect_that '[ "$(sed -n 6p "$OUT")" = "101 0 [] 3 3 3 6 6 1000" ]' "values: $(_show "$(sed -n 6p "$OUT")")"
expect_that '[ "$(wc -l <"$OUT")" = 5 ]' "a newline added after the format: $(_show "$(cat "$OUT")")"
t_end

if [ -n "$TLS" ]; then
	t_begin "writeout: wss:// echo: appconnect after connect, before the upgrade"
	wsc_run --cacert "$C/ca.pem" --count 1 --write-out "$T6\n" "wss://localhost:$TLS/echo" \
		< <(printf 'secure\n')
	expect_rc 0
	L2=$(sed -n 2p "$OUT")
	expect_that 'times_ordered "$L2" tls' "times: $(_show "$L2")"
	expect_that 'awk "{ exit !(\$3 > 0 && \$3 > \$2) }" <<<"$L2"' "appconnect not after connect: $(_show "$L2")"
	t_end
else
	echo "ok - writeout: wss:// # SKIP gen-certs.sh failed: $(head -c 200 "$TMP/certs.log" | tr '\n' ' ')"
fi

t_begin "writeout: a 403 refusal: http_code 403, exit 22, errormsg, no upgrade time"
wsc_run --write-out '%{http_code} %{exitcode} %{time_upgrade} %{time_first_message}|%{errormsg}\n' \
	"ws://127.0.0.1:$PLAIN/status?code=403"
expect_rc 22
expect_that 'grep -qE "^403 22 0\.000000 0\.000000\|.*403" "$OUT"' "got $(_show "$(cat "$OUT")")"
t_end

t_begin "writeout: a closed port: exit 7, the error message, http_code 0, no connect time"
PORT=$(free_port)
wsc_run --write-out '%{exitcode} %{http_code} %{time_connect}|%{errormsg}|\n' "ws://127.0.0.1:$PORT/"
expect_rc 7
expect_that 'grep -qE "^7 0 0\.000000\|cannot connect: .*refused.*\|$" "$OUT"' "got $(_show "$(cat "$OUT")")"
expect_err_contains "cannot connect"
t_end

t_begin "writeout: %{stderr} and %{stdout} switch; unknown variable warned before connecting"
wsc_run --count 1 --write-out 'out1 %{stderr}err %{http_code} %{bogus}%{stdout}out2\n' \
	"ws://localhost:$PLAIN/echo" < <(printf 'hi\n')
expect_rc 0
expect_out 'hi\nout1 out2\n'
expect_that '[ "$(tail -c 8 "$ERR")" = "err 101 " ]' "stderr ends with: $(_show "$(tail -c 40 "$ERR")")"
expect_that 'head -1 "$ERR" | grep -qF "wsc: warning: unknown --write-out variable '"'"'bogus'"'"'"' \
	"warning: $(_show "$(cat "$ERR")")"
t_end

t_begin "writeout: @FILE reads the format; a missing file and @- are usage errors (2)"
printf 'from file: %%{http_code}\\n' >"$TMP/fmt"
wsc_run --count 1 --write-out "@$TMP/fmt" "ws://localhost:$PLAIN/echo" < <(printf 'x\n')
expect_rc 0
expect_out 'x\nfrom file: 101\n'
wsc_run --write-out "@$TMP/nonexistent" "ws://localhost:$PLAIN/echo"
expect_rc 2
expect_err_contains "cannot open"
wsc_run --write-out @- "ws://localhost:$PLAIN/echo"
expect_rc 2
expect_err_contains "stdin"
t_end

t_begin "writeout: %{json} parses and holds the run's values, strings escaped"
wsc_run --count 2 --write-out '%{json}' "ws://localhost:$PLAIN/echo?token=s3cret" \
	< <(printf 'one\ntwo\n')
expect_rc 0
tail -n +3 "$OUT" >"$TMP/json"
: >"$TMP/json.err"
expect_that '"$PY" -c "
import json, sys
j = json.load(sys.stdin)
assert j[\"http_code\"] == 101 and j[\"exitcode\"] == 0 and j[\"errormsg\"] == \"\", j
assert j[\"messages_sent\"] == 2 and j[\"messages_received\"] == 2, j
assert 0 < j[\"time_upgrade\"] <= j[\"time_first_message\"] <= j[\"time_total\"], j
assert \"s3cret\" not in j[\"url\"] and j[\"url\"].startswith(\"ws://localhost:\"), j
assert len(j) == 20, sorted(j)
" <"$TMP/json" 2>"$TMP/json.err"' "json: $(_show "$(cat "$TMP/json" "$TMP/json.err")")"
t_end

t_begin "writeout: %{json} of a failure: errormsg escaped, exitcode 7"
wsc_run --write-out '%{json}' "ws://127.0.0.1:$PORT/"
expect_rc 7
expect_that '"$PY" -c "import json,sys; j = json.load(sys.stdin); assert j[\"exitcode\"] == 7 and \"refused\" in j[\"errormsg\"], j" <"$OUT"' \
	"json: $(_show "$(cat "$OUT")")"
t_end

t_begin "writeout: close code and reason from the server"
wsc_run --write-out '%{close_code} [%{close_reason}] %{exitcode}\n' \
	"ws://localhost:$PLAIN/close-now?code=1001&reason=going%20away"
expect_rc 0
expect_out_contains '1001 [going away] 0'
t_end

t_begin "writeout: keep-alive ping round trip: the pong's, over 0, well under the 0.3 s interval"
# 0 when no pong was timed; a time taken from the connection or the interval's start would be
# 0.3 s or more. Loopback's round trip is far under 0.25 s even on a busy machine.
wsc_run --ping-interval 0.3 -w 1 --write-out '%{ping_rtt}\n' "ws://localhost:$PLAIN/echo"
expect_rc 0
expect_that 'awk "{ exit !(NR == 1 && \$1 > 0 && \$1 < 0.25) }" "$OUT"' "ping_rtt: $(_show "$(cat "$OUT")")"
t_end

t_begin "writeout: no ping, no subprotocol: 0 and empty"
wsc_run --count 1 --no-keepalive --write-out '[%{ping_rtt}][%{subprotocol}][%{num_redirects}]' \
	"ws://localhost:$PLAIN/echo" < <(printf 'x\n')
expect_rc 0
expect_out 'x\n[0.000000][][0]'
t_end

start_server REDIR redir "$PY" "$TESTS_DIR/servers/redirect_server.py" --port 0
t_begin "writeout: -L: num_redirects counts the hops, http_code is the last hop's 101"
wsc_run -L --count 1 --write-out '\n%{num_redirects} %{http_code}' "ws://127.0.0.1:$REDIR/hop?n=2&code=302"
expect_rc 0
expect_that '[ "$(tail -1 "$OUT")" = "2 101" ]' "got $(_show "$(cat "$OUT")")"
t_end

t_begin "writeout: --timeout: exit 28 with its message, written once"
wsc_run --timeout 0.5 -w -1 --write-out '%{exitcode}|%{errormsg}|%{http_code}\n' "ws://localhost:$PLAIN/echo"
expect_rc 28
expect_out '28|timed out after 0.5 s (--timeout)|101\n'
t_end

t_begin "writeout: a stalled stdout reader: wsc ends soon after --timeout, and says it"
# The pipe (1 MiB) is full and its reader sleeps 6 s: the write-out must not wait for it.
start=$EPOCHREALTIME
"$WSC" --timeout 2 -w -1 --write-out '%{exitcode} WRITEOUT\n' \
	"ws://127.0.0.1:$PLAIN/send?n=20000&size=10000" </dev/null 2>"$TMP/stall.err" \
	> >(sleep 6; exec cat >/dev/null) &
W=$!
_PIDS+=("$W")
wait "$W"
RC=$?
ELAPSED=$(awk -v a="$start" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.2f", b - a }')
ERR=$TMP/stall.err
expect_rc 28
expect_err_contains "--write-out: could not write to stdout"
expect_elapsed_below 4
t_end

# The REPL (in a terminal: tests/repl_lib.sh's tmux) writes it once, when it exits.
if command -v tmux >/dev/null; then
	. "$(dirname "$0")/repl_lib.sh"
	t_begin "writeout: the REPL writes it once at exit, with the session's counts"
	if up wo -- --no-history --write-out 'WO %{http_code} %{exitcode} %{messages_sent}\n'; then
		type_text wo "hello"
		key wo Enter
		wait_rec_line wo "hello" || _fail " the server did not receive 'hello'"
		type_text wo "/quit"
		key wo Enter
		wait_exit wo 5 || _fail " wsc did not exit after /quit"
		sleep 0.1
		expect_that '[ "$(pane wo | grep -c "^WO ")" = 1 ] && pane wo | grep -qx "WO 101 0 1"' \
			"screen: $(screen_tail wo)"
	fi
	done_with wo
	t_end
else
	echo "ok - writeout: the REPL # SKIP tmux is not installed"
fi
