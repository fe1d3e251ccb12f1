#!/bin/bash
# The cryptographic inventory (`tlsmon read --inventory`, `tlsmon inventory`) against the
# CycloneDX 1.6 JSON schema of the npm package @cyclonedx/cyclonedx-library, validated with ajv
# (tests/offline/cbom_validate.js; `make deps` installs both into build/npm, for SAN=1 too):
#   shared     the CBOM of every shared capture is valid
#   generated  the CBOM of tests/offline/endpoints_pcap.py's capture: valid, one TLS 1.2 protocol
#              asset per endpoint, the certificate, its RSA-2048 key and sha256WithRSAEncryption,
#              x25519 with nistQuantumSecurityLevel 0, each asset once
#   ctl        `tlsmon inventory` over the control socket: valid, the same components;
#              --format json is the endpoint tables
#   pq         a generated TLS 1.3 capture whose ServerHello selects X25519MLKEM768: a kem at NIST
#              category 3 in the CBOM, pq="true" in tlsmon_endpoint_info
#   negative   the validator rejects a document with a wrong assetType, so it can fail
set -u

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
cd "$ROOT" || exit 1
# shellcheck source=tests/lib.sh
. tests/lib.sh
BUILD=${BUILD:-build}
T=$ROOT/$BUILD/tlsmon
N=cbom
P=$ROOT/../shared/pcaps
export NODE_PATH=$ROOT/build/npm/node_modules

require_cmd "$N" node jq openssl python3
[ -x "$T" ] || { fail "$N" "$T not built"; t_done; }
if [ ! -f "$NODE_PATH/@cyclonedx/cyclonedx-library/package.json" ] ||
	[ ! -f "$NODE_PATH/ajv-formats/package.json" ]; then
	fail "$N" "the CycloneDX schema and ajv are not in $NODE_PATH: run make deps"
	t_done
fi
t_tmpdir || exit 1
W=$T_TMP
validate()
{
	node tests/offline/cbom_validate.js "$@" >"$W/validate.out" 2>&1
}

