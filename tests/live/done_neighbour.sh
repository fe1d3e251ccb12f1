#!/bin/bash
# shellcheck disable=SC2016 # jq programs are single-quoted
# A handshake picked up mid-stream beside a done flow in the same hint slot (needs root).
# A TC program skips a data packet whose hint slot holds no tracking flow, unless its payload
# starts a TLS record; when the slot holds done flows and the payload is not in the linear part
# (a TCP send on veth leaves it in page fragments), it looks the flow up instead of reading the
# payload (bpf/tlsmon.bpf.c, handle()). Here a bulk connection to port 443 that is not TLS is
# marked done, and a TLS connection to port 8443 whose SYN went by before tlsmon started makes
# its handshake: the two share the address pair and the XOR of their ports, so their hint slot
# (tlsmon_flow_hint_slot()). The handshake must be reported, and the bulk flow must not be.
set -u

# shellcheck source=tests/lib_live.sh
. "$(dirname "${BASH_SOURCE[0]}")/../lib_live.sh"
MPORT=19901
T=done_neighbour
HELPER=$(dirname "${BASH_SOURCE[0]}")/done_neighbour_helper.py
BULK_CPORT=40123
# the same XOR of the two ports as the bulk connection's: 40123 ^ 443 == 48635 ^ 8443
TLS_CPORT=$((BULK_CPORT ^ 443 ^ 8443))

live_begin "$T" openssl python3 ip ss curl jq timeout
live_chains "$T" "$W/chains" good
D=$CH/good
live_netns "$T" 93
C=$W/client
mkdir -p "$C"

if ! tls_server "$NS_A" "$IP4_A:8443" "$D" "$W/server.out" -4 -naccept 1 -www; then
	fail "$T/server" "s_server did not listen: $(tail -1 "$W/server.out")"
	t_done
fi
t_bg "$NS_A" timeout 90 python3 "$HELPER" sink "$IP4_A" 443 "$W/sink_ready" 2>"$W/sink.err"
for ((i = 0; i < 100; i++)); do
	[ -e "$W/sink_ready" ] && break
	sleep 0.05
done
t_bg "$NS_B" timeout 90 python3 "$HELPER" client "$IP4_A" "$IP4_B" 443 "$BULK_CPORT" 8443 \
	"$TLS_CPORT" "$D/ca.pem" "$(cat "$D/sni")" "$C" 2>"$W/client.err"
cpid=$T_BG_PID
for ((i = 0; i < 200; i++)); do
	[ -e "$C/connected" ] && break
	sleep 0.05
done
if [ ! -e "$C/connected" ]; then
	fail "$T/connect" "the TLS connection was not made: $(tail -1 "$W/client.err")"
	t_done
fi
L=$W/log.jsonl
if ! tm_start "$NS_A" "$W/tm.err" --metrics-addr "127.0.0.1:$MPORT" --ports 443,8443 \
	--ingress tc --log "$L" --log-all; then
	tm_fail_start "$T/start"
	t_done
fi
touch "$C/go"
for ((i = 0; i < 200; i++)); do
	[ -e "$C/bulk_sent" ] && break
	sleep 0.05
done
# the bulk flow is done in the kernel once userspace has searched it for a TLS start
done_flows=
for ((i = 0; i < 100; i++)); do
	metrics_get "$NS_A" "$MPORT" >"$W/m1"
	done_flows=$(mval "$W/m1" 'tlsmon_kernel_flows_total{result="done"}')
	[ "${done_flows:-0}" -ge 1 ] && break
	sleep 0.1
done
if [ "${done_flows:-0}" -ge 1 ]; then
	pass "$T/the bulk flow to port 443 (not TLS) is marked done in the kernel"
else
	fail "$T/bulk done" "kernel flows done: ${done_flows:-absent} after 10 s"
fi
touch "$C/bulk_done"
wait_exit "$cpid" 30
wait "$cpid"
crc=$?
if [ "$crc" = 0 ] && [ -s "$C/tls_ok" ]; then
	pass "$T/the client's handshake to port 8443 completed ($(cat "$C/tls_ok"))"
else
	fail "$T/client" "exit $crc: $(tail -1 "$W/client.err")"
fi
wait_file_grep "$L" '"outcome"' 5
tm_stop "$TM_PID"
[ "$TM_RC" = 0 ] || fail "$T/sigterm" "tlsmon exit $TM_RC: $(tail -1 "$TM_ERR")"

if jq -e -s --arg s "$IP4_A:8443" --arg c "$IP4_B:$TLS_CPORT" 'length == 1 and
	.[0].outcome == "established" and .[0].server == $s and .[0].client == $c' "$L" \
	>/dev/null 2>&1; then
	pass "$T/the handshake picked up beside the done flow is logged, established"
else
	fail "$T/log" "want one established handshake from port $TLS_CPORT to 8443: $(jq -c -s \
		'[.[] | {outcome, server, client}]' "$L" 2>&1 | cut -c1-300)"
fi
t_done
