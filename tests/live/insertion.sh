#!/bin/bash
# shellcheck disable=SC2016 # jq programs are single-quoted
# On-path insertion against a live `tlsmon run` and a real TLS server (issue 17 item 1): a TLS
# client whose TCP runs in userspace (tools/inject.py attack, namespace B) sends, around its real
# segments, what an attacker on the path would: a fake ClientHello with a bad checksum, a forged
# tail under a lower-starting real copy, an urgent byte, RSTs with a bad checksum or out of
# window, a SYN with a new ISN. The server (tools/inject.py serve, namespace A) writes down what
# its host accepted; tlsmon, watching veth0 in A, must log the same SNI, certificate and outcome
# in one record, or mark the record "ambiguous". Then the server side: a forged server flight
# (another certificate, bad checksums) answers a kernel client's ClientHello before the real
# server does (tools/inject.py flight); the client verifies the real chain, and tlsmon must log
# the real certificate. Bounded: each attack runs at most 8-15 s.
set -u

# shellcheck source=tests/lib_live.sh
. "$(dirname "${BASH_SOURCE[0]}")/../lib_live.sh"

INJECT=tools/inject.py
T=live_insertion
MPORT=9871

live_begin "$T" python3 openssl ip jq
live_chains "$T" "$W/ch" good weak
live_netns "$T" 67
SNI=$(cat "$CH/good/sni")
SPOOF=10.200.67.99 # in B's subnet, owned by nobody: B's kernel drops what comes back for it
MAC_A=$(ip -n "$NS_A" -o link show veth0 | sed -n 's/.*link\/ether \([0-9a-f:]*\).*/\1/p')
MAC_B=$(ip -n "$NS_B" -o link show veth0 | sed -n 's/.*link\/ether \([0-9a-f:]*\).*/\1/p')
if ! ip -n "$NS_A" neigh replace "$SPOOF" lladdr "$MAC_B" dev veth0 nud permanent; then
	fail "$T/setup" "no neighbour entry for $SPOOF"
	t_done
fi
cat "$CH/good/leaf.pem" "$CH/good/chain.pem" >"$W/full.pem"

t_bg "$NS_A" python3 "$INJECT" serve --addr "$IP4_A" --cert "$W/full.pem" \
	--key "$CH/good/leaf.key" --out "$W/host.jsonl" --duration 120 2>"$W/serve.err"
# the same chain, answering 1 s late: room for a forged flight to come first
t_bg "$NS_A" python3 "$INJECT" serve --addr "$IP4_A" --port 8443 --cert "$W/full.pem" \
	--key "$CH/good/leaf.key" --out "$W/host8443.jsonl" --duration 120 --delay 1 \
	2>"$W/serve8443.err"
pushd "$W" >/dev/null || exit 1
tm_start "$NS_A" "$W/tlsmon.err" --ports 443,8443 --log-all --log "$W/log.jsonl" \
	--metrics-addr "127.0.0.1:$MPORT" --socket "$W/ctl.sock" || {
	tm_fail_start "$T/setup"
	t_done
}
TP=$TM_PID
popd >/dev/null || exit 1
wait_port "$NS_A" 443 5 || {
	fail "$T/setup" "the server does not listen: $(tail -1 "$W/serve.err")"
	t_done
}

