#!/bin/bash
# shellcheck disable=SC2016 # jq programs are single-quoted
# untrusted_chain, weak_dh against the leaf's RSA key, and heartbeat, live (needs root): tlsmon
# on veth0 of the client's namespace, --trust-store the good chain's root, sees
#   good        openssl s_server with leaf, intermediate and root; s_client verifies
#               -> established, no untrusted_chain
#   noint       s_server with only the leaf; s_client verifies and refuses
#               -> untrusted_chain "unable to get local issuer certificate", the cause in explain
#   unknown     the weak chain, whose root is not in the store (s_client does not verify)
#               -> untrusted_chain "self-signed certificate in certificate chain"
#   disorder    leaf, then root, then intermediate -> untrusted_chain out_of_order
#   dhe         TLS 1.2 DHE-RSA, s_server -dhparam ffdhe2048, an RSA-4096 leaf
#               -> weak_dh DH-2048<RSA-4096
#   heartbleed  the local OpenSSL has no heartbeats: tools/replay sends a Heartbleed request and
#               its answer (tests/fixtures/tls12_flights.py) over TCP -> heartbeat findings
# and each finding is counted in tlsmon_weak_findings_total{check=...}. The kernel copies a flow
# until its handshake is decided: heartbeats after the handshake are not seen live.
set -u

# shellcheck source=tests/lib_live.sh
. "$(dirname "${BASH_SOURCE[0]}")/../lib_live.sh"
MPORT=19983
T=chain_checks_live

live_begin "$T" openssl ip ss curl jq promtool timeout python3
live_chains "$T" "$W/chains" good weak
live_netns "$T" 83
G=$CH/good

# the chain files each case serves
awk -v d="$W" '/BEGIN CERT/ { n++ } { print > (d "/part" n ".pem") }' "$G/chain.pem"
cat "$W/part2.pem" "$W/part1.pem" >"$W/disorder.pem"
if ! openssl req -new -newkey rsa:4096 -nodes -keyout "$W/rsa4096.key" \
	-subj "/CN=$(cat "$G/sni")" -out "$W/rsa4096.csr" 2>/dev/null ||
	! openssl x509 -req -in "$W/rsa4096.csr" -CA "$W/part1.pem" -CAkey "$G/int.key" -days 30 \
		-set_serial 0x4096 -out "$W/rsa4096.pem" 2>/dev/null ||
	! openssl genpkey -genparam -algorithm DH -pkeyopt group:ffdhe2048 -out "$W/dh2048.pem" \
		2>/dev/null; then
	fail "$T/setup" "RSA-4096 leaf or ffdhe2048 parameters"
fi

if ! tm_start "$NS_B" "$W/tm.err" --metrics-addr "127.0.0.1:$MPORT" --log "$W/log.jsonl" \
	--log-all --trust-store "$G/ca.pem"; then
	tm_fail_start "$T/start"
	t_done
fi

