#!/usr/bin/env bash
# Key exchange groups offline: TLS 1.3 handshakes whose ServerHello selects a post-quantum group
# (which the local OpenSSL cannot negotiate) are built byte for byte (tests/fixtures/
# tls13_hellos.py), written as captures by tools/pcapgen, and read back: key_exchange.group and
# pq in the JSON (tshark must agree on the group's code point), the HelloRetryRequest's group,
# the client's offered groups, tlsmon_key_exchange_total, and the non_pq_kx policy check.
set -u
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
. "$HERE/../lib.sh"
BUILD=${BUILD:-build}
TLSMON=$BUILD/tlsmon
T=key_exchange

require_cmd "$T" jq python3 tshark promtool || exit 0
t_tmpdir || exit 1

# capture NAME ARGS...: tls13_hellos.py ARGS into $T_TMP/NAME.pcap
capture()
{
	local name=$1 turns
	shift
	turns=$(python3 "$HERE/../fixtures/tls13_hellos.py" "$T_TMP/$name" "$@") &&
		"$BUILD/tools/pcapgen" -o "$T_TMP/$name.pcap" $turns 2>/dev/null
}

# expect NAME JQ-FILTER: the one handshake of NAME.pcap, compact key_exchange, must equal
expect()
{
	local got
	got=$("$TLSMON" read "$T_TMP/$1.pcap" | jq -c "$2")
	if [ "$got" = "$3" ]; then
		pass "$T/$1: $2 = $3"
	else
		fail "$T/$1" "$2 = $got, expected $3"
	fi
}

capture pq --group 0x11ec || { fail "$T/capture" "tls13_hellos or pcapgen failed"; t_done; }
capture mlkem --group 0x0201
capture draft --group 0x6399
capture classic --group 0x001d
capture p256 --group 0x0017
capture hrr --group 0x11ec --hrr

expect pq .key_exchange '{"type":"TLS1.3","group":"X25519MLKEM768","pq":true,"hybrid":true}'
expect pq '[.version,.outcome,.client_groups,.client_key_shares]' \
	'["TLS1.3","established",["X25519MLKEM768","x25519","secp256r1"],["X25519MLKEM768","x25519"]]'
expect mlkem .key_exchange '{"type":"TLS1.3","group":"MLKEM768","pq":true,"hybrid":false}'
expect draft .key_exchange \
	'{"type":"TLS1.3","group":"X25519Kyber768Draft00","pq":true,"hybrid":true,"draft":true}'
expect classic .key_exchange '{"type":"TLS1.3","group":"x25519","pq":false}'
expect p256 .key_exchange '{"type":"TLS1.3","group":"secp256r1","pq":false}'
expect hrr .key_exchange \
	'{"type":"TLS1.3","group":"X25519MLKEM768","pq":true,"hybrid":true,"hrr_group":"X25519MLKEM768"}'
# The compatibility ChangeCipherSpec after the HelloRetryRequest hides neither the second
# ClientHello nor the ServerHello (RFC 8446 D.4).
expect hrr '[.hello_retry_request,.outcome,[.events[]|select(.from=="server")|.what][0:3]]' \
	'[true,"established",["HelloRetryRequest","ChangeCipherSpec","ServerHello"]]'

# tshark reads the same ServerHello key_share (4588 = 0x11ec).
g=$(tshark -n -r "$T_TMP/pq.pcap" -Y 'tls.handshake.type == 2' -T fields \
	-e tls.handshake.extensions_key_share_group 2>/dev/null)
check "$T/tshark agrees: ServerHello key_share group $g" test "$g" = 4588

all=("$T_TMP"/{pq,mlkem,draft,classic,p256,hrr}.pcap)
"$TLSMON" read --metrics "${all[@]}" >"$T_TMP/m" 2>/dev/null
out=$(promtool check metrics <"$T_TMP/m" 2>&1)
check "$T/promtool check metrics" test $? -eq 0 -a -z "$out"
for s in 'tlsmon_key_exchange_total{group="X25519MLKEM768",pq="true"} 2' \
	'tlsmon_key_exchange_total{group="MLKEM768",pq="true"} 1' \
	'tlsmon_key_exchange_total{group="X25519Kyber768Draft00",pq="true"} 1' \
	'tlsmon_key_exchange_total{group="x25519",pq="false"} 1' \
	'tlsmon_key_exchange_total{group="secp256r1",pq="false"} 1' \
	'tlsmon_ciphers_total{version="TLS1.3",cipher="TLS_AES_128_GCM_SHA256"} 6'; do
	if grep -qxF "$s" "$T_TMP/m"; then
		pass "$T/metric $s"
	else
		fail "$T/metric" "no line '$s' in: $(grep -E 'key_exchange_total|ciphers_total' "$T_TMP/m" | tr '\n' ' ')"
	fi
done

# non_pq_kx: off by default; on, only the classical groups are flagged.
n=$("$TLSMON" read "${all[@]}" | jq -s '[.[].findings[] | select(.check == "non_pq_kx")] | length')
check "$T/non_pq_kx off by default" test "$n" = 0
flagged=$("$TLSMON" read --policy non_pq_kx.enabled=true "${all[@]}" |
	jq -r -s '[.[] | select(any(.findings[]; .check == "non_pq_kx")) | .key_exchange.group] | join(",")')
check "$T/non_pq_kx on flags exactly x25519 and secp256r1 (got '$flagged')" \
	test "$flagged" = "x25519,secp256r1"
t_done
