#!/bin/bash
# Run every tests/it_*.sh against $WSC and count the "ok - " / "not ok - " lines they print.
# Ends with "N passed, N failed" and exits non-zero if anything failed (or a script died).
# Usage: WSC=/abs/path/to/wsc [IT_JOBS=N] tests/run-integration.sh [it_name ...]
# IT_JOBS (default 1) runs that many scripts at once; their output is then shown per script
# once each finishes.
set -u
dir=$(cd "$(dirname "$0")" && pwd)
: "${WSC:?set WSC to the absolute path of the wsc binary}"
case $WSC in
/*) ;;
*) WSC=$PWD/$WSC ;;
esac
export WSC
jobs=${IT_JOBS:-1}

if [ ! -x "$WSC" ]; then
	echo "not ok - wsc binary: $WSC is not an executable file"
	echo "0 passed, 1 failed"
	exit 1
fi

if [ $# -gt 0 ]; then
	scripts=()
	for n in "$@"; do scripts+=("$dir/${n%.sh}.sh"); done
else
	scripts=("$dir"/it_*.sh)
fi

logs=$(mktemp -d "${TMPDIR:-/tmp}/wsc-run.XXXXXX")
trap 'rm -rf "$logs"' EXIT

# run_one NAME SCRIPT: run it with a hard time limit (so a hung test cannot hang the run);
# its output goes to $logs/NAME.log, its status and duration to $logs/NAME.rc.
run_one() {
	local start=$SECONDS rc
	if [ "$jobs" = 1 ]; then
		timeout -k 5 150 bash "$2" </dev/null 2>&1 | tee "$logs/$1.log"
		rc=${PIPESTATUS[0]}
	else
		timeout -k 5 150 bash "$2" </dev/null >"$logs/$1.log" 2>&1
		rc=$?
	fi
	echo "$rc $((SECONDS - start))" >"$logs/$1.rc"
}

pass=0
fail=0
summarize() {
	local name=$1 rc secs p f
	read -r rc secs <"$logs/$name.rc"
	p=$(grep -c '^ok - ' "$logs/$name.log")
	f=$(grep -c '^not ok - ' "$logs/$name.log")
	pass=$((pass + p))
	fail=$((fail + f))
	if [ "$rc" != 0 ] || [ $((p + f)) = 0 ]; then
		echo "not ok - $name: script exited with status $rc after $((p + f)) cases"
		fail=$((fail + 1))
	fi
	echo "# $name: $p passed, $f failed, $secs s"
}

if [ "$jobs" = 1 ]; then
	for s in "${scripts[@]}"; do
		name=$(basename "$s" .sh)
		echo "# $name"
		run_one "$name" "$s"
		summarize "$name"
	done
else
	running=0
	for s in "${scripts[@]}"; do
		if [ "$running" -ge "$jobs" ]; then
			wait -n
			running=$((running - 1))
		fi
		run_one "$(basename "$s" .sh)" "$s" &
		running=$((running + 1))
	done
	wait
	for s in "${scripts[@]}"; do
		name=$(basename "$s" .sh)
		echo "# $name"
		cat "$logs/$name.log"
		summarize "$name"
	done
fi

echo "$pass passed, $fail failed"
[ "$fail" = 0 ]