# serve TAG CERT KEY CHAIN [SERVER-ARGS...] [-- CLIENT-ARGS...]: one TLS 1.2 handshake B -> A,
# the server sending CERT and the certificates of the file CHAIN ("": none); the client sends
# SNI TAG.test so that the log line can be found
serve()
{
	local tag=$1 cert=$2 key=$3 sargs=() rc=listen
	[ -n "$4" ] && sargs=(-cert_chain "$4")
	shift 4
	while [ $# -gt 0 ] && [ "$1" != -- ]; do
		sargs+=("$1")
		shift
	done
	[ $# -gt 0 ] && shift
	t_bg "$NS_A" openssl s_server -accept "$IP4_A:443" -cert "$cert" -key "$key" \
		-tls1_2 -4 -naccept 1 -www "${sargs[@]}" </dev/null \
		>"$W/$tag.server" 2>&1
	if wait_port "$NS_A" 443 5; then
		printf 'GET / HTTP/1.0\r\n\r\n' | timeout -k 2 10 ip netns exec "$NS_B" openssl \
			s_client -connect "$IP4_A:443" -servername "$tag.test" -tls1_2 "$@" \
			>"$W/$tag.client" 2>&1
		rc=$?
		wait_exit "$T_BG_PID" 3
	fi
	t_kill "$T_BG_PID"
	echo "$rc" >"$W/$tag.rc"
}

VERIFY=(-CAfile "$G/ca.pem" -verify 9 -verify_return_error)
serve good "$G/leaf.pem" "$G/leaf.key" "$G/chain.pem" -- "${VERIFY[@]}"
serve noint "$G/leaf.pem" "$G/leaf.key" "" -- "${VERIFY[@]}"
serve unknown "$CH/weak/leaf.pem" "$CH/weak/leaf.key" "$CH/weak/chain.pem" "${SEC0_SERVER[@]}" \
	-- -cipher 'DEFAULT@SECLEVEL=0'
serve disorder "$G/leaf.pem" "$G/leaf.key" "$W/disorder.pem"
serve dhe "$W/rsa4096.pem" "$W/rsa4096.key" "$W/part1.pem" -dhparam "$W/dh2048.pem" \
	-cipher DHE-RSA-AES128-GCM-SHA256 -- -cipher DHE-RSA-AES128-GCM-SHA256
check "$T/good: s_client verified" test "$(cat "$W/good.rc")" = 0
check "$T/noint: s_client refused it" grep -q 'unable to get local issuer certificate' \
	"$W/noint.client"
check "$T/dhe: s_client finished" test "$(cat "$W/dhe.rc")" = 0

openssl x509 -in "$G/leaf.pem" -outform DER -out "$W/leaf.der"
openssl x509 -in "$W/part1.pem" -outform DER -out "$W/int.der"
read -r -a TURNS <<<"$(python3 tests/fixtures/tls12_flights.py "$W/heartbleed" "$W/leaf.der" \
	"$W/int.der" --heartbleed)"
t_bg "$NS_A" timeout 20 "$BUILD/tools/replay" server -l "$IP4_A:443" -d 15 "${TURNS[@]}" \
	>"$W/replay.server" 2>&1
rpid=$T_BG_PID
if wait_port "$NS_A" 443 5 &&
	ip netns exec "$NS_B" timeout 10 "$BUILD/tools/replay" client -s "$IP4_A:443" -n 1 -c 1 \
		"${TURNS[@]}" >"$W/replay.client" 2>&1 &&
	grep -q 'completed=1 failed=0' "$W/replay.client"; then
	pass "$T/heartbleed: replayed over TCP"
else
	fail "$T/heartbleed replay" "$(cat "$W/replay.client" "$W/replay.server" 2>/dev/null |
		tr '\n' ' ')"
fi
t_kill "$rpid"

tm_wait "$TM_PID" test "$(grep -c . "$W/log.jsonl" 2>/dev/null)" -ge 6
metrics_get "$NS_B" "$MPORT" >"$W/m"
tm_stop "$TM_PID"

# logged SNI JQ WANT: JQ of the logged handshake with that SNI
logged()
{
	local got
	got=$(jq -c "select(.sni == \"$1\") | $2" "$W/log.jsonl" 2>/dev/null | head -1)
	if [ "$got" = "$3" ]; then
		pass "$T/$1: $2 = $got"
	else
		fail "$T/$1" "$2 = '${got:-nothing}', want $3 (log: $(grep -c . "$W/log.jsonl") lines)"
	fi
}
UC='[.findings[] | select(.check == "untrusted_chain") | [.severity, .position, .detail]]'
logged good.test "[.outcome, $UC]" '["established",[]]'
logged noint.test "[.outcome, $UC]" '["alert",[["low",0,"missing_issuer"]]]'
logged noint.test '.findings[] | select(.check == "untrusted_chain") | .message' \
	'"the chain does not verify against the trust store: unable to get local issuer certificate at certificate #1 (leaf, CN=good.test)"'
logged noint.test '.explain | test("unknown_ca\\(48\\).*most likely cause: the chain does not verify against the trust store: unable to get local issuer certificate")' \
	'true'
logged unknown.test "$UC" '[["low",2,"unknown_root"]]'
logged unknown.test '.findings[] | select(.check == "untrusted_chain") | .message | test("self-signed certificate in certificate chain")' 'true'
logged disorder.test "$UC" '[["low",0,"out_of_order"]]'
logged dhe.test '[.cipher, (.findings[] | select(.check == "weak_dh") | [.severity, .detail])]' \
	'["TLS_DHE_RSA_WITH_AES_128_GCM_SHA256",["low","DH-2048<RSA-4096"]]'
logged chain.test '[.findings[] | select(.check == "heartbeat") | .detail]' \
	'["heartbleed_request","heartbleed_response"]'

for s in 'tlsmon_weak_findings_total{check="untrusted_chain",detail="missing_issuer",side="server"}' \
	'tlsmon_weak_findings_total{check="untrusted_chain",detail="unknown_root",side="server"}' \
	'tlsmon_weak_findings_total{check="untrusted_chain",detail="out_of_order",side="server"}' \
	'tlsmon_weak_findings_total{check="weak_dh",detail="DH-2048<RSA-4096",side="server"}' \
	'tlsmon_weak_findings_total{check="heartbeat",detail="heartbleed_request",side="client"}'; do
	v=$(mval "$W/m" "$s")
	check "$T/metric $s = ${v:-absent}" test "${v:-0}" = 1
done
v=$(mval "$W/m" tlsmon_trust_store_load_failures_total)
check "$T/metric tlsmon_trust_store_load_failures_total = ${v:-absent}" test "${v:-x}" = 0
out=$(promtool check metrics <"$W/m" 2>&1)
check "$T/promtool check metrics" test $? -eq 0 -a -z "$out"
if [ "$TM_RC" = 0 ]; then
	pass "$T/sigterm: exit 0"
else
	fail "$T/sigterm" "exit $TM_RC"
fi
t_done