shopt -s nullglob
caps=("$P"/*.pcap*)
if [ ${#caps[@]} -gt 0 ]; then
	"$T" read --inventory "${caps[@]}" >"$W/shared.cdx.json"
	if validate "$W/shared.cdx.json"; then
		pass "$N/shared: CBOM of ${#caps[@]} captures valid ($(jq '.components | length' \
			"$W/shared.cdx.json") components)"
	else
		fail "$N/shared" "$(head -4 "$W/validate.out" | tr '\n' ' ')"
	fi
	check "$N/shared: specVersion 1.6, cryptographic assets of all four types" \
		test "$(jq -r '[.specVersion] + ([.components[].cryptoProperties.assetType] | unique) |
			join(" ")' "$W/shared.cdx.json")" \
		= "1.6 algorithm certificate protocol related-crypto-material"
	check "$N/shared: every bom-ref once" \
		test "$(jq '[.components[]."bom-ref"] | (length == (unique | length))' \
			"$W/shared.cdx.json")" = true
elif [ ! -d "$P" ]; then
	skip "$N/shared" "$P not found (the shared captures sit beside the clone)"
else
	fail "$N/shared" "no capture in $P"
fi

openssl req -x509 -newkey rsa:2048 -nodes -keyout "$W/k.pem" -out "$W/c.pem" -days 30 \
	-subj /CN=inventory.test >/dev/null 2>&1 &&
	openssl x509 -in "$W/c.pem" -outform DER -out "$W/c.der" &&
	python3 tests/offline/endpoints_pcap.py "$W/gen.pcap" 20 2 "$W/c.der" || {
	fail "$N" "could not make the capture"
	t_done
}
"$T" read --inventory "$W/gen.pcap" >"$W/gen.cdx.json"
check "$N/generated: valid" validate "$W/gen.cdx.json"
c()
{
	jq -r "$1" "$W/gen.cdx.json"
}
check "$N/generated: one TLS 1.2 protocol asset per endpoint" \
	test "$(c '[.components[] | select(.cryptoProperties.protocolProperties.version == "1.2")
		| .name] | unique | (.[0] + " " + (length | tostring))')" = "TLS1.2 1"
check "$N/generated: 20 protocol assets" \
	test "$(c '[.components[] | select(.cryptoProperties.assetType == "protocol")] | length')" = 20
check "$N/generated: its suite and group" \
	test "$(c '[.components[] | select(.cryptoProperties.assetType == "protocol")][0] |
		.cryptoProperties.protocolProperties.cipherSuites[0] |
		.name + " " + (.identifiers | join(",")) + " " + .algorithms[0]')" \
	= "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256 0xC0,0x2F crypto/kx/x25519"
check "$N/generated: x25519 is classical (nistQuantumSecurityLevel 0)" \
	test "$(c '.components[] | select(."bom-ref" == "crypto/kx/x25519") |
		.cryptoProperties.algorithmProperties | "\(.primitive) \(.nistQuantumSecurityLevel)"')" \
	= "key-agree 0"
check "$N/generated: the certificate once, with its key and signature" \
	test "$(c '[.components[] | select(.cryptoProperties.assetType == "certificate")] |
		(length | tostring) + " " + .[0].cryptoProperties.certificateProperties.subjectName')" \
	= "1 CN=inventory.test"
KEYREF=$(c '.components[] | select(.cryptoProperties.assetType == "certificate") |
	.cryptoProperties.certificateProperties.subjectPublicKeyRef')
check "$N/generated: the public key is RSA-2048" \
	test "$(c ".components[] | select(.\"bom-ref\" == \"$KEYREF\") |
		.cryptoProperties.relatedCryptoMaterialProperties | \"\(.algorithmRef) \(.size)\"")" \
	= "crypto/key/RSA-2048 2048"
check "$N/generated: notValidAfter is the certificate's" \
	test "$(c '.components[] | select(.cryptoProperties.assetType == "certificate") |
		.cryptoProperties.certificateProperties.notValidAfter')" \
	= "$(date -u -d "$(openssl x509 -in "$W/c.pem" -noout -enddate | cut -d= -f2)" +%Y-%m-%dT%H:%M:%SZ)"

"$T" read --serve-dump "$W/ctl.sock" "$W/gen.pcap" >/dev/null 2>"$W/serve.log" &
t_track $!
for ((i = 0; i < 50; i++)); do
	[ -S "$W/ctl.sock" ] && break
	sleep 0.1
done
"$T" inventory --socket "$W/ctl.sock" >"$W/ctl.cdx.json"
check "$N/ctl: tlsmon inventory valid" validate "$W/ctl.cdx.json"
check "$N/ctl: the same components as read --inventory" \
	test "$(jq -c '.components' "$W/ctl.cdx.json" | md5sum)" \
	= "$(jq -c '.components' "$W/gen.cdx.json" | md5sum)"
"$T" inventory --socket "$W/ctl.sock" --format json >"$W/ctl.json"
check "$N/ctl: --format json is the endpoint tables" \
	test "$(jq '.servers | length' "$W/ctl.json")" = 20

# TLS 1.3 with X25519MLKEM768 (0x11ec), which the local OpenSSL cannot negotiate: generated.
python3 tests/offline/endpoints_pcap.py --tls13-group 0x11ec "$W/pq.pcap" 3 1 &&
	"$T" read --inventory "$W/pq.pcap" >"$W/pq.cdx.json"
check "$N/pq: valid" validate "$W/pq.cdx.json"
check "$N/pq: X25519MLKEM768 is a KEM at NIST category 3" \
	test "$(jq -r '.components[] | select(."bom-ref" == "crypto/kx/X25519MLKEM768") |
		.cryptoProperties.algorithmProperties | "\(.primitive) \(.nistQuantumSecurityLevel)"' \
		"$W/pq.cdx.json")" = "kem 3"
check "$N/pq: a TLS 1.3 protocol asset per endpoint, no certificate (encrypted)" \
	test "$(jq -r '[.components[] | select(.cryptoProperties.protocolProperties.version == "1.3")
		| .name + ":" + (.cryptoProperties.protocolProperties | has("cryptoRefArray") |
		tostring)] | join(" ")' "$W/pq.cdx.json")" = "TLS1.3:false TLS1.3:false TLS1.3:false"
check "$N/pq: tlsmon_endpoint_info says pq=\"true\"" \
	test "$("$T" read --metrics "$W/pq.pcap" | grep -c 'group="X25519MLKEM768",pq="true"} 1$')" = 3

jq '.components[0].cryptoProperties.assetType = "bogus"' "$W/gen.cdx.json" >"$W/bad.json"
if validate "$W/bad.json"; then
	fail "$N/negative: a wrong assetType passes the validator"
else
	pass "$N/negative: the validator rejects a wrong assetType"
fi
t_done
