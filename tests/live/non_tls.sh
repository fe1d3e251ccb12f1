#!/bin/bash
# A flow on a TLS port that is not TLS (needs root): iperf3 sends 8 MB to port 443 between two
# namespaces, with tlsmon on the sender's. Once userspace has searched its probe window for a
# TLS start, it must mark the kernel flow done, so the kernel stops copying it and its packets
# take the programs' fast path; no handshake may be reported.
set -u

# shellcheck source=tests/lib_live.sh
. "$(dirname "${BASH_SOURCE[0]}")/../lib_live.sh"
MPORT=19876
T=non_tls

live_begin "$T" iperf3 ip ss curl timeout
live_netns "$T" 26

if ! tm_start "$NS_B" "$W/tm.err" --metrics-addr "127.0.0.1:$MPORT" --log "$W/log.jsonl" \
	--log-all; then
	tm_fail_start "$T/start"
	t_done
fi
t_bg "$NS_A" timeout 30 iperf3 -s -1 -B "$IP4_A" -p 443 >"$W/server.out" 2>&1
spid=$T_BG_PID
if ! wait_port "$NS_A" 443 5; then
	fail "$T/server" "iperf3 did not listen"
	t_done
fi
if ip netns exec "$NS_B" timeout 30 iperf3 -c "$IP4_A" -p 443 -n 8M >"$W/client.out" 2>&1; then
	pass "$T/iperf3 sent 8 MB to port 443"
else
	fail "$T/iperf3" "$(tail -1 "$W/client.out")"
fi
wait_exit "$spid" 5
metrics_closed "$NS_B" "$MPORT" "$W/m" ||
	fail "$T/closed" "the kernel did not close both flows within 5 s of iperf3's end"
tm_stop "$TM_PID"

d=$(mval "$W/m" 'tlsmon_kernel_flows_total{result="done"}')
started=$(mval "$W/m" 'tlsmon_kernel_flows_total{result="started"}')
copied=$(mval "$W/m" tlsmon_kernel_copied_bytes_total)
if [ "${d:-0}" -ge 1 ]; then
	pass "$T/the data connection was marked done ($d of $started kernel flows; $copied bytes copied)"
else
	fail "$T/marked done" "kernel flows done ${d:-?} of ${started:-?} started"
fi
if [ ! -s "$W/log.jsonl" ]; then
	pass "$T/no handshake reported"
else
	fail "$T/no handshake" "$(head -c 200 "$W/log.jsonl")"
fi
[ "$TM_RC" = 0 ] && pass "$T/sigterm: exit 0" || fail "$T/sigterm" "exit $TM_RC"
t_done
