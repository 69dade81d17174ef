# lib.sh - what bench/proxy.sh and bench/jq.sh share: source it after setting NAME (the script's
# name for messages) and BENCH. Gives die, checks $WSC, a private $TMP removed at exit with the
# processes in $PIDS, and start_sender (bench/sender.py; sets SENDER_PORT).
PY=/usr/bin/python3
REPEAT=${BENCH_REPEAT:-3}

die() {
    echo "bench/$NAME: $*" >&2
    exit 2
}

[ -n "${WSC:-}" ] || die "WSC is not set (WSC=/abs/path/wsc bench/$NAME.sh)"
[ -x "$WSC" ] || die "WSC=$WSC is not an executable file"

TMP=$(mktemp -d "${TMPDIR:-/tmp}/wsc-bench-$NAME.XXXXXX")
PIDS=""
cleanup() {
    for p in $PIDS; do kill "$p" 2>/dev/null || true; done
    for p in $PIDS; do wait "$p" 2>/dev/null || true; done
    rm -rf "$TMP"
}
trap cleanup EXIT INT TERM

# start_sender: bench/sender.py in the background; SENDER_PORT is where it listens.
start_sender() {
    "$PY" "$BENCH/sender.py" >"$TMP/sender.out" 2>"$TMP/sender.err" &
    PIDS="$PIDS $!"
    i=0
    while ! grep -q '^PORT ' "$TMP/sender.out" 2>/dev/null; do
        i=$((i + 1))
        [ $i -lt 400 ] || die "sender.py did not start: $(cat "$TMP/sender.err")"
        sleep 0.05
    done
    SENDER_PORT=$(sed -n 's/^PORT //p' "$TMP/sender.out")
}
