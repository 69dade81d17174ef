#!/bin/bash
# Staying up when things go wrong: servers killed, frozen, restarted, refusing, silent; a reader
# that goes away; keep-alive on and off. Uses servers/fault_server.py (and raw_server.py's
# "silent" scenario). Measured times and lost-line counts are printed as "# ..." comments and in
# the test names.
. "$(dirname "$0")/lib.sh"

FAULT=$TESTS_DIR/servers/fault_server.py
_STOPPED=()
_FS_PIDS=()

# Frozen (SIGSTOP) servers cannot act on lib.sh's SIGTERM: thaw them first. Fault servers are
# disowned (see fs_start), so wait here until they are gone before lib.sh removes $TMP.
_faults_cleanup() {
	local p
	for p in "${_STOPPED[@]}"; do
		kill -CONT "$p" 2>/dev/null
	done
	for p in "${_PIDS[@]}"; do
		kill "$p" 2>/dev/null
	done
	for p in "${_FS_PIDS[@]}"; do
		wait_gone "$p" 4 || kill -KILL "$p" 2>/dev/null
	done
	_cleanup
}
trap _faults_cleanup EXIT

# fs_start VAR NAME [--port P] ARGS...: start fault_server.py (a free port unless --port given).
fs_start() {
	local var=$1 name=$2 port=0
	shift 2
	if [ "${1:-}" = --port ]; then
		port=$2
		shift 2
	fi
	start_server "$var" "fault-$name" "$PY" "$FAULT" --port "$port" "$@" || return 1
	# No "Killed" job notices for the servers the tests kill; lib.sh still stops them at exit.
	disown "$SERVER_PID"
	_FS_PIDS+=("$SERVER_PID")
}

# Keep the last lines of stderr for t_end (it prints at most 600 bytes; keep whole lines).
err_tail() {
	tail -n 8 "$ERR" | tail -c 500 >"$ERR.tail"
	[ -s "$ERR.note" ] && cp "$ERR.note" "$ERR.tail.note"
	ERR=$ERR.tail
}

t_done() {
	err_tail
	t_end
}

# wsc_bg [-t SECS] ARGS...: like wsc_run but in the background with the caller's stdin; sets
# WPID, WSTART, OUT and ERR. wsc_wait then sets RC and ELAPSED (since the start).
wsc_bg() {
	local t=20
	if [ "${1:-}" = -t ]; then
		t=$2
		shift 2
	fi
	_RUNS=$((_RUNS + 1))
	OUT=$TMP/run$_RUNS.out
	ERR=$TMP/run$_RUNS.err
	: >"$OUT"
	: >"$ERR"
	WSTART=$EPOCHREALTIME
	timeout -k 2 "$t" "$WSC" "$@" >"$OUT" 2>"$ERR" <&0 &
	WPID=$!
	_PIDS+=("$WPID")
}

wsc_wait() {
	wait "$WPID"
	RC=$?
	WEND=$EPOCHREALTIME
	ELAPSED=$(since "$WSTART" "$WEND")
	if [ "$RC" = 124 ] || [ "$RC" = 137 ]; then
		echo "timed out (killed by the test's time limit)" >>"$ERR.note"
	fi
}

# since T0 [T1]: seconds from T0 to T1 (default now), 2 decimals.
since() {
	awk -v a="$1" -v b="${2:-$EPOCHREALTIME}" 'BEGIN { printf "%.2f", b - a }'
}

# lt A B: true when number A < number B.
lt() { awk -v a="$1" -v b="$2" 'BEGIN { exit !(a < b) }'; }

# Wait (bounded, SECS) until process PID is gone.
wait_gone() {
	local pid=$1 secs=${2:-5} i
	for ((i = 0; i < secs * 20; i++)); do
		kill -0 "$pid" 2>/dev/null || return 0
		sleep 0.05
	done
	return 1
}

# pace N BATCH MS: print lines 1..N, BATCH lines at a time, MS milliseconds apart.
pace() {
	"$PY" -c '
import sys, time
n, batch, ms = int(sys.argv[1]), int(sys.argv[2]), float(sys.argv[3])
try:
    for i in range(1, n + 1, batch):
        sys.stdout.write("".join("%d\n" % j for j in range(i, min(n, i + batch - 1) + 1)))
        sys.stdout.flush()
        time.sleep(ms / 1000.0)
except BrokenPipeError:
    pass
' "$@"
}

# check_seq FILE N: compare FILE with the lines 1..N; prints "lines lost dups reordered gaps last".
check_seq() {
	awk -v n="$2" '
		{ x = $0 + 0
		  if (x in seen) dup++
		  else if (x <= prev) reo++
		  else { if (x > prev + 1) { lost += x - prev - 1; gaps++ }; prev = x }
		  seen[x] = 1; lines++ }
		END { if (prev < n) { lost += n - prev; gaps++ }
		      printf "%d %d %d %d %d %d\n", lines, lost, dup, reo, gaps, prev }' "$1"
}

