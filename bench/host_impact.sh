#!/bin/bash
# Host impact (needs root): iperf3 bulk TCP to port 443 across a veth pair, server in namespace A,
# client in B, with nothing attached, with `tlsmon run` on the receiving veth in each ingress mode
# (TC egress is attached in every mode and sees the ACKs), with tlsmon on the sending veth (TC
# egress sees the bulk data, as GSO super-frames), and with tcpdump 'tcp port 443' -w /dev/null.
# A bare run (nothing attached) comes before and after every attached run. A mode's ratio is the
# median over rounds of its throughput divided by the mean of its two neighbouring bare runs; the
# same ratio of each bare run to its neighbours shows the method's noise, printed beside the
# ratio, and the default mode's result is flagged inconclusive when that noise is larger than the
# effect (see the verdict below).
#
# Usage: bench/host_impact.sh [SECONDS [ROUNDS]]   (default 3 and 6)
#        HOST_MODES="tc tc-sender" measures only those modes (and the bare runs).
set -u
# shellcheck source=bench/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
bench_require host_impact iperf3 jq tcpdump curl
SECS=${1:-3}
ROUNDS=${2:-6}
read -r -a MODES <<<"none ${HOST_MODES:-tc xdp-generic xdp tc-sender tcpdump}"

bench_workdir
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

# measure: one iperf3 run; prints Gbit/s, or nothing when it failed.
measure()
{
	ip netns exec "$NS_B" timeout $((SECS + 15)) iperf3 -c "$IP4_A" -p 443 -t "$SECS" -J \
		2>/dev/null | jq -r '(.end.sum_received.bits_per_second / 1e6 | round) / 1000' \
		2>/dev/null | grep -v null
}

# Bare and attached runs alternate: bare, mode 1, bare, mode 2, ..., bare. Each attached run is
# compared with the mean of the bare runs just before and after it, which cancels load that
# drifts over the minutes of the benchmark; each bare run compared in the same way with its own
# two neighbours is what a mode with no effect at all would score, and the spread of those
# "null" ratios is the noise of the method on this machine in this run.
declare -A GBPS=() PAIRED=()
BARE=()
bare_run()
{
	local g
	g=$(measure)
	BARE+=("${g:-}")
	[ -n "$g" ] && GBPS[none]+="$g "
}
bare_run
for ((r = 1; r <= ROUNDS; r++)); do
	for m in "${MODES[@]}"; do
		[ "$m" = none ] && continue
		attach "$m"
		g=
		[ "$MODE_OK" -eq 1 ] && g=$(measure)
		detach
		before=${BARE[-1]}
		bare_run
		after=${BARE[-1]}
		if [ -n "$g" ]; then
			GBPS[$m]+="$g "
			[ -n "$before" ] && [ -n "$after" ] &&
				PAIRED[$m]+="$(awk -v a="$g" -v b="$before" -v c="$after" \
					'BEGIN { printf "%.4f", 2 * a / (b + c) }') "
		fi
	done
