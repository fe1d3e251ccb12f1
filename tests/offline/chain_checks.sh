#!/usr/bin/env bash
# untrusted_chain, weak_dh against the leaf's RSA key, and heartbeat, offline: TLS 1.2 handshakes
# that send chains made by tests/fixtures/mkchains.sh (good: EC root and intermediate, RSA-2048
# leaf) are built byte for byte (tests/fixtures/tls12_flights.py), written by tools/pcapgen at
# the current time and read back with --trust-store the chain's root:
#   good chain -> no untrusted_chain; leaf alone (missing intermediate), unknown root (another
#   store), out of order, a corrupted leaf signature -> untrusted_chain with OpenSSL's reason;
#   DHE 2048 with an RSA-4096 leaf -> weak_dh DH-2048<RSA-4096; a Heartbleed request and its
#   answer -> heartbeat findings and events; a short encrypted heartbeat -> heartbeat; the
#   metric of each finding and the chain cache's counters.
set -u
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
. "$HERE/../lib.sh"
BUILD=${BUILD:-build}
TLSMON=$BUILD/tlsmon
T=chain_checks

require_cmd "$T" jq python3 openssl || exit 0
t_tmpdir || exit 1
W=$T_TMP

if ! "$HERE/../fixtures/mkchains.sh" "$W/chains" good weak >"$W/mkchains.log" 2>&1; then
	fail "$T/mkchains" "$(tail -1 "$W/mkchains.log")"
	t_done
fi
G=$W/chains/good
# chain.pem is the intermediate then the root: split it
awk -v d="$W" '/BEGIN CERT/ { n++ } { print > (d "/chain" n ".pem") }' "$G/chain.pem"
for c in leaf:"$G/leaf.pem" int:"$W/chain1.pem" root:"$W/chain2.pem"; do
	openssl x509 -in "${c#*:}" -outform DER -out "$W/${c%%:*}.der" || {
		fail "$T/der" "${c%%:*}"
		t_done
	}
done
# the leaf with one byte of its signature value flipped
python3 - "$W/leaf.der" "$W/badsig.der" <<'EOF'
import sys
d = bytearray(open(sys.argv[1], "rb").read())
d[-5] ^= 0x55
open(sys.argv[2], "wb").write(bytes(d))
EOF
# RSA-4096 leaf signed by the good intermediate
if ! openssl req -new -newkey rsa:4096 -nodes -keyout "$W/big.key" -subj "/CN=dhe.test" \
	-out "$W/big.csr" 2>/dev/null ||
	! openssl x509 -req -in "$W/big.csr" -CA "$W/chain1.pem" -CAkey "$G/int.key" -days 30 \
		-set_serial 0x77 -outform DER -out "$W/rsa4096.der" 2>/dev/null; then
	fail "$T/rsa4096" "could not make the RSA-4096 leaf"
fi

# the certificates were made a moment ago, valid from then: the handshakes come after
NOW=$(($(date +%s) + 5))

# capture NAME FLIGHT-ARGS...: NAME.pcap from tls12_flights.py
capture()
{
	local name=$1 turns
	shift
	if ! read -r -a turns <<<"$(python3 "$HERE/../fixtures/tls12_flights.py" "$W/$name" "$@")" ||
		! "$BUILD/tools/pcapgen" -o "$W/$name.pcap" --start-time "$NOW" "${turns[@]}" \
			>/dev/null 2>&1; then
		fail "$T/capture $name" "tls12_flights or pcapgen failed"
	fi
}

# expect NAME STORE JQ-FILTER WANT: the one handshake of NAME.pcap read with --trust-store STORE
expect()
{
	local got
	got=$("$TLSMON" read --trust-store "$2" "$W/$1.pcap" | jq -c "$3")
	if [ "$got" = "$4" ]; then
		pass "$T/$1: $3 = $4"
	else
		fail "$T/$1" "$3 = $got, expected $4"
	fi
}

UC='[.findings[] | select(.check == "untrusted_chain") | [.severity, .position, .detail, .message]]'
HB='[.findings[] | select(.check == "heartbeat") | [.severity, .detail]]'

# the SNI the leaf names: a good chain has no finding at all (name_mismatch included)
capture good "$W/leaf.der" "$W/int.der" "$W/root.der" --sni good.test
capture noint "$W/leaf.der"
capture disorder "$W/leaf.der" "$W/root.der" "$W/int.der"
capture badsig "$W/badsig.der" "$W/int.der" "$W/root.der"
capture dhe "$W/rsa4096.der" "$W/int.der" --dhe-bits 2048
capture dhe4096 "$W/rsa4096.der" "$W/int.der" --dhe-bits 4096
capture heartbleed "$W/leaf.der" "$W/int.der" "$W/root.der" --heartbleed
capture short_hb "$W/leaf.der" "$W/int.der" --encrypted-heartbeat 10