# held_check LOG REC N: each server that killed itself logged the messages it had received (in
# its buffer or its kernel, and after --stall those in the client's send queue) but not recorded.
# Those were handed to the kernel, so wsc must not send them again; and every lost line must be
# one of them, else wsc dropped a line it never wrote. Prints "resent unheld" counts.
held_check() {
	awk -v n="$3" '
		FNR == NR {
			if ($2 == "kill" && $5 == "held" && $6 != "none") {
				split($6, r, "-")
				for (i = r[1] + 0; i <= r[2] + 0; i++) held[i] = 1
			}
			next
		}
		{ rec[$0 + 0] = 1 }
		END {
			for (i in held) if (i in rec) resent++
			for (i = 1; i <= n; i++) if (!(i in rec) && !(i in held)) unheld++
			print resent + 0, unheld + 0
		}' "$1" "$2"
}

# bigl N SIZE: N numbered lines ("000001 xxx...") of SIZE bytes each, at once.
bigl() {
	"$PY" -c '
import sys
n, size = int(sys.argv[1]), int(sys.argv[2])
try:
    for i in range(1, n + 1):
        sys.stdout.write(("%06d " % i).ljust(size, "x") + "\n")
except BrokenPipeError:
    pass
' "$@"
}

RD=(--reconnect --reconnect-delay 0.1:0.5)

# --- 1. server killed mid-stream -------------------------------------------------------------

fs_start P t1a --tag A --stream 50
t_begin "faults: server SIGKILLed mid-stream, no --reconnect -> exit 42 or 56 with the reason"
wsc_bg -t 10 -w -1 "ws://127.0.0.1:$P/"
if wait_file_contains "$OUT" A-5 5; then
	kill -KILL "$SERVER_PID"
	tk=$EPOCHREALTIME
	wsc_wait
	took=$(since "$tk" "$WEND")
	echo "# server killed: wsc exited $RC after ${took}s"
	expect_that '[ "$RC" = 42 ] || [ "$RC" = 56 ]' "exit code: expected 42 or 56, got $RC"
	expect_err_matches '^wsc: .*(close frame|1006|reset|broke|closed)'
	expect_that 'lt "$took" 2' "took ${took}s after the kill to notice, expected under 2s"
else
	_fail " no A-5 from the streaming server"
	wsc_wait
fi
t_done

fs_start P t1b --tag A --stream 50
t_begin "faults: server SIGKILLed, restarted on the same port: --reconnect keeps going"
wsc_bg -t 15 "${RD[@]}" -w -1 "ws://127.0.0.1:$P/"
if wait_file_contains "$OUT" A-5 5; then
	kill -KILL "$SERVER_PID"
	wait_gone "$SERVER_PID"
	sleep 0.5 # a refused attempt or two in between
	fs_start P2 t1c --port "$P" --tag B --stream 50
	wait_file_contains "$OUT" B-5 5 || _fail " no B-5 from the restarted server on stdout"
	expect_that 'kill -0 $WPID 2>/dev/null' "wsc did not keep running (it exited)"
	kill -TERM "$WPID" 2>/dev/null
	wsc_wait
	expect_that '[ "$(grep -n "^B-1$" "$OUT" | cut -d: -f1)" -gt "$(grep -n "^A-5$" "$OUT" | cut -d: -f1)" ]' \
		"stdout: B-1 should come after A-5"
	expect_err_contains "* disconnected"
	expect_err_matches 'reconnecting in [0-9.]+ s \(attempt 1\)'
else
	_fail " no A-5 from the streaming server"
	wsc_wait
fi
t_done

# --- 2. server frozen with SIGSTOP ----------------------------------------------------------

fs_start P t2a --greet --log "$TMP/t2a.log"
t_begin "faults: server frozen (SIGSTOP), --ping-interval 1 --ping-timeout 1 -> exit 28 within 3 s"
wsc_bg -t 6 --ping-interval 1 --ping-timeout 1 -w -1 "ws://127.0.0.1:$P/"
sleep 2.5
pings=$(grep -c ' ping$' "$TMP/t2a.log")
expect_that 'kill -0 $WPID 2>/dev/null' "wsc exited while the server still answered pings"
expect_that '[ "$pings" -ge 2 ]' "expected at least 2 keep-alive pings in 2.5 s, server saw $pings"
kill -STOP "$SERVER_PID"
_STOPPED+=("$SERVER_PID")
ts=$EPOCHREALTIME
wsc_wait
took=$(since "$ts" "$WEND")
echo "# frozen server detected after ${took}s (limit interval+timeout+1 = 3s), exit $RC"
expect_rc 28
expect_err_contains "ping"
expect_that 'lt "$took" 3' "took ${took}s from SIGSTOP to exit, expected under 3s"
expect_that 'lt 0.9 "$took"' "gave up ${took}s after SIGSTOP: sooner than --ping-timeout allows"
t_done
kill -CONT "$SERVER_PID"
stop_server "$SERVER_PID"

