#!/bin/bash
# The interactive REPL in a real terminal: wsc runs inside a private tmux server (TERM=xterm,
# 120x30, UTF-8 locale, history under a temp XDG_STATE_HOME) talking to servers/repl_server.py,
# which records what it receives (and the close code) and pushes messages on demand.
# Line editing, history, keys, signals and display; the /commands: it_repl_cmds.sh.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/repl_lib.sh"

# ---------------------------------------------------------------------------------------------

t_begin "repl: a message arriving while a line is half-typed is shown above it, the line survives"
if up half; then
	type_text half "half typed"
	key half Left Left Left Left Left # cursor before "typed"
	sleep 0.2
	push half "server says hi"
	wait_pane half "< server says hi" ||
		_fail " the pushed message never appeared as '< server says hi'; screen: $(screen_tail half)"
	sleep 0.2
	expect_that 'pane half | grep -qx "< server says hi"' \
		"'< server says hi' is not on a line of its own; screen: $(screen_tail half)"
	cl=$(cursor_line half)
	expect_that '[ "$cl" = "> half typed" ]' "input line after the message: $(_show "$cl"), expected '> half typed'"
	expect_that '[ "$(pane half | grep -n "server says hi" | head -1 | cut -d: -f1)" -lt "$(pane half | grep -n "^> half typed$" | tail -1 | cut -d: -f1)" ]' \
		"the message is not above the input line; screen: $(screen_tail half)"
	cx=$(cursor_x half)
	expect_that '[ "$cx" = 7 ]' "the cursor moved: column $cx after the message, expected 7 (before 'typed')"
	type_text half "NOT "
	key half Enter
	wait_rec_line half "half NOT typed" ||
		_fail " the server did not receive 'half NOT typed' (got: $(_show "$(cat "$TMP/half.rec" 2>/dev/null)"))"
fi
done_with half
t_end

t_begin "repl: multi-byte UTF-8 half-typed input survives an incoming message"
if up utf; then
	type_text utf "héllo wörld"
	key utf Left Left Left Left Left # cursor before "wörld"
	sleep 0.2
	push utf "ünïcode ✓ arrives"
	wait_pane utf "< ünïcode ✓ arrives" ||
		_fail " the pushed message never appeared as '< ünïcode ✓ arrives'; screen: $(screen_tail utf)"
	sleep 0.2
	cl=$(cursor_line utf)
	expect_that '[ "$cl" = "> héllo wörld" ]' "input line after the message: $(_show "$cl"), expected '> héllo wörld'"
	cx=$(cursor_x utf)
	expect_that '[ "$cx" = 8 ]' "cursor at column $cx after the message, expected 8 (before 'wörld')"
	type_text utf "big "
	key utf Enter
	wait_rec_line utf "héllo big wörld" ||
		_fail " the server did not receive 'héllo big wörld' (got: $(_show "$(cat "$TMP/utf.rec" 2>/dev/null)"))"
fi
done_with utf
t_end

t_begin "repl: a half-typed line longer than the terminal width survives an incoming message"
long=$(printf 'w%03d ' $(seq 1 30)) # 150 columns: wraps at 120
long=${long% }
if up wrap; then
	type_text wrap "$long"
	sleep 0.2
	push wrap "short one"
	wait_pane wrap "< short one" || _fail " the pushed message did not appear; screen: $(screen_tail wrap)"
	sleep 0.2
	s=$(pane wrap)
	expect_that 'grep -qx "< short one" <<<"$s"' "'< short one' is not on a line of its own; screen: $(screen_tail wrap)"
	# The input line, joined (-J), must appear once after the message, whole.
	expect_that '[ "$(sed -n "/^< short one$/,\$p" <<<"$s" | grep -cxF "> $long")" = 1 ]' \
		"the wrapped input line is not intact below the message; screen: $(screen_tail wrap)"
	expect_that '[ "$(grep -c "w001" <<<"$s")" = 1 ]' "the start of the long line is on screen $(grep -c "w001" <<<"$s") times"
	key wrap Enter
	wait_rec_line wrap "$long" || _fail " the server did not receive the long line whole"
