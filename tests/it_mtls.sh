#!/bin/bash
# TLS options against real peers made now: client certificates (mutual TLS) with a Python
# websockets server that requires one (servers/mtls_server.py) and with nginx
# (ssl_verify_client on) in front of it; pass phrases; SSLKEYLOGFILE; --tls-max/--tlsv1.3;
# --ciphers/--tls13-ciphers; --capath; --pinnedpubkey; expired certificates; -v chain lines.
. "$(dirname "$0")/lib.sh"

C=$TMP/certs
if ! bash "$TESTS_DIR/gen-certs.sh" "$C" >"$TMP/certs.log" 2>&1; then
	t_begin "mtls: make test certificates"
	_fail " gen-certs.sh failed: $(tr '\n' ' ' <"$TMP/certs.log")"
	t_end
	exit 0
fi
PASS='open sesame'

start_mtls() { # VAR ARGS...
	local var=$1
	shift
	start_server "$var" "mtls-$var" "$PY" "$TESTS_DIR/servers/mtls_server.py" "$@"
}
start_mtls MTLS --cert "$C/server.pem" --key "$C/server.key" --client-ca "$C/client-ca.pem"
start_mtls MTLS12 --cert "$C/server.pem" --key "$C/server.key" --client-ca "$C/client-ca.pem" \
	--tls-max 1.2
start_mtls GOOD --cert "$C/server.pem" --key "$C/server.key"
start_mtls T12 --cert "$C/server.pem" --key "$C/server.key" --tls-max 1.2
start_mtls EXPIRED --cert "$C/expired.pem" --key "$C/expired.key"
start_mtls OLDCA --cert "$C/old-leaf.pem" --key "$C/old-leaf.key"
# A client certificate asked for but optional (nginx's "ssl_verify_client optional"): one server
# that reads the upgrade request and closes, one that closes so without asking.
start_mtls OPTCLOSE --cert "$C/server.pem" --key "$C/server.key" \
	--optional-client-ca "$C/client-ca.pem" --close-after-request
start_mtls PLAINCLOSE --cert "$C/server.pem" --key "$C/server.key" --close-after-request
start_mtls OPTWS --cert "$C/server.pem" --key "$C/server.key" --optional-client-ca "$C/client-ca.pem"

# The notAfter date of a certificate as -v and the errors show it: 2027-01-01.
enddate() { date -u -d "$(openssl x509 -enddate -noout -in "$1" | cut -d= -f2)" +%Y-%m-%d; }
# The pin of a certificate's public key, as curl documents it.
pin_of() {
	openssl x509 -in "$1" -pubkey -noout | openssl pkey -pubin -outform der |
		openssl dgst -sha256 -binary | base64
}