fs_start P t2b --greet --log "$TMP/t2b.log"
SPID=$SERVER_PID
t_begin "faults: server frozen then resumed (SIGCONT): --reconnect gets through"
wsc_bg -t 12 --ping-interval 1 --ping-timeout 1 "${RD[@]}" --connect-timeout 1 -w -1 \
	-m hello --count 2 "ws://127.0.0.1:$P/"
if wait_file_contains "$OUT" "hello S 1" 5; then
	kill -STOP "$SPID"
	_STOPPED+=("$SPID")
	ts=$EPOCHREALTIME
	if wait_file_contains "$ERR" "disconnected" 5; then
		echo "# frozen server: disconnect reported after $(since "$ts")s"
	else
		_fail " no '* disconnected' on stderr within 5 s of SIGSTOP"
	fi
	sleep 2.5 # attempts time out against the frozen server meanwhile
	kill -CONT "$SPID"
	tc=$EPOCHREALTIME
	wsc_wait
	took=$(since "$tc" "$WEND")
	echo "# resumed server: wsc got through ${took}s after SIGCONT (exit $RC)"
	expect_rc 0
	expect_that '[ "$(wc -l <"$OUT")" = 2 ] && grep -qE "^hello S ([2-9]|[1-9][0-9]+)$" "$OUT"' \
		"stdout: expected hello S 1 then hello from a later connection, got $(tr '\n' '|' <"$OUT")"
	expect_err_matches 'reconnecting in [0-9.]+ s \(attempt [2-9]'
	expect_that 'lt "$took" 3' "took ${took}s after SIGCONT to get through, expected under 3s"
else
	_fail " no greeting from the server"
	wsc_wait
fi
t_done
kill -CONT "$SPID"
stop_server "$SPID"

# --- 3. restart with lines arriving slowly --------------------------------------------------

R3=$TMP/t3.rec
fs_start P t3a --record "$R3" --log "$TMP/t3a.log"
t_begin "faults: server restarted after 3 s while lines trickle in: all arrive once, in order"
wsc_bg -t 25 "${RD[@]}" -w 1 "ws://127.0.0.1:$P/" < <(pace 300 1 20)
sleep 3
kill -TERM "$SERVER_PID" # graceful: close 1001, record until our close arrives
wait_gone "$SERVER_PID" 5 || _fail " first server did not exit on SIGTERM"
sleep 0.7 # refused meanwhile: lines queue up in wsc
fs_start P2 t3b --port "$P" --record "$R3" --log "$TMP/t3b.log"
wsc_wait
read -r n lost dup reo gaps last < <(check_seq "$R3" 300)
echo "# restart: $n lines recorded, $lost lost, $dup duplicated, $reo out of order"
expect_rc 0
expect_that 'seq 1 300 | cmp -s - "$R3"' "recorded lines differ from 1..300: $n lines, $lost lost, $dup duplicated, $reo out of order"
expect_that 'grep -q "client-close 1001" "$TMP/t3a.log"' "wsc did not answer the first server's close 1001"
expect_that 'grep -q " open 1" "$TMP/t3b.log"' "wsc never connected to the restarted server"
expect_that 'grep -q "client-close 1000" "$TMP/t3b.log"' "no close 1000 at the end on the second server"
t_done

# --- 4. 503 with Retry-After, then 401 ------------------------------------------------------

fs_start P t4a --refuse 503:2 --refuse-count 1 --greet --log "$TMP/t4a.log"
t_begin "faults: 503 with Retry-After: 2 -> the next attempt waits 2 s"
wsc_run -t 10 "${RD[@]}" -w -1 -m hello --count 1 "ws://127.0.0.1:$P/"
expect_rc 0
expect_out 'hello S 1\n'
gap=$(awk '$2 == "attempt" { t[++n] = $1 } END { if (n >= 2) printf "%.2f", t[2] - t[1]; else print -1 }' "$TMP/t4a.log")
echo "# Retry-After 2: second attempt ${gap}s after the first"
expect_that 'lt 1.99 "$gap"' "second attempt ${gap}s after the first (-1 = none), expected >= 2s"
expect_that 'lt "$gap" 3' "second attempt ${gap}s after the first, expected about 2s (backoff max is 0.5)"
expect_err_contains 503
t_done

fs_start P t4b --refuse 401 --log "$TMP/t4b.log"
t_begin "faults: 401 with --reconnect -> exit 22 at once, not reconnecting, one attempt"
wsc_run -t 10 "${RD[@]}" -w -1 "ws://127.0.0.1:$P/"
expect_rc 22
expect_err_contains "not reconnecting"
expect_err_contains 401
expect_elapsed_below 1.5
sleep 0.3
attempts=$(grep -c ' attempt ' "$TMP/t4b.log")
expect_that '[ "$attempts" = 1 ]' "expected exactly 1 attempt, server saw $attempts"
t_done

