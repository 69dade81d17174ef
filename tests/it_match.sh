#!/bin/bash
# The match chain against the Python websockets server: -m, -E, -i, several options together,
# exit 44 (a wrong reply) against 28 (no reply), --expect-first, --count with too few matches.
. "$(dirname "$0")/lib.sh"

start_server P match "$PY" "$TESTS_DIR/servers/match_server.py" --port 0
U=ws://127.0.0.1:$P
SP='%22status%22%3A%20%22ok%22' # "status": "ok" (a space after the colon)

t_begin "match: -m is a plain substring: '\"status\":\"ok\"' misses '\"status\": \"ok\"' (44)"
wsc_run -t 10 -m '"status":"ok"' --timeout 2 -x ping "$U/reply?reply=$SP"
expect_rc 44
expect_out ''
expect_err_contains 'received 1 message, 0 matched --match'
t_end

t_begin "match: -E '\"status\": *\"ok\"' matches it, exit 0 at --count 1"
wsc_run -E '"status": *"ok"' --count 1 -x ping "$U/reply?reply=$SP"
expect_rc 0
expect_out '"status": "ok"\n'
t_end

t_begin "match: -i makes -m and -E ignore ASCII case"
wsc_run -i -m 'STATUS' -E '"OK"$' --count 1 -x ping "$U/reply?reply=$SP"
expect_rc 0
expect_out '"status": "ok"\n'
wsc_run -m 'STATUS' --timeout 1 -x ping "$U/reply?reply=$SP"
expect_rc 44
t_end

t_begin "match: several options: a message must pass all of them"
wsc_run -m a -E 'b$' "$U/send?msg=ab&msg=a&msg=b&msg=xab"
expect_rc 0
expect_out 'ab\nxab\n'
t_end

t_begin "match: -E searches past a NUL byte (REG_STARTEND)"
wsc_run -E 'after' "$U/send?msg=before\\0after&msg=other"
expect_rc 0
expect_out_contains 'after'
expect_out_lacks 'other'
t_end

t_begin "match: a wrong reply ends at --timeout with 44 and the line; -v logs what was dropped"
wsc_run -v -m ok --timeout 1 -x hi "$U/reply?reply=error"
expect_rc 44
expect_err_contains 'received 1 message, 0 matched --match'
expect_err_contains 'filtered out: error'
t_end

t_begin "match: silence is still 28 (no reply)"
wsc_run -m ok --timeout 1 -x hi "$U/silent"
expect_rc 28
expect_err_lacks 'matched'
t_end

t_begin "match: a normal close after a wrong reply is 44; with no message at all it is 0"
wsc_run -m ok "$U/send?msg=bad"
expect_rc 44
expect_err_contains 'received 1 message, 0 matched --match'
wsc_run -m ok "$U/send"
expect_rc 0
t_end

t_begin "match: --count 2 with only one match before the close is 44; nothing at all stays 43"
wsc_run -E '^ok' --count 2 "$U/send?msg=ok1&msg=bad&msg=no"
expect_rc 44
expect_out 'ok1\n'
expect_err_contains 'received 3 messages, 1 matched --match-regex'
wsc_run -E '^ok' --count 2 "$U/send"
expect_rc 43
t_end

t_begin "match: -w end with no match is 44"
wsc_run -m ok -w 1 "$U/reply?reply=bad" < <(printf 'hi\n')
expect_rc 44
t_end

t_begin "match: --expect-first: a banner first ends the run at once with 44"
wsc_run --expect-first -m '"status"' --timeout 8 -x req "$U/reply?banner=welcome&reply=$SP"
expect_rc 44
expect_err_contains 'the first message did not match: welcome'
expect_elapsed_below 4
wsc_run --expect-first -m '"status"' --count 1 -x req "$U/reply?reply=$SP"
expect_rc 0
t_end

t_begin "match: without --expect-first the banner is skipped and the reply matches"
wsc_run -m '"status"' --count 1 -x req "$U/reply?banner=welcome&reply=$SP"
expect_rc 0
expect_out '"status": "ok"\n'
t_end

t_begin "match: a bad regex is a usage error (2) naming regerror's text"
wsc_run -E 'a(' "$U/silent"
expect_rc 2
expect_err_contains '-E/--match-regex: bad regular expression'
expect_err_contains 'Unmatched ('
t_end

t_begin "match: --jq-output without --jq is a usage error"
wsc_run --jq-output "$U/silent"
expect_rc 2
t_end


