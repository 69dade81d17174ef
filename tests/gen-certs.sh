#!/bin/bash
# Make the TLS material for the integration tests with the openssl CLI, into DIR:
#   ca.pem, ca.key            test CA
#   server.pem, server.key    leaf for DNS:localhost, IP:127.0.0.1 signed by the test CA
#   wrong.pem, wrong.key      leaf for DNS:wrong.test signed by the test CA
#   other-ca.pem, other-ca.key  a second, unrelated CA
# Usage: tests/gen-certs.sh DIR
set -eu
dir=${1:?usage: gen-certs.sh DIR}
mkdir -p "$dir"
cd "$dir"

key() { openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$1" 2>/dev/null; }

ca() { # name, subject
	key "$1.key"
	openssl req -x509 -new -key "$1.key" -out "$1.pem" -days 2 -subj "$2" \
		-addext "basicConstraints=critical,CA:TRUE" \
		-addext "keyUsage=critical,keyCertSign,cRLSign" 2>/dev/null
}

leaf() { # name, CN, subjectAltName
	key "$1.key"
	openssl req -new -key "$1.key" -out "$1.csr" -subj "/CN=$2" 2>/dev/null
	printf '%s\n' "basicConstraints=CA:FALSE" "keyUsage=critical,digitalSignature" \
		"extendedKeyUsage=serverAuth" "subjectAltName=$3" >"$1.ext"
	openssl x509 -req -in "$1.csr" -CA ca.pem -CAkey ca.key -CAcreateserial -days 2 \
		-extfile "$1.ext" -out "$1.pem" 2>/dev/null
	rm -f "$1.csr" "$1.ext"
}

ca ca "/CN=wsc test CA"
ca other-ca "/CN=wsc other test CA"
leaf server localhost "DNS:localhost,IP:127.0.0.1"
leaf wrong wrong.test "DNS:wrong.test"
openssl verify -CAfile ca.pem server.pem wrong.pem >/dev/null
