#!/bin/bash
# Make the TLS material for the integration tests with the openssl CLI, into DIR:
#   ca.pem, ca.key            test CA
#   server.pem, server.key    leaf for DNS:localhost, IP:127.0.0.1 signed by the test CA
#   wrong.pem, wrong.key      leaf for DNS:wrong.test signed by the test CA
#   other-ca.pem, other-ca.key  a second, unrelated CA
#   expired.pem, expired.key  leaf for localhost/127.0.0.1 by the test CA, expired a day ago
#   client-ca.pem, client-ca.key  the CA that servers trust for client certificates
#   client.pem, client.key    client certificate (CN=wsc test client) by client-ca
#   client-enc.key            client.key encrypted (AES-256) with the pass phrase "open sesame"
#   client-enc.pem            client.pem followed by client-enc.key (key in the cert file)
#   stranger.pem, stranger.key  client certificate by other-ca (unknown to servers)
#   old-ca.pem, old-ca.key    a CA (CN=wsc expired CA) that expired a day ago
#   old-leaf.pem, old-leaf.key  leaf for localhost/127.0.0.1, valid, signed by old-ca
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

leaf() { # name, CN, subjectAltName [, CA name, days, extendedKeyUsage]
	key "$1.key"
	openssl req -new -key "$1.key" -out "$1.csr" -subj "/CN=$2" 2>/dev/null
	printf '%s\n' "basicConstraints=CA:FALSE" "keyUsage=critical,digitalSignature" \
		"extendedKeyUsage=${6:-serverAuth}" "subjectAltName=$3" >"$1.ext"
	# days -1: valid from now until a day ago, i.e. expired (openssl 3.0 has no -not_after)
	openssl x509 -req -in "$1.csr" -CA "${4:-ca}.pem" -CAkey "${4:-ca}.key" -CAcreateserial \
		-days "${5:-2}" -extfile "$1.ext" -out "$1.pem" 2>/dev/null
	rm -f "$1.csr" "$1.ext"
}

ca ca "/CN=wsc test CA"
ca other-ca "/CN=wsc other test CA"
leaf server localhost "DNS:localhost,IP:127.0.0.1"
leaf wrong wrong.test "DNS:wrong.test"
leaf expired localhost "DNS:localhost,IP:127.0.0.1" ca -1
# old-ca: self-signed with -days -1, which only "x509 -req" takes
key old-ca.key
openssl req -new -key old-ca.key -out old-ca.csr -subj "/CN=wsc expired CA" 2>/dev/null
printf '%s\n' "basicConstraints=critical,CA:TRUE" "keyUsage=critical,keyCertSign,cRLSign" >old-ca.ext
openssl x509 -req -in old-ca.csr -signkey old-ca.key -days -1 -extfile old-ca.ext \
	-out old-ca.pem 2>/dev/null
rm -f old-ca.csr old-ca.ext
leaf old-leaf localhost "DNS:localhost,IP:127.0.0.1" old-ca
ca client-ca "/CN=wsc test client CA"
leaf client "wsc test client" "DNS:client.test" client-ca 2 clientAuth
leaf stranger "wsc stranger" "DNS:stranger.test" other-ca 2 clientAuth
openssl pkey -in client.key -aes256 -passout "pass:open sesame" -out client-enc.key
cat client.pem client-enc.key >client-enc.pem
openssl verify -CAfile ca.pem server.pem wrong.pem >/dev/null
openssl verify -CAfile client-ca.pem client.pem >/dev/null
