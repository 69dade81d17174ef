#!/bin/bash
# `make demo`: start the test echo server on a free loopback port, pipe two lines through wsc and
# show what came back. Usage: WSC=/abs/path/to/wsc tests/demo.sh
. "$(dirname "$0")/lib.sh"

start_ws PORT || exit 1
url=ws://127.0.0.1:$PORT/echo
echo "\$ printf 'Hello, WebSocket!\\nsecond line\\n' | wsc --count 2 $url"
printf 'Hello, WebSocket!\nsecond line\n' | timeout 10 "$WSC" --count 2 "$url"
rc=$?
echo "(wsc exited with status $rc)"
exit "$rc"