fs_start P t4c --refuse 429 --refuse-count 2 --greet --log "$TMP/t4c.log"
t_begin "faults: 429 without Retry-After is retried with backoff"
wsc_run -t 10 "${RD[@]}" -w -1 -m hello --count 1 "ws://127.0.0.1:$P/"
expect_rc 0
expect_out 'hello S 1\n'
attempts=$(grep -c ' attempt ' "$TMP/t4c.log")
expect_that '[ "$attempts" = 3 ]' "expected 3 attempts (2 refused), server saw $attempts"
t_done

# --- 5. handshake never completes -----------------------------------------------------------

start_raw P silent
t_begin "faults: server accepts TCP and says nothing, --connect-timeout 1 -> exit 28 in ~1 s"
wsc_run -t 10 --connect-timeout 1 "ws://127.0.0.1:$P/"
echo "# silent server: gave up after ${ELAPSED}s"
expect_rc 28
expect_elapsed_below 1.8
expect_elapsed_above 0.9
expect_err_contains "wsc: "
t_done
stop_server "$SERVER_PID"

# --- 6. the reader goes away ----------------------------------------------------------------

fs_start P t6 --stream 0 --stream-count 500000 --log "$TMP/t6.log"
t_begin "faults: wsc | head -1 -> exit 23 promptly, no SIGPIPE death, close 1000 sent"
OUT=$TMP/t6.out
ERR=$TMP/t6.err
timeout -k 2 10 "$WSC" -w -1 "ws://127.0.0.1:$P/" 2>"$ERR" |
	{
		head -1 >"$OUT"
		echo "$EPOCHREALTIME" >"$TMP/t6.headend"
	}
ps=("${PIPESTATUS[@]}")
RC=${ps[0]}
took=$(since "$(cat "$TMP/t6.headend")")
echo "# head -1: wsc exited $RC, ${took}s after head"
expect_rc 23
expect_out 'S-1\n'
expect_that 'lt "$took" 2' "wsc took ${took}s to exit after head -1 did"
expect_err_contains "stdout"
wait_file_contains "$TMP/t6.log" "client-close" 2
expect_that 'grep -q "client-close 1000" "$TMP/t6.log"' \
	"server got no close 1000: $(grep -E 'client-close|eof|reset' "$TMP/t6.log" | cut -d' ' -f2- | tr '\n' '|')"
t_done
stop_server "$SERVER_PID"

# --- 7. five 1012 closes while 10,000 lines go out ------------------------------------------

R7=$TMP/t7.rec
fs_start P t7 --record "$R7" --log "$TMP/t7.log" --close-after 1200,0,1700,1,2500
t_begin "faults: 10000 lines, server closes 1012 five times: every line once, in order"
wsc_bg -t 30 "${RD[@]}" -w 1 "ws://127.0.0.1:$P/" < <(pace 10000 25 5)
wsc_wait
read -r n lost dup reo gaps last < <(check_seq "$R7" 10000)
closes=$(grep -c 'sent-close 1012' "$TMP/t7.log")
echo "# 1012 closes: $closes; $n lines recorded, $lost lost, $dup duplicated, $reo out of order"
expect_rc 0
expect_that '[ "$closes" = 5 ]' "server sent close 1012 $closes times, expected 5"
expect_that '[ "$(grep -c "client-close 1012" "$TMP/t7.log")" = 5 ]' "wsc did not answer every 1012 with 1012"
expect_that 'seq 1 10000 | cmp -s - "$R7"' "recorded lines differ from 1..10000: $n lines, $lost lost, $dup duplicated, $reo out of order"
t_done
stop_server "$SERVER_PID"

# --- 8. five SIGKILLs while 10,000 lines go out ---------------------------------------------

R8=$TMP/t8.rec
fs_start P t8-0 --record "$R8" --log "$TMP/t8.log" --kill-after 1200
t_begin "faults: sigkill"
# Each server dies after K messages (K=1: right after the first on a new connection, when wsc
# has just written its backlog); the test starts the next one on the same port.
wsc_bg -t 30 "${RD[@]}" -w 1 "ws://127.0.0.1:$P/" < <(pace 10000 10 5)
i=0
for k in 1 1500 900 700 0; do
	i=$((i + 1))
	if ! wait_gone "$SERVER_PID" 10; then
		_fail " server $i did not reach its --kill-after count"
		break
	fi
	fs_start P2 "t8-$i" --port "$P" --record "$R8" --log "$TMP/t8.log" --kill-after "$k"
done
wsc_wait
read -r n lost dup reo gaps last < <(check_seq "$R8" 10000)
kills=$(grep -c ' kill after ' "$TMP/t8.log")
_T_NAME="faults: sigkill: 10000 lines, $lost lost, $dup duplicated ($kills kills, $gaps gaps, $reo out of order)"
echo "# sigkill: $kills kills; $n lines recorded, $lost lost in $gaps gaps, $dup duplicated, $reo out of order, last $last"
echo "# sigkill: lost runs (first+count): $(awk '{ x = $0 + 0; if (x > p + 1) printf "%d+%d ", p + 1, x - p - 1; if (x > p) p = x }' "$R8")"
read -r resent unheld < <(held_check "$TMP/t8.log" "$R8" 10000)
echo "# sigkill: held by the dead servers: $(grep -o 'held .*' "$TMP/t8.log" | tr '\n' ' ')"
expect_rc 0
expect_that '[ "$kills" = 5 ]' "expected 5 kills, got $kills"
expect_that '[ "$resent" = 0 ]' "$resent lines were sent again although a dead server had received them"
expect_that '[ "$unheld" = 0 ]' \
	"$unheld lines lost that no dead server had received (dropped, never handed to the kernel?)"
