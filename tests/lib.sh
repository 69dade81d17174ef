# Shared helpers for wsc's integration tests; source it from tests/it_*.sh and tests/demo.sh.
#
# Needs WSC (absolute path of the binary under test). Gives:
#   TMP              a private temp dir, removed on exit (servers started here are killed too)
#   free_port        print a loopback TCP port nobody listens on
#   start_server VAR NAME CMD...   run CMD in the background (output in $TMP/NAME.log), wait
#                    until it prints "READY <port>", set VAR to the port and SERVER_PID
#   stop_server PID  stop it early (all servers are stopped on exit anyway)
#   start_ws VAR [ARGS...]         start servers/ws_server.py on a free port
#   start_raw VAR SCENARIO [ARGS...]  start servers/raw_server.py --scenario SCENARIO
#   wsc_run [-t SECS] ARGS...      run $WSC ARGS under `timeout` with the caller's stdin; sets
#                    RC, OUT and ERR (files holding stdout/stderr) and ELAPSED (seconds)
#   t_begin NAME ... t_end         one test case: the expect_* helpers in between collect
#                    failures; t_end prints "ok - NAME" or "not ok - NAME: why"
#   expect_rc N, expect_out TEXT, expect_out_file FILE, expect_out_contains TEXT,
#   expect_err_contains TEXT, expect_err_matches ERE, expect_err_lacks TEXT, expect_that COND WHY,
#   expect_elapsed_below SECS, wait_file_contains FILE TEXT [SECS]

: "${WSC:?set WSC to the absolute path of the wsc binary}"
PY=/usr/bin/python3
TESTS_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# wsc honours the proxy variables as curl does: a developer's or CI's proxy must not carry the
# tests' loopback connections. Tests that want a proxy set these themselves.
unset http_proxy HTTP_PROXY https_proxy HTTPS_PROXY all_proxy ALL_PROXY no_proxy NO_PROXY
TMP=$(mktemp -d "${TMPDIR:-/tmp}/wsc-it.XXXXXX")
_PIDS=()

_cleanup() {
	local p
	for p in "${_PIDS[@]}"; do
		kill "$p" 2>/dev/null
	done
	for p in "${_PIDS[@]}"; do
		wait "$p" 2>/dev/null
	done
	rm -rf "$TMP"
}
trap _cleanup EXIT
trap 'exit 130' INT TERM HUP

# Build tests/dnsshim.c once and preload it into wsc and every server started after this, so
# no name is ever sent to a real DNS server: names resolve only through WSC_TEST_HOSTS
# ("name=addr[/addr],..."); others fail as unknown. Call it before starting servers.
use_dns_shim() {
	if [ ! -f "$TMP/dnsshim.so" ]; then
		cc -shared -fPIC -O1 -o "$TMP/dnsshim.so" "$(dirname "${BASH_SOURCE[0]}")/dnsshim.c" -ldl ||
			return 1
	fi
	export ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}verify_asan_link_order=0
	export LD_PRELOAD="$TMP/dnsshim.so${LD_PRELOAD:+:$LD_PRELOAD}"
}

free_port() {
	"$PY" -c 'import socket
s = socket.socket()
s.bind(("127.0.0.1", 0))
print(s.getsockname()[1])'
}

start_server() {
	local var=$1 name=$2 i line
	shift 2
	"$@" >"$TMP/$name.log" 2>&1 &
	_PIDS+=($!)
	SERVER_PID=$!
	for ((i = 0; i < 200; i++)); do
		line=$(grep -m1 '^READY' "$TMP/$name.log" 2>/dev/null)
		if [ -n "$line" ]; then
			printf -v "$var" '%s' "${line#READY }"
			return 0
		fi
		kill -0 "$!" 2>/dev/null || break
		sleep 0.05
	done
	echo "# server $name did not start: $(tr '\n' ' ' <"$TMP/$name.log")" >&2
	printf -v "$var" '%s' 1
	return 1
}

# Stop a server started by start_server (its pid was in SERVER_PID).
stop_server() {
	kill "$1" 2>/dev/null
	wait "$1" 2>/dev/null
	return 0
}

start_ws() {
	local var=$1
	shift
	start_server "$var" "ws-$var" "$PY" "$TESTS_DIR/servers/ws_server.py" --port 0 "$@"
}

start_raw() {
	local var=$1 scen=$2
	shift 2
	start_server "$var" "raw-$scen" "$PY" "$TESTS_DIR/servers/raw_server.py" --port 0 \
		--scenario "$scen" "$@"
}