fi
done_with wrap
t_end

t_begin "repl: history survives a restart, a line starting with a space is not saved"
if up hist1; then
	type_text hist1 "remember me"
	key hist1 Enter
	type_text hist1 " secret line"
	key hist1 Enter
	wait_rec_line hist1 " secret line" || _fail " the server did not receive ' secret line'"
	key hist1 C-d # not /quit: that would be the last history line
	wait_exit hist1 5 || _fail " wsc did not exit after Ctrl-D"
	expect_that 'grep -qxF "remember me" "$HIST"' "history file $HIST lacks 'remember me' (has: $(_show "$(cat "$HIST" 2>/dev/null)"))"
	expect_that '! grep -qF "secret line" "$HIST"' "history file saved the line starting with a space"
fi
done_with hist1
if up hist2; then
	key hist2 Up
	expect_that 'wait_cursor_line hist2 "> remember me" 2' \
		"after a restart, Up shows $(_show "$(cursor_line hist2)"), expected '> remember me'"
fi
done_with hist2
t_end

t_begin "repl: --no-history neither writes nor reads a history file"
if up nohist1 XDG_STATE_HOME="$TMP/state-nohist" -- --no-history; then
	type_text nohist1 "not kept"
	key nohist1 Enter
	wait_rec_line nohist1 "not kept" || _fail " the server did not receive 'not kept'"
	type_text nohist1 "/quit"
	key nohist1 Enter
	wait_exit nohist1 5 || _fail " wsc did not exit after /quit"
	expect_that '[ ! -e "$TMP/state-nohist/wsc/history" ]' "--no-history wrote $TMP/state-nohist/wsc/history"
fi
done_with nohist1
# The default state dir has "remember me" from the test before: not loaded, not added to.
if up nohist2 -- --no-history; then
	key nohist2 Up
	type_text nohist2 "Z" # once Z shows, Up has been handled
	wait_cursor_line nohist2 "> Z" 2 ||
		_fail " with --no-history, Up then Z gave $(_show "$(cursor_line nohist2)"): history was loaded"
	key nohist2 C-u
	type_text nohist2 "not saved either"
	key nohist2 Enter
	wait_rec_line nohist2 "not saved either" || _fail " the server did not receive 'not saved either'"
	key nohist2 C-d
	wait_exit nohist2 5 || _fail " wsc did not exit after Ctrl-D"
	expect_that '! grep -qF "not saved either" "$HIST"' "--no-history appended to the existing history file"
fi
done_with nohist2
t_end

t_begin "repl: Ctrl-C closes with 1000 and wsc exits"
if up ctrlc; then
	key ctrlc C-c
	wait_exit ctrlc 5 || _fail " wsc still running 5 s after Ctrl-C; screen: $(screen_tail ctrlc)"
	wait_file "$REC.close" 3
	expect_that '[ "$(cat "$REC.close" 2>/dev/null)" = 1000 ]' "server recorded close code $(_show "$(cat "$REC.close" 2>/dev/null)"), expected 1000"
	rc=$(cat "$TMP/ctrlc.rc" 2>/dev/null)
	expect_that '[ "$rc" = 0 ] || [ "$rc" = 130 ]' "exit status after Ctrl-C: $(_show "$rc"), expected 0 or 130"
fi
done_with ctrlc
t_end

t_begin "repl: Ctrl-D on an empty line closes with 1000 and exits 0"
if up ctrld; then
	key ctrld C-d
	wait_exit ctrld 5 || _fail " wsc still running 5 s after Ctrl-D; screen: $(screen_tail ctrld)"
	wait_file "$REC.close" 3
	expect_that '[ "$(cat "$REC.close" 2>/dev/null)" = 1000 ]' "server recorded close code $(_show "$(cat "$REC.close" 2>/dev/null)"), expected 1000"
	rc=$(cat "$TMP/ctrld.rc" 2>/dev/null)
	expect_that '[ "$rc" = 0 ]' "exit status after Ctrl-D: $(_show "$rc"), expected 0"
fi
done_with ctrld
t_end

