#!/bin/bash
# Faults met while connecting and keeping alive: 503/401/429 answers, a handshake that never
# completes, keep-alive on and off under slow data, and the reconnect policy's details (-x
# resent, --queue-size, --json events, --reconnect-max, TLS failures). Uses
# servers/fault_server.py and raw_server.py's "silent" scenario. Measured times are printed as
# "# ..." comments.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/faults_lib.sh"

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
