#!/bin/sh
# Proxy benchmark: 1 GiB received by wsc from bench/sender.py (workload B: 1024 text messages of
# 1 MiB) straight, and through tinyproxy (HTTP CONNECT) on 127.0.0.1, same server, same flags.
# One verification run each (stdout through `wc -c`: exactly 1024 x (1 MiB + 1) bytes, exit 0),
# then BENCH_REPEAT (3) timed runs each with stdout on /dev/null; prints the median wall times
# and their ratio. Then, side by side with a peer, bench/run.sh's workload B for wsc and wscat
# (whose --proxy also speaks CONNECT) straight and through the same tinyproxy (BENCH_PROXY).
# Not part of `make bench` or CI: run it by hand,
#   WSC=/abs/path/wsc bench/proxy.sh          (BENCH_PEERS=0 skips the wscat part)
set -eu

BENCH=$(cd "$(dirname "$0")" && pwd)
NAME=proxy
. "$BENCH/lib.sh"
WANT=$((1024 * (1048576 + 1)))
command -v tinyproxy >/dev/null 2>&1 || die "tinyproxy not found (apt-get install tinyproxy)"

free_port() {
    "$PY" -c 'import socket
s = socket.socket()
s.bind(("127.0.0.1", 0))
print(s.getsockname()[1])'
}

# until something listens on 127.0.0.1:$1
wait_port() {
    "$PY" - "$1" <<'EOF'
import socket, sys, time
for _ in range(200):
    try:
        socket.create_connection(("127.0.0.1", int(sys.argv[1])), 0.2).close()
        sys.exit(0)
    except OSError:
        time.sleep(0.05)
sys.exit(1)
EOF
}

start_sender
SP=$SENDER_PORT

TP=$(free_port)
cat >"$TMP/tinyproxy.conf" <<EOF
Port $TP
Listen 127.0.0.1
Timeout 60
MaxClients 10
LogFile "$TMP/tinyproxy.log"
LogLevel Warning
DisableViaHeader Yes
EOF
tinyproxy -d -c "$TMP/tinyproxy.conf" >"$TMP/tinyproxy.out" 2>&1 &
PIDS="$PIDS $!"
wait_port "$TP" || die "tinyproxy did not start: $(cat "$TMP/tinyproxy.out")"

URL=ws://127.0.0.1:$SP/B

# run LABEL ARGS...: verify once, then time REPEAT runs; prints the median wall seconds.
run() {
    label=$1
    shift
    got=$("$WSC" "$@" -w -1 -n 1024 "$URL" </dev/null | wc -c) || die "$label: wsc failed"
    [ "$got" = "$WANT" ] || die "$label: received $got bytes, expected $WANT"
    : >"$TMP/times"
    n=0
    while [ $n -lt "$REPEAT" ]; do
        "$PY" - "$WSC" "$@" -w -1 -n 1024 "$URL" >>"$TMP/times" <<'EOF'
import subprocess, sys, time
t = time.monotonic()
rc = subprocess.call(sys.argv[1:], stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL)
print("%.3f" % (time.monotonic() - t))
sys.exit(rc)
EOF
        n=$((n + 1))
    done
    sort -n "$TMP/times" | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }'
}

direct=$(run direct)
proxied=$(run tinyproxy --proxy "http://127.0.0.1:$TP")
echo "1 GiB (1024 x 1 MiB text messages) received by wsc on 127.0.0.1, median of $REPEAT runs:"
echo "  direct:            ${direct} s"
echo "  through tinyproxy: ${proxied} s"
awk -v d="$direct" -v p="$proxied" 'BEGIN {
    printf "  ratio proxy/direct: %.2f (%.0f MiB/s direct, %.0f MiB/s through tinyproxy)\n",
        p / d, 1024 / d, 1024 / p }'

[ "${BENCH_PEERS:-1}" = 1 ] || exit 0
echo
echo "Side by side with wscat (bench/run.sh, workload B), straight and through tinyproxy:"
BENCH_CLIENTS=wsc,wscat BENCH_WORKLOADS=B "$BENCH/run.sh" 2>/dev/null | grep -E '^\| (wsc|wscat) ' |
    sed 's/^/  direct  /'
BENCH_CLIENTS=wsc,wscat BENCH_WORKLOADS=B BENCH_PROXY="http://127.0.0.1:$TP" "$BENCH/run.sh" \
    2>/dev/null | grep -E '^\| (wsc|wscat) ' | sed 's/^/  proxied /'