t_begin "repl: escape sequences from the server are shown escaped, not obeyed"
if up esc; then
	push esc 'A\x1b]0;pwned\x07B'
	wait_pane esc '< A\e]0;pwned' 3 ||
		_fail " the OSC title sequence is not shown as '\\e]0;pwned'; screen: $(screen_tail esc)"
	push esc 'C\x1b[2JD'
	wait_pane esc '< C\e[2JD' 3 ||
		_fail " the clear-screen sequence is not shown as '< C\\e[2JD'; screen: $(screen_tail esc)"
	sleep 0.2
	expect_that 'pane_visible esc | grep -qF "WebSocket established"' \
		"the screen was cleared (earlier lines gone); screen: $(_show "$(pane_visible esc | grep -v '^$')")"
	title=$(tm display-message -p -t esc '#{pane_title}')
	expect_that '[ "$title" != pwned ]' "the server set the terminal title to 'pwned'"
	raw=$(tm capture-pane -p -e -t esc | grep -c $'\e\\]0;pwned')
	expect_that '[ "$raw" = 0 ]' "a raw OSC sequence is on the screen"
fi
done_with esc
t_end

t_begin "repl: typing while disconnected prints an error and the line is still in history"
if up offline; then
	type_text offline "/disconnect"
	key offline Enter
	wait_file "$REC.close" 5 || _fail " /disconnect did not close the connection"
	sleep 0.3
	type_text offline "hello offline"
	key offline Enter
	sleep 0.5
	after=$(pane offline | sed -n '/hello offline$/,$p' | sed 1d | grep -v '^$' | grep -vE '^(\[[^]]*\] )?>$')
	expect_that '[ -n "$after" ]' "no error line after typing while disconnected; screen: $(screen_tail offline)"
	expect_that '! grep -qxF "hello offline" "$REC" 2>/dev/null' "the line was sent although disconnected"
	key offline Up
	wait_cursor_line offline "[disconnected] > hello offline" 2 ||
		_fail " Up shows $(_show "$(cursor_line offline)"), expected '[disconnected] > hello offline'"
fi
done_with offline
t_end

t_begin "repl: Tab completes /sta to /status"
if up tab; then
	type_text tab "/sta"
	key tab Tab
	wait_cursor_line tab "> /status" 2 ||
		_fail " after Tab the input line is $(_show "$(cursor_line tab)"), expected '> /status'"
	key tab Enter
	wait_pane tab "last ping RTT" 3 || _fail " the completed command did not run /status"
fi
done_with tab
t_end

# An SGR sequence that sets a foreground colour: ESC [ ... 3x / 9x / 38 ... m
SGR_COLOR=$'\e\\[([0-9;]*;)?(3[0-9]|9[0-7])(;[0-9;]*)?m'
t_begin "repl: --color=always colours the output"
if up color -- --color=always; then
	type_text color "/status"
	key color Enter
	wait_pane color "last ping RTT" 3
	expect_that 'tm capture-pane -p -e -t color | grep -qE "$SGR_COLOR"' \
		"no colour escape in the screen: $(_show "$(tm capture-pane -p -e -t color | grep -v '^$' | head -4)")"
fi
done_with color
t_end

t_begin "repl: NO_COLOR=1 with --color=auto shows no colour"
if up nocolor NO_COLOR=1 -- --color=auto; then
	type_text nocolor "/status"
	key nocolor Enter
	wait_pane nocolor "last ping RTT" 3
	push nocolor "a message"
	wait_pane nocolor "< a message" 3
	expect_that '! tm capture-pane -p -e -t nocolor | grep -qE "$SGR_COLOR"' \
		"colour escapes on screen: $(_show "$(tm capture-pane -p -e -t nocolor | grep -E "$SGR_COLOR" | head -2)")"
fi
done_with nocolor
t_end