expect good "$G/ca.pem" "$UC" '[]'
expect good "$G/ca.pem" '[.outcome, (.findings | length)]' '["established",0]'
expect noint "$G/ca.pem" "$UC" \
	'[["low",0,"missing_issuer","the chain does not verify against the trust store: unable to get local issuer certificate at certificate #1 (leaf, CN=good.test)"]]'
# the intermediate in the store: partial chains are anchored there
expect noint "$W/chain1.pem" "$UC" '[]'
expect good "$W/chains/weak/ca.pem" "$UC" \
	'[["low",2,"unknown_root","the chain does not verify against the trust store: self-signed certificate in certificate chain at certificate #3 (root, CN=Good Root CA)"]]'
expect disorder "$G/ca.pem" "$UC" \
	'[["low",0,"out_of_order","the chain is out of order: certificate #1 (leaf, CN=good.test) is not followed by its issuer, which the server sends elsewhere (RFC 5246 7.4.2); clients that do not reorder reject it"]]'
expect badsig "$G/ca.pem" "$UC" \
	'[["high",0,"bad_signature","the chain does not verify against the trust store: certificate signature failure at certificate #1 (leaf, CN=good.test)"]]'
# untrusted_chain off: no finding, nothing verified
got=$("$TLSMON" read --trust-store "$G/ca.pem" --policy untrusted_chain.enabled=false \
	--metrics "$W/noint.pcap" | grep -c '^tlsmon_chain_verify_cache_lookups_total 0$')
check "$T/disabled verifies nothing" [ "$got" = 1 ]

expect dhe "$G/ca.pem" '[.findings[] | select(.check == "weak_dh") | [.severity, .detail]]' \
	'[["low","DH-2048<RSA-4096"]]'
expect dhe "$G/ca.pem" '[.findings[] | select(.check == "weak_dh") | .message]' \
	"[\"the server's DHE group has a 2048-bit prime, shorter than its certificate's 4096-bit RSA key: the key exchange is the weaker link\"]"
expect dhe4096 "$G/ca.pem" '[.findings[] | select(.check == "weak_dh")]' '[]'
got=$("$TLSMON" read --trust-store "$G/ca.pem" --policy dh_below_rsa=false "$W/dhe.pcap" |
	jq -c '[.findings[] | select(.check == "weak_dh")]')
check "$T/dhe: dh_below_rsa=false" [ "$got" = '[]' ]

expect heartbleed "$G/ca.pem" "$HB" '[["high","heartbleed_request"],["critical","heartbleed_response"]]'
expect heartbleed "$G/ca.pem" '[.events[] | select(.what | startswith("Heartbeat")) | [.from, .what]]' \
	'[["client","Heartbeat request 3 bytes"],["server","Heartbeat response 16403 bytes"]]'
expect heartbleed "$G/ca.pem" '.findings[] | select(.detail == "heartbleed_request") | .message' \
	'"the client sent a heartbeat request that claims more payload than its record holds (Heartbleed, CVE-2014-0160): payload_length 16384, record 3 bytes"'
expect short_hb "$G/ca.pem" "$HB" '[["medium","short_encrypted"]]'
expect short_hb "$G/ca.pem" '[.events[] | select(.what | startswith("Heartbeat")) | .what]' \
	'["Heartbeat (encrypted) 10 bytes"]'
expect good "$G/ca.pem" "$HB" '[]'

# metrics: the check label, and the cache over one engine (the same chain twice is one hit;
# entries: the two chains and the issuer chain of the one with intermediates)
"$TLSMON" read --trust-store "$G/ca.pem" --metrics "$W/noint.pcap" "$W/heartbleed.pcap" \
	"$W/good.pcap" "$W/good.pcap" >"$W/metrics.txt"
for want in 'tlsmon_weak_findings_total{check="untrusted_chain",detail="missing_issuer",side="server"} 1' \
	'tlsmon_weak_findings_total{check="heartbeat",detail="heartbleed_request",side="client"} 1' \
	'tlsmon_weak_findings_total{check="heartbeat",detail="heartbleed_response",side="server"} 1' \
	'tlsmon_chain_verify_cache_lookups_total 4' 'tlsmon_chain_verify_cache_hits_total 2' \
	'tlsmon_chain_verify_cache_entries 3'; do
	if grep -qxF "$want" "$W/metrics.txt"; then
		pass "$T/metrics: $want"
	else
		fail "$T/metrics" "missing: $want"
	fi
done
# the store must load: a usage error otherwise
"$TLSMON" read --trust-store "$W/nonexistent.pem" "$W/good.pcap" >/dev/null 2>"$W/err.txt"
check "$T/--trust-store missing exits 2" [ $? = 2 ]
check "$T/--trust-store missing says why" grep -q 'nonexistent.pem' "$W/err.txt"
t_done