# attack NAME MODE SPORT WANT_AMBIGUITY: one connection; compare tlsmon's record with the host's.
attack()
{
	local name=$1 mode=$2 sport=$3 amb=$4 host rec i n
	n=$(cat "$W/host.jsonl" 2>/dev/null | wc -l)
	if ! timeout -k 2 15 ip netns exec "$NS_B" python3 "$INJECT" attack --src "$SPOOF" \
		--dst "$IP4_A" --dst-mac "$MAC_A" --sport "$sport" --sni "$SNI" --mode "$mode" \
		>"$W/$name.out" 2>&1; then
		fail "$T/$name" "the handshake did not complete: $(tail -2 "$W/$name.out" | tr '\n' ' ')"
		return
	fi
	for ((i = 0; i < 25; i++)); do
		[ "$(cat "$W/host.jsonl" 2>/dev/null | wc -l)" -gt "$n" ] &&
			grep -qF "\"client\":\"$SPOOF:$sport\"" "$W/log.jsonl" 2>/dev/null && break
		sleep 0.2
	done
	host=$(tail -1 "$W/host.jsonl" 2>/dev/null)
	rec=$(grep -F "\"client\":\"$SPOOF:$sport\"" "$W/log.jsonl" 2>/dev/null | jq -sc .)
	if ! jq -e --arg sni "$SNI" '.ok and .sni == $sni' <<<"$host" >/dev/null 2>&1; then
		fail "$T/$name" "the host did not accept the real hello: $host"
		return
	fi
	if jq -e --argjson h "$host" --argjson amb "$amb" 'length == 1 and
		(.[0] | .sni == $h.sni and .certificates[0].sha256 == $h.cert_sha256 and
		 .outcome == "established" and ((.ambiguous != null) == $amb))' \
		<<<"$rec" >/dev/null 2>&1; then
		pass "$T/$name"
	else
		fail "$T/$name" "host $host; tlsmon $(jq -c '[.[] | {sni, outcome,
			leaf: .certificates[0].sha256, ambiguous}]' <<<"$rec" 2>/dev/null | head -c 600)"
	fi
}

attack baseline none 41001 false
attack csum_hello csum_hello 41002 false
attack overlap_lower_start overlap 41003 true
attack urgent_byte urgent 41004 true
attack rst_bad_csum rst_csum 41005 false
attack rst_out_of_window rst_window 41006 false
attack syn_new_isn syn 41007 false

# A forged server flight with bad checksums before the real one.
cat "$CH/weak/leaf.pem" "$CH/weak/chain.pem" >"$W/fake.pem"
t_bg "$NS_A" timeout -k 2 20 python3 "$INJECT" flight --port 8443 --cert "$W/fake.pem" \
	--key "$CH/weak/leaf.key" --max-secs 15 >"$W/flight.out" 2>&1
FLIGHT=$T_BG_PID
sleep 0.5
timeout -k 2 15 ip netns exec "$NS_B" python3 "$INJECT" client --dst "$IP4_A" --port 8443 \
	--sni "$SNI" --ca "$CH/good/ca.pem" >"$W/client.out" 2>&1
wait "$FLIGHT" 2>/dev/null
for ((i = 0; i < 25; i++)); do
	grep -qF "\"server\":\"$IP4_A:8443\"" "$W/log.jsonl" 2>/dev/null && break
	sleep 0.2
done
rec=$(grep -F "\"server\":\"$IP4_A:8443\"" "$W/log.jsonl" 2>/dev/null | jq -sc .)
cl=$(tail -1 "$W/client.out")
if ! jq -e '.forged_bytes > 0' "$W/flight.out" >/dev/null 2>&1; then
	fail "$T/forged_flight" "no forged flight was sent: $(tail -2 "$W/flight.out" | tr '\n' ' ')"
elif ! jq -e '.ok' <<<"$cl" >/dev/null 2>&1; then
	fail "$T/forged_flight" "the client did not verify the real chain: $cl"
elif jq -e --argjson c "$cl" 'length == 1 and .[0].certificates[0].sha256 == $c.cert_sha256 and
	.[0].outcome == "established"' <<<"$rec" >/dev/null 2>&1; then
	pass "$T/forged_flight"
else
	fail "$T/forged_flight" "$(cat "$W/flight.out"); client $cl; tlsmon $(jq -c '[.[] | {sni, outcome,
		leaf: .certificates[0].subject, ambiguous}]' <<<"$rec" 2>/dev/null | head -c 500)"
fi

metrics_get "$NS_A" "$MPORT" 3 >"$W/m.txt" 2>/dev/null
for m in 'tlsmon_tcp_segments_ignored_total{reason="bad_checksum"}' \
	'tlsmon_tcp_segments_ignored_total{reason="rst_out_of_window"}' \
	'tlsmon_tcp_segments_ignored_total{reason="syn_in_window"}' \
	'tlsmon_tcp_ambiguities_total{kind="overlap"}' 'tlsmon_tcp_ambiguities_total{kind="urgent"}'; do
	v=$(mval "$W/m.txt" "$m" | awk '{ printf "%d", $1 }')
	if [ "${v:-0}" -ge 1 ]; then
		pass "$T/metric $m $v"
	else
		fail "$T/metric $m" "${v:-absent}"
	fi
done
tm_stop "$TP"
t_done
