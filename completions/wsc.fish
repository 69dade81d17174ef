# fish completion for wsc(1), the command-line WebSocket client.
#
# Adding an option is one line below:
#   complete -c wsc [-s X] -l LONG -d '...'                 a flag
#   complete -c wsc [-s X] -l LONG -x -d '...'              a value with nothing to offer
#   complete -c wsc [-s X] -l LONG -x -a 'a b c' -d '...'   one of the listed words
#   complete -c wsc [-s X] -l LONG -r -F -d '...'           a file name
# tests/it_docs.sh checks these lines against wsc's option table (wsc --dump-options), the man
# page and the other completions.

# The operand is a URL: no file names.
complete -c wsc -f

complete -c wsc -l host -x -a '(__fish_print_hostnames)' -d 'Server host, instead of a URL'
complete -c wsc -l port -x -d 'TCP port (0 = 80 for ws, 443 for wss)'
complete -c wsc -l path -x -d 'Path and query (default /)'
complete -c wsc -l protocol -x -a 'ws wss' -d 'Scheme (default ws)'
complete -c wsc -s s -l subprotocol -x -d 'Offer a subprotocol (repeatable)'
complete -c wsc -s o -l origin -x -d 'Origin header'
complete -c wsc -s H -l header -x -d 'Extra request header "Name: value" (repeatable)'
complete -c wsc -l bearer -x -d 'Send Authorization: Bearer TOKEN'
complete -c wsc -l auth -x -d 'HTTP Basic authentication USER:PASS'
complete -c wsc -l connect-timeout -x -d 'Seconds to open the connection (default 10)'
complete -c wsc -l cacert -r -F -d 'Trust the CAs in this PEM file'
complete -c wsc -s k -l insecure -d 'Do not verify the server certificate'
complete -c wsc -l max-message-size -x -d 'Largest message in bytes (default 64 MiB)'
complete -c wsc -l ping-interval -x -d 'Ping after SECS with nothing received (default 30)'
complete -c wsc -l no-keepalive -d 'Never send keep-alive pings'
complete -c wsc -l ping-timeout -x -d 'Peer is dead if silent SECS after a ping (default 10)'
complete -c wsc -l reconnect -d 'Reconnect after the connection is lost'
complete -c wsc -l reconnect-delay -x -d 'Backoff between attempts MIN[:MAX] (default 1:60)'
complete -c wsc -l reconnect-max -x -d 'Give up after N attempts in a row'
complete -c wsc -l queue-size -x -d 'Input held while disconnected (default 4M)'
complete -c wsc -s b -l binary -d 'Send input lines as binary messages'
complete -c wsc -s 0 -l null -d 'NUL-delimited input and output'
complete -c wsc -s x -l execute -x -d 'Send a message first (repeatable)'
complete -c wsc -s w -l wait -x -d 'Seconds to keep receiving after EOF (-1 = until close)'
complete -c wsc -l binary-format -x -a 'hex base64 raw' -d 'How binary messages are written (default raw, not separated)'
complete -c wsc -l json -d 'One JSON object per line per message and event'
complete -c wsc -s m -l match -x -d 'Only messages containing STRING'
complete -c wsc -s n -l count -x -d 'Exit 0 once N messages were written'
complete -c wsc -s P -l show-ping-pong -d 'Show pings and pongs received'
complete -c wsc -l timestamps -d 'Prefix REPL, log and error lines with the time'
complete -c wsc -l color -x -a 'auto always never' -d 'When to use colour (default auto)'
complete -c wsc -l no-history -d 'Do not load or save the interactive history'
complete -c wsc -l timeout -x -d 'Overall deadline in seconds'
complete -c wsc -l proxy -x -d 'Connect through this proxy ("" = none)'
complete -c wsc -l proxy-user -x -d 'Credentials for the proxy (USER:PASS)'
complete -c wsc -l noproxy -x -d 'Hosts to reach directly'
complete -c wsc -l proxy-cacert -r -F -d 'Trust these CAs for an https proxy'
complete -c wsc -l proxy-insecure -d "Do not verify an https proxy's certificate"
complete -c wsc -s q -l quiet -d 'Only errors on stderr'
complete -c wsc -s v -l verbose -d 'Extended logging on stderr'
complete -c wsc -l log-comms -d 'Log every frame on stderr'
complete -c wsc -s h -l help -d 'Show the options and exit'
complete -c wsc -s V -l version -d 'Show the version and exit'
