# Shared setup for the fault integration tests (tests/it_faults*.sh), sourced after lib.sh:
# fault_server.py start and cleanup (frozen servers thawed), wsc in the background, timing and
# line-sequence checks. N8 is a count of 1 KB lines larger than what the kernel can buffer.

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

# Twice the largest TCP send buffer, in 1 KB lines, so that wsc's socket cannot take it all.
N8=$(awk '{ n = int($3 * 2 / 1000); print n < 3000 ? 3000 : n }' /proc/sys/net/ipv4/tcp_wmem 2>/dev/null)
: "${N8:=9000}"