t_begin "repl: --timestamps prefixes lines with [HH:MM:SS.mmm]"
if up ts -- --timestamps; then
	push ts "stamped"
	TS='^\[([0-9]{2}):([0-9]{2}):([0-9]{2})\.[0-9]{3}\] '
	wait_pane_re ts "$TS< stamped\$" 3 ||
		_fail " the message is not shown as '[HH:MM:SS.mmm] < stamped'; screen: $(screen_tail ts)"
	expect_that 'pane ts | grep -qE "$TS\\* WebSocket established\$"' \
		"the established event has no '[HH:MM:SS.mmm] ' prefix; screen: $(screen_tail ts)"
	# The time shown is the local time now (within a minute).
	shown=$(pane ts | grep -E "$TS< stamped\$" | head -1 | cut -c2-9)
	off=$(awk -v a="$shown" -v b="$(date +%H:%M:%S)" 'BEGIN {
		split(a, x, ":"); split(b, y, ":")
		d = (y[1] * 3600 + y[2] * 60 + y[3]) - (x[1] * 3600 + x[2] * 60 + x[3])
		if (d < 0) d = -d; if (d > 43200) d = 86400 - d; print d }')
	expect_that '[ -n "$shown" ] && [ "$off" -le 60 ]' "the time shown ($(_show "$shown")) is not the local time ($(date +%H:%M:%S))"
fi
done_with ts
t_end

