#!/bin/bash
# Events outside the REPL: the SIGUSR1 status block in pipe mode, and --json event objects
# (connected, established, disconnected) interleaved in order with the message objects.
. "$(dirname "$0")/lib.sh"

FAILED=0
eval "_lib_t_end() $(declare -f t_end | tail -n +2)"
t_end() {
	_lib_t_end
	[ ${#_T_FAIL[@]} -eq 0 ] || FAILED=1
}

start_ws P
U=ws://127.0.0.1:$P
ISO='[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]+)?(Z|[+-][0-9]{2}:?[0-9]{2})'

# wait_lines FILE N [SECS]: until FILE has at least N lines.
wait_lines() {
	local i
	for ((i = 0; i < ${3:-5} * 20; i++)); do
		[ "$(wc -l <"$1" 2>/dev/null || echo 0)" -ge "$2" ] && return 0
		sleep 0.05
	done
	return 1
}

t_begin "events: SIGUSR1 in pipe mode prints the status block on stderr and the connection goes on"
OUT=$TMP/usr1.out
ERR=$TMP/usr1.err
mkfifo "$TMP/usr1.in"
# Not under timeout(1): the signal must reach wsc itself. A watchdog bounds the run instead.
"$WSC" -w 1 "$U/echo" <"$TMP/usr1.in" >"$OUT" 2>"$ERR" &
W=$!
_PIDS+=("$W")
mkfifo "$TMP/dog"
(read -r -t 20 <>"$TMP/dog" || kill -9 "$W") >/dev/null 2>&1 & # builtin read: no child to leave behind
DOG=$!
_PIDS+=("$DOG")
exec 3>"$TMP/usr1.in"
echo "first line" >&3
if wait_lines "$OUT" 1 5; then
	kill -USR1 "$W"
	wait_file_contains "$ERR" "last ping RTT" 3 || _fail " no status block on stderr 3 s after SIGUSR1"
	echo "after the signal" >&3
	wait_lines "$OUT" 2 5 || _fail " wsc stopped echoing after SIGUSR1 (stdout: $(_show "$(cat "$OUT")"))"
else
	_fail " the first line was never echoed (stdout: $(_show "$(cat "$OUT")"), stderr: $(_show "$(head -c 300 "$ERR")"))"
fi
exec 3>&-
wait "$W"
RC=$?
kill "$DOG" 2>/dev/null
[ "$RC" = 137 ] && _fail " wsc was still running after 20 s and was killed"
expect_rc 0
expect_out 'first line\nafter the signal\n'
expect_err_matches "^connection +established since $ISO\$"
expect_err_matches "^address +127\.0\.0\.1:$P\$"
expect_err_matches "^last sent +$ISO \(text, 10 bytes\) first line\$"
expect_err_matches "^last received +$ISO \(text, 10 bytes\) first line\$"
expect_err_matches "^sent +1 messages?, 10 bytes\$"
expect_err_matches "^received +1 messages?, 10 bytes\$"
expect_err_matches "^last ping RTT +(-|[0-9.]+ ms)\$"
n=$(grep -c '^connection ' "$ERR")
expect_that '[ "$n" = 1 ]' "the status block was printed $n times for one SIGUSR1"
t_end

# check_json FILE EXPECT...: FILE holds one JSON object a line. Each EXPECT is a JSON object that
# the line at the same position must contain (its keys with equal values; a "time" key is checked
# separately: every event must have a "time" that datetime.fromisoformat parses, with a zone,
# and the times must not go backwards). Prints what is wrong, nothing if all is well.
check_json() {
	"$PY" - "$@" <<'EOF'
import datetime, json, sys
fname, want = sys.argv[1], [json.loads(w) for w in sys.argv[2:]]
try:
    lines = open(fname, encoding="utf-8").read().splitlines()
    got = [json.loads(l) for l in lines]
except Exception as e:
    print("stdout is not one JSON object a line (%s)" % e)
    sys.exit()
kinds = [g.get("event") or g.get("type") for g in got]
if len(got) != len(want):
    print("expected %d objects %s, got %d: %s" % (len(want),
          [w.get("event") or w.get("type") for w in want], len(got), kinds))
last = None
for i, (g, w) in enumerate(zip(got, want)):
    for k, v in w.items():
        if k not in g or g[k] != v:
            print("object %d (%s): %r should be %r, got %r" % (i + 1, kinds[i], k, v, g.get(k, "<absent>")))
    if "event" in g:
        t = g.get("time")
        try:
            d = datetime.datetime.fromisoformat(str(t).replace("Z", "+00:00"))
        except ValueError:
            print("object %d (%s): time %r is not ISO 8601" % (i + 1, kinds[i], t))
            continue
        if d.tzinfo is None:
            print("object %d (%s): time %r has no zone" % (i + 1, kinds[i], t))
            continue
        now = datetime.datetime.now(datetime.timezone.utc)
        if abs((now - d).total_seconds()) > 120:
            print("object %d (%s): time %r is not now" % (i + 1, kinds[i], t))
        if last is not None and d < last:
            print("object %d (%s): time %r is before the event before it" % (i + 1, kinds[i], t))
        last = d
EOF
}

t_begin "events: --json gives connected, established, the messages, disconnected, in order"
wsc_run --json -w -1 "$U/send?n=3"
expect_rc 0
why=$(check_json "$OUT" \
	"{\"event\":\"connected\",\"address\":\"127.0.0.1:$P\"}" \
	'{"event":"established","subprotocol":null}' \
	'{"type":"text","data":"message 1"}' \
	'{"type":"text","data":"message 2"}' \
	'{"type":"text","data":"message 3"}' \
	'{"event":"disconnected","by":"server","code":1000,"exit":0}')
expect_that '[ -z "$why" ]' "$(echo "$why" | paste -sd ';')"
t_end

t_begin "events: --json established names the subprotocol, disconnected by client after input"
wsc_run --json -s chat -w 0.5 "$U/subproto" < <(printf 'hi\n')
expect_rc 0
why=$(check_json "$OUT" \
	'{"event":"connected"}' \
	'{"event":"established","subprotocol":"chat"}' \
	'{"type":"text","data":"chat"}' \
	'{"type":"text","data":"hi"}' \
	'{"event":"disconnected","by":"client","code":1000,"exit":0}')
expect_that '[ -z "$why" ]' "$(echo "$why" | paste -sd ';')"
t_end

t_begin "events: --json disconnected carries the server's error code and wsc's exit status"
wsc_run --json "$U/close-now?code=4000&reason=bye"
expect_rc 41
why=$(check_json "$OUT" \
	'{"event":"connected"}' \
	'{"event":"established"}' \
	'{"event":"disconnected","by":"server","code":4000,"exit":41}')
expect_that '[ -z "$why" ]' "$(echo "$why" | paste -sd ';')"
t_end

t_begin "events: --json disconnected by error when the server sends invalid UTF-8"
start_raw R bad-utf8
wsc_run --json -w -1 "ws://127.0.0.1:$R/"
expect_rc 40
why=$(check_json "$OUT" \
	'{"event":"connected"}' \
	'{"event":"established"}' \
	'{"event":"disconnected","by":"error","code":1007,"exit":40}')
expect_that '[ -z "$why" ]' "$(echo "$why" | paste -sd ';')"
t_end

t_begin "events: raw binary messages run together; hex keeps one per line (as documented)"
wsc_run -b --count 2 "$U/echo" < <(printf 'abc\ndef\n')
expect_rc 0
expect_out 'abcdef'
wsc_run -b --count 2 --binary-format hex "$U/echo" < <(printf 'abc\ndef\n')
expect_rc 0
expect_out '616263\n646566\n'
wsc_run -b --count 2 --binary-format base64 -0 "$U/echo" < <(printf 'abc\0def\0')
expect_rc 0
expect_out 'YWJj\0ZGVm\0'
t_end

t_begin "events: a text message with a newline is two lines, one with --json or -0"
wsc_run -x "$(printf 'one\ntwo')" --count 1 "$U/echo" </dev/null
expect_rc 0
expect_out 'one\ntwo\n'
wsc_run --json -x "$(printf 'one\ntwo')" --count 1 "$U/echo" </dev/null
expect_rc 0
expect_that '[ "$(grep -c "\"type\"" "$OUT")" = 1 ] && grep -qxF "{\"type\":\"text\",\"data\":\"one\\ntwo\"}" "$OUT"' \
	"not one JSON line for the message: $(_show "$(cat "$OUT")")"
wsc_run -0 --count 2 "$U/echo" < <(printf 'one\ntwo\0three\0')
expect_rc 0
expect_out 'one\ntwo\0three\0'
t_end

TS='\[[0-2][0-9]:[0-5][0-9]:[0-6][0-9]\.[0-9]{3}\] '

t_begin "events: --timestamps puts the time on error lines, never on stdout data"
DEAD=$(free_port)
wsc_run --timestamps "ws://127.0.0.1:$DEAD/"
expect_rc 7
expect_err_matches "^${TS}wsc: "
wsc_run --timestamps --count 2 "$U/echo" < <(printf 'one\ntwo\n')
expect_rc 0
expect_out 'one\ntwo\n'
t_end

t_begin "events: --timestamps on the server's close error and on notes; none without it"
wsc_run --timestamps -w -1 "$U/close-now?code=4000&reason=bye"
expect_rc 41
expect_that '! grep -vqE "^$TS" "$ERR"' "a stderr line without the time: $(_show "$(cat "$ERR")")"
expect_err_matches "^${TS}wsc: .*4000"
wsc_run -w -1 "$U/close-now?code=4000&reason=bye"
expect_rc 41
expect_err_matches "^wsc: .*4000"
t_end

exit "$FAILED"