# Runs wsc with a time limit; never fails itself (the caller checks RC).
_RUNS=0
wsc_run() {
	local t=10 start
	if [ "${1:-}" = -t ]; then
		t=$2
		shift 2
	fi
	_RUNS=$((_RUNS + 1))
	OUT=$TMP/run$_RUNS.out
	ERR=$TMP/run$_RUNS.err
	start=$EPOCHREALTIME
	timeout -k 2 "$t" "$WSC" "$@" >"$OUT" 2>"$ERR"
	RC=$?
	ELAPSED=$(awk -v a="$start" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.2f", b - a }')
	if [ "$RC" = 124 ] || [ "$RC" = 137 ]; then
		echo "timed out after ${t}s" >>"$ERR.note"
	fi
}

# --- test cases -----------------------------------------------------------------------------

_T_NAME=
_T_FAIL=()

t_begin() {
	_T_NAME=$1
	_T_FAIL=()
}

# Quote a value on one line, showing control characters, cut to 200 chars.
_show() {
	local s
	s=$(printf '%q' "$1")
	[ ${#s} -gt 200 ] && s="${s:0:200}..."
	printf '%s' "$s"
}

_fail() { _T_FAIL+=("$1"); }

t_end() {
	local f
	if [ ${#_T_FAIL[@]} -eq 0 ]; then
		echo "ok - $_T_NAME"
		return 0
	fi
	echo "not ok - $_T_NAME: $(
		IFS=';'
		echo "${_T_FAIL[*]}"
	)"
	# Context as comments (not counted by the runner).
	if [ -n "${ERR:-}" ] && [ -s "$ERR" ]; then
		head -c 600 "$ERR" | sed 's/^/#   stderr: /'
	fi
	[ -n "${ERR:-}" ] && [ -s "$ERR.note" ] && sed 's/^/#   /' "$ERR.note"
	return 0
}

expect_rc() {
	[ "$RC" = "$1" ] || _fail " exit code: expected $1, got $RC"
}

# stdout must be exactly TEXT (interpreted by printf %b, so "a\nb\n" and "\0" work).
expect_out() {
	printf '%b' "$1" >"$OUT.want"
	cmp -s "$OUT.want" "$OUT" ||
		_fail " stdout: expected $(_show "$(tr '\0' '@' <"$OUT.want")"), got $(_show "$(tr '\0' '@' <"$OUT")") (NUL shown as @)"
}

expect_out_file() {
	cmp -s "$1" "$OUT" || _fail " stdout differs from $(basename "$1") ($(wc -c <"$1") bytes expected, $(wc -c <"$OUT") got; first difference: $(cmp "$1" "$OUT" 2>&1 | head -1))"
}

expect_out_contains() {
	grep -qF -- "$1" "$OUT" || _fail " stdout: expected to contain $(_show "$1"), got $(_show "$(head -c 300 "$OUT")")"
}

expect_out_lacks() {
	! grep -qF -- "$1" "$OUT" || _fail " stdout: must not contain $(_show "$1"), got $(_show "$(head -c 300 "$OUT")")"
}

expect_err_contains() {
	grep -qiF -- "$1" "$ERR" || _fail " stderr: expected to contain $(_show "$1"), got $(_show "$(head -c 300 "$ERR")")"
}

expect_err_matches() {
	grep -qiE -- "$1" "$ERR" || _fail " stderr: expected to match /$1/, got $(_show "$(head -c 300 "$ERR")")"
}

expect_err_lacks() {
	! grep -qF -- "$1" "$ERR" || _fail " stderr: must not contain $(_show "$1") but does: $(_show "$(grep -F -m1 -- "$1" "$ERR")")"
}

# expect_that 'shell condition' 'why it failed'
expect_that() {
	eval "$1" || _fail " $2"
}

expect_elapsed_below() {
	awk -v e="$ELAPSED" -v m="$1" 'BEGIN { exit !(e < m) }' ||
		_fail " took ${ELAPSED}s, expected under ${1}s"
}

expect_elapsed_above() {
	awk -v e="$ELAPSED" -v m="$1" 'BEGIN { exit !(e >= m) }' ||
		_fail " took ${ELAPSED}s, expected at least ${1}s"
}

# Wait (bounded) until FILE has a line containing TEXT; 0 if it does.
wait_file_contains() {
	local f=$1 text=$2 secs=${3:-5} i
	for ((i = 0; i < secs * 20; i++)); do
		grep -qF -- "$text" "$f" 2>/dev/null && return 0
		sleep 0.05
	done
	return 1
}

# Wait (bounded) until FILE exists and is not empty.
wait_file() {
	local f=$1 secs=${2:-5} i
	for ((i = 0; i < secs * 20; i++)); do
		[ -s "$f" ] && return 0
		sleep 0.05
	done
	return 1
}

# The stdin of a test run when none is given explicitly: never a terminal.
exec </dev/null
