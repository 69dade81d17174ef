#!/bin/bash
# Pipe mode against the websockets echo server: ordering, framing of lines, NUL mode, big
# messages, binary output formats, --json, --match, --count and --wait.
. "$(dirname "$0")/lib.sh"

start_ws P
U=ws://127.0.0.1:$P

t_begin "echo: two lines come back in order, exit 0 at --count"
wsc_run --count 2 "$U/echo" < <(printf 'hello\nworld\n')
expect_rc 0
expect_out 'hello\nworld\n'
t_end

t_begin "echo: 1000 lines come back in order, none concatenated or lost"
seq 1 1000 >"$TMP/seq"
wsc_run -t 20 --count 1000 "$U/echo" <"$TMP/seq"
expect_rc 0
expect_out_file "$TMP/seq"
t_end

t_begin "echo: input ends without a newline: the last line is still sent"
wsc_run --count 2 "$U/echo" < <(printf 'one\ntwo')
expect_rc 0
expect_out 'one\ntwo\n'
t_end

t_begin "echo: -x messages are sent first, in order, before stdin"
wsc_run -x first -x 'second msg' --count 3 "$U/echo" < <(printf 'third\n')
expect_rc 0
expect_out 'first\nsecond msg\nthird\n'
t_end

t_begin "echo: -x alone with stdin at EOF"
wsc_run -x only --count 1 "$U/echo"
expect_rc 0
expect_out 'only\n'
t_end

t_begin "echo: empty lines are empty messages"
wsc_run --count 4 "$U/echo" < <(printf 'a\n\n\nb\n')
expect_rc 0
expect_out 'a\n\n\nb\n'
t_end

t_begin "echo: \\r\\n line ends are stripped"
wsc_run --count 2 "$U/echo" < <(printf 'crlf1\r\ncrlf2\r\n')
expect_rc 0
expect_out 'crlf1\ncrlf2\n'
t_end

t_begin "echo: UTF-8 text round-trips unchanged"
wsc_run --count 1 "$U/echo" < <(printf 'h\xc3\xa9llo w\xc3\xb6rld \xe2\x82\xac \xf0\x9f\x98\x80\n')
expect_rc 0
expect_out 'h\xc3\xa9llo w\xc3\xb6rld \xe2\x82\xac \xf0\x9f\x98\x80\n'
t_end

t_begin "echo: a stdin line that is not UTF-8 -> exit 4, earlier replies kept, nothing invalid sent"
wsc_run -w 1 "$U/echo" < <(
	printf 'good\n'
	sleep 0.3
	printf 'bad \xff\xfe\nafter\n'
)
expect_rc 4
expect_out 'good\n'
expect_err_contains "not valid UTF-8"
wsc_run -w 1 "$U/record?file=$TMP/rec-utf8" < <(printf 'good\nbad \xff\xfe\nafter\n')
expect_rc 4
wait_file "$TMP/rec-utf8.close" 5
expect_that '[ "$(cat "$TMP/rec-utf8" 2>/dev/null)" = good ]' \
	"server received $(_show "$(cat "$TMP/rec-utf8" 2>/dev/null)"), expected only 'good'"
expect_that '[ "$(cat "$TMP/rec-utf8.close" 2>/dev/null)" = 1000 ]' "server saw close $(cat "$TMP/rec-utf8.close" 2>/dev/null), expected 1000"
t_end

t_begin "echo: -0 splits input on NUL and ends output messages with NUL"
wsc_run -0 --count 3 "$U/echo" < <(printf 'a\0multi\nline\0\0')
expect_rc 0
expect_out 'a\0multi\nline\0\0'
t_end

t_begin "echo: 16 MiB line round-trips byte-exact"
"$PY" -c 'import sys
line = (b"0123456789abcdefghijklmnopqrstuvwxyz" * 466034)[: 16 * 1024 * 1024] + b"\n"
sys.stdout.buffer.write(line)' >"$TMP/big"
wsc_run -t 30 --count 1 "$U/echo" <"$TMP/big"
expect_rc 0
expect_that '[ "$(sha256sum <"$OUT" | cut -d" " -f1)" = "$(sha256sum <"$TMP/big" | cut -d" " -f1)" ]' \
	"sha256 of the output differs from the input ($(wc -c <"$OUT") bytes out, $(wc -c <"$TMP/big") in)"
t_end

# Binary messages: -b sends lines as binary, the echo server answers with binary.
t_begin "binary: -b with --binary-format hex"
wsc_run -b --binary-format hex --count 1 "$U/echo" < <(printf 'hello\n')
expect_rc 0
expect_that '[ "$(tr -d " \n" <"$OUT" | tr A-F a-f)" = 68656c6c6f ]' \
	"expected hex 68656c6c6f, got $(_show "$(cat "$OUT")")"
t_end

t_begin "binary: -b with --binary-format base64"
wsc_run -b --binary-format base64 --count 1 "$U/echo" < <(printf 'hello\n')
expect_rc 0
expect_out 'aGVsbG8=\n'
t_end