t_begin "repl: --json shows messages as {\"type\":\"text\",...} and events as {\"event\":...}"
if UP_WAIT='{"event":"established"' up json -- --json; then
	push json 'say "hi" ü\ttab'
	wait_pane json '{"type":"text","data":' 3 || _fail " no {\"type\":\"text\",\"data\":...} line; screen: $(screen_tail json)"
	sleep 0.1
	bad=$(pane json | "$PY" -c '
import json, sys
seen = set()
for line in sys.stdin:
    line = line.rstrip("\n")
    if not line.startswith("{"):
        if line.startswith(("<", "*")):
            print("a human line with --json: %r" % line)
        continue
    try:
        o = json.loads(line)
    except ValueError:
        print("not JSON: %r" % line)
        continue
    if o.get("type") == "text" and line.startswith("{\"type\":\"text\",\"data\":"):
        if o.get("data") == "say \"hi\" \u00fc\ttab":
            seen.add("text")
        else:
            print("wrong data: %r" % o.get("data"))
    elif "event" in o:
        seen.add(o["event"])
for want in ("text", "connected", "established"):
    if want not in seen:
        print("missing: %s" % want)')
	expect_that '[ -z "$bad" ]' "$(_show "$bad")"
fi
done_with json
t_end

t_begin "repl: SIGTERM closes with 1000, wsc exits and the terminal is restored"
REC=$TMP/sigterm.rec
rm -f "$REC" "$REC".* "$TMP/sigterm.pid" "$TMP/stty.before" "$TMP/stty.after"
{
	printf '#!/bin/bash\necho $$ >%q\n' "$TMP/sigterm.pid"
	printf 'exec env -u NO_COLOR -u LANGUAGE TERM=xterm LC_ALL=C.UTF-8 LANG=C.UTF-8 XDG_STATE_HOME=%q %q %q\n' \
		"$TMP/state" "$WSC" "ws://127.0.0.1:$P/sigterm?file=$REC"
} >"$TMP/sigterm.sh"
# A shell without line editing: what is typed only shows if the terminal echoes it.
tm new-session -d -s sigterm -x 120 -y 30 "env PS1='$ ' bash --norc --noediting"
if wait_cursor_line sigterm '$' 3; then
	type_text sigterm "stty -g >$TMP/stty.before; bash $TMP/sigterm.sh; echo wsc-exit=\$?; stty -g >$TMP/stty.after"
	key sigterm Enter
	if wait_pane sigterm "WebSocket established" 5 && wait_cursor_line sigterm ">" 3; then
		pid=$(cat "$TMP/sigterm.pid" 2>/dev/null)
		if [ -n "$pid" ] && [ "$(readlink -f "/proc/$pid/exe")" = "$(readlink -f "$WSC")" ]; then
			kill -TERM "$pid"
			wait_pane_re sigterm '^wsc-exit=[0-9]+$' 5 || _fail " wsc still running 5 s after SIGTERM; screen: $(screen_tail sigterm)"
			rc=$(pane sigterm | sed -n 's/^wsc-exit=//p' | tail -1)
			expect_that '[ "$rc" = 0 ] || [ "$rc" = 143 ]' "exit status after SIGTERM: $(_show "$rc"), expected 0 or 143"
			wait_file "$REC.close" 3
			expect_that '[ "$(cat "$REC.close" 2>/dev/null)" = 1000 ]' "server recorded close code $(_show "$(cat "$REC.close" 2>/dev/null)"), expected 1000"
			wait_file "$TMP/stty.after" 3
			expect_that 'cmp -s "$TMP/stty.before" "$TMP/stty.after"' \
				"terminal settings after wsc differ from before: $(_show "$(cat "$TMP/stty.before" 2>/dev/null)") vs $(_show "$(cat "$TMP/stty.after" 2>/dev/null)")"
			type_text sigterm "echo restored"
			key sigterm Enter
			wait_pane_re sigterm '^restored$' 3 || _fail " 'echo restored' printed nothing; screen: $(screen_tail sigterm)"
			expect_that 'pane sigterm | grep -qxF "\$ echo restored"' \
				"the typed 'echo restored' was not echoed (terminal echo off); screen: $(screen_tail sigterm)"
		else
			_fail " cannot find wsc's pid (got $(_show "$pid"))"
		fi
	else
		_fail " wsc did not reach the prompt in the shell; screen: $(screen_tail sigterm)"
	fi
else
	_fail " the shell in the pane did not start; screen: $(screen_tail sigterm)"
fi
done_with sigterm
t_end

t_begin "repl: /connect TOKEN goes to the history as /connect, without the token"
rm -f "$HIST"
if up histtok; then
	type_text histtok "/connect tok-s3cr3t-xyz"
	key histtok Enter
	wait_count histtok "* WebSocket established" 2 5 ||
		_fail " no second '* WebSocket established' after /connect TOKEN; screen: $(screen_tail histtok)"
	key histtok C-d
	wait_exit histtok 5 || _fail " wsc did not exit after Ctrl-D"
	expect_that '! grep -qF "s3cr3t" "$HIST"' "the history file holds the token: $(_show "$(cat "$HIST" 2>/dev/null)")"
	expect_that 'grep -qxF "/connect" "$HIST"' "the history file lacks '/connect': $(_show "$(cat "$HIST" 2>/dev/null)")"
fi
done_with histtok
t_end

t_begin "repl: no '[disconnected] >' prompt is drawn after /quit or Ctrl-D"
for how in quit ctrld; do
	s=stray$how
	if up "$s"; then
		if [ "$how" = quit ]; then
			type_text "$s" "/quit"
			key "$s" Enter
		else
			key "$s" C-d
		fi
		wait_exit "$s" 5 || _fail " wsc did not exit after $how"
		sleep 0.1
		expect_that '! pane "$s" | grep -q "^\[[a-z]*\] >"' \
			"after $how a state prompt was drawn: $(screen_tail "$s")"
		expect_that 'pane "$s" | grep -qF "* disconnected: closed by us (1000)"' \
			"after $how no '* disconnected' line: $(screen_tail "$s")"
	fi
	done_with "$s"
done
t_end

t_begin "repl: SIGHUP (tmux kill-session) closes with 1000 and saves the history"
rm -f "$HIST"
if up hup; then
	type_text hup "before hangup"
	key hup Enter
	wait_rec_line hup "before hangup" || _fail " the server did not receive 'before hangup'"
	tm kill-session -t hup
	wait_file "$REC.close" 5
	expect_that '[ "$(cat "$REC.close" 2>/dev/null)" = 1000 ]' \
		"server recorded close code $(_show "$(cat "$REC.close" 2>/dev/null)"), expected 1000"
	wait_file_contains "$HIST" "before hangup" 5
	expect_that 'grep -qxF "before hangup" "$HIST"' \
		"history after SIGHUP: $(_show "$(cat "$HIST" 2>/dev/null)")"
fi
done_with hup
t_end

exit "$FAILED"
