#!/bin/bash
# How the server's close maps to wsc's exit status (websockets server).
. "$(dirname "$0")/lib.sh"

start_ws P
U=ws://127.0.0.1:$P

t_begin "close: server closes 1000 after our message -> exit 0"
wsc_run -w 5 "$U/close?code=1000&say=closing" < <(printf 'hi\n')
expect_rc 0
expect_out 'closing\n'
expect_elapsed_below 3
t_end

t_begin "close: server closes 1001 -> exit 0"
wsc_run -w 5 "$U/close?code=1001&reason=going%20away&say=leaving" < <(printf 'hi\n')
expect_rc 0
expect_out 'leaving\n'
expect_elapsed_below 3
t_end

t_begin "close: control characters in the server's close reason are shown escaped, never raw"
wsc_run -w 5 -v "$U/close?code=4000&reason=%1B%5B31mRED%1B%5D0%3Bpwned%07" < <(printf 'hi\n')
expect_rc 41
expect_err_contains '\e[31mRED'
expect_that '! grep -q "$(printf "\033")" "$ERR"' "a raw ESC byte reached stderr"
t_end

t_begin "close: --json disconnected event stays valid JSON with a reason full of control bytes"
wsc_run -w 5 --json "$U/close?code=4000&reason=$(printf '%%01%.0s' $(seq 123))" < <(printf 'hi\n')
expect_rc 41
expect_that '"$PY" -c "import sys,json; [json.loads(l) for l in open(sys.argv[1]) if l.strip()]" "$OUT"' \
	"stdout is not valid JSON lines: $(head -c 300 "$OUT")"
t_end

t_begin "close: server closes 4000 bye -> exit 41, code and reason on stderr"
wsc_run -w 5 "$U/close?code=4000&reason=bye" < <(printf 'hi\n')
expect_rc 41
expect_err_contains 4000
expect_err_contains bye
expect_err_contains "wsc: "
t_end

t_begin "close: server closes 1011 at once -> exit 41"
wsc_run -w 5 "$U/close-now?code=1011&reason=server%20broke"
expect_rc 41
expect_err_contains 1011
expect_err_contains "server broke"
t_end

t_begin "close: server closes 3001 with a UTF-8 reason -> 41, reason printed"
wsc_run -w 5 "$U/close-now?code=3001&reason=f%C3%BCr%20dich"
expect_rc 41
expect_err_contains 3001
expect_err_contains "$(printf 'f\xc3\xbcr dich')"
t_end

t_begin "close: 3 messages then close 1000 with --count 5 -> 43, the 3 written"
wsc_run -w 5 --count 5 "$U/send?n=3"
expect_rc 43
expect_out 'message 1\nmessage 2\nmessage 3\n'
t_end

t_begin "close: 3 messages then close 1000 with --count 3 -> 0"
wsc_run -w 5 --count 3 "$U/send?n=3"
expect_rc 0
expect_out 'message 1\nmessage 2\nmessage 3\n'
t_end

t_begin "close: server closes while we are still sending: no error"
wsc_run -w 5 "$U/close?code=1000&say=enough" < <(seq 1 200)
expect_rc 0
expect_out 'enough\n'
t_end

# --- interrupted runs (issue 7, defect 1): a polite close, then 128 + the signal -------------

# sig_run NAME SIGNAL [WSC ARGS ...]: start wsc in pipe mode (stdin /dev/null) against a recording
# server, wait until the connection is established, send SIGNAL, and wait for wsc. Sets RC, REC.
sig_run() {
	local name=$1 sig=$2 i
	shift 2
	REC=$TMP/$name.rec
	ERR=$TMP/$name.err
	rm -f "$REC" "$REC.close"
	"$WSC" -v "$@" "$U/record?file=$REC" </dev/null >"$TMP/$name.out" 2>"$ERR" &
	local w=$!
	_PIDS+=("$w")
	for ((i = 0; i < 100; i++)); do
		grep -q "WebSocket established" "$ERR" 2>/dev/null && break
		sleep 0.05
	done
	kill "-$sig" "$w"
	for ((i = 0; i < 100; i++)); do
		kill -0 "$w" 2>/dev/null || break
		sleep 0.05
	done
	kill -9 "$w" 2>/dev/null
	wait "$w"
	RC=$?
}

t_begin "close: SIGINT with -w -1 (listening) closes with 1000, then exits 130"
sig_run sigint INT -w -1
expect_rc 130
wait_file "$REC.close" 3
expect_that '[ "$(cat "$REC.close" 2>/dev/null)" = 1000 ]' \
	"server saw close code $(_show "$(cat "$REC.close" 2>/dev/null)"), expected 1000"
expect_err_contains interrupted
t_end

t_begin "close: SIGTERM with -n 3 closes with 1000, then exits 143 (not 43)"
sig_run sigterm TERM -n 3
expect_rc 143
wait_file "$REC.close" 3
expect_that '[ "$(cat "$REC.close" 2>/dev/null)" = 1000 ]' \
	"server saw close code $(_show "$(cat "$REC.close" 2>/dev/null)"), expected 1000"
t_end

t_begin "close: SIGHUP in pipe mode is handled like SIGTERM: close 1000, exit 129"
sig_run sighup HUP -w -1
expect_rc 129
wait_file "$REC.close" 3
expect_that '[ "$(cat "$REC.close" 2>/dev/null)" = 1000 ]' \
	"server saw close code $(_show "$(cat "$REC.close" 2>/dev/null)"), expected 1000"
t_end
