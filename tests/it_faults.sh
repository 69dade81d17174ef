#!/bin/bash
# Staying up when things go wrong: servers killed, frozen, restarted; a reader that goes away;
# lines sent across repeated closes and kills arrive once, in order. Uses servers/fault_server.py.
# Measured times and lost-line counts are printed as "# ..." comments and in the test names.
# HTTP refusals, silent handshakes, keep-alive and reconnect details: it_faults_retry.sh.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/faults_lib.sh"

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
