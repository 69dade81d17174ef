#!/bin/bash
# Malformed traffic from the scripted raw server (servers/raw_server.py): exit status, the close
# code wsc sent back (recorded by the server) and that nothing invalid reached stdout.
. "$(dirname "$0")/lib.sh"

# Wait until the raw server finished with the connection (its record ends with eof/reset/...).
wait_done() {
	local i
	for ((i = 0; i < 100; i++)); do
		tail -n1 "$1" 2>/dev/null | grep -qE '^(eof|reset|timeout|no-request|note sent reset)$' && return 0
		sleep 0.05
	done
	return 1
}

# The client's close code as recorded, or "none".
sent_close() {
	local c
	c=$(grep -m1 '^close ' "$1" 2>/dev/null | cut -d' ' -f2)
	echo "${c:-none}"
}

expect_close_sent() { # RECORD CODE
	local got
	got=$(sent_close "$1")
	[ "$got" = "$2" ] || _fail " close code sent by wsc: expected $2, got $got (server record: $(_show "$(tr '\n' '|' <"$1" 2>/dev/null)"))"
}

expect_no_frames() { # RECORD: wsc sent no WebSocket frame
	local frames
	frames=$(grep -vE '^(note .*|eof|reset|timeout|no-request)$' "$1" 2>/dev/null)
	[ -z "$frames" ] || _fail " wsc sent frames after a failed handshake: $(_show "$frames")"
}

expect_unmasked_none() { # RECORD: every frame wsc sent was masked
	! grep -q '^bad-frame' "$1" 2>/dev/null || _fail " server saw $(grep -m1 '^bad-frame' "$1")"
}

# scenario  expected-exit  close-code-sent (or "none" / "-" for don't care)  extra wsc args
#   stdout must stay empty unless said otherwise below.
run_scenario() {
	local scen=$1 rc=$2 close=$3 rec
	shift 3
	rec=$RECDIR/$scen
	rm -f "$rec"
	wsc_run -t 8 -w -1 "$@" "ws://127.0.0.1:$RAW/$scen"
	wait_done "$rec"
	expect_rc "$rc"
	case $close in
	none) expect_no_frames "$rec" ;;
	-) ;;
	*) expect_close_sent "$rec" "$close" ;;
	esac
	expect_unmasked_none "$rec"
	expect_elapsed_below 4
	REC=$rec
}

# One raw server for all scenarios: it picks the scenario from the request path and records
# to $RECDIR/<scenario>.
RECDIR=$TMP/records
mkdir -p "$RECDIR"
start_server RAW raw "$PY" "$TESTS_DIR/servers/raw_server.py" --port 0 --record-dir "$RECDIR"

# --- bad handshake replies: exit 8, no frames sent ---------------------------------------------
for s in handshake-bad-accept handshake-no-upgrade handshake-no-connection \
	handshake-unoffered-protocol handshake-extension handshake-garbage handshake-long-garbage; do
	t_begin "protocol: $s -> 8"
	run_scenario "$s" 8 none
	expect_out ''
	expect_err_contains "wsc: "
	t_end
done

t_begin "protocol: handshake-unoffered-protocol with -s superchat (server picks chat) -> 8"
run_scenario handshake-unoffered-protocol 8 none -s superchat
expect_out ''
t_end

t_begin "protocol: handshake-frames-in-same-packet: the message is written"
run_scenario handshake-frames-in-same-packet 0 - --count 1
expect_out 'hello-same-packet\n'
t_end

# --- frame-level violations: 1002, exit 40 -----------------------------------------------------
for s in rsv1 opcode3 opcodeB ping-fragmented ping-126 masked-frame cont-without-start \
	text-inside-fragment len64-msb; do
	t_begin "protocol: $s -> 40, close 1002"
	run_scenario "$s" 40 1002
	expect_out ''
	expect_err_contains "wsc: "
	t_end
done