t_begin "binary: -b with --binary-format raw"
wsc_run -b --binary-format raw --count 1 "$U/echo" < <(printf 'hello\n')
expect_rc 0
expect_that 'grep -q "^hello$" "$OUT"' "expected raw bytes hello, got $(_show "$(cat "$OUT")")"
t_end

printf '' >"$TMP/pat"
"$PY" -c 'import sys; sys.stdout.buffer.write(bytes(i % 256 for i in range(300)))' >"$TMP/pat"
t_begin "binary: server's 300-byte binary message, raw output is byte-exact (default format)"
wsc_run -w 5 "$U/binary?size=300"
expect_rc 0
# A separator after the message is allowed; the 300 bytes themselves must be exact.
expect_that 'cmp -s -n 300 "$OUT" "$TMP/pat" && [ "$(wc -c <"$OUT")" -le 301 ]' \
	"output is not the 300-byte pattern ($(wc -c <"$OUT") bytes: $(od -An -tx1 -N16 "$OUT" | tr -s ' '))"
t_end

t_begin "binary: server's binary message as base64"
wsc_run -w 5 --binary-format base64 "$U/binary?size=300"
expect_rc 0
expect_out "$(base64 -w0 <"$TMP/pat")\n"
t_end

t_begin "fragments: fragmented text and binary messages are reassembled"
wsc_run -w 5 --binary-format hex "$U/fragments"
expect_rc 0
expect_that '[ "$(head -n1 "$OUT")" = "frag|mented|message" ] && [ "$(sed -n 2p "$OUT" | tr -d " " | tr A-F a-f)" = 00010203040506070809 ] && [ "$(wc -l <"$OUT")" = 2 ]' \
	"expected frag|mented|message and hex 00..09 on two lines, got $(_show "$(cat "$OUT")")"
t_end

# --json writes one object per message ({"type":..., "data":...}); objects for events
# ({"event":...}) may be mixed in and are skipped here, but every line must be JSON.
cat >"$TMP/jsoncheck.py" <<'EOF'
import json, sys
want = json.loads(sys.argv[2])
raw = open(sys.argv[1], "rb").read().decode("utf-8")
if not raw.endswith("\n"):
    sys.exit("output does not end with a newline: %r" % raw[-80:])
objs = [json.loads(l) for l in raw[:-1].split("\n")]
got = [o for o in objs if "event" not in o]
if got != want:
    sys.exit("messages %r, expected %r" % (got, want))
EOF

t_begin "json: text messages as JSON objects with quotes, backslash, tab and UTF-8 escaped right"
wsc_run --json --count 2 "$U/echo" < <(printf 'plain\nq"uote\\back\xc3\xa9\ttab\n')
expect_rc 0
"$PY" "$TMP/jsoncheck.py" "$OUT" \
	'[{"type": "text", "data": "plain"}, {"type": "text", "data": "q\"uote\\back\u00e9\ttab"}]' \
	>"$TMP/json.err" 2>&1
jrc=$?
expect_that '[ $jrc = 0 ]' "JSON check: $(tail -n1 "$TMP/json.err")"
t_end

t_begin "json: binary message is {\"type\":\"binary\",\"data\":base64}"
wsc_run --json -b --count 1 "$U/echo" < <(printf 'hello\n')
expect_rc 0
"$PY" "$TMP/jsoncheck.py" "$OUT" '[{"type": "binary", "data": "aGVsbG8="}]' >"$TMP/json.err" 2>&1
jrc=$?
expect_that '[ $jrc = 0 ]' "JSON check: $(tail -n1 "$TMP/json.err")"
t_end

t_begin "json: control characters are escaped"
wsc_run --json --count 1 "$U/echo" < <(printf 'bell\x07 esc\x1b \\u0041\n')
expect_rc 0
"$PY" "$TMP/jsoncheck.py" "$OUT" '[{"type": "text", "data": "bell\u0007 esc\u001b \\u0041"}]' \
	>"$TMP/json.err" 2>&1
jrc=$?
expect_that '[ $jrc = 0 ]' "JSON check: $(tail -n1 "$TMP/json.err")"
t_end

t_begin "match: only matching messages are written and --count counts only them"
wsc_run --match ap --count 2 "$U/echo" < <(printf 'apple\nbanana\ncherry\napricot\nmango\n')
expect_rc 0
expect_out 'apple\napricot\n'
t_end

t_begin "match: nothing matches: nothing written, exit 44 (a wrong reply) after --wait"
wsc_run -m zzz -w 1 "$U/echo" < <(printf 'apple\nbanana\n')
expect_rc 44
expect_err_contains 'received 2 messages, 0 matched --match'
expect_out ''
expect_elapsed_above 0.9
t_end