# openssl s_server ARGS... on a free port put in VAR; it sends its alerts (Python's asyncio server
# closes without one). Its stdin stays open, or it quits at EOF; it speaks no HTTP.
start_s_server() { # VAR ARGS...
	local var=$1 port fd i
	shift
	port=$(free_port)
	exec {fd}< <(exec sleep 60 </dev/null >/dev/null 2>&1)
	_PIDS+=($!)
	openssl s_server -quiet -accept "127.0.0.1:$port" -cert "$C/server.pem" \
		-key "$C/server.key" "$@" <&"$fd" >>"$TMP/s_server.log" 2>&1 &
	_PIDS+=($!)
	exec {fd}<&-
	for ((i = 0; i < 100; i++)); do
		(exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && break
		sleep 0.05
	done
	printf -v "$var" '%s' "$port"
}

# --- client certificates ----------------------------------------------------------------------

start_s_server SREQ -Verify 1 -CAfile "$C/client-ca.pem"
t_begin "mtls: no client certificate, the server's TLS 1.3 alert 116 -> 35 naming it"
wsc_run --cacert "$C/ca.pem" --count 1 "wss://localhost:$SREQ/echo" < <(printf 'x\n')
expect_rc 35
expect_err_contains "wsc: TLS handshake failed: the server requires a client certificate (alert 116 certificate required): use --cert"
t_end

t_begin "mtls: no client certificate (TLS 1.3) -> 35 saying the server requires one"
wsc_run --cacert "$C/ca.pem" --count 1 "wss://localhost:$MTLS/echo" < <(printf 'x\n')
expect_rc 35
expect_err_contains "wsc: TLS handshake failed: the server requires a client certificate"
expect_err_contains "use --cert"
expect_out ''
t_end

t_begin "mtls: no client certificate (TLS 1.2 server) -> 35 saying the server requires one"
wsc_run --cacert "$C/ca.pem" --count 1 "wss://localhost:$MTLS12/echo" < <(printf 'x\n')
expect_rc 35
expect_err_contains "the server requires a client certificate"
expect_err_contains "use --cert"
t_end

t_begin "mtls: a certificate of the trusted client CA -> messages echo"
wsc_run --cacert "$C/ca.pem" --cert "$C/client.pem" --key "$C/client.key" --count 3 \
	"wss://localhost:$MTLS/whoami" < <(printf 'one\ntwo\n')
expect_rc 0
expect_out 'wsc test client\none\ntwo\n'
t_end

t_begin "mtls: the same over TLS 1.2"
wsc_run --cacert "$C/ca.pem" --cert "$C/client.pem" --key "$C/client.key" --count 2 \
	"wss://localhost:$MTLS12/whoami" < <(printf 'twelve\n')
expect_rc 0
expect_out 'wsc test client\ntwelve\n'
t_end

t_begin "mtls: a certificate from another CA is refused -> 35"
wsc_run --cacert "$C/ca.pem" --cert "$C/stranger.pem" --key "$C/stranger.key" --count 2 \
	"wss://localhost:$MTLS/whoami" < <(printf 'x\n')
expect_rc 35
expect_err_matches 'TLS handshake failed: .*client certificate'
expect_out ''
t_end

t_begin "mtls: encrypted key with --pass"
wsc_run --cacert "$C/ca.pem" --cert "$C/client.pem" --key "$C/client-enc.key" --pass "$PASS" \
	--count 2 "wss://localhost:$MTLS/whoami" < <(printf 'pass\n')
expect_rc 0
expect_out 'wsc test client\npass\n'
t_end

t_begin "mtls: --cert FILE:PASSWORD (key in the cert file), secrets never shown with -v"
wsc_run -v --log-comms --cacert "$C/ca.pem" --cert "$C/client-enc.pem:$PASS" --count 2 \
	"wss://localhost:$MTLS/whoami" < <(printf 'colon\n')
expect_rc 0
expect_out 'wsc test client\ncolon\n'
expect_err_lacks "sesame"
t_end

# A file name with a colon: escaped as curl's "\:".
cp "$C/client-enc.pem" "$C/odd:name.pem"
t_begin "mtls: --cert 'odd\\:name.pem:PASSWORD'"
wsc_run --cacert "$C/ca.pem" --cert "$C/odd\\:name.pem:$PASS" --count 2 \
	"wss://localhost:$MTLS/whoami" < <(printf 'esc\n')
expect_rc 0
expect_out 'wsc test client\nesc\n'
t_end

t_begin "mtls: encrypted key without --pass, stdin /dev/null -> 2 at once, no prompt"
wsc_run -t 5 --cacert "$C/ca.pem" --cert "$C/client-enc.pem" "wss://localhost:$MTLS/echo" </dev/null
expect_rc 2
expect_err_contains "wsc: bad TLS configuration: the key in '$C/client-enc.pem' is encrypted: give --pass"
expect_elapsed_below 3
t_end

t_begin "mtls: encrypted key without --pass on a terminal -> 2 at once, no prompt"
start=$EPOCHREALTIME
# OpenSSL's default callback would read /dev/tty, whatever stdin is: a pseudo-terminal is the
# controlling terminal here, stdin is /dev/null (pipe mode). script's own exit status is not
# reliable when its stdin ends first: the shell inside says it.
TERM=dumb timeout -k 2 5 script -qc "$(printf '%q ' "$WSC" --cacert "$C/ca.pem" --cert \
	"$C/client-enc.pem" "wss://localhost:$MTLS/echo") </dev/null; echo \"RC=\$?\"" /dev/null \
	>"$TMP/pty.out" 2>&1 </dev/null
ELAPSED=$(awk -v a="$start" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.2f", b - a }')
expect_that 'grep -q "^RC=2" "$TMP/pty.out"' "exit code: $(_show "$(cat "$TMP/pty.out")")"
expect_that 'grep -q "is encrypted: give --pass" "$TMP/pty.out"' \
	"terminal output: $(_show "$(cat "$TMP/pty.out")")"
expect_that '! grep -qi "pass phrase:" "$TMP/pty.out"' "a prompt was shown: $(_show "$(cat "$TMP/pty.out")")"
expect_elapsed_below 3
t_end

t_begin "mtls: wrong pass phrase -> 2, the phrase not shown"
wsc_run --cacert "$C/ca.pem" --cert "$C/client-enc.pem:not $PASS" "wss://localhost:$MTLS/echo" </dev/null
expect_rc 2
expect_err_contains "cannot load the key from '$C/client-enc.pem' (wrong pass phrase?)"
expect_err_lacks "sesame"
t_end

t_begin "mtls: key that does not match the certificate -> 2"
wsc_run --cacert "$C/ca.pem" --cert "$C/client.pem" --key "$C/stranger.key" \
	"wss://localhost:$MTLS/echo" </dev/null
expect_rc 2
expect_err_matches "cannot load the key from '.*stranger.key'|does not match the certificate"
t_end

t_begin "mtls: unreadable certificate file -> 2 naming it, before any traffic"
wsc_run --cert "$TMP/none.pem" "wss://localhost:$MTLS/echo" </dev/null
expect_rc 2
expect_err_contains "cannot load the client certificate from '$TMP/none.pem'"
t_end

t_begin "mtls: optional client certificate, the server closes after the request -> the ordinary close"
wsc_run --cacert "$C/ca.pem" --count 1 "wss://localhost:$PLAINCLOSE/echo" </dev/null
plain_rc=$RC plain_err=$(cat "$ERR")
wsc_run --cacert "$C/ca.pem" --count 1 "wss://localhost:$OPTCLOSE/echo" </dev/null
expect_err_lacks "requires a client certificate"
expect_err_lacks "client certificate"
expect_that '[ "$RC" = "$plain_rc" ] && [ "$(cat "$ERR")" = "$plain_err" ]' \
	"exit $RC, not $plain_rc as without a CertificateRequest: $(_show "$(cat "$ERR")")"
wsc_run --tls-max 1.2 --cacert "$C/ca.pem" --count 1 "wss://localhost:$OPTCLOSE/echo" </dev/null
expect_err_lacks "client certificate"
expect_that '[ "$RC" = "$plain_rc" ]' "TLS 1.2: exit $RC, not $plain_rc"
t_end

t_begin "mtls: optional client certificate: none -> echo, whoami says none"
wsc_run --cacert "$C/ca.pem" --count 1 "wss://localhost:$OPTWS/whoami" < <(printf 'o\n')
expect_rc 0
expect_out 'none\n'
t_end

t_begin "mtls: TLS files are read once: --reconnect goes on after the --cacert file is removed"
cp "$C/ca.pem" "$TMP/ca-copy.pem"
(
	sleep 0.5
	rm -f "$TMP/ca-copy.pem"
) &
wsc_run -t 10 --timeout 3.5 --reconnect --reconnect-delay 1 --cacert "$TMP/ca-copy.pem" \
	"wss://localhost:$GOOD/bye" </dev/null
wait $!
expect_rc 28
expect_err_lacks "cannot load CA certificates"
expect_that '[ "$(grep -c "reconnecting" "$ERR")" -ge 2 ]' "reconnected less than twice: $(_show "$(cat "$ERR")")"
t_end

t_begin "mtls: a bad --cert with a ws:// URL -> 2 before any connection (a redirect may reach wss://)"
wsc_run -v --cert "$TMP/none.pem" "ws://127.0.0.1:$GOOD/echo" </dev/null
expect_rc 2
expect_err_contains "wsc: bad TLS configuration: cannot load the client certificate from '$TMP/none.pem'"
expect_err_lacks "127.0.0.1:$GOOD"
wsc_run --ciphers NO-SUCH-CIPHER "ws://127.0.0.1:$GOOD/echo" </dev/null
expect_rc 2
expect_err_contains "--ciphers 'NO-SUCH-CIPHER'"
t_end

# --- nginx with ssl_verify_client in front of the Python server ------------------------------

if ! command -v nginx >/dev/null && [ ! -x /usr/sbin/nginx ]; then
	echo "ok - mtls: nginx # SKIP nginx not installed"
else
	NGINX=$(command -v nginx || echo /usr/sbin/nginx)
	NPORT=$(free_port)
	mkdir -p "$TMP/nginx/logs"
	cat >"$TMP/nginx/nginx.conf" <<CONF
daemon off;
worker_processes 1;
pid $TMP/nginx/nginx.pid;
error_log $TMP/nginx/logs/error.log;
events { worker_connections 64; }
http {
    access_log off;
    client_body_temp_path $TMP/nginx/body;
    proxy_temp_path $TMP/nginx/proxy;
    fastcgi_temp_path $TMP/nginx/fastcgi;
    uwsgi_temp_path $TMP/nginx/uwsgi;
    scgi_temp_path $TMP/nginx/scgi;
    server {
        listen 127.0.0.1:$NPORT ssl;
        ssl_certificate $C/server.pem;
        ssl_certificate_key $C/server.key;
        ssl_client_certificate $C/client-ca.pem;
        ssl_verify_client on;
        location / {
            proxy_pass https://127.0.0.1:$GOOD;
            proxy_http_version 1.1;
            proxy_set_header Upgrade \$http_upgrade;
            proxy_set_header Connection "upgrade";
        }
    }
}
CONF
	"$NGINX" -c "$TMP/nginx/nginx.conf" -p "$TMP/nginx" 2>"$TMP/nginx/stderr" &
	_PIDS+=($!)
	for ((i = 0; i < 100; i++)); do
		(exec 3<>"/dev/tcp/127.0.0.1/$NPORT") 2>/dev/null && break
		sleep 0.05
	done

	t_begin "mtls: nginx ssl_verify_client, right certificate -> echo through nginx"
	wsc_run --cacert "$C/ca.pem" --cert "$C/client.pem" --key "$C/client.key" --count 1 \
		"wss://localhost:$NPORT/echo" < <(printf 'via nginx\n')
	expect_rc 0
	expect_out 'via nginx\n'
	t_end

	# nginx answers a missing certificate with an HTTP 400 page, after the TLS handshake.
	t_begin "mtls: nginx ssl_verify_client, no certificate -> refused with its status"
	wsc_run --cacert "$C/ca.pem" --count 1 "wss://localhost:$NPORT/echo" < <(printf 'x\n')
	expect_rc 22
	expect_err_contains "400"
	t_end
fi

# --- SSLKEYLOGFILE ----------------------------------------------------------------------------

t_begin "tls: SSLKEYLOGFILE gets NSS key log lines (TLS 1.3), mode 0600"
rm -f "$TMP/keys.log"
SSLKEYLOGFILE=$TMP/keys.log wsc_run --cacert "$C/ca.pem" --count 1 "wss://localhost:$GOOD/echo" \
	< <(printf 'k\n')
expect_rc 0
expect_out 'k\n'
expect_that 'grep -qE "^CLIENT_HANDSHAKE_TRAFFIC_SECRET [0-9a-f]{64} [0-9a-f]{64,}$" "$TMP/keys.log"' \
	"no CLIENT_HANDSHAKE_TRAFFIC_SECRET line: $(_show "$(head -c 300 "$TMP/keys.log" 2>/dev/null)")"
expect_that '! grep -vqE "^[A-Z_0-9]+ [0-9a-f]{64} [0-9a-f]+$" "$TMP/keys.log"' \
	"a line not in NSS format: $(_show "$(head -c 300 "$TMP/keys.log")")"
expect_that '[ "$(stat -c %a "$TMP/keys.log")" = 600 ]' "mode $(stat -c %a "$TMP/keys.log")"
t_end

t_begin "tls: SSLKEYLOGFILE appends; TLS 1.2 writes CLIENT_RANDOM"
SSLKEYLOGFILE=$TMP/keys.log wsc_run --tls-max 1.2 --cacert "$C/ca.pem" --count 1 \
	"wss://localhost:$GOOD/echo" < <(printf 'k\n')
expect_rc 0
expect_that 'grep -qE "^CLIENT_RANDOM [0-9a-f]{64} [0-9a-f]{96}$" "$TMP/keys.log"' \
	"no CLIENT_RANDOM line: $(_show "$(cat "$TMP/keys.log")")"
expect_that 'grep -q "^CLIENT_HANDSHAKE_TRAFFIC_SECRET" "$TMP/keys.log"' "earlier lines lost"
t_end

t_begin "tls: SSLKEYLOGFILE that cannot be opened: a warning, the connection works"
SSLKEYLOGFILE=$TMP/no/such/dir/keys.log wsc_run --cacert "$C/ca.pem" --count 1 \
	"wss://localhost:$GOOD/echo" < <(printf 'w\n')
expect_rc 0
expect_out 'w\n'
expect_err_contains "warning: cannot open SSLKEYLOGFILE '$TMP/no/such/dir/keys.log'"
t_end

t_begin "tls: SSLKEYLOGFILE a FIFO (nobody reading, or a reader): a warning, the connection works"
mkfifo "$TMP/keys.fifo"
SSLKEYLOGFILE=$TMP/keys.fifo wsc_run -t 8 --cacert "$C/ca.pem" --count 1 \
	"wss://localhost:$GOOD/echo" < <(printf 'f\n')
expect_rc 0
expect_out 'f\n'
expect_err_contains "warning: cannot open SSLKEYLOGFILE '$TMP/keys.fifo': not a regular file"
exec {fifo_fd}<>"$TMP/keys.fifo"
SSLKEYLOGFILE=$TMP/keys.fifo wsc_run -t 8 --cacert "$C/ca.pem" --count 1 \
	"wss://localhost:$GOOD/echo" < <(printf 'g\n')
exec {fifo_fd}<&-
expect_rc 0
expect_out 'g\n'
expect_err_contains "warning: cannot open SSLKEYLOGFILE '$TMP/keys.fifo': not a regular file"
t_end

t_begin "tls: SSLKEYLOGFILE is not touched for a ws:// URL"
rm -f "$TMP/ws-keys.log"
SSLKEYLOGFILE=$TMP/ws-keys.log wsc_run --count 1 "ws://127.0.0.1:1/" </dev/null
expect_that '[ ! -e "$TMP/ws-keys.log" ]' "created for ws://"
t_end

# --- versions and ciphers ---------------------------------------------------------------------

t_begin "tls: default is TLS 1.3; --tls-max 1.2 -> -v shows TLSv1.2"
wsc_run -v --cacert "$C/ca.pem" --count 1 "wss://localhost:$GOOD/echo" < <(printf 'a\n')
expect_rc 0
expect_err_contains "TLSv1.3, "
wsc_run -v --tls-max 1.2 --cacert "$C/ca.pem" --count 1 "wss://localhost:$GOOD/echo" < <(printf 'b\n')
expect_rc 0
expect_out 'b\n'
expect_err_contains "TLSv1.2, "
t_end

start_s_server S12 -tls1_2
t_begin "tls: --tlsv1.3 against a TLS-1.2-only server -> 35 with OpenSSL's reason"
wsc_run --tlsv1.3 --cacert "$C/ca.pem" --count 1 "wss://localhost:$S12/echo" < <(printf 'x\n')
expect_rc 35
expect_err_matches "TLS handshake failed: .*(protocol version|unsupported protocol)"
t_end

t_begin "tls: --tlsv1.2 against a TLS-1.2-only server works"
wsc_run --tlsv1.2 --cacert "$C/ca.pem" --count 1 "wss://localhost:$T12/echo" < <(printf 'ok\n')
expect_rc 0
expect_out 'ok\n'
t_end

t_begin "tls: --tlsv1.2 and --tlsv1.3: the last one wins, as in curl"
wsc_run --tlsv1.3 --tlsv1.2 --cacert "$C/ca.pem" --count 1 "wss://localhost:$T12/echo" \
	< <(printf 'l\n')
expect_rc 0
expect_out 'l\n'
wsc_run --tlsv1.2 --tlsv1.3 --cacert "$C/ca.pem" --count 1 "wss://localhost:$S12/echo" </dev/null
expect_rc 35
t_end

t_begin "tls: bad version values -> 2"
for bad in "--tls-max 1.1" "--tls-max 4" "--tls-max=" "--tlsv1.3 --tls-max 1.2"; do
	# shellcheck disable=SC2086
	wsc_run $bad --cacert "$C/ca.pem" "wss://localhost:$GOOD/echo" </dev/null
	expect_that '[ "$RC" = 2 ]' "$bad: exit $RC: $(_show "$(cat "$ERR")")"
done
t_end

t_begin "tls: --ciphers picks the TLS 1.2 cipher shown by -v"
for c in ECDHE-ECDSA-CHACHA20-POLY1305 ECDHE-ECDSA-AES128-GCM-SHA256; do
	wsc_run -v --tls-max 1.2 --ciphers "$c" --cacert "$C/ca.pem" --count 1 \
		"wss://localhost:$GOOD/echo" < <(printf 'c\n')
	expect_rc 0
	expect_err_contains "TLSv1.2, $c, "
done
t_end

t_begin "tls: --tls13-ciphers picks the TLS 1.3 suite shown by -v"
wsc_run -v --tls13-ciphers TLS_CHACHA20_POLY1305_SHA256 --cacert "$C/ca.pem" --count 1 \
	"wss://localhost:$GOOD/echo" < <(printf 'c\n')
expect_rc 0
expect_err_contains "TLSv1.3, TLS_CHACHA20_POLY1305_SHA256, "
t_end

t_begin "tls: unknown cipher names -> 2"
wsc_run --ciphers NO-SUCH-CIPHER "wss://localhost:$GOOD/echo" </dev/null
expect_rc 2
expect_err_contains "--ciphers 'NO-SUCH-CIPHER'"
wsc_run --tls13-ciphers NO_SUCH_SUITE "wss://localhost:$GOOD/echo" </dev/null
expect_rc 2
expect_err_contains "--tls13-ciphers 'NO_SUCH_SUITE'"
t_end

# --- --capath ---------------------------------------------------------------------------------

mkdir -p "$TMP/capath" "$TMP/capath-empty"
cp "$C/ca.pem" "$TMP/capath/"
openssl rehash "$TMP/capath" 2>/dev/null || c_rehash "$TMP/capath" >/dev/null 2>&1

t_begin "tls: --capath with the test CA hashed -> verified"
wsc_run --capath "$TMP/capath" --count 1 "wss://localhost:$GOOD/echo" < <(printf 'cap\n')
expect_rc 0
expect_out 'cap\n'
t_end

t_begin "tls: --capath with the wrong CA, --cacert with the right one -> verified (both used)"
mkdir -p "$TMP/capath-other"
cp "$C/other-ca.pem" "$TMP/capath-other/"
openssl rehash "$TMP/capath-other" 2>/dev/null
wsc_run --capath "$TMP/capath-other" --cacert "$C/ca.pem" --count 1 "wss://localhost:$GOOD/echo" \
	< <(printf 'both\n')
expect_rc 0
expect_out 'both\n'
t_end

t_begin "tls: --capath without the CA -> 60; not a directory -> 2"
wsc_run --capath "$TMP/capath-empty" --count 1 "wss://localhost:$GOOD/echo" < <(printf 'x\n')
expect_rc 60
wsc_run --capath "$C/ca.pem" --count 1 "wss://localhost:$GOOD/echo" </dev/null
expect_rc 2
expect_err_contains "--capath '$C/ca.pem' is not a directory"
t_end

# --- --pinnedpubkey ---------------------------------------------------------------------------

PIN=$(pin_of "$C/server.pem")
OTHER=$(pin_of "$C/wrong.pem")

t_begin "tls: --pinnedpubkey with the server's key -> OK (also with -k, and in a list)"
wsc_run --cacert "$C/ca.pem" --pinnedpubkey "sha256//$PIN" --count 1 "wss://localhost:$GOOD/echo" \
	< <(printf 'p1\n')
expect_rc 0
expect_out 'p1\n'
wsc_run -k --pinnedpubkey "sha256//$OTHER;sha256//$PIN" --count 1 "wss://localhost:$GOOD/echo" \
	< <(printf 'p2\n')
expect_rc 0
expect_out 'p2\n'
t_end

t_begin "tls: --pinnedpubkey with another key -> 90 (also with -k)"
wsc_run --cacert "$C/ca.pem" --pinnedpubkey "sha256//$OTHER" --count 1 \
	"wss://localhost:$GOOD/echo" < <(printf 'x\n')
expect_rc 90
expect_err_contains "wsc: server public key not pinned: the server's key sha256//$PIN matches no --pinnedpubkey"
expect_out ''
wsc_run -k --pinnedpubkey "sha256//$OTHER" --count 1 "wss://localhost:$GOOD/echo" < <(printf 'x\n')
expect_rc 90
t_end

t_begin "tls: --pinnedpubkey FILE (PEM and DER public keys)"
openssl x509 -in "$C/server.pem" -pubkey -noout >"$TMP/pub.pem"
openssl pkey -pubin -in "$TMP/pub.pem" -outform der -out "$TMP/pub.der"
openssl x509 -in "$C/wrong.pem" -pubkey -noout >"$TMP/wrongpub.pem"
wsc_run --cacert "$C/ca.pem" --pinnedpubkey "$TMP/pub.pem" --count 1 "wss://localhost:$GOOD/echo" \
	< <(printf 'pem\n')
expect_rc 0
wsc_run --cacert "$C/ca.pem" --pinnedpubkey "$TMP/pub.der" --count 1 "wss://localhost:$GOOD/echo" \
	< <(printf 'der\n')
expect_rc 0
wsc_run --cacert "$C/ca.pem" --pinnedpubkey "$TMP/wrongpub.pem" --count 1 \
	"wss://localhost:$GOOD/echo" < <(printf 'x\n')
expect_rc 90
t_end

t_begin "tls: malformed --pinnedpubkey -> 2"
for bad in "sha256//tooshort" "sha1//$PIN" "sha256//$PIN;" "$TMP/none.pem"; do
	wsc_run --pinnedpubkey "$bad" "wss://localhost:$GOOD/echo" </dev/null
	expect_that '[ "$RC" = 2 ] && grep -q -- "--pinnedpubkey" "$ERR"' \
		"$bad: exit $RC: $(_show "$(cat "$ERR")")"
done
t_end

# --- certificates in -v, expiry ---------------------------------------------------------------

t_begin "tls: -v lists the chain the server sent with each expiry date"
wsc_run -v --cacert "$C/ca.pem" --count 1 "wss://localhost:$GOOD/echo" < <(printf 'v\n')
expect_rc 0
expect_err_contains "certificate 0: subject CN=localhost, issuer CN=wsc test CA, expires $(enddate "$C/server.pem") "
t_end

t_begin "tls: expired server certificate -> 60 saying expired, with its notAfter date"
wsc_run --cacert "$C/ca.pem" --count 1 "wss://localhost:$EXPIRED/echo" < <(printf 'x\n')
expect_rc 60
expect_err_contains "certificate has expired (CN=localhost, notAfter $(enddate "$C/expired.pem") "
expect_out ''
t_end

t_begin "tls: expired server certificate with -k -> connects, -v says EXPIRED"
wsc_run -k -v --count 1 "wss://localhost:$EXPIRED/echo" < <(printf 'k\n')
expect_rc 0
expect_out 'k\n'
expect_err_contains "certificate 0: subject CN=localhost, issuer CN=wsc test CA, EXPIRED on $(enddate "$C/expired.pem") "
t_end

t_begin "tls: an expired local CA the server did not send -> 60 naming it, with its notAfter"
wsc_run --cacert "$C/old-ca.pem" --count 1 "wss://localhost:$OLDCA/echo" </dev/null
expect_rc 60
expect_err_contains "certificate has expired (CN=wsc expired CA, notAfter $(enddate "$C/old-ca.pem") "
t_end
