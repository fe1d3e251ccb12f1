#!/bin/bash
# shellcheck disable=SC2016 # jq programs are single-quoted
# Key exchange groups, live (needs root): tlsmon on veth0 of the client's namespace sees
#   x25519     openssl s_server/s_client, TLS 1.3, -groups X25519
#   p256       the same with -groups P-256
#   mlkem      a TLS 1.3 handshake whose ServerHello selects X25519MLKEM768 (0x11EC): the local
#              OpenSSL has no ML-KEM, so tools/replay sends the bytes of tests/fixtures/
#              tls13_hellos.py over a real TCP connection between the namespaces
# and each must be in the JSON log (key_exchange.group, pq) and in tlsmon_key_exchange_total.
set -u

# shellcheck source=tests/lib_live.sh
. "$(dirname "${BASH_SOURCE[0]}")/../lib_live.sh"
MPORT=19971
T=key_exchange

live_begin "$T" openssl ip ss curl jq promtool timeout python3
live_chains "$T" "$W/chains" good
live_netns "$T" 71

if ! tm_start "$NS_B" "$W/tm.err" --metrics-addr "127.0.0.1:$MPORT" --log "$W/log.jsonl" \
	--log-all; then
	tm_fail_start "$T/start"
	t_done
fi

# tls13 TAG GROUP: one TLS 1.3 handshake B -> A with only GROUP on both sides (tls_once would
# add -tls1_2, and s_server takes one protocol flag).
tls13()
{
	local d=$CH/good rc=listen
	t_bg "$NS_A" openssl s_server -accept "$IP4_A:443" -cert "$d/leaf.pem" -key "$d/leaf.key" \
		-cert_chain "$d/chain.pem" -tls1_3 -groups "$2" -4 -naccept 1 -www </dev/null \
		>"$W/$1.server" 2>&1
	if wait_port "$NS_A" 443 5; then
		printf 'GET / HTTP/1.0\r\n\r\n' | timeout -k 2 10 ip netns exec "$NS_B" openssl \
			s_client -connect "$IP4_A:443" -servername "$(cat "$d/sni")" -CAfile "$d/ca.pem" \
			-tls1_3 -groups "$2" -verify 9 -verify_return_error >"$W/$1.client" 2>&1
		rc=$?
		wait_exit "$T_BG_PID" 3
	fi
	t_kill "$T_BG_PID"
	if [ "$rc" = 0 ] && grep -q "Server Temp Key" "$W/$1.client"; then
		pass "$T/$1: s_client finished ($(grep -m1 'Server Temp Key' "$W/$1.client"))"
	else
		fail "$T/$1" "s_client exit $rc: $(tail -2 "$W/$1.client" "$W/$1.server" | tr '\n' ' ')"
	fi
}

tls13 x25519 X25519
tls13 p256 P-256

turns=$(python3 tests/fixtures/tls13_hellos.py "$W/mlkem" --group 0x11ec --sni mlkem.test)
t_bg "$NS_A" timeout 20 "$BUILD/tools/replay" server -l "$IP4_A:443" -d 15 $turns \
	>"$W/replay.server" 2>&1
rpid=$T_BG_PID
if wait_port "$NS_A" 443 5 &&
	ip netns exec "$NS_B" timeout 10 "$BUILD/tools/replay" client -s "$IP4_A:443" -n 1 -c 1 \
		$turns >"$W/replay.client" 2>&1 &&
	grep -q 'completed=1 failed=0' "$W/replay.client"; then
	pass "$T/mlkem: replayed over TCP ($(cat "$W/replay.client"))"
else
	fail "$T/mlkem replay" "$(cat "$W/replay.client" "$W/replay.server" 2>/dev/null | tr '\n' ' ')"
fi
t_kill "$rpid"

# The three handshakes reach the log (bounded wait), then the metrics are read.
tm_wait "$TM_PID" test "$(grep -c . "$W/log.jsonl" 2>/dev/null)" -ge 3
metrics_get "$NS_B" "$MPORT" >"$W/m"
tm_stop "$TM_PID"

# logged SNI-SELECTOR WANT: key_exchange and outcome of the handshake the selector picks
logged()
{
	local got
	got=$(jq -c "select($1) | [.version, .outcome, .key_exchange.group, .key_exchange.pq]" \
		"$W/log.jsonl" 2>/dev/null | head -1)
	if [ "$got" = "$2" ]; then
		pass "$T/log $1: $got"
	else
		fail "$T/log $1" "got '${got:-nothing}', want $2 (log: $(head -c 600 "$W/log.jsonl"))"
	fi
}
logged '.sni == "mlkem.test"' '["TLS1.3","established","X25519MLKEM768",true]'
logged '.sni != "mlkem.test" and .key_exchange.group == "x25519"' \
	'["TLS1.3","established","x25519",false]'
logged '.sni != "mlkem.test" and .key_exchange.group == "secp256r1"' \
	'["TLS1.3","established","secp256r1",false]'

for s in 'tlsmon_key_exchange_total{group="x25519",pq="false"}' \
	'tlsmon_key_exchange_total{group="secp256r1",pq="false"}' \
	'tlsmon_key_exchange_total{group="X25519MLKEM768",pq="true"}'; do
	v=$(mval "$W/m" "$s")
	check "$T/metric $s = ${v:-absent}" test "${v:-0}" = 1
done
v=$(awk '$1 ~ /^tlsmon_ciphers_total\{version="TLS1.3"/ { s += $2 } END { print s + 0 }' "$W/m")
check "$T/metric tlsmon_ciphers_total{version=\"TLS1.3\",...} sums to $v" test "$v" = 3
out=$(promtool check metrics <"$W/m" 2>&1)
check "$T/promtool check metrics" test $? -eq 0 -a -z "$out"
[ "$TM_RC" = 0 ] && pass "$T/sigterm: exit 0" || fail "$T/sigterm" "exit $TM_RC"
t_done