expect_that '[ "$dup" = 0 ]' "$dup lines recorded twice"
expect_that '[ "$reo" = 0 ]' "$reo lines out of order"
expect_that '[ "$last" = 10000 ]' "last line recorded is $last, expected 10000"
expect_that '[ "$gaps" -le 5 ]' "lost lines form $gaps gaps: at most one per kill (5) expected"
t_done

t_begin "faults: server stops reading, then dies: what never left the client goes again"
# 1 KB lines, all at once: while the server stalls, the socket buffers fill; wsc holds frames not
# (or not wholly) written, and its kernel holds more it never sent. All of that must go to the next
# server; only what reached the dead server's kernel may be lost, and nothing may come twice.
# Twice the largest TCP send buffer, so that wsc's socket cannot take it all.
N8=$(awk '{ n = int($3 * 2 / 1000); print n < 3000 ? 3000 : n }' /proc/sys/net/ipv4/tcp_wmem 2>/dev/null)
: "${N8:=9000}"
R8b=$TMP/t8b.rec
fs_start P t8b-0 --record "$R8b" --log "$TMP/t8b.log" --rcvbuf 16384 --kill-after 50 --stall 1
wsc_bg -t 12 "${RD[@]}" -w 1 "ws://127.0.0.1:$P/" < <(bigl "$N8" 1000)
wait_gone "$SERVER_PID" 10 || _fail " the server did not kill itself"
fs_start P2 t8b-1 --port "$P" --record "$R8b" --log "$TMP/t8b.log"
wsc_wait
read -r n lost dup reo gaps last < <(check_seq "$R8b" "$N8")
read -r resent unheld < <(held_check "$TMP/t8b.log" "$R8b" "$N8")
held=$(grep -o 'held .*' "$TMP/t8b.log")
echo "# stalled then killed: $n lines recorded, $lost lost ($held; $(grep -o 'in-kernel.*' "$TMP/t8b.log")), $dup duplicated, $reo out of order"
expect_rc 0
expect_that '[ "$dup" = 0 ] && [ "$reo" = 0 ] && [ "$last" = "$N8" ]' \
	"$dup lines recorded twice, $reo out of order, last line $last (expected $N8)"
expect_that '[ "$resent" = 0 ]' "$resent lines were sent again although the dead server had received them"
# (Only meaningful when wsc finished: else the lines it never got to send count as lost.)
expect_that '[ "$RC" != 0 ] || [ "$unheld" = 0 ]' "$unheld lines lost that wsc never handed to the kernel"
expect_that '[ "$(grep -c " open " "$TMP/t8b.log")" = 2 ] && [ "$lost" -lt $((N8 - 50)) ]' \
	"the second server got nothing: wsc had nothing left to send again, the test proves nothing"
t_done

start_ws PW
t_begin "faults: $N8 lines of 1 KB piped at once to a fast reader: all arrive, no stall"
# More than --queue-size and the socket buffers together (found while writing the test above).
wsc_run -t 10 -w 1 "ws://127.0.0.1:$PW/record?file=$TMP/big.rec" < <(bigl "$N8" 1000)
read -r n lost dup reo gaps last < <(check_seq "$TMP/big.rec" "$N8")
echo "# big input: $n of $N8 lines recorded in ${ELAPSED}s"
expect_rc 0
expect_that '[ "$n" = "$N8" ] && [ "$lost" = 0 ] && [ "$dup" = 0 ] && [ "$reo" = 0 ]' \
	"$n of $N8 lines recorded ($lost missing, $dup duplicated, $reo out of order)"
t_done
stop_server "$SERVER_PID"

# --- 9. keep-alive off ----------------------------------------------------------------------

fs_start P t9 --close-on-ping 1002 --log "$TMP/t9.log"
t_begin "faults: --no-keepalive: no ping, the connection stays up 3 s"
wsc_run -t 10 --ping-interval 1 --no-keepalive -w 3 "ws://127.0.0.1:$P/"
expect_rc 0
expect_elapsed_above 3
expect_that '! grep -q " ping$" "$TMP/t9.log"' "the server got a ping despite --no-keepalive"
expect_that 'grep -q "client-close 1000" "$TMP/t9.log"' "no close 1000 from wsc after -w 3"
t_done

