#!/bin/bash
# The interactive REPL in a real terminal: wsc runs inside a private tmux server (TERM=xterm,
# 120x30, UTF-8 locale, history under a temp XDG_STATE_HOME) talking to servers/repl_server.py,
# which records what it receives (and the close code) and pushes messages on demand.
. "$(dirname "$0")/lib.sh"

if ! command -v tmux >/dev/null; then
	echo "not ok - repl: tmux is not installed"
	exit 1
fi

SOCK=wsc-test-$$
printf 'set -g remain-on-exit on\nset -g history-limit 2000\nset -g status off\n' >"$TMP/tmux.conf"
tm() { tmux -u -L "$SOCK" -f "$TMP/tmux.conf" "$@"; }
trap 'tm kill-server >/dev/null 2>&1; _cleanup' EXIT

# t_end from lib.sh, also remembering that a case failed (for the exit status).
FAILED=0
eval "_lib_t_end() $(declare -f t_end | tail -n +2)"
t_end() {
	_lib_t_end
	[ ${#_T_FAIL[@]} -eq 0 ] || FAILED=1
}

start_server P repl "$PY" "$TESTS_DIR/servers/repl_server.py" --port 0 || {
	echo "not ok - repl: test server did not start"
	exit 1
}

# start_repl NAME [VAR=VALUE ...] -- [WSC ARGS ...]
# Starts wsc in tmux session NAME connected to ws://127.0.0.1:$P/NAME?file=$TMP/NAME.rec (unless
# the args hold a ws:// URL), with XDG_STATE_HOME=$TMP/state unless given. Exit status goes to
# $TMP/NAME.rc. Sets REC to the record file.
start_repl() {
	local name=$1 envs=() args=() url=
	shift
	while [ $# -gt 0 ] && [ "$1" != -- ]; do
		envs+=("$1")
		shift
	done
	[ "${1:-}" = -- ] && shift
	args=("$@")
	REC=$TMP/$name.rec
	case " ${args[*]} " in
	*" ws://"*) ;;
	*) url="ws://127.0.0.1:$P/$name?file=$REC" ;;
	esac
	rm -f "$REC" "$REC".* "$TMP/$name.rc"
	{
		printf '#!/bin/bash\ncd %q || exit 99\n' "$TMP"
		printf 'env -u NO_COLOR -u LANGUAGE TERM=xterm LC_ALL=C.UTF-8 LANG=C.UTF-8 XDG_STATE_HOME=%q ' \
			"$TMP/state"
		printf '%q ' "${envs[@]}" "$WSC" "${args[@]}"
		[ -n "$url" ] && printf '%q' "$url"
		printf '\necho $? >%q\n' "$TMP/$name.rc"
	} >"$TMP/$name.sh"
	tm new-session -d -s "$name" -x 120 -y 30 "bash $(printf %q "$TMP/$name.sh")"
}

# The screen (with 200 lines of scrollback), trailing blanks removed.
pane() { tm capture-pane -p -J -S -200 -t "$1" | sed 's/[[:space:]]*$//'; }
# Only what is visible now.
pane_visible() { tm capture-pane -p -t "$1" | sed 's/[[:space:]]*$//'; }
# The line the cursor is on (the input line), trailing blanks removed.
cursor_line() {
	local y
	y=$(tm display-message -p -t "$1" '#{cursor_y}')
	tm capture-pane -p -t "$1" -S "$y" -E "$y" | sed 's/[[:space:]]*$//'
}
cursor_x() { tm display-message -p -t "$1" '#{cursor_x}'; }
type_text() { tm send-keys -t "$1" -l -- "$2"; }
key() {
	local s=$1
	shift
	tm send-keys -t "$s" "$@"
}

# wait_pane NAME FIXED-TEXT [SECS]: until the screen (with scrollback) has a line containing it.
wait_pane() {
	local i
	for ((i = 0; i < ${3:-5} * 20; i++)); do
		pane "$1" | grep -qF -- "$2" && return 0
		sleep 0.05
	done
	return 1
}
# wait_pane_re NAME ERE [SECS]
wait_pane_re() {
	local i
	for ((i = 0; i < ${3:-5} * 20; i++)); do
		pane "$1" | grep -qE -- "$2" && return 0
		sleep 0.05
	done
	return 1
}
# wait_cursor_line NAME EXACT-TEXT [SECS]
wait_cursor_line() {
	local i
	for ((i = 0; i < ${3:-3} * 20; i++)); do
		[ "$(cursor_line "$1")" = "$2" ] && return 0
		sleep 0.05
	done
	return 1
}
# Until wsc has exited (its status is in NAME.rc); 0 if it did within SECS.
wait_exit() {
	local i
	for ((i = 0; i < ${2:-5} * 20; i++)); do
		[ -s "$TMP/$1.rc" ] && return 0
		sleep 0.05
	done
	return 1
}
# The server sends TEXT (printf %b escapes interpreted) to the client of session NAME.
push() {
	printf '%b' "$2" >"$TMP/$1.rec.push.tmp"
	mv "$TMP/$1.rec.push.tmp" "$TMP/$1.rec.push"
}
# Have the server of session NAME do CMD: "ping PAYLOAD" or "close CODE REASON".
server_cmd() {
	printf '%s\n' "$2" >"$TMP/$1.rec.cmd.tmp"
	mv "$TMP/$1.rec.cmd.tmp" "$TMP/$1.rec.cmd"
}
# wait_line FILE TEXT [SECS]: until FILE has exactly the line TEXT.
wait_line() {
	local i
	for ((i = 0; i < ${3:-5} * 20; i++)); do
		grep -qxF -- "$2" "$1" 2>/dev/null && return 0
		sleep 0.05
	done
	return 1
}
# wait_count NAME FIXED-TEXT N [SECS]: until at least N lines of the screen contain the text.
wait_count() {
	local i
	for ((i = 0; i < ${4:-5} * 20; i++)); do
		[ "$(pane "$1" | grep -cF -- "$2")" -ge "$3" ] && return 0
		sleep 0.05
	done
	return 1
}
# The request headers of connection N in the record file's .headers.
conn_headers() { sed -n "/^== connection $2\$/,/^== /{/^== /d;p}" "$1.headers" 2>/dev/null; }
# The value of the Authorization header (name in any case) of connection N.
conn_auth() { conn_headers "$1" "$2" | grep -i '^authorization:' | sed 's/^[^:]*: *//'; }
# Wait until the record file has exactly the line TEXT.
wait_rec_line() {
	local i
	for ((i = 0; i < ${3:-5} * 20; i++)); do
		grep -qxF -- "$2" "$TMP/$1.rec" 2>/dev/null && return 0
		sleep 0.05
	done
	return 1
}
# Start session NAME and wait for the handshake (the text UP_WAIT, by default "WebSocket
# established", on screen and the "> " prompt); fails the test case if it does not come.
up() {
	local name=$1
	start_repl "$@"
	if ! wait_pane "$name" "${UP_WAIT:-WebSocket established}" 5 || ! wait_cursor_line "$name" ">" 3; then
		_fail " wsc did not reach the prompt after connecting; screen: $(_show "$(pane "$name" | grep -v '^$' | tail -5)")"
		return 1
	fi
	return 0
}
# Ends session NAME; with WSC_TEST_SCREENS=1 in the environment its screen is shown first.
done_with() {
	[ -n "${WSC_TEST_SCREENS:-}" ] && pane "$1" | grep -v '^$' | sed "s/^/# $1| /"
	tm kill-session -t "$1" >/dev/null 2>&1
}
screen_tail() { _show "$(pane "$1" | grep -v '^$' | tail -"${2:-6}")"; }

# ---------------------------------------------------------------------------------------------

t_begin "repl: a message arriving while a line is half-typed is shown above it, the line survives"
if up half; then
	type_text half "half typed"
	key half Left Left Left Left Left # cursor before "typed"
	sleep 0.2
	push half "server says hi"
	wait_pane half "< server says hi" ||
		_fail " the pushed message never appeared as '< server says hi'; screen: $(screen_tail half)"
	sleep 0.2
	expect_that 'pane half | grep -qx "< server says hi"' \
		"'< server says hi' is not on a line of its own; screen: $(screen_tail half)"
	cl=$(cursor_line half)
	expect_that '[ "$cl" = "> half typed" ]' "input line after the message: $(_show "$cl"), expected '> half typed'"
	expect_that '[ "$(pane half | grep -n "server says hi" | head -1 | cut -d: -f1)" -lt "$(pane half | grep -n "^> half typed$" | tail -1 | cut -d: -f1)" ]' \
		"the message is not above the input line; screen: $(screen_tail half)"
	cx=$(cursor_x half)
	expect_that '[ "$cx" = 7 ]' "the cursor moved: column $cx after the message, expected 7 (before 'typed')"
	type_text half "NOT "
	key half Enter
	wait_rec_line half "half NOT typed" ||
		_fail " the server did not receive 'half NOT typed' (got: $(_show "$(cat "$TMP/half.rec" 2>/dev/null)"))"
fi
done_with half
t_end

t_begin "repl: multi-byte UTF-8 half-typed input survives an incoming message"
if up utf; then
	type_text utf "héllo wörld"
	key utf Left Left Left Left Left # cursor before "wörld"
	sleep 0.2
	push utf "ünïcode ✓ arrives"
	wait_pane utf "< ünïcode ✓ arrives" ||
		_fail " the pushed message never appeared as '< ünïcode ✓ arrives'; screen: $(screen_tail utf)"
	sleep 0.2
	cl=$(cursor_line utf)
	expect_that '[ "$cl" = "> héllo wörld" ]' "input line after the message: $(_show "$cl"), expected '> héllo wörld'"
	cx=$(cursor_x utf)
	expect_that '[ "$cx" = 8 ]' "cursor at column $cx after the message, expected 8 (before 'wörld')"
	type_text utf "big "
	key utf Enter
	wait_rec_line utf "héllo big wörld" ||
		_fail " the server did not receive 'héllo big wörld' (got: $(_show "$(cat "$TMP/utf.rec" 2>/dev/null)"))"
fi
done_with utf
t_end

t_begin "repl: a half-typed line longer than the terminal width survives an incoming message"
long=$(printf 'w%03d ' $(seq 1 30)) # 150 columns: wraps at 120
long=${long% }
if up wrap; then
	type_text wrap "$long"
	sleep 0.2
	push wrap "short one"
	wait_pane wrap "< short one" || _fail " the pushed message did not appear; screen: $(screen_tail wrap)"
	sleep 0.2
	s=$(pane wrap)
	expect_that 'grep -qx "< short one" <<<"$s"' "'< short one' is not on a line of its own; screen: $(screen_tail wrap)"
	# The input line, joined (-J), must appear once after the message, whole.
	expect_that '[ "$(sed -n "/^< short one$/,\$p" <<<"$s" | grep -cxF "> $long")" = 1 ]' \
		"the wrapped input line is not intact below the message; screen: $(screen_tail wrap)"
	expect_that '[ "$(grep -c "w001" <<<"$s")" = 1 ]' "the start of the long line is on screen $(grep -c "w001" <<<"$s") times"
	key wrap Enter
	wait_rec_line wrap "$long" || _fail " the server did not receive the long line whole"
fi
done_with wrap
t_end

HIST=$TMP/state/wsc/history
t_begin "repl: history survives a restart, a line starting with a space is not saved"
if up hist1; then
	type_text hist1 "remember me"
	key hist1 Enter
	type_text hist1 " secret line"
	key hist1 Enter
	wait_rec_line hist1 " secret line" || _fail " the server did not receive ' secret line'"
	key hist1 C-d # not /quit: that would be the last history line
	wait_exit hist1 5 || _fail " wsc did not exit after Ctrl-D"
	expect_that 'grep -qxF "remember me" "$HIST"' "history file $HIST lacks 'remember me' (has: $(_show "$(cat "$HIST" 2>/dev/null)"))"
	expect_that '! grep -qF "secret line" "$HIST"' "history file saved the line starting with a space"
fi
done_with hist1
if up hist2; then
	key hist2 Up
	expect_that 'wait_cursor_line hist2 "> remember me" 2' \
		"after a restart, Up shows $(_show "$(cursor_line hist2)"), expected '> remember me'"
fi
done_with hist2
t_end

t_begin "repl: --no-history neither writes nor reads a history file"
if up nohist1 XDG_STATE_HOME="$TMP/state-nohist" -- --no-history; then
	type_text nohist1 "not kept"
	key nohist1 Enter
	wait_rec_line nohist1 "not kept" || _fail " the server did not receive 'not kept'"
	type_text nohist1 "/quit"
	key nohist1 Enter
	wait_exit nohist1 5 || _fail " wsc did not exit after /quit"
	expect_that '[ ! -e "$TMP/state-nohist/wsc/history" ]' "--no-history wrote $TMP/state-nohist/wsc/history"
fi
done_with nohist1
# The default state dir has "remember me" from the test before: not loaded, not added to.
if up nohist2 -- --no-history; then
	key nohist2 Up
	type_text nohist2 "Z" # once Z shows, Up has been handled
	wait_cursor_line nohist2 "> Z" 2 ||
		_fail " with --no-history, Up then Z gave $(_show "$(cursor_line nohist2)"): history was loaded"
	key nohist2 C-u
	type_text nohist2 "not saved either"
	key nohist2 Enter
	wait_rec_line nohist2 "not saved either" || _fail " the server did not receive 'not saved either'"
	key nohist2 C-d
	wait_exit nohist2 5 || _fail " wsc did not exit after Ctrl-D"
	expect_that '! grep -qF "not saved either" "$HIST"' "--no-history appended to the existing history file"
fi
done_with nohist2
t_end

ISO='[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]+)?(Z|[+-][0-9]{2}:?[0-9]{2})'
t_begin "repl: /status shows state, last messages and counters with ISO-8601 times"
if up stat; then
	type_text stat "status probe"
	key stat Enter
	wait_rec_line stat "status probe" || _fail " the server did not receive 'status probe'"
	push stat "reply for status"
	wait_pane stat "< reply for status" || _fail " the pushed message did not appear"
	type_text stat "/status"
	key stat Enter
	wait_pane stat "last ping RTT" 3 || _fail " no 'last ping RTT' line after /status"
	sleep 0.2
	s=$(pane stat)
	for re in "^connection +established since $ISO" \
		"^last sent +$ISO .*status probe" \
		"^last received +$ISO .*reply for status" \
		"^sent +1 messages?, 12 bytes" \
		"^received +1 messages?, 16 bytes" \
		"^last ping RTT"; do
		grep -qE -- "$re" <<<"$s" || _fail " /status output lacks a line matching /$re/"
	done
	# The times must be real dates (datetime.fromisoformat), and recent.
	bad=$(grep -oE "$ISO" <<<"$s" | "$PY" -c '
import sys, datetime
now = datetime.datetime.now(datetime.timezone.utc)
for t in sys.stdin.read().split():
    try:
        d = datetime.datetime.fromisoformat(t.replace("Z", "+00:00"))
        if d.tzinfo is None or abs((now - d).total_seconds()) > 120:
            print(t)
    except ValueError:
        print(t)')
	expect_that '[ -z "$bad" ]' "times in /status that are not recent ISO 8601 with a zone: $(_show "$bad")"
	[ "$(grep -cE "$ISO" <<<"$s")" -ge 3 ] || _fail " fewer than 3 ISO-8601 times in /status: $(_show "$(grep -A8 '^connection' <<<"$s")")"
fi
done_with stat
t_end

t_begin "repl: /close 4000 bye reaches the server with code 4000 and the reason"
if up close4000; then
	type_text close4000 "/close 4000 bye"
	key close4000 Enter
	wait_file "$REC.close" 5 || _fail " the server saw no close"
	expect_that '[ "$(cat "$REC.close" 2>/dev/null)" = 4000 ]' "server recorded close code $(_show "$(cat "$REC.close" 2>/dev/null)"), expected 4000"
	expect_that '[ "$(cat "$REC.reason" 2>/dev/null)" = "4000 bye" ]' "server recorded code and reason $(_show "$(cat "$REC.reason" 2>/dev/null)"), expected '4000 bye'"
fi
done_with close4000
t_end

t_begin "repl: /close 1005 is refused with a message and the connection stays up"
if up close1005; then
	type_text close1005 "/close 1005"
	key close1005 Enter
	sleep 0.5
	# Some line other than the echoed command must talk about it.
	msg=$(pane close1005 | grep -v '/close 1005$' | grep -E '1005|close code|invalid|cannot|not allowed|reserved')
	expect_that '[ -n "$msg" ]' "no message refusing /close 1005; screen: $(screen_tail close1005)"
	expect_that '[ ! -e "$REC.close" ]' "the connection was closed (server recorded code $(_show "$(cat "$REC.close" 2>/dev/null)"))"
	type_text close1005 "still here"
	key close1005 Enter
	wait_rec_line close1005 "still here" || _fail " after /close 1005 a message no longer reaches the server"
	cl=$(cursor_line close1005)
	expect_that '[ "$cl" = ">" ]' "prompt after /close 1005 is $(_show "$cl"), expected '>' (established)"
fi
done_with close1005
t_end

t_begin "repl: /ping prints the round-trip time"
if up ping; then
	type_text ping "/ping"
	key ping Enter
	wait_pane_re ping '^\* pong: round trip [0-9]+(\.[0-9]+)? ms$' 3 ||
		_fail " no '* pong: round trip X ms' line; screen: $(screen_tail ping)"
	type_text ping "/status"
	key ping Enter
	wait_pane_re ping '^last ping RTT +[0-9]+(\.[0-9]+)? ms' 3 ||
		_fail " /status after /ping has no 'last ping RTT N ms'; screen: $(screen_tail ping 3)"
fi
done_with ping
t_end

t_begin "repl: Ctrl-C closes with 1000 and wsc exits"
if up ctrlc; then
	key ctrlc C-c
	wait_exit ctrlc 5 || _fail " wsc still running 5 s after Ctrl-C; screen: $(screen_tail ctrlc)"
	wait_file "$REC.close" 3
	expect_that '[ "$(cat "$REC.close" 2>/dev/null)" = 1000 ]' "server recorded close code $(_show "$(cat "$REC.close" 2>/dev/null)"), expected 1000"
	rc=$(cat "$TMP/ctrlc.rc" 2>/dev/null)
	expect_that '[ "$rc" = 0 ] || [ "$rc" = 130 ]' "exit status after Ctrl-C: $(_show "$rc"), expected 0 or 130"
fi
done_with ctrlc
t_end

t_begin "repl: Ctrl-D on an empty line closes with 1000 and exits 0"
if up ctrld; then
	key ctrld C-d
	wait_exit ctrld 5 || _fail " wsc still running 5 s after Ctrl-D; screen: $(screen_tail ctrld)"
	wait_file "$REC.close" 3
	expect_that '[ "$(cat "$REC.close" 2>/dev/null)" = 1000 ]' "server recorded close code $(_show "$(cat "$REC.close" 2>/dev/null)"), expected 1000"
	rc=$(cat "$TMP/ctrld.rc" 2>/dev/null)
	expect_that '[ "$rc" = 0 ]' "exit status after Ctrl-D: $(_show "$rc"), expected 0"
fi
done_with ctrld
t_end

t_begin "repl: escape sequences from the server are shown escaped, not obeyed"
if up esc; then
	push esc 'A\x1b]0;pwned\x07B'
	wait_pane esc '< A\e]0;pwned' 3 ||
		_fail " the OSC title sequence is not shown as '\\e]0;pwned'; screen: $(screen_tail esc)"
	push esc 'C\x1b[2JD'
	wait_pane esc '< C\e[2JD' 3 ||
		_fail " the clear-screen sequence is not shown as '< C\\e[2JD'; screen: $(screen_tail esc)"
	sleep 0.2
	expect_that 'pane_visible esc | grep -qF "WebSocket established"' \
		"the screen was cleared (earlier lines gone); screen: $(_show "$(pane_visible esc | grep -v '^$')")"
	title=$(tm display-message -p -t esc '#{pane_title}')
	expect_that '[ "$title" != pwned ]' "the server set the terminal title to 'pwned'"
	raw=$(tm capture-pane -p -e -t esc | grep -c $'\e\\]0;pwned')
	expect_that '[ "$raw" = 0 ]' "a raw OSC sequence is on the screen"
fi
done_with esc
t_end

t_begin "repl: typing while disconnected prints an error and the line is still in history"
if up offline; then
	type_text offline "/disconnect"
	key offline Enter
	wait_file "$REC.close" 5 || _fail " /disconnect did not close the connection"
	sleep 0.3
	type_text offline "hello offline"
	key offline Enter
	sleep 0.5
	after=$(pane offline | sed -n '/hello offline$/,$p' | sed 1d | grep -v '^$' | grep -vE '^(\[[^]]*\] )?>$')
	expect_that '[ -n "$after" ]' "no error line after typing while disconnected; screen: $(screen_tail offline)"
	expect_that '! grep -qxF "hello offline" "$REC" 2>/dev/null' "the line was sent although disconnected"
	key offline Up
	wait_cursor_line offline "[disconnected] > hello offline" 2 ||
		_fail " Up shows $(_show "$(cursor_line offline)"), expected '[disconnected] > hello offline'"
fi
done_with offline
t_end

t_begin "repl: //text sends /text"
if up slash; then
	type_text slash "//text"
	key slash Enter
	wait_rec_line slash "/text" || _fail " server received $(_show "$(cat "$REC" 2>/dev/null)"), expected '/text'"
fi
done_with slash
t_end

t_begin "repl: /binary 01ff sends a binary message"
if up bin; then
	type_text bin "/binary 01ff"
	key bin Enter
	wait_rec_line bin "binary:01ff" || _fail " server received $(_show "$(cat "$REC" 2>/dev/null)"), expected binary 01 ff"
fi
done_with bin
t_end

t_begin "repl: Tab completes /sta to /status"
if up tab; then
	type_text tab "/sta"
	key tab Tab
	wait_cursor_line tab "> /status" 2 ||
		_fail " after Tab the input line is $(_show "$(cursor_line tab)"), expected '> /status'"
	key tab Enter
	wait_pane tab "last ping RTT" 3 || _fail " the completed command did not run /status"
fi
done_with tab
t_end

# An SGR sequence that sets a foreground colour: ESC [ ... 3x / 9x / 38 ... m
SGR_COLOR=$'\e\\[([0-9;]*;)?(3[0-9]|9[0-7])(;[0-9;]*)?m'
t_begin "repl: --color=always colours the output"
if up color -- --color=always; then
	type_text color "/status"
	key color Enter
	wait_pane color "last ping RTT" 3
	expect_that 'tm capture-pane -p -e -t color | grep -qE "$SGR_COLOR"' \
		"no colour escape in the screen: $(_show "$(tm capture-pane -p -e -t color | grep -v '^$' | head -4)")"
fi
done_with color
t_end

t_begin "repl: NO_COLOR=1 with --color=auto shows no colour"
if up nocolor NO_COLOR=1 -- --color=auto; then
	type_text nocolor "/status"
	key nocolor Enter
	wait_pane nocolor "last ping RTT" 3
	push nocolor "a message"
	wait_pane nocolor "< a message" 3
	expect_that '! tm capture-pane -p -e -t nocolor | grep -qE "$SGR_COLOR"' \
		"colour escapes on screen: $(_show "$(tm capture-pane -p -e -t nocolor | grep -E "$SGR_COLOR" | head -2)")"
fi
done_with nocolor
t_end

t_begin "repl: /connect TOKEN reconnects with Authorization: Bearer TOKEN, the token is not shown"
if up token; then
	type_text token "/disconnect"
	key token Enter
	wait_file "$REC.close" 5 || _fail " /disconnect did not close the connection"
	wait_cursor_line token "[disconnected] >" 3 ||
		_fail " prompt after /disconnect: $(_show "$(cursor_line token)"), expected '[disconnected] > '"
	type_text token "/connect secret123"
	key token Enter
	if wait_file_contains "$REC.headers" "== connection 2" 5; then
		auth=$(conn_auth "$REC" 2)
		expect_that '[ "$auth" = "Bearer secret123" ]' \
			"the second connection's Authorization header is $(_show "$auth"), expected 'Bearer secret123'"
		expect_that '[ -z "$(conn_auth "$REC" 1)" ]' "the first connection already had an Authorization header"
	else
		_fail " the server saw no second connection after /connect secret123; screen: $(screen_tail token)"
	fi
	wait_count token "* WebSocket established" 2 3 ||
		_fail " no second '* WebSocket established' line; screen: $(screen_tail token)"
	wait_cursor_line token ">" 3 ||
		_fail " prompt after /connect: $(_show "$(cursor_line token)"), expected '> '"
	type_text token "with token"
	key token Enter
	wait_rec_line token "with token" || _fail " a message after /connect TOKEN did not reach the server"
	leak=$(pane token | grep -F secret123 | grep -vxF "[disconnected] > /connect secret123")
	expect_that '[ -z "$leak" ]' "the token is on screen outside the typed line: $(_show "$leak")"
fi
done_with token
t_end

t_begin "repl: /connect while connected closes with 1000 and connects again"
if up reconn; then
	type_text reconn "/connect"
	key reconn Enter
	wait_file_contains "$REC.headers" "== connection 2" 5 ||
		_fail " the server saw no second connection; screen: $(screen_tail reconn)"
	wait_file "$REC.closes" 3
	expect_that '[ "$(cat "$REC.closes" 2>/dev/null)" = 1000 ]' \
		"close codes the server recorded: $(_show "$(cat "$REC.closes" 2>/dev/null)"), expected the first connection closed with 1000 (and the second still open)"
	wait_count reconn "* WebSocket established" 2 3 ||
		_fail " no second '* WebSocket established' line; screen: $(screen_tail reconn)"
	wait_cursor_line reconn ">" 3 || _fail " prompt after /connect: $(_show "$(cursor_line reconn)"), expected '> '"
	type_text reconn "on the new one"
	key reconn Enter
	wait_rec_line reconn "on the new one" || _fail " a message after the reconnect did not reach the server"
fi
done_with reconn
t_end

t_begin "repl: the prompt becomes '[disconnected] > ' when the server closes, then /connect works"
if up srvclose; then
	server_cmd srvclose "close 1001 going away"
	wait_file "$REC.close" 5 || _fail " the server did not close the connection"
	wait_cursor_line srvclose "[disconnected] >" 3 ||
		_fail " prompt after the server closed: $(_show "$(cursor_line srvclose)"), expected '[disconnected] > '"
	type_text srvclose "/connect"
	key srvclose Enter
	wait_file_contains "$REC.headers" "== connection 2" 5 ||
		_fail " the server saw no second connection after /connect; screen: $(screen_tail srvclose)"
	wait_cursor_line srvclose ">" 3 ||
		_fail " prompt after /connect: $(_show "$(cursor_line srvclose)"), expected '> '"
	type_text srvclose "back again"
	key srvclose Enter
	wait_rec_line srvclose "back again" || _fail " a message after /connect did not reach the server"
fi
done_with srvclose
t_end

t_begin "repl: /pong hello sends an unsolicited pong with payload hello"
if up pong; then
	type_text pong "/pong hello"
	key pong Enter
	wait_line "$REC.pongs" hello 3 ||
		_fail " the server received no pong 'hello' (pongs: $(_show "$(cat "$REC.pongs" 2>/dev/null)"), messages: $(_show "$(cat "$REC" 2>/dev/null)"))"
fi
done_with pong
t_end

t_begin "repl: /send @FILE sends the file as one text message, /binary @FILE as binary"
printf 'first line\nzweite Zeile: grüße ✓\n\n  indented, no newline at the end' >"$TMP/text.txt"
printf '\x00\x01\xff\xfe\n\r binary\x00' >"$TMP/bin.dat"
binhex=$(od -An -tx1 -v "$TMP/bin.dat" | tr -d ' \n')
if up sendf; then
	type_text sendf "/send @$TMP/text.txt"
	key sendf Enter
	if wait_rec_line sendf "  indented, no newline at the end"; then
		expect_that 'cmp -s "$REC.msg.1" "$TMP/text.txt"' \
			"the first message is $(_show "$(cat "$REC.msg.1" 2>/dev/null)"), not the file's content"
		expect_that 'head -1 "$REC" | grep -qxF "first line"' "the file did not arrive as text: $(_show "$(head -1 "$REC")")"
	else
		_fail " the server did not receive the file's text; screen: $(screen_tail sendf)"
	fi
	type_text sendf "/send @/nonexistent"
	key sendf Enter
	wait_count sendf "nonexistent" 2 2 # the typed line and an error
	err=$(pane sendf | grep -F nonexistent | grep -vF "> /send @/nonexistent")
	expect_that '[ -n "$err" ]' "no error after /send @/nonexistent; screen: $(screen_tail sendf)"
	type_text sendf "/binary @$TMP/bin.dat"
	key sendf Enter
	if wait_rec_line sendf "binary:$binhex"; then
		expect_that 'cmp -s "$REC.msg.2" "$TMP/bin.dat"' \
			"the second message is not the binary file (a message from /send @/nonexistent?)"
	else
		_fail " the server did not receive the file's bytes as binary (got: $(_show "$(cat "$REC")"))"
	fi
fi
done_with sendf
t_end

t_begin "repl: -P shows a ping from the server, and wsc answers it with or without -P"
if up pingp -- -P; then
	server_cmd pingp "ping from-server-1"
	wait_pane_re pingp '^\* ping received.*from-server-1$' 3 ||
		_fail " with -P no '* ping received ... from-server-1' line; screen: $(screen_tail pingp)"
	wait_line "$REC.pongs" from-server-1 3 || _fail " with -P wsc did not answer the ping with its payload"
fi
done_with pingp
if up pingq; then
	server_cmd pingq "ping from-server-2"
	wait_line "$REC.pongs" from-server-2 3 || _fail " without -P wsc did not answer the ping with its payload"
	sleep 0.2
	expect_that '! pane pingq | grep -qiE "ping|from-server-2"' \
		"without -P the ping is shown: $(_show "$(pane pingq | grep -iE "ping|from-server-2")")"
fi
done_with pingq
t_end

t_begin "repl: --timestamps prefixes lines with [HH:MM:SS.mmm]"
if up ts -- --timestamps; then
	push ts "stamped"
	TS='^\[([0-9]{2}):([0-9]{2}):([0-9]{2})\.[0-9]{3}\] '
	wait_pane_re ts "$TS< stamped\$" 3 ||
		_fail " the message is not shown as '[HH:MM:SS.mmm] < stamped'; screen: $(screen_tail ts)"
	expect_that 'pane ts | grep -qE "$TS\\* WebSocket established\$"' \
		"the established event has no '[HH:MM:SS.mmm] ' prefix; screen: $(screen_tail ts)"
	# The time shown is the local time now (within a minute).
	shown=$(pane ts | grep -E "$TS< stamped\$" | head -1 | cut -c2-9)
	off=$(awk -v a="$shown" -v b="$(date +%H:%M:%S)" 'BEGIN {
		split(a, x, ":"); split(b, y, ":")
		d = (y[1] * 3600 + y[2] * 60 + y[3]) - (x[1] * 3600 + x[2] * 60 + x[3])
		if (d < 0) d = -d; if (d > 43200) d = 86400 - d; print d }')
	expect_that '[ -n "$shown" ] && [ "$off" -le 60 ]' "the time shown ($(_show "$shown")) is not the local time ($(date +%H:%M:%S))"
fi
done_with ts
t_end

t_begin "repl: /help lists every command, an unknown /foo prints an error mentioning /help"
if up help; then
	type_text help "/foo"
	key help Enter
	wait_pane help "/help" 2
	err=$(pane help | sed -n '/^> \/foo$/,$p' | sed 1d | grep -v '^>')
	expect_that 'grep -qF /help <<<"$err"' "after /foo no error mentioning /help; screen: $(screen_tail help)"
	type_text help "/help"
	key help Enter
	wait_pane help "/quit" 2
	sleep 0.1
	out=$(pane help | sed -n '/^> \/help$/,$p' | sed 1d)
	for c in /connect /disconnect /close /ping /pong /binary /send /status /help /quit; do
		grep -qE "^$c( |\$)" <<<"$out" || _fail " /help does not list $c"
	done
	type_text help "after help"
	key help Enter
	wait_rec_line help "after help" || _fail " the server did not receive 'after help'"
	expect_that '[ "$(cat "$REC")" = "after help" ]' "the server received more than 'after help': $(_show "$(cat "$REC")")"
fi
done_with help
t_end

t_begin "repl: --json shows messages as {\"type\":\"text\",...} and events as {\"event\":...}"
if UP_WAIT='{"event":"established"' up json -- --json; then
	push json 'say "hi" ü\ttab'
	wait_pane json '{"type":"text","data":' 3 || _fail " no {\"type\":\"text\",\"data\":...} line; screen: $(screen_tail json)"
	sleep 0.1
	bad=$(pane json | "$PY" -c '
import json, sys
seen = set()
for line in sys.stdin:
    line = line.rstrip("\n")
    if not line.startswith("{"):
        if line.startswith(("<", "*")):
            print("a human line with --json: %r" % line)
        continue
    try:
        o = json.loads(line)
    except ValueError:
        print("not JSON: %r" % line)
        continue
    if o.get("type") == "text" and line.startswith("{\"type\":\"text\",\"data\":"):
        if o.get("data") == "say \"hi\" \u00fc\ttab":
            seen.add("text")
        else:
            print("wrong data: %r" % o.get("data"))
    elif "event" in o:
        seen.add(o["event"])
for want in ("text", "connected", "established"):
    if want not in seen:
        print("missing: %s" % want)')
	expect_that '[ -z "$bad" ]' "$(_show "$bad")"
fi
done_with json
t_end

t_begin "repl: SIGTERM closes with 1000, wsc exits and the terminal is restored"
REC=$TMP/sigterm.rec
rm -f "$REC" "$REC".* "$TMP/sigterm.pid" "$TMP/stty.before" "$TMP/stty.after"
{
	printf '#!/bin/bash\necho $$ >%q\n' "$TMP/sigterm.pid"
	printf 'exec env -u NO_COLOR -u LANGUAGE TERM=xterm LC_ALL=C.UTF-8 LANG=C.UTF-8 XDG_STATE_HOME=%q %q %q\n' \
		"$TMP/state" "$WSC" "ws://127.0.0.1:$P/sigterm?file=$REC"
} >"$TMP/sigterm.sh"
# A shell without line editing: what is typed only shows if the terminal echoes it.
tm new-session -d -s sigterm -x 120 -y 30 "env PS1='$ ' bash --norc --noediting"
if wait_cursor_line sigterm '$' 3; then
	type_text sigterm "stty -g >$TMP/stty.before; bash $TMP/sigterm.sh; echo wsc-exit=\$?; stty -g >$TMP/stty.after"
	key sigterm Enter
	if wait_pane sigterm "WebSocket established" 5 && wait_cursor_line sigterm ">" 3; then
		pid=$(cat "$TMP/sigterm.pid" 2>/dev/null)
		if [ -n "$pid" ] && [ "$(readlink -f "/proc/$pid/exe")" = "$(readlink -f "$WSC")" ]; then
			kill -TERM "$pid"
			wait_pane_re sigterm '^wsc-exit=[0-9]+$' 5 || _fail " wsc still running 5 s after SIGTERM; screen: $(screen_tail sigterm)"
			rc=$(pane sigterm | sed -n 's/^wsc-exit=//p' | tail -1)
			expect_that '[ "$rc" = 0 ] || [ "$rc" = 143 ]' "exit status after SIGTERM: $(_show "$rc"), expected 0 or 143"
			wait_file "$REC.close" 3
			expect_that '[ "$(cat "$REC.close" 2>/dev/null)" = 1000 ]' "server recorded close code $(_show "$(cat "$REC.close" 2>/dev/null)"), expected 1000"
			wait_file "$TMP/stty.after" 3
			expect_that 'cmp -s "$TMP/stty.before" "$TMP/stty.after"' \
				"terminal settings after wsc differ from before: $(_show "$(cat "$TMP/stty.before" 2>/dev/null)") vs $(_show "$(cat "$TMP/stty.after" 2>/dev/null)")"
			type_text sigterm "echo restored"
			key sigterm Enter
			wait_pane_re sigterm '^restored$' 3 || _fail " 'echo restored' printed nothing; screen: $(screen_tail sigterm)"
			expect_that 'pane sigterm | grep -qxF "\$ echo restored"' \
				"the typed 'echo restored' was not echoed (terminal echo off); screen: $(screen_tail sigterm)"
		else
			_fail " cannot find wsc's pid (got $(_show "$pid"))"
		fi
	else
		_fail " wsc did not reach the prompt in the shell; screen: $(screen_tail sigterm)"
	fi
else
	_fail " the shell in the pane did not start; screen: $(screen_tail sigterm)"
fi
done_with sigterm
t_end

# --- issue 7 ---------------------------------------------------------------------------------

t_begin "repl: /status keeps the RTT /ping printed, to the microsecond"
if up rtt; then
	type_text rtt "/ping"
	key rtt Enter
	if wait_pane_re rtt '^\* pong: round trip [0-9]+\.[0-9]{3} ms$' 3; then
		shown=$(pane rtt | sed -n 's/^\* pong: round trip \([0-9.]*\) ms$/\1/p' | tail -1)
		type_text rtt "/status"
		key rtt Enter
		wait_pane_re rtt '^last ping RTT ' 3
		kept=$(pane rtt | sed -n 's/^last ping RTT *\([0-9.]*\) ms$/\1/p' | tail -1)
		expect_that '[ -n "$shown" ] && [ "$kept" = "$shown" ]' \
			"/ping printed $(_show "$shown") ms, /status shows $(_show "$kept") ms"
	else
		_fail " no '* pong: round trip N.NNN ms' line; screen: $(screen_tail rtt)"
	fi
fi
done_with rtt
t_end

t_begin "repl: /connect TOKEN goes to the history as /connect, without the token"
rm -f "$HIST"
if up histtok; then
	type_text histtok "/connect tok-s3cr3t-xyz"
	key histtok Enter
	wait_count histtok "* WebSocket established" 2 5 ||
		_fail " no second '* WebSocket established' after /connect TOKEN; screen: $(screen_tail histtok)"
	key histtok C-d
	wait_exit histtok 5 || _fail " wsc did not exit after Ctrl-D"
	expect_that '! grep -qF "s3cr3t" "$HIST"' "the history file holds the token: $(_show "$(cat "$HIST" 2>/dev/null)")"
	expect_that 'grep -qxF "/connect" "$HIST"' "the history file lacks '/connect': $(_show "$(cat "$HIST" 2>/dev/null)")"
fi
done_with histtok
t_end

t_begin "repl: no '[disconnected] >' prompt is drawn after /quit or Ctrl-D"
for how in quit ctrld; do
	s=stray$how
	if up "$s"; then
		if [ "$how" = quit ]; then
			type_text "$s" "/quit"
			key "$s" Enter
		else
			key "$s" C-d
		fi
		wait_exit "$s" 5 || _fail " wsc did not exit after $how"
		sleep 0.1
		expect_that '! pane "$s" | grep -q "^\[[a-z]*\] >"' \
			"after $how a state prompt was drawn: $(screen_tail "$s")"
		expect_that 'pane "$s" | grep -qF "* disconnected: closed by us (1000)"' \
			"after $how no '* disconnected' line: $(screen_tail "$s")"
	fi
	done_with "$s"
done
t_end

t_begin "repl: /help has one aligned column of help texts, /exit listed"
if up help2; then
	type_text help2 "/help"
	key help2 Enter
	wait_pane help2 "/exit" 2
	sleep 0.1
	out=$(pane help2 | sed -n '/^> \/help$/,$p' | sed 1d | grep -v '^>' | grep -v '^$')
	cols=$(awk '{ if (match($0, /[^ ]  +[^ ]/)) print RSTART + RLENGTH - 1 }' <<<"$out" | sort -u)
	expect_that '[ "$(wc -l <<<"$cols")" = 1 ]' "help texts start at columns $(_show "$cols"): $(_show "$out")"
	expect_that 'grep -q "^/close \[CODE \[REASON\]\]  " <<<"$out"' "no '/close [CODE [REASON]]' row: $(_show "$out")"
	expect_that 'grep -q "^/exit " <<<"$out"' "/help does not list /exit"
	type_text help2 "/exit"
	key help2 Enter
	wait_exit help2 5 || _fail " /exit did not exit"
	expect_that '[ "$(cat "$TMP/help2.rc" 2>/dev/null)" = 0 ]' "exit status after /exit: $(_show "$(cat "$TMP/help2.rc" 2>/dev/null)")"
fi
done_with help2
t_end

t_begin "repl: SIGHUP (tmux kill-session) closes with 1000 and saves the history"
rm -f "$HIST"
if up hup; then
	type_text hup "before hangup"
	key hup Enter
	wait_rec_line hup "before hangup" || _fail " the server did not receive 'before hangup'"
	tm kill-session -t hup
	wait_file "$REC.close" 5
	expect_that '[ "$(cat "$REC.close" 2>/dev/null)" = 1000 ]' \
		"server recorded close code $(_show "$(cat "$REC.close" 2>/dev/null)"), expected 1000"
	wait_file_contains "$HIST" "before hangup" 5
	expect_that 'grep -qxF "before hangup" "$HIST"' \
		"history after SIGHUP: $(_show "$(cat "$HIST" 2>/dev/null)")"
fi
done_with hup
t_end

exit "$FAILED"
