#!/bin/bash
# Host impact (needs root): iperf3 bulk TCP to port 443 across a veth pair, server in namespace A,
# client in B, with nothing attached, with `tlsmon run` on the receiving veth in each ingress mode
# (TC egress is attached in every mode and sees the ACKs), with tlsmon on the sending veth (TC
# egress sees the bulk data, as GSO super-frames), and with tcpdump 'tcp port 443' -w /dev/null.
# Rounds are interleaved across modes. A mode's ratio is the median over rounds of its throughput
# divided by the bare run of the same round, so that load from other jobs that drifts over the
# minutes of the benchmark cancels out within a round.
#
# Usage: bench/host_impact.sh [SECONDS [ROUNDS]]   (default 5 and 5)
set -u
# shellcheck source=bench/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
require_root host_impact
require_cmd host_impact iperf3 jq tcpdump curl
SECS=${1:-5}
ROUNDS=${2:-5}
MODES=(none tc xdp-generic xdp tc-sender tcpdump)

t_tmpdir || die "mktemp failed"
W=$T_TMP
netns_setup 8 || die "namespace setup failed"
t_bg "$NS_A" iperf3 -s -p 443 >"$W/iperf3-server.log" 2>&1
wait_port "$NS_A" 443 5 || die "iperf3 server did not listen"

# attach MODE: start what the mode needs; sets MODE_OK=0 when it cannot.
attach()
{
	MODE_OK=1 TD_PID=
	case $1 in
	none) ;;
	tc | xdp-generic | xdp)
		tlsmon_start "$NS_A" "$W/tlsmon-$1.log" -i "$IF_A" --ingress "$1" || MODE_OK=0 ;;
	tc-sender)
		tlsmon_start "$NS_B" "$W/tlsmon-$1.log" -i "$IF_B" --ingress tc || MODE_OK=0 ;;
	tcpdump)
		t_bg "$NS_A" tcpdump -i "$IF_A" -n -w /dev/null 'tcp port 443' 2>"$W/tcpdump.log"
		TD_PID=$T_BG_PID
		wait_file_grep "$W/tcpdump.log" 'listening on' 5 || MODE_OK=0 ;;
	esac
}

detach()
{
	tlsmon_stop
	if [ -n "$TD_PID" ]; then
		kill -INT "$TD_PID" 2>/dev/null
		wait_exit "$TD_PID" 3
		t_kill "$TD_PID"
		sed -n 's/^\([0-9]*\) packets dropped by kernel.*/\1/p' "$W/tcpdump.log" \
			>>"$W/tcpdump.drops"
		sed -n 's/^\([0-9]*\) packets captured.*/\1/p' "$W/tcpdump.log" >>"$W/tcpdump.captured"
	fi
}

declare -A GBPS=() ROUND=()
for ((r = 1; r <= ROUNDS; r++)); do
	for m in "${MODES[@]}"; do
		attach "$m"
		if [ "$MODE_OK" -eq 1 ]; then
			g=$(ip netns exec "$NS_B" timeout $((SECS + 15)) iperf3 -c "$IP4_A" -p 443 \
				-t "$SECS" -J 2>/dev/null |
				jq -r '(.end.sum_received.bits_per_second / 1e6 | round) / 1000' 2>/dev/null)
			if [ -n "$g" ] && [ "$g" != null ]; then
				GBPS[$m]+="$g "
				ROUND[$m,$r]=$g
			fi
		fi
		detach
	done
done
# What --ingress auto picks on a veth is the default mode whose figure the goal applies to.
attach_auto=$(
	tlsmon_start "$NS_A" "$W/tlsmon-auto.log" -i "$IF_A" --ingress auto >/dev/null 2>&1
	sed -n 's/.*watching veth0 (ingress \([a-z-]*\),.*/\1/p' "$W/tlsmon-auto.log"
	tlsmon_stop
)
# paired_ratio MODE: median over the rounds of MODE's throughput / the bare run of that round.
paired_ratio()
{
	local r
	for ((r = 1; r <= ROUNDS; r++)); do
		[ -n "${ROUND[$1,$r]:-}" ] && [ -n "${ROUND[none,$r]:-}" ] &&
			ratio "${ROUND[$1,$r]}" "${ROUND[none,$r]}"
	done | median
}

base=$(tr ' ' '\n' <<<"${GBPS[none]:-}" | grep . | median)
printf '%-12s %10s %8s  %s\n' mode Gbit/s ratio "rounds (Gbit/s)"
for m in "${MODES[@]}"; do
	v=$(tr ' ' '\n' <<<"${GBPS[$m]:-}" | grep . | median)
	if [ -z "$v" ]; then
		printf '%-12s %10s\n' "$m" "n/a"
		bench "host_${m}_gbps" n/a Gbit/s
		continue
	fi
	if [ "$m" = none ]; then
		printf '%-12s %10.2f %8s  %s\n' "$m" "$v" 1.000 "${GBPS[$m]}"
		bench host_none_gbps "$(printf '%.2f' "$v")" Gbit/s
		continue
	fi
	rt=$(paired_ratio "$m")
	printf '%-12s %10.2f %8s  %s\n' "$m" "$v" "${rt:-n/a}" "${GBPS[$m]}"
	bench "host_${m}_gbps" "$(printf '%.2f' "$v")" Gbit/s "${rt:-nan}" none
done
drops=$(awk '{ s += $1 } END { print s + 0 }' "$W/tcpdump.drops" 2>/dev/null || echo 0)
capt=$(awk '{ s += $1 } END { print s + 0 }' "$W/tcpdump.captured" 2>/dev/null || echo 0)
echo "host_impact: tcpdump captured $capt packets and dropped $drops in the kernel over $ROUNDS runs"
bench host_tcpdump_kernel_drops "$drops" packets
echo "host_impact: tlsmon --ingress auto picks '${attach_auto:-?}' on veth"
bench host_auto_mode "${attach_auto:-unknown}" mode
if [ -n "$attach_auto" ] && [ -n "${GBPS[$attach_auto]:-}" ]; then
	rt=$(paired_ratio "$attach_auto")
	echo "host_impact: default mode ($attach_auto) keeps $rt of bare throughput (goal >= 0.97;" \
		"median of $ROUNDS per-round ratios)"
	bench host_default_mode_ratio "$rt" ratio "$rt" none
fi