: >"$TMP/t9.log"
t_begin "faults: keep-alive on: a ping after 1 s, the server closes 1002 -> exit 41"
wsc_run -t 10 --ping-interval 1 -w 3 "ws://127.0.0.1:$P/"
expect_rc 41
expect_err_contains 1002
expect_elapsed_below 2.5
expect_that 'grep -q " ping$" "$TMP/t9.log"' "the server got no ping"
t_done

# --- 10. keep-alive while data moves slowly -------------------------------------------------

# Lines of 1 KB: more than wsc's kernel send buffer can hold (N8), so the queue stays busy.
N10=$N8
fs_start P t10a --no-pong --read-rate 131072:100 --rcvbuf 16384 --record "$TMP/t10a.rec" \
	--log "$TMP/t10a.log"
t_begin "faults: slow reader that never pongs, $N10 lines of 1 KB, --ping-interval 1 --ping-timeout 1: no false timeout"
# The server reads 128 KiB every 100 ms: about 6.5 s for the lot, and the ping that wsc queues
# after 1 s waits behind megabytes in wsc's queue and kernel. Writes keep making progress all the
# while: that is life, not silence.
t0=$EPOCHREALTIME
wsc_run -t 25 --ping-interval 1 --ping-timeout 1 -w 1 "ws://127.0.0.1:$P/" < <(bigl "$N10" 1000)
[ "$RC" = 0 ] && wait_file_contains "$TMP/t10a.log" "client-close" 10
sleep 0.2
read -r n lost dup reo gaps last < <(check_seq "$TMP/t10a.rec" "$N10")
ping_at=$(awk -v t="$t0" '$2 == "ping" { printf "%.2fs", $1 - t; exit }' "$TMP/t10a.log")
end_at=$(awk -v t="$t0" '$2 == "eof" || $2 == "client-close" { printf "%.2f", $1 - t; exit }' "$TMP/t10a.log")
echo "# slow reader: wsc exited $RC after ${ELAPSED}s; the server had $n of $N10 lines" \
	"($lost missing); the first ping reached it at ${ping_at:-never}, the end at ${end_at:-never}s"
expect_that '[ "$RC" != 28 ]' "false keep-alive timeout (exit 28) after ${ELAPSED}s while the server was still reading (the ping reached it at ${ping_at:-never})"
expect_rc 0
expect_that '[ "$n" = "$N10" ] && [ "$lost" = 0 ] && [ "$dup" = 0 ] && [ "$reo" = 0 ]' \
	"$n of $N10 lines recorded ($lost missing, $dup duplicated, $reo out of order)"
expect_that '[ "$RC" != 0 ] || lt 3 "${end_at:-0}"' "the transfer ended after ${end_at:-?}s: too fast to show anything (expected > 3 s)"
t_done
stop_server "$SERVER_PID"

fs_start P t10b --no-pong --big-message 8388608:3 --big-on-ping --log "$TMP/t10b.log"
t_begin "faults: an 8 MB message arriving over 3 s while a ping goes unanswered: no false timeout"
wsc_run -t 15 --ping-interval 1 --ping-timeout 1 --count 1 "ws://127.0.0.1:$P/"
want=$(awk '$2 == "sent-big" { print $4 }' "$TMP/t10b.log")
got=$(head -c -1 "$OUT" | sha256sum | cut -d' ' -f1)
took=$(awk '$2 == "big-start" { s = $1 } $2 == "sent-big" { printf "%.2f", $1 - s }' "$TMP/t10b.log")
echo "# big message: $(wc -c <"$OUT") bytes on stdout, sent over ${took:-?}s after the ping; wsc exited $RC after ${ELAPSED}s"
expect_that '[ "$RC" != 28 ]' "false keep-alive timeout (exit 28) while the message was arriving"
expect_rc 0
expect_that '[ "$(wc -c <"$OUT")" = 8388609 ] && [ -n "$want" ] && [ "$got" = "$want" ] && [ "$(tail -c 1 "$OUT" | od -An -c | tr -d " ")" = "\\n" ]' \
	"stdout is not the 8388608-byte message and a newline: $(wc -c <"$OUT") bytes, sha256 $got, server sent ${want:-nothing}"
expect_that 'lt 2 "${took:-0}"' "the message took ${took:-?}s to send, expected about 3 s (longer than --ping-timeout)"
expect_that '[ "$(grep -c " ping$" "$TMP/t10b.log")" -ge 1 ]' "wsc sent no ping before the message: the test proves nothing"
t_done
stop_server "$SERVER_PID"

