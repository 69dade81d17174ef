#!/bin/bash
# The REPL's /commands in a real terminal (/status, /close, /ping, /pong, /send, /binary,
# /connect, /help), set up as in it_repl.sh (tmux, servers/repl_server.py; tests/repl_lib.sh).
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/repl_lib.sh"

# ---------------------------------------------------------------------------------------------

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

exit "$FAILED"
