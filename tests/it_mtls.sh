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

# The notAfter date of a certificate as -v and the errors show it: 2027-01-01.
enddate() { date -u -d "$(openssl x509 -enddate -noout -in "$1" | cut -d= -f2)" +%Y-%m-%d; }
# The pin of a certificate's public key, as curl documents it.
pin_of() {
	openssl x509 -in "$1" -pubkey -noout | openssl pkey -pubin -outform der |
		openssl dgst -sha256 -binary | base64
}

# --- client certificates ----------------------------------------------------------------------

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
