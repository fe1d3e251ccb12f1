#!/bin/bash
# The TC programs' own time in bulk traffic, for two builds against each other (needs root):
# iperf3 to port 443 across a veth pair as in host_impact.sh, tlsmon `--ingress tc` on the
# receiving veth (ingress sees the data, egress the ACKs), and the kernel's BPF statistics
# (sysctl kernel.bpf_stats_enabled) of that daemon's tlsmon_tc_in and tlsmon_tc_out, read before
# and after each run. Builds alternate A, B, A, B, ... so that load from other jobs hits both
# alike. bpf_cost times the programs on one warm packet; this is their cost in real traffic,
# cache misses included (bench/README.md, "host impact on the quiet Intel VM").
#
# Usage: bench/host_bpf_stats.sh BUILD_A BUILD_B [SECONDS [ROUNDS]]   (default 5 and 3)
#        BUILD_x: a build directory holding tlsmon (e.g. /work/main/build and build).
# Prints one line per run (build, Gbit/s, ns a run and runs per hook, total ms of both) and
# `bench: host_bpf_<hook>_ns` lines with the median per build.
set -u
# shellcheck source=bench/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
bench_require host_bpf_stats iperf3 jq bpftool
A=${1:?usage: host_bpf_stats.sh BUILD_A BUILD_B [SECONDS [ROUNDS]]}
B=${2:?usage: host_bpf_stats.sh BUILD_A BUILD_B [SECONDS [ROUNDS]]}
SECS=${3:-5}
ROUNDS=${4:-3}
for b in "$A" "$B"; do
	[ -x "$b/tlsmon" ] || die "no tlsmon in $b"
done

bench_workdir
STATS_WAS=$(sysctl -n kernel.bpf_stats_enabled)
t_on_exit "sysctl -qw kernel.bpf_stats_enabled=$STATS_WAS"
sysctl -qw kernel.bpf_stats_enabled=1 || die "cannot enable kernel.bpf_stats_enabled"
netns_setup 9 || die "namespace setup failed"
t_bg "$NS_A" iperf3 -s -p 443 >"$W/iperf3-server.log" 2>&1
wait_port "$NS_A" 443 5 || die "iperf3 server did not listen"

# prog_stats: "name run_time_ns run_cnt" of the TC programs the daemon holds open (their ids from
# its file descriptors: another daemon elsewhere on the host loads programs of the same names).
prog_stats()
{
	local id
	sed -n 's/^prog_id:[[:space:]]*//p' /proc/"$TM_PID"/fdinfo/* 2>/dev/null | sort -u |
		while read -r id; do
			bpftool prog show id "$id" -j | jq -r 'select(.name == "tlsmon_tc_in" or
				.name == "tlsmon_tc_out") | "\(.name) \(.run_time_ns // 0) \(.run_cnt // 0)"'
		done
}

printf '%-6s %7s %14s %14s %10s\n' build Gbit/s "tc_in ns (runs)" "tc_out ns (runs)" "total ms"
for ((r = 1; r <= ROUNDS; r++)); do
	for side in A B; do
		dir=$A
		[ $side = B ] && dir=$B
		TLSMON=$dir/tlsmon tlsmon_start "$NS_A" "$W/tlsmon-$side.log" -i "$IF_A" --ingress tc ||
			die "tlsmon ($dir) did not start"
		prog_stats >"$W/before"
		[ -s "$W/before" ] || die "no TC programs of the daemon found"
		g=$(ip netns exec "$NS_B" timeout $((SECS + 15)) iperf3 -c "$IP4_A" -p 443 -t "$SECS" -J \
			2>/dev/null | jq -r '(.end.sum_received.bits_per_second / 1e6 | round) / 1000')
		prog_stats >"$W/after"
		tlsmon_stop
		# per hook: ns a run and runs over this iperf3 run; the total in ms
		line=$(awk -v side=$side -v g="$g" '
			NR == FNR { t0[$1] = $2; c0[$1] = $3; next }
			{ dt[$1] = $2 - t0[$1]; dc[$1] = $3 - c0[$1] }
			END {
				i = "tlsmon_tc_in"; o = "tlsmon_tc_out"
				printf "%s %s %.1f %d %.1f %d %.2f\n", side, g,
					dc[i] ? dt[i] / dc[i] : 0, dc[i], dc[o] ? dt[o] / dc[o] : 0, dc[o],
					(dt[i] + dt[o]) / 1e6 }' "$W/before" "$W/after")
		echo "$line" >>"$W/runs"
		read -r s gb ins inc outs outc tot <<<"$line"
		printf '%-6s %7s %7s (%5d) %7s (%5d) %10s\n' "$s" "$gb" "$ins" "$inc" "$outs" "$outc" "$tot"
	done
done
echo "host_bpf_stats: A = $A, B = $B; $ROUNDS alternating runs of $SECS s each;" \
	"load average $(cut -d' ' -f1-3 /proc/loadavg)"
for side in A B; do
	in=$(awk -v s=$side '$1 == s { print $3 }' "$W/runs" | median)
	out=$(awk -v s=$side '$1 == s { print $5 }' "$W/runs" | median)
	tot=$(awk -v s=$side '$1 == s { print $7 }' "$W/runs" | median)
	bench "host_bpf_tc_in_ns_$side" "$in" ns_per_run
	bench "host_bpf_tc_out_ns_$side" "$out" ns_per_run
	bench "host_bpf_total_ms_$side" "$tot" ms_per_run
done
