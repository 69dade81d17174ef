#!/bin/bash
# Name lookups never block the loop: getaddrinfo() is slowed down by a small LD_PRELOAD shim
# built here (it answers 127.0.0.1 for *.test names after a delay, and only off the main
# thread's numeric check), so --connect-timeout and SIGINT can be checked during a slow lookup.
# No real DNS is asked.
. "$(dirname "$0")/lib.sh"

cat >"$TMP/slowdns.c" <<'C'
#define _GNU_SOURCE
#include <dlfcn.h>
#include <netdb.h>
#include <string.h>
#include <time.h>

/* Sleep the whole time even when a signal arrives, as a resolver waiting for DNS does. */
static void stall(long ms)
{
	struct timespec left = {ms / 1000, ms % 1000 * 1000000L};

	while (nanosleep(&left, &left) != 0)
		;
}

typedef int gai_fn(const char *, const char *, const struct addrinfo *, struct addrinfo **);

int getaddrinfo(const char *host, const char *serv, const struct addrinfo *hints,
		struct addrinfo **res)
{
	gai_fn *real = (gai_fn *)dlsym(RTLD_NEXT, "getaddrinfo");
	int numeric_only = hints && (hints->ai_flags & AI_NUMERICHOST);

	if (host && !numeric_only && strcmp(host, "slow.test") == 0) {
		stall(5000);
		host = "127.0.0.1";
	} else if (host && !numeric_only && strcmp(host, "slowish.test") == 0) {
		stall(500);
		host = "127.0.0.1";
	}
	return real(host, serv, hints, res);
}
C
if ! ${CC:-cc} -shared -fPIC -o "$TMP/slowdns.so" "$TMP/slowdns.c" -ldl >"$TMP/cc.log" 2>&1; then
	t_begin "resolve: build the slow-lookup shim"
	_fail " cc failed: $(tr '\n' ' ' <"$TMP/cc.log")"
	t_end
	exit 0
fi
# An ASan build wants its runtime first; the shim is harmless to it.
export ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}verify_asan_link_order=0
SHIM=$TMP/slowdns.so

start_ws P

t_begin "resolve: a slow lookup that ends in time still connects"
LD_PRELOAD=$SHIM wsc_run --count 1 "ws://slowish.test:$P/echo" < <(printf 'late\n')
expect_rc 0
expect_out 'late\n'
expect_elapsed_above 0.5
t_end

t_begin "resolve: --connect-timeout 1 fires during a 5 s lookup -> 28"
LD_PRELOAD=$SHIM wsc_run --connect-timeout 1 "ws://slow.test:$P/echo" < <(printf 'x\n')
expect_rc 28
expect_err_contains "(--connect-timeout)"
expect_elapsed_below 3
t_end

t_begin "resolve: SIGINT during a 5 s lookup ends wsc at once"
start=$EPOCHREALTIME
OUT=$TMP/int.out ERR=$TMP/int.err
LD_PRELOAD=$SHIM "$WSC" "ws://slow.test:$P/echo" </dev/null >"$OUT" 2>"$ERR" &
pid=$!
sleep 0.5
kill -INT "$pid"
for ((i = 0; i < 40; i++)); do
	kill -0 "$pid" 2>/dev/null || break
	sleep 0.05
done
if kill -0 "$pid" 2>/dev/null; then
	kill -KILL "$pid"
	_fail " still running 2 s after SIGINT"
fi
wait "$pid"
RC=$?
ELAPSED=$(awk -v a="$start" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.2f", b - a }')
expect_that '[ "$RC" != 0 ] && [ "$RC" != 137 ]' "exit code: expected an interrupted exit, got $RC"
expect_elapsed_below 3
t_end