t_begin "wait: -w 1 exits about 1 s after EOF with the echoes written"
wsc_run -w 1 "$U/echo" < <(printf 'w1\nw2\n')
expect_rc 0
expect_out 'w1\nw2\n'
expect_elapsed_above 0.9
expect_elapsed_below 2.5
t_end

t_begin "wait: default wait is about 2 s"
wsc_run "$U/echo" < <(printf 'd1\n')
expect_rc 0
expect_out 'd1\n'
expect_elapsed_above 1.9
expect_elapsed_below 3.5
t_end

t_begin "wait: --count reached before EOF-wait ends exits at once"
wsc_run -w 5 --count 1 "$U/echo" < <(printf 'c1\n')
expect_rc 0
expect_out 'c1\n'
expect_elapsed_below 2
t_end

t_begin "wait: -w -1 waits until the server closes"
wsc_run -w -1 "$U/send?n=2"
expect_rc 0
expect_out 'message 1\nmessage 2\n'
t_end

t_begin "record: messages arrive at the server and wsc closes with 1000 after the wait"
wsc_run -w 0 "$U/record?file=$TMP/rec1" < <(printf 'r1\nr2\nr3\n')
expect_rc 0
wait_file "$TMP/rec1.close" 5
expect_that '[ "$(cat "$TMP/rec1" 2>/dev/null)" = "$(printf "r1\nr2\nr3")" ]' \
	"server received $(_show "$(cat "$TMP/rec1" 2>/dev/null)"), expected r1 r2 r3"
expect_that '[ "$(cat "$TMP/rec1.close" 2>/dev/null)" = 1000 ]' \
	"server saw close code $(_show "$(cat "$TMP/rec1.close" 2>/dev/null)"), expected 1000"
t_end

t_begin "record: stdin as a slow pipe: lines sent as they come"
wsc_run -w 0 "$U/record?file=$TMP/rec2" < <(
	printf 's1\n'
	sleep 0.3
	printf 's2\n'
)
expect_rc 0
wait_file "$TMP/rec2.close" 5
expect_that '[ "$(cat "$TMP/rec2" 2>/dev/null)" = "$(printf "s1\ns2")" ]' \
	"server received $(_show "$(cat "$TMP/rec2" 2>/dev/null)")"
t_end

t_begin "verbose: -v tells the TCP connection once (defect 4)"
wsc_run -v -n 1 "$U/echo" < <(printf 'v\n')
expect_rc 0
expect_that '[ "$(grep -c "connected to 127\.0\.0\.1:" "$ERR")" = 1 ]' \
	"'connected to' appears $(grep -c "connected to 127\.0\.0\.1:" "$ERR") times, expected once"
t_end

# --- stdout that does not read: the loop goes on (issue 7) -----------------------------------

# 20,000 messages of 1000 bytes (20 MB): far more than a pipe and wsc's high-water mark hold.
STALL_N=20000
STALL_BYTES=$((STALL_N * 1001))

t_begin "stall: stdout blocked 3 s: SIGUSR1 answered at once, then every byte arrives"
rm -f "$TMP/stall.count"
start=$EPOCHREALTIME
"$WSC" -w 5 "$U/send?n=$STALL_N&size=1000" </dev/null 2>"$TMP/stall.err" \
	> >(sleep 3; exec wc -c >"$TMP/stall.count") &
W=$!
_PIDS+=("$W")
sleep 1
kill -USR1 "$W"
# The status block comes while stdout is still blocked (the reader sleeps until 3 s).
for ((i = 0; i < 20; i++)); do
	grep -q '^received ' "$TMP/stall.err" && break
	sleep 0.05
done
t_usr1=$(awk -v a="$start" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.2f", b - a }')
expect_that 'grep -q "^received " "$TMP/stall.err"' \
	"no status block on stderr 1 s after SIGUSR1 (at ${t_usr1}s): $(_show "$(head -c 300 "$TMP/stall.err")")"
expect_that 'awk -v t="$t_usr1" "BEGIN { exit !(t < 2.5) }"' "status came at ${t_usr1}s, after the stall"
wait "$W"
RC=$?
expect_rc 0
wait_file "$TMP/stall.count" 10
expect_that '[ "$(tr -d " " <"$TMP/stall.count")" = "$STALL_BYTES" ]' \
	"the reader got $(_show "$(cat "$TMP/stall.count" 2>/dev/null)") bytes, expected $STALL_BYTES"
t_end

t_begin "stall: --timeout 1 fires on time while stdout is blocked"
start=$EPOCHREALTIME
"$WSC" --timeout 1 -w -1 "$U/send?n=$STALL_N&size=1000" </dev/null 2>"$TMP/stall2.err" \
	> >(sleep 5; exec cat >/dev/null) &
W=$!
_PIDS+=("$W")
wait "$W"
RC=$?
ELAPSED=$(awk -v a="$start" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.2f", b - a }')
ERR=$TMP/stall2.err
expect_rc 28
expect_err_contains "--timeout"
expect_elapsed_below 2
t_end