done
NULLS=()
for ((j = 1; j + 1 < ${#BARE[@]}; j++)); do
	[ -n "${BARE[j - 1]}" ] && [ -n "${BARE[j]}" ] && [ -n "${BARE[j + 1]}" ] &&
		NULLS+=("$(awk -v a="${BARE[j]}" -v b="${BARE[j - 1]}" -v c="${BARE[j + 1]}" \
			'BEGIN { printf "%.4f", 2 * a / (b + c) }')")
done
# iqr: p75 - p25 (nearest rank) of numbers on stdin.
iqr()
{
	sort -g | awk '{ a[NR] = $1 } END { if (NR < 2) { print "nan"; exit }
		lo = a[int(NR * 0.25 + 0.5) > 0 ? int(NR * 0.25 + 0.5) : 1]
		hi = a[int(NR * 0.75 + 0.5)]; printf "%.3f\n", hi - lo }'
}
noise=$(printf '%s\n' "${NULLS[@]}" | grep . | iqr)
bare_iqr=$(tr ' ' '\n' <<<"${GBPS[none]:-}" | grep . | iqr)
bare_med=$(tr ' ' '\n' <<<"${GBPS[none]:-}" | grep . | median)
bare_min=$(tr ' ' '\n' <<<"${GBPS[none]:-}" | grep . | best_min)
bare_max=$(tr ' ' '\n' <<<"${GBPS[none]:-}" | grep . | best_max)
echo "host_impact: ${#BARE[@]} bare runs: median ${bare_med:-?} Gbit/s, range ${bare_min:-?}-${bare_max:-?}," \
	"IQR ${bare_iqr:-?} Gbit/s; each against its neighbours (a mode with no effect): IQR" \
	"${noise:-?} of the ratio (the noise)"
bench host_bare_runs "${#BARE[@]}" runs
bench host_bare_spread "$(ratio "${bare_iqr:-0}" "${bare_med:-0}")" "IQR/median"
bench host_noise "${noise:-nan}" ratio_IQR
# paired_ratio MODE: median of MODE's ratios to its neighbouring bare runs.
paired_ratio()
{
	tr ' ' '\n' <<<"${PAIRED[$1]:-}" | grep . | median | awk '{ printf "%.3f\n", $1 }'
}

# What --ingress auto picks on a veth is the default mode whose figure the goal applies to.
attach_auto=$(
	tlsmon_start "$NS_A" "$W/tlsmon-auto.log" -i "$IF_A" --ingress auto >/dev/null 2>&1
	sed -n 's/.*watching veth0 (ingress \([a-z-]*\),.*/\1/p' "$W/tlsmon-auto.log"
	tlsmon_stop
)

printf '%-12s %10s %8s %8s  %s\n' mode Gbit/s ratio noise "runs (Gbit/s)"
for m in "${MODES[@]}"; do
	v=$(tr ' ' '\n' <<<"${GBPS[$m]:-}" | grep . | median)
	if [ -z "$v" ]; then
		printf '%-12s %10s\n' "$m" "n/a"
		bench "host_${m}_gbps" n/a Gbit/s
		continue
	fi
	if [ "$m" = none ]; then
		printf '%-12s %10.2f %8s %8s  %s\n' "$m" "$v" 1.000 "${noise:-?}" "${GBPS[$m]}"
		bench host_none_gbps "$(printf '%.2f' "$v")" Gbit/s
		continue
	fi
	rt=$(paired_ratio "$m")
	printf '%-12s %10.2f %8s %8s  %s\n' "$m" "$v" "${rt:-n/a}" "${noise:-?}" "${GBPS[$m]}"
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
	# Conclusive when the noise is smaller than the effect. When it is not, the impact is
	# within the noise: that still meets the goal if the noise itself is within the goal's
	# margin (1 - 0.97), and is "inconclusive" otherwise.
	verdict=$(awk -v r="$rt" -v n="$noise" 'BEGIN {
		e = 1 - r; if (e < 0) e = -e
		if (n == "nan" || r == "") print "inconclusive"
		else if (n <= e) print (r >= 0.97 ? "met" : "missed")
		else if (n <= 0.03) print "met_within_noise"
		else print "inconclusive" }')
	echo "host_impact: default mode ($attach_auto) keeps $rt of bare throughput (goal >= 0.97;" \
		"median of $ROUNDS ratios to the neighbouring bare runs); noise (IQR of bare runs" \
		"against their neighbours) $noise, effect $(awk -v r="$rt" 'BEGIN { printf "%.3f", 1 - r }'):" \
		"$verdict"
	[ "$verdict" = inconclusive ] &&
		echo "host_impact: INCONCLUSIVE: the bare runs vary more than the effect measured"
	bench host_default_mode_ratio "$rt" ratio "$rt" none
	bench host_default_mode_verdict "$verdict" verdict
fi