# --- invalid UTF-8: 1007, exit 40 ---------------------------------------------------------------
t_begin "protocol: bad-utf8 -> 40, close 1007, message not written"
run_scenario bad-utf8 40 1007
expect_out ''
t_end

t_begin "protocol: bad-utf8-midfragment -> 40, close 1007 without waiting for the rest"
run_scenario bad-utf8-midfragment 40 1007
expect_out ''
expect_elapsed_below 2
t_end

# --- invalid close frames from the server: 1002 / 1007, exit 40 --------------------------------
t_begin "protocol: close-1byte -> 40, close 1002"
run_scenario close-1byte 40 1002
t_end

t_begin "protocol: close-code-1005 (never sent on the wire) -> 40, close 1002"
run_scenario close-code-1005 40 1002
t_end

t_begin "protocol: close-code-999 -> 40, close 1002"
run_scenario close-code-999 40 1002
t_end

t_begin "protocol: close-bad-utf8-reason -> 40, close 1007"
run_scenario close-bad-utf8-reason 40 1007
t_end

# --- size limit: 1009, exit 40 ------------------------------------------------------------------
t_begin "protocol: too-big (header announces 2000 > --max-message-size 1000) -> 40, close 1009 at once"
run_scenario too-big 40 1009 --max-message-size 1000
expect_out ''
expect_elapsed_below 2
t_end

# --- abrupt ends ---------------------------------------------------------------------------------
t_begin "protocol: eof-no-close -> 42, the message before it is written"
run_scenario eof-no-close 42 -
expect_out 'last words\n'
expect_err_contains "wsc: "
t_end

t_begin "protocol: reset -> 56"
run_scenario reset 56 -
expect_err_contains "wsc: "
t_end

# --- control frames inside a fragmented message --------------------------------------------------
t_begin "protocol: ping-between-fragments: pong before the message completes, then close 1000 -> 0"
run_scenario ping-between-fragments 0 1000
expect_out 'frag1-frag2\n'
expect_that 'grep -qx "pong pingdata" "$REC"' "no pong with payload pingdata: $(_show "$(tr '\n' '|' <"$REC")")"
expect_that '! grep -q "^note no pong" "$REC"' "the pong did not come before the message completed"
t_end

t_begin "protocol: close-4000 -> 41, 4000 echoed, code and reason on stderr"
run_scenario close-4000 41 4000
expect_err_contains 4000
expect_err_contains custom
t_end

# --- --max-message-size against the real server -------------------------------------------------
start_ws P
t_begin "protocol: server's ping is answered with a pong of the same payload"
wsc_run -w 5 "ws://127.0.0.1:$P/ping"
expect_rc 0
expect_out 'pong ok\n'
t_end

t_begin "protocol: message exactly --max-message-size is accepted"
wsc_run -w 5 --max-message-size 100 "ws://127.0.0.1:$P/send?n=1&size=100"
expect_rc 0
expect_that '[ "$(head -c 100 "$OUT" | wc -c)" = 100 ] && [ "$(wc -l <"$OUT")" = 1 ]' \
	"expected one 100-byte message, got $(wc -c <"$OUT") bytes"
t_end

t_begin "protocol: message one byte over --max-message-size -> 40"
wsc_run -w 5 --max-message-size 100 "ws://127.0.0.1:$P/send?n=1&size=101"
expect_rc 40
expect_out ''
t_end

t_begin "protocol: wsc ends a normal session with close 1000 (server sees 1000)"
wsc_run -w 0 "ws://127.0.0.1:$P/record?file=$TMP/r1000" < <(printf 'x\n')
wait_file "$TMP/r1000.close" 5
expect_rc 0
expect_that '[ "$(cat "$TMP/r1000.close" 2>/dev/null)" = 1000 ]' \
	"server saw close code $(_show "$(cat "$TMP/r1000.close" 2>/dev/null)")"
t_end
