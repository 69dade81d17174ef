#!/bin/bash
# Hostile servers (tests/servers/raw_server.py, the "hostile" scenarios): a refusal whose body
# never ends, terminal controls in the reply, a ping flood from a peer that never reads. wsc must
# keep its memory bounded, end in bounded time and never pass a control byte to the terminal.
. "$(dirname "$0")/lib.sh"

# measured_run [-t SECS] ARGS...: like wsc_run (stdin from /dev/null), and RSS_KB is wsc's peak
# resident set size in KiB (/usr/bin/time), 999999 if unknown.
measured_run() {
	local t=20 start
	if [ "${1:-}" = -t ]; then
		t=$2
		shift 2
	fi
	_RUNS=$((_RUNS + 1))
	OUT=$TMP/run$_RUNS.out
	ERR=$TMP/run$_RUNS.err
	start=$EPOCHREALTIME
	timeout -k 2 "$t" /usr/bin/time -f %M -o "$TMP/run$_RUNS.rss" "$WSC" "$@" \
		</dev/null >"$OUT" 2>"$ERR"
	RC=$?
	ELAPSED=$(awk -v a="$start" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.2f", b - a }')
	RSS_KB=$(tail -n 1 "$TMP/run$_RUNS.rss" 2>/dev/null)
	echo "# peak RSS $RSS_KB KiB, ${ELAPSED}s" >>"$ERR.note"
	case $RSS_KB in
	'' | *[!0-9]*) RSS_KB=999999 ;;
	esac
}

expect_rss_below_mb() {
	[ "$RSS_KB" -lt $(($1 * 1024)) ] || _fail " peak RSS $((RSS_KB / 1024)) MiB, expected under $1 MiB"
}

# No ESC, no C1 control (UTF-8 C2 80..C2 9F), no BEL in FILE.
no_terminal_controls() {
	! LC_ALL=C grep -q $'\x1b\|\x07\|\xc2[\x80-\x9f]' "$1"
}

start_raw HUGE refusal-huge-body
t_begin "hostile: 403 with an endless body -> 22 at once, memory bounded (defect 13)"
measured_run "ws://127.0.0.1:$HUGE/"
expect_rc 22
expect_err_contains "server refused the upgrade: HTTP/1.1 403 Forbidden: AAAA"
expect_elapsed_below 0.9 # reported at once, not after the 1 s wait for the body
expect_rss_below_mb 30
t_end

start_raw EVIL refusal-escapes
t_begin "hostile: controls in a refusal's reason, header and body are escaped (defect 14)"
measured_run -v "ws://127.0.0.1:$EVIL/"
expect_rc 22
expect_that 'no_terminal_controls "$ERR"' "a raw ESC, BEL or C1 control reached stderr"
expect_err_contains 'HTTP/1.1 403 Forbidden \xc2\x9b31mred: denied \e[2J\x07\xc2\x9bH end'
expect_err_contains '< X-Evil: \xc2\x9b1m bold'
t_end

start_raw UPEVIL upgrade-escapes
t_begin "hostile: controls in a 101's header are escaped in -v's log (defect 14)"
measured_run -v -w -1 "ws://127.0.0.1:$UPEVIL/"
expect_rc 0
expect_that 'no_terminal_controls "$ERR"' "a raw ESC or C1 control reached stderr"
expect_err_contains '< X-Evil: \xc2\x9b1m bold'
t_end

start_raw FLOOD ping-flood
t_begin "hostile: a ping flood from a peer that never reads: memory bounded, --timeout ends it (defect 12)"
measured_run -w -1 --timeout 3 "ws://127.0.0.1:$FLOOD/"
expect_rc 28
expect_err_contains "timed out after 3 s (--timeout)"
expect_elapsed_below 8
expect_rss_below_mb 40
t_end
