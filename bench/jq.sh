#!/bin/sh
# --jq benchmark: 1,000,000 JSON text messages of 32 bytes (bench/sender.py workload J,
# {"n":1000000,"s":"abcdefghijkl"} with n counting up) filtered with FILTER
# (BENCH_JQ_FILTER, default 'select(.n % 2 == 0)', which keeps half; it must be a select(...),
# whose results are the messages themselves, so that --jq and jq -c write the same lines), three
# ways:
#   pipe:  wsc -w -1 -n 1000000 URL | jq -c FILTER     (two processes, two cores)
#   --jq:  wsc -w -1 --jq FILTER URL                   (libjq inside wsc; skipped when this
#                                                         wsc has no --jq)
#   micro: bench/jq_micro.c FILTER < file, beside jq -c FILTER < the same file: jqfilter_run()
#          alone against the jq command line, no network (needs build/libwsc.a: run `make`)
# Each is verified once (500,000 lines out, the same bytes as jq's), then timed BENCH_REPEAT (3)
# times with stdout on /dev/null; the median wall time is printed. The issue's target: --jq is at
# least as fast as the pipe. Needs the jq command (Debian package jq). Not part of `make bench`
# or CI: run it by hand,
#   WSC=/abs/path/wsc bench/jq.sh
set -eu

BENCH=$(cd "$(dirname "$0")" && pwd)
TOP=$(dirname "$BENCH")
NAME=jq
. "$BENCH/lib.sh"
FILTER=${BENCH_JQ_FILTER:-'select(.n % 2 == 0)'}
COUNT=1000000
command -v jq >/dev/null 2>&1 || die "jq not found (apt-get install jq)"

start_sender
URL=ws://127.0.0.1:$SENDER_PORT/J

# timed CMD: run the shell command CMD REPEAT times (stdout to /dev/null); median wall seconds.
timed() {
    : >"$TMP/times"
    n=0
    while [ $n -lt "$REPEAT" ]; do
        "$PY" - "$1" >>"$TMP/times" <<'EOF'
import subprocess, sys, time
t = time.monotonic()
rc = subprocess.call(["/bin/sh", "-c", sys.argv[1]], stdin=subprocess.DEVNULL,
                     stdout=subprocess.DEVNULL)
print("%.3f" % (time.monotonic() - t))
sys.exit(rc)
EOF
        n=$((n + 1))
    done
    sort -n "$TMP/times" | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }'
}

# the reference output: what jq keeps of the same messages
"$PY" -c 'import sys
w = sys.stdout.write
for i in range('"$COUNT"'):
    w("{\"n\":%d,\"s\":\"abcdefghijkl\"}\n" % (1000000 + i))' >"$TMP/lines"
jq -c "$FILTER" <"$TMP/lines" >"$TMP/want"
want=$(wc -l <"$TMP/want")

export WSC URL FILTER
PIPE='"$WSC" -w -1 -n '$COUNT' "$URL" </dev/null | jq -c "$FILTER"'
sh -c "$PIPE" >"$TMP/got" || die "pipe: failed"
cmp -s "$TMP/got" "$TMP/want" || die "pipe: output differs from jq -c on the same lines"
pipe=$(timed "$PIPE")

jqin=
if "$WSC" --help 2>&1 | grep -q -- '--jq'; then
    JQ='"$WSC" -w -1 --jq "$FILTER" "$URL" </dev/null'
    sh -c "$JQ" >"$TMP/got" || die "--jq: wsc exited with status $?"
    cmp -s "$TMP/got" "$TMP/want" || die "--jq: output differs from jq -c's ($(wc -l <"$TMP/got") lines)"
    jqin=$(timed "$JQ")
fi

micro=
jqcli=
if [ -f "$TOP/build/libwsc.a" ]; then
    ${CC:-cc} -O2 -std=gnu11 -D_GNU_SOURCE -I"$TOP/src" -o "$TMP/jq_micro" "$BENCH/jq_micro.c" \
        "$TOP/build/libwsc.a" -ljq || die "cannot compile bench/jq_micro.c"
    "$TMP/jq_micro" "$FILTER" <"$TMP/lines" 2>/dev/null >"$TMP/got"
    cmp -s "$TMP/got" "$TMP/want" || die "jq_micro: output differs from jq -c's"
    export TMP
    micro=$(timed '"$TMP/jq_micro" "$FILTER" <"$TMP/lines" 2>/dev/null')
    jqcli=$(timed 'jq -c "$FILTER" <"$TMP/lines"')
fi

echo "$COUNT x 32-byte JSON messages, --jq '$FILTER' ($want kept), median of $REPEAT runs:"
echo "  wsc | jq -c (pipe):       ${pipe} s"
if [ -n "$jqin" ]; then
    echo "  wsc --jq:                 ${jqin} s"
    awk -v p="$pipe" -v j="$jqin" 'BEGIN { printf "  ratio --jq/pipe: %.2f (target: <= 1)\n", j / p }'
else
    echo "  wsc --jq:                 (this wsc has no --jq)"
fi
if [ -n "$micro" ]; then
    echo "  without the network, the same $COUNT lines from a file:"
    echo "    jqfilter_run (jq_micro): ${micro} s"
    echo "    jq -c:                   ${jqcli} s"
fi