fs_start P t10c --rcvbuf 16384 --record "$TMP/t10c.rec" --log "$TMP/t10c.log"
SPID=$SERVER_PID
t_begin "faults: server frozen while wsc has megabytes to send: exit 28 within interval+timeout+interval+2 s"
# The kernel's buffers fill at once, so wsc's own queue holds frames and its ping cannot even
# reach the kernel: no write progress and nothing received counts as dead.
wsc_bg -t 15 --ping-interval 1 --ping-timeout 1 -w 1 "ws://127.0.0.1:$P/" < <(bigl "$N8" 1000)
if wait_file "$TMP/t10c.rec" 5; then
	kill -STOP "$SPID"
	_STOPPED+=("$SPID")
	ts=$EPOCHREALTIME
	sleep 0.3
	sendq=$(ss -tnH state established "( dport = :$P )" 2>/dev/null | awk '{ print $2; exit }')
	wsc_wait
	took=$(since "$ts" "$WEND")
	echo "# frozen with a backlog: wsc exited $RC ${took}s after SIGSTOP (bound 5 s);" \
		"its kernel send queue held ${sendq:-?} bytes; the server had $(wc -l <"$TMP/t10c.rec") of $N8 lines"
	expect_rc 28
	expect_that 'lt "$took" 5' "took ${took}s from SIGSTOP to exit, expected under 5 s"
	expect_that 'lt 1 "$took"' "gave up ${took}s after SIGSTOP: before a ping could have timed out"
	expect_err_contains "ping"
	expect_that '[ -z "$sendq" ] || [ "$sendq" -gt 1000000 ]' \
		"wsc's kernel send queue held only ${sendq} bytes after the freeze: no backlog, the test proves nothing"
else
	_fail " the server recorded nothing"
	wsc_wait
fi
t_done
kill -CONT "$SPID"
stop_server "$SPID"

# --- 11. reconnect details ------------------------------------------------------------------

R11=$TMP/t11.rec
fs_start P t11 --record "$R11" --record-conn --close-after 1 --log "$TMP/t11.log"
t_begin "faults: -x messages are sent again first on every new connection"
wsc_run -t 10 "${RD[@]}" -x subscribe -w 1 "ws://127.0.0.1:$P/" < <(pace 6 1 150)
conns=$(grep -c ' open ' "$TMP/t11.log")
echo "# -x: $conns connections; recorded: $(tr '\n' '|' <"$R11")"
expect_rc 0
expect_that '[ "$conns" = 2 ]' "expected 2 connections (the first closed 1012), server saw $conns"
expect_that '[ "$(awk "!(\$1 in s) { s[\$1] = \$2 } END { for (c in s) print c, s[c] }" "$R11" | sort)" = "$(printf "1 subscribe\n2 subscribe")" ]' \
	"not every connection got 'subscribe' first: $(tr '\n' '|' <"$R11")"
expect_that '[ "$(grep -c " subscribe$" "$R11")" = 2 ]' "'subscribe' sent $(grep -c " subscribe$" "$R11") times, expected once per connection"
expect_that '[ "$(grep -v " subscribe$" "$R11" | cut -d" " -f2 | tr "\n" " ")" = "1 2 3 4 5 6 " ]' \
	"the piped lines did not arrive once each in order: $(grep -v " subscribe$" "$R11" | tr '\n' '|')"
t_done
stop_server "$SERVER_PID"

t_begin "faults: server down 2 s, 2 MB piped with --queue-size 64K: the producer is held back, nothing lost"
P=$(free_port)
R12=$TMP/t12.rec
N12=20972 # lines of 100 bytes: 2 MiB
# Producer: numbered lines in 8 KB writes; after each, "<bytes written> <time>" in t12.prog.
produce() {
	"$PY" -c '
import os, sys, time
n, prog = int(sys.argv[1]), sys.argv[2]
data = "".join(("%06d " % i).ljust(99, "x") + "\n" for i in range(1, n + 1)).encode()
done = 0
while done < len(data):
    done += os.write(1, data[done:done + 8192])
    with open(prog, "w") as f:
        f.write("%d %.6f\n" % (done, time.time()))
' "$N12" "$TMP/t12.prog"
}
wsc_bg -t 20 --queue-size 64K --reconnect --reconnect-delay 0.1:0.3 -w 1 "ws://127.0.0.1:$P/" < <(produce)
sleep 2
read -r before _ <"$TMP/t12.prog"
fs_start P2 t12 --port "$P" --record "$R12" --log "$TMP/t12.log"
wsc_wait
read -r total pdone <"$TMP/t12.prog"
opened=$(awk '$2 == "open" { print $1; exit }' "$TMP/t12.log")
read -r n lost dup reo gaps last < <(check_seq "$R12" "$N12")
echo "# backpressure: the producer had written $before bytes when the server came up;" \
	"it finished $(since "${opened:-0}" "$pdone")s after the connection opened; $n of $N12 lines arrived" \
	"($lost lost, $dup duplicated, $reo out of order); $(grep -c 'reconnecting in' "$ERR") reconnect attempts"
expect_rc 0
expect_that '[ "$before" -lt 524288 ]' "the producer got $before bytes into wsc while the server was down (queue 64K): no backpressure"
expect_that '[ "$total" = $((N12 * 100)) ] && [ -n "$opened" ] && lt "$opened" "$pdone"' \
	"the producer finished (${total} bytes at $pdone) before the connection opened (${opened:-never})"
expect_that '[ "$n" = "$N12" ] && [ "$lost" = 0 ] && [ "$dup" = 0 ] && [ "$reo" = 0 ]' \
	"$n of $N12 lines recorded ($lost missing, $dup duplicated, $reo out of order)"
