#!/bin/bash
# Encapsulations on the live path (issue 14 item 3; needs root): one real handshake
# (tests/fixtures/encap_lib.sh) in each encapsulation, written by tools/pcapgen --encap and sent
# frame by frame into namespace A's end of a veth pair (tests/live/pcap_inject.py, an AF_PACKET
# socket); tlsmon runs on B's end, where TC ingress (then, in a second daemon, generic XDP) sees
# the frames. Each handshake must be reported with its SNI, its 3 certificates and its "encap";
# two tenants (VXLAN 42 and 43) with the same inner 4-tuple are two handshakes. The certificates
# have expired by now, so every handshake is flagged, and the dump must hold the frames whole:
# tshark finds the outer headers (VXLAN, ...) and the inner ClientHello in it.
set -u

# shellcheck source=tests/lib_live.sh
. "$(dirname "${BASH_SOURCE[0]}")/../lib_live.sh"
. tests/fixtures/encap_lib.sh
T=live_encap
MPORT=19891

live_begin "$T" ip tshark jq python3 timeout
encap_turns_or_end "$T" "$W/src"
live_netns "$T" 41

# One capture per spec, each its own client port so that their flows are apart; frames fit the
# veth's MTU with the headers added (--mss 1200).
declare -A PORT=()
i=0
for spec in "${ENCAP_SPECS[@]}"; do
	i=$((i + 1))
	PORT[$spec]=$((42000 + i))
	if ! encap_gen "$W/e$i.pcap" "$spec" --mss 1200 --client "10.0.0.1:${PORT[$spec]}" \
		--start-time "$(date +%s)"; then
		fail "$T/gen" "pcapgen --encap $spec failed"
		t_done
	fi
done
if ! { encap_gen "$W/t42.pcap" vxlan:42 --mss 1200 --client 10.0.0.1:43000 &&
	encap_gen "$W/t43.pcap" vxlan:43 --mss 1200 --client 10.0.0.1:43000; }; then
	fail "$T/gen" "pcapgen (tenants) failed"
	t_done
fi

# run_mode MODE: a daemon on B with --ingress MODE, every capture sent, the log checked.
run_mode()
{
	local mode=$1 n want spec got
	if ! tm_start_ctl "$NS_B" "$W" "tm_$mode" --metrics-addr "127.0.0.1:$MPORT" \
		--ingress "$mode" --log-all; then
		tm_fail_start "$T/$mode/start"
		return
	fi
	want=$((${#ENCAP_SPECS[@]} + 2))
	if ! ip netns exec "$NS_A" timeout 60 python3 tests/live/pcap_inject.py veth0 200 \
		"$W"/e*.pcap "$W/t42.pcap" "$W/t43.pcap" >"$W/inject_$mode.out" 2>&1; then
		fail "$T/$mode/inject" "$(tail -1 "$W/inject_$mode.out")"
	fi
	for ((n = 0; n < 100; n++)); do
		[ "$(grep -c '"outcome"' "$LOG" 2>/dev/null)" -ge "$want" ] && break
		sleep 0.1
	done
	for spec in "${ENCAP_SPECS[@]}"; do
		got=$(jq -c --arg c "10.0.0.1:${PORT[$spec]}" \
			'select(.client == $c) | [.sni, .encap, (.certificates | length)]' "$LOG")
		if [ "$got" = "[\"www.google.com\",${ENCAP_WANT[$spec]},3]" ]; then
			pass "$T/$mode/$spec: reported with encap ${ENCAP_WANT[$spec]}"
		else
			fail "$T/$mode/$spec" "got '$got'"
		fi
	done
	got=$(jq -sc '[.[] | select(.client == "10.0.0.1:43000") | .encap[0]] | sort' "$LOG")
	if [ "$got" = '["vxlan:vni=42","vxlan:vni=43"]' ]; then
		pass "$T/$mode/tenants: two VNIs, one inner 4-tuple, two handshakes"
	else
		fail "$T/$mode/tenants" "got $got"
	fi
	mkdir -p "$W/dump_$mode"
	if "$TLSMON" dump --socket "$SOCK" --out "$W/dump_$mode" --format pcap >"$W/dump.out" \
		2>"$W/dump.err"; then
		cap=$(sed -n 1p "$W/dump.out")
		vx=$(tshark -r "$cap" -Y 'vxlan.vni == 42 && tls.handshake.type == 1' -T fields \
			-e tls.handshake.extensions_server_name 2>/dev/null | sort -u)
		gre=$(tshark -r "$cap" -Y 'gre && tls.handshake.type == 11' 2>/dev/null | wc -l)
		if [ "$vx" = www.google.com ] && [ "$gre" -gt 0 ]; then
			pass "$T/$mode/dump: whole frames, tshark sees VXLAN 42 around the ClientHello, GRE around Certificates"
		else
			fail "$T/$mode/dump" "vxlan ClientHello SNI '$vx', $gre GRE frames with a Certificate"
		fi
	else
		fail "$T/$mode/dump" "$(head -c 200 "$W/dump.err")"
	fi
	tm_stop "$TM_PID"
	[ "$TM_RC" = 0 ] || fail "$T/$mode/sigterm" "exit $TM_RC"
}

run_mode tc
run_mode xdp-generic
t_done
