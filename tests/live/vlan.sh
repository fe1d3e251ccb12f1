#!/bin/bash
# A handshake whose frames carry a VLAN tag the stack has already taken out of the bytes (needs
# root). This kernel has no 802.1Q devices, so tests/live/vlan_tag.bpf.c stands in for a NIC with
# VLAN offload: namespace A's veth egress tags every frame with VLAN 100 in skb->vlan_tci, and B's
# ingress removes the tag again after tlsmon's TCX program (B, --ingress tc) has seen it. The
# weak chain's handshake must be reported, and in the dump every frame from the server must carry
# VLAN 100 again (tshark), the client's none, and tshark must still find the 3 certificates.
set -u

# shellcheck source=tests/lib_live.sh
. "$(dirname "${BASH_SOURCE[0]}")/../lib_live.sh"
MPORT=19877
T=vlan
OBJ=$ROOT/$BUILD/tests/vlan_tag.bpf.o

live_begin "$T" openssl ip ss tc tshark jq timeout
if [ ! -f "$OBJ" ]; then
	fail "$T/build" "$OBJ not built (make test builds it)"
	t_done
fi
live_chains "$T" "$W/chains" weak
D=$CH/weak
live_netns "$T" 27
if ! { tc -n "$NS_A" qdisc add dev veth0 clsact &&
	tc -n "$NS_A" filter add dev veth0 egress bpf da obj "$OBJ" sec tc/push &&
	tc -n "$NS_B" qdisc add dev veth0 clsact &&
	tc -n "$NS_B" filter add dev veth0 ingress bpf da obj "$OBJ" sec tc/pop; } >"$W/tc.log" 2>&1
then
	fail "$T/tc" "could not attach the VLAN programs: $(tail -1 "$W/tc.log")"
	t_done
fi

if ! tm_start_ctl "$NS_B" "$W" tm --metrics-addr "127.0.0.1:$MPORT" --ingress tc; then
	tm_fail_start "$T/start"
	t_done
fi
tls_once 4 "$D" "$W/server.out" "$W/client.out" "${SEC0_SERVER[@]}" -- "${SEC0_CLIENT[@]}"
if wait_file_grep "$LOG" '"outcome"' 5 &&
	jq -e -s 'length == 1 and (.[0].certificates | length) == 3 and .[0].vlan == 100' \
		"$LOG" >/dev/null 2>&1; then
	pass "$T/the handshake is reported with its 3 certificates and vlan 100"
else
	fail "$T/report" "client rc $TLS_RC; log: $(head -c 300 "$LOG" 2>/dev/null)"
fi

if "$TLSMON" dump --socket "$SOCK" --out "$W" --format pcap >"$W/dump.out" 2>"$W/dump.err"; then
	cap=$(sed -n 1p "$W/dump.out")
	# one line per frame: source address, then the VLAN id if there is a tag
	tshark -r "$cap" -T fields -e ip.src -e vlan.id >"$W/frames" 2>/dev/null
	srv=$(awk -v a="$IP4_A" '$1 == a' "$W/frames" | wc -l)
	srv_tagged=$(awk -v a="$IP4_A" '$1 == a && $2 == 100' "$W/frames" | wc -l)
	cli=$(awk -v b="$IP4_B" '$1 == b' "$W/frames" | wc -l)
	cli_tagged=$(awk -v b="$IP4_B" '$1 == b && $2 != ""' "$W/frames" | wc -l)
	certs=$(tshark -r "$cap" -Y tls.handshake.certificate -T fields \
		-e tls.handshake.certificate_length 2>/dev/null | tr ',' '\n' | grep -c .)
	if [ "$srv" -gt 0 ] && [ "$srv_tagged" = "$srv" ] && [ "$cli" -gt 0 ] &&
		[ "$cli_tagged" = 0 ] && [ "$certs" = 3 ]; then
		pass "$T/dump: all $srv server frames carry VLAN 100, none of $cli client frames; \
tshark sees the 3 certificates"
	else
		fail "$T/dump" "server frames $srv_tagged of $srv tagged, client frames $cli_tagged \
of $cli tagged, $certs certificates"
	fi
else
	fail "$T/dump" "$(head -c 200 "$W/dump.err")"
fi
tm_stop "$TM_PID"
if [ "$TM_RC" = 0 ]; then
	pass "$T/sigterm: exit 0"
else
	fail "$T/sigterm" "exit $TM_RC"
fi
t_done