t_done
stop_server "$SERVER_PID"

fs_start P t13 --close-after 0 --log "$TMP/t13.log"
t_begin "faults: --json --reconnect: disconnected, then reconnecting (delay, attempt 1), then connected"
wsc_run -t 10 --json "${RD[@]}" -w 0.5 "ws://127.0.0.1:$P/"
seq13=$("$PY" -c '
import json, sys
ev = []
for line in open(sys.argv[1]):
    o = json.loads(line)
    if "event" not in o:
        continue
    e = o["event"]
    if e == "disconnected":
        e += ":%s:%s" % (o.get("by"), o.get("code"))
    if e == "reconnecting":
        e += ":%s:%s" % ("delay-ok" if 0.1 <= o.get("delay", -1) <= 0.5 else "delay-%s" % o.get("delay"), o.get("attempt"))
    ev.append(e)
print(" ".join(ev))
' "$OUT" 2>&1)
echo "# events: $seq13"
expect_rc 0
expect_that '[[ "$seq13" == "connected established disconnected:server:1012 reconnecting:delay-ok:1 connected established disconnected:client:1000" ]]' \
	"events on stdout: $seq13"
t_done

stop_server "$SERVER_PID"
fs_start P t13b --close-after 0 --log "$TMP/t13b.log"
t_begin "faults: --reconnect without --json: '* disconnected' then '* reconnecting in' on stderr"
wsc_run -t 10 "${RD[@]}" -w 0.5 "ws://127.0.0.1:$P/"
d=$(grep -n -m1 '^\* disconnected: ' "$ERR" | cut -d: -f1)
r=$(grep -n -m1 -E '^\* reconnecting in [0-9.]+ s \(attempt 1\)' "$ERR" | cut -d: -f1)
expect_rc 0
expect_that '[ -n "$d" ] && [ -n "$r" ] && [ "$d" -lt "$r" ]' \
	"stderr: expected '* disconnected: ...' then '* reconnecting in N s (attempt 1)' (lines ${d:-none} and ${r:-none})"
expect_out ''
t_done
stop_server "$SERVER_PID"

P=$(free_port)
t_begin "faults: --reconnect-max 2 against a refused port: 3 attempts, exit 7, giving up"
wsc_run -t 10 --json --reconnect --reconnect-max 2 --reconnect-delay 0.1:0.3 "ws://127.0.0.1:$P/"
refused=$(grep -c '"event":"disconnected".*refused' "$OUT")
again=$(grep -c '"event":"reconnecting"' "$OUT")
echo "# --reconnect-max 2: $refused refused attempts, $again reconnects announced, exit $RC after ${ELAPSED}s"
expect_rc 7
expect_that '[ "$refused" = 3 ] && [ "$again" = 2 ]' "expected 3 refused attempts and 2 reconnects, got $refused and $again"
expect_err_contains "giving up after 2 reconnect attempts"
expect_elapsed_below 2
t_done

t_begin "faults: --reconnect-max 1: \"giving up after 1 reconnect attempt\", singular"
wsc_run -t 10 --reconnect --reconnect-max 1 --reconnect-delay 0.1:0.3 "ws://127.0.0.1:$P/"
expect_rc 7
expect_err_contains "giving up after 1 reconnect attempt (--reconnect-max)"
t_done

C=$TMP/certs
if bash "$TESTS_DIR/gen-certs.sh" "$C" >"$TMP/certs.log" 2>&1; then
	fs_start P t14 --tls-cert "$C/server.pem" --tls-key "$C/server.key" --greet --log "$TMP/t14.log"
	t_begin "faults: certificate not verified with --reconnect -> exit 60 at once, one attempt"
	wsc_run -t 10 "${RD[@]}" -w -1 "wss://127.0.0.1:$P/"
	sleep 0.6 # a retry would come within the backoff's 0.5 s
	tries=$(grep -c ' accept$' "$TMP/t14.log")
	echo "# TLS failure: exit $RC after ${ELAPSED}s, $tries TCP connection(s)"
	expect_rc 60
	expect_err_contains "not reconnecting"
	expect_elapsed_below 1.5
	expect_that '[ "$tries" = 1 ]' "expected exactly 1 attempt, server saw $tries"
	# The same server with the test CA works: it was the certificate, not the server.
	wsc_run -t 10 "${RD[@]}" --cacert "$C/ca.pem" --count 1 "wss://127.0.0.1:$P/"
	expect_that '[ "$RC" = 0 ] && [ "$(cat "$OUT")" = "hello S 1" ]' \
		"with --cacert the server should greet: exit $RC, stdout $(head -c 100 "$OUT")"
	t_done
	stop_server "$SERVER_PID"
else
	t_begin "faults: certificate not verified with --reconnect"
	_fail " gen-certs.sh failed: $(tr '\n' ' ' <"$TMP/certs.log")"
	t_done
fi
