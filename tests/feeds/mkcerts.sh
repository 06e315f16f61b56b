#!/bin/sh
# SPDX-License-Identifier: MIT
# Test PKI for the feed tests, generated at test time into $1:
#   ca.pem/ca.key          test CA
#   server.pem/server.key  localhost + 127.0.0.1, signed by the CA
#   other.pem/other.key    other.example, signed by the CA (hostname mismatch)
#   self.pem/self.key      localhost, self-signed (untrusted)
set -eu
d=$1
cd "$d"
ossl=/usr/bin/openssl
ec="-newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes"
$ossl req -x509 $ec -keyout ca.key -out ca.pem -days 2 -subj /CN=ose-test-ca \
	-addext basicConstraints=critical,CA:TRUE -addext keyUsage=critical,keyCertSign,cRLSign 2>/dev/null
leaf() {
	name=$1 cn=$2 san=$3
	$ossl req $ec -keyout "$name.key" -out "$name.csr" -subj "/CN=$cn" 2>/dev/null
	printf 'subjectAltName=%s\nextendedKeyUsage=serverAuth\n' "$san" > "$name.ext"
	$ossl x509 -req -in "$name.csr" -CA ca.pem -CAkey ca.key -CAcreateserial \
		-out "$name.pem" -days 2 -extfile "$name.ext" 2>/dev/null
}
leaf server localhost DNS:localhost,IP:127.0.0.1
leaf other other.example DNS:other.example
$ossl req -x509 $ec -keyout self.key -out self.pem -days 2 -subj /CN=localhost \
	-addext subjectAltName=DNS:localhost 2>/dev/null
