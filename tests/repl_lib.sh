# Shared setup for the REPL integration tests (tests/it_repl*.sh), sourced after lib.sh: a
# private tmux server, servers/repl_server.py on $P, and helpers to start wsc in a terminal,
# type into it, read the screen and drive the server. HIST is the history file start_repl uses.

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

HIST=$TMP/state/wsc/history
