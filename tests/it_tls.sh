#!/bin/bash
# wss:// against websockets servers with a test CA made now (tests/gen-certs.sh).
. "$(dirname "$0")/lib.sh"

C=$TMP/certs
if ! bash "$TESTS_DIR/gen-certs.sh" "$C" >"$TMP/certs.log" 2>&1; then
	t_begin "tls: make test certificates"
	_fail " gen-certs.sh failed: $(tr '\n' ' ' <"$TMP/certs.log")"
	t_end
	exit 0
fi
start_ws GOOD --tls-cert "$C/server.pem" --tls-key "$C/server.key"
start_ws WRONG --tls-cert "$C/wrong.pem" --tls-key "$C/wrong.key"
start_ws PLAIN

t_begin "tls: wss with --cacert: echo works"
wsc_run --cacert "$C/ca.pem" --count 1 "wss://localhost:$GOOD/echo" < <(printf 'secure\n')
expect_rc 0
expect_out 'secure\n'
t_end

t_begin "tls: wss to an IP address checks the IP SAN"
wsc_run --cacert "$C/ca.pem" --count 1 "wss://127.0.0.1:$GOOD/echo" < <(printf 'by-ip\n')
expect_rc 0
expect_out 'by-ip\n'
t_end

t_begin "tls: --protocol wss with --host/--port"
wsc_run --cacert "$C/ca.pem" --count 1 --protocol wss --host localhost --port "$GOOD" --path /echo \
	< <(printf 'split\n')
expect_rc 0
expect_out 'split\n'
t_end

t_begin "tls: no --cacert: the test CA is unknown -> 60"
wsc_run --count 1 "wss://localhost:$GOOD/echo" < <(printf 'x\n')
expect_rc 60
expect_err_matches 'self[- ]signed|unable to get local issuer'
expect_out ''
t_end

t_begin "tls: certificate for another name -> 60 naming the mismatch"
wsc_run --cacert "$C/ca.pem" --count 1 "wss://localhost:$WRONG/echo" < <(printf 'x\n')
expect_rc 60
expect_err_matches 'mismatch|does not match|wrong\.test'
expect_out ''
t_end

t_begin "tls: -k skips verification (unknown CA)"
wsc_run -k --count 1 "wss://localhost:$GOOD/echo" < <(printf 'insecure\n')
expect_rc 0
expect_out 'insecure\n'
t_end

t_begin "tls: -k skips verification (wrong name)"
wsc_run --insecure --count 1 "wss://localhost:$WRONG/echo" < <(printf 'insecure2\n')
expect_rc 0
expect_out 'insecure2\n'
t_end

t_begin "tls: server cert from an unrelated CA -> 60"
wsc_run --cacert "$C/other-ca.pem" --count 1 "wss://localhost:$GOOD/echo" < <(printf 'x\n')
expect_rc 60
expect_err_matches 'verif|certificate|issuer'
expect_out ''
t_end

t_begin "tls: wss to a plain-text server -> 35, said once, with a hint at ws://"
wsc_run -k --count 1 "wss://127.0.0.1:$PLAIN/echo" < <(printf 'x\n')
expect_rc 35
expect_err_contains "wsc: TLS handshake failed: wrong version number (is this a plain ws:// port?)"
expect_that '[ "$(grep -o "TLS handshake failed" "$ERR" | wc -l)" = 1 ]' \
	"'TLS handshake failed' repeated: $(cat "$ERR")"
t_end

t_begin "tls: -v on a plain-text server: no line repeats 'TLS handshake failed'"
wsc_run -v -k --count 1 "wss://127.0.0.1:$PLAIN/echo" < <(printf 'x\n')
expect_rc 35
expect_err_lacks "TLS handshake failed: TLS handshake failed"
expect_err_contains "(is this a plain ws:// port?)"
t_end

t_begin "tls: --cacert with a missing file -> error, not success"
wsc_run --cacert "$TMP/nonexistent.pem" --count 1 "wss://localhost:$GOOD/echo" < <(printf 'x\n')
expect_that '[ "$RC" != 0 ] && [ "$RC" != 124 ]' "exit code: expected an error, got $RC"
expect_err_contains "nonexistent.pem"
t_end

t_begin "tls: -v tells the TCP connection and the TLS summary once each (defect 4)"
wsc_run -v --cacert "$C/ca.pem" --count 1 "wss://localhost:$GOOD/echo" < <(printf 'v\n')
expect_rc 0
expect_out 'v\n'
expect_that '[ "$(grep -c "connected to 127\.0\.0\.1:$GOOD" "$ERR")" = 1 ]' \
	"'connected to' appears $(grep -c "connected to 127\.0\.0\.1:$GOOD" "$ERR") times, expected once"
expect_that '[ "$(grep -c "TLSv1\.[0-9]" "$ERR")" = 1 ]' \
	"the TLS summary appears $(grep -c "TLSv1\.[0-9]" "$ERR") times, expected once"
expect_that '[ "$(grep -c "certificate verified for" "$ERR")" = 1 ]' \
	"the verification line appears $(grep -c "certificate verified for" "$ERR") times, expected once"
t_end

# stdout stalls for 3 s while the server sends 20 MB over wss://: wsc stops reading, and must
# then sleep in poll(), not spin on a POLLIN that TLS's last SSL_read() asked for (issue 7).
TLS_N=20000
TLS_BYTES=$((TLS_N * 1001))
t_begin "tls: stdout stalled 3 s over wss://: wsc waits without spinning, then every byte arrives"
rm -f "$TMP/tls-stall.count" "$TMP/tls-stall.time"
/usr/bin/time -f '%U %S' -o "$TMP/tls-stall.time" timeout -k 2 20 "$WSC" -w 5 --cacert "$C/ca.pem" \
	"wss://localhost:$GOOD/send?n=$TLS_N&size=1000" </dev/null 2>"$TMP/tls-stall.err" \
	> >(sleep 3; exec wc -c >"$TMP/tls-stall.count")
RC=$?
expect_rc 0
wait_file "$TMP/tls-stall.count" 10
expect_that '[ "$(tr -d " " <"$TMP/tls-stall.count")" = "$TLS_BYTES" ]' \
	"the reader got $(_show "$(cat "$TMP/tls-stall.count" 2>/dev/null)") bytes, expected $TLS_BYTES"
CPU=$(awk '{ printf "%.2f", $1 + $2 }' "$TMP/tls-stall.time" 2>/dev/null)
echo "# wsc CPU time during the 3 s stall: ${CPU:-?} s" >>"$TMP/tls-stall.err"
expect_that 'awk -v c="${CPU:-99}" "BEGIN { exit !(c < 0.5) }"' \
	"wsc used ${CPU:-?} s of CPU during a 3 s stall (busy loop?): $(_show "$(tail -c 300 "$TMP/tls-stall.err")")"
t_end