# --jq: the jq helper's jqfilter.c (libjq); skipped while this wsc is built without it.
if "$WSC" --jq . ws://127.0.0.1:1/ 2>&1 | grep -q 'without jq support'; then
	echo "ok - match: --jq # SKIP built without jq support"
else
	J="$U/send?msg=%7B%22n%22%3A1%7D&msg=not%20json&msg=%7B%22n%22%3A2%2C%22p%22%3A5%7D"

	t_begin "match: --jq keeps JSON messages where the filter is not false/null; not JSON is counted"
	wsc_run --jq '.n % 2 == 0' "$U/send?msg=%7B%22n%22%3A1%7D&msg=not%20json&msg=%7B%22n%22%3A2%7D"
	expect_rc 0
	expect_out '{"n":2}\n'
	wsc_run --jq '.n > 5' "$J"
	expect_rc 44
	expect_err_contains 'received 3 messages, 0 matched --jq (1 not JSON)'
	t_end

	t_begin "match: --jq-output writes the results one per line"
	wsc_run --jq '.p // empty' --jq-output "$J"
	expect_rc 0
	expect_out '5\n'
	t_end

	t_begin "match: --jq with -m: both must pass; a bad filter is 2 naming jq's error"
	wsc_run -m '"p"' --jq '.n > 1' "$J"
	expect_rc 0
	expect_out '{"n":2,"p":5}\n'
	wsc_run --jq 'select(' "$U/silent"
	expect_rc 2
	expect_err_contains '--jq: syntax error'
	t_end

	t_begin "match: --jq skips a binary message as not JSON; -m still tests binary; -v says why"
	B="$U/send?bin=%7B%22n%22%3A4%7D&msg=%7B%22n%22%3A2%7D&msg=%5B1%5D"
	wsc_run -v --jq '.n > 1' "$B"
	expect_rc 0
	expect_out '{"n":2}\n'
	expect_err_contains 'filtered out (binary, not JSON): {"n":4}'
	expect_err_contains 'filtered out (Cannot index array with string "n"): [1]'
	wsc_run --jq '.n > 5' "$B"
	expect_rc 44
	expect_err_contains 'received 3 messages, 0 matched --jq (1 not JSON)'
	wsc_run -m '"n":4' --binary-format raw "$B"
	expect_rc 0
	expect_out '{"n":4}'
	t_end

	t_begin "match: --jq implode and fromjson are errors, not aborts; modules are refused (2)"
	wsc_run -v --jq '.x | implode' "$U/send?msg=%7B%22x%22%3A%5B-1%5D%7D&msg=%7B%22x%22%3A%5B65%5D%7D"
	expect_rc 0
	expect_out '{"x":[65]}\n'
	expect_err_contains 'filtered out (implode input must be an array of code points)'
	wsc_run -v --jq '.s | fromjson' "$U/send?msg=%7B%22s%22%3A%22%5B1%5C%22ab%5C%22%5D%22%7D"
	expect_rc 44
	expect_err_contains 'fromjson is not available'
	wsc_run --jq 'import "m" as m; .' "$U/silent"
	expect_rc 2
	expect_err_contains '--jq: modules are not supported'
	t_end
fi

t_begin "match: --write-out's messages_matched counts what passed -m, messages_received everything"
start_ws ECHO
wsc_run -m keep -w 1 --write-out '\n%{messages_received} %{messages_matched}' \
	"ws://127.0.0.1:$ECHO/echo" < <(printf 'keep 1\ndrop 2\nkeep 3\n')
expect_rc 0
expect_out 'keep 1\nkeep 3\n\n3 2'
t_end

t_begin "match: --count 2, one message that matches, then a close: 43 (early close), not 44"
wsc_run -E '^ok' --count 2 "$U/send?msg=ok1"
expect_rc 43
expect_out 'ok1\n'
expect_err_lacks 'matched'
wsc_run -E '^ok' --count 2 --timeout 1 -x hi "$U/reply?reply=ok1"
expect_rc 28
t_end

t_begin "match: -i without -m/-E and --expect-first without a match option are usage errors (2)"
wsc_run -i "$U/silent"
expect_rc 2
expect_err_contains '-i/--ignore-case needs'
wsc_run -i --jq . "$U/silent"
expect_rc 2
wsc_run --expect-first "$U/silent"
expect_rc 2
expect_err_contains '--expect-first needs'
wsc_run --jq-output -m x "$U/silent"
expect_rc 2
expect_err_contains '--jq-output needs --jq'
t_end
