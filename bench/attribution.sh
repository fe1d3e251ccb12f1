#!/bin/bash
# Cost of process attribution and of the TLS-library uprobes (needs root): the daemon's CPU per
# 1,000 handshakes in four modes, in the same run: none (--no-process --no-uprobes), process
# (--no-uprobes), uprobes (--no-process) and both (the default). tools/replay opens real TCP
# connections from namespace B to A and replays a recorded TLS 1.2 handshake at a fixed paced
# rate; `tlsmon run` watches B's veth. The modes run in turn ROUNDS times (none process uprobes
# both none ...), each mode's median is kept, and the spread is shown: every round's ratio to
# the `none` run of the same round, min..max. The whole machine's CPU (/proc/stat) per 1,000
# handshakes is reported too: the programs run in the connecting and accepting tasks, not in the
# daemon. The daemon's CPU is the scheduler's count of its threads' run time (cpu_ns), not the
# clock ticks of /proc/PID/stat: 10 ms each, a 10,000-handshake run is 35-45 of them, and a tick
# either way moves a round's ratio by about 0.03. The replay links no OpenSSL: the uprobes never
# fire here, what the `uprobes` mode costs is the tcp_sendmsg_locked hook on every send of the
# host and the daemon's side.
#
# Last, where the time goes, in one more run of `both` (PROFILE=0 leaves it out): the kernel's
# own run count and time of each of the daemon's BPF programs (kernel.bpf_stats_enabled, set to
# 1 for that run only, as it costs every BPF program of the host a clock read), per handshake;
# and the daemon's hottest functions (perf record, when perf works).
#
# Usage: bench/attribution.sh [SECONDS] [RATE] [ROUNDS]   (default 5 s at 2000 conn/s, 3 rounds)
# MODES="none both" runs a subset (none must be in it). PROFILE_MODE=none profiles that mode
# instead of `both`; PERF_OUT=FILE keeps the profile's perf.data (to compare two modes).
set -u
# shellcheck source=bench/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
bench_require attribution curl tshark openssl tcpdump python3
SECS=${1:-5}
RATE=${2:-2000}
ROUNDS=${3:-3}
read -r -a MODES <<<"${MODES:-none process uprobes both}"

bench_assets good || die "could not make the recorded handshake"
bench_workdir
replay_server 8

# system_ticks: every CPU's busy time (all but idle and iowait), in clock ticks.
system_ticks()
{
	awk '$1 == "cpu" { print $2 + $3 + $4 + $7 + $8 + $9; exit }' /proc/stat
}

# prog_stats: "NAME RUN_CNT RUN_TIME_NS" of each BPF program the daemon holds.
prog_stats()
{
	local id
	# (a program's id shows in its own fd's fdinfo and in its link's: each once)
	awk '$1 == "prog_id:" { print $2 }' /proc/"$TM_PID"/fdinfo/* 2>/dev/null | sort -un |
		while read -r id; do
			bpftool -j prog show id "$id" 2>/dev/null |
				jq -r '"\(.name) \(.run_cnt // 0) \(.run_time_ns // 0)"'
		done | sort
}

# one MODE ROUND: a run in MODE (none, process, uprobes, both); appends
# "MODE DAEMON_MS SYSTEM_MS HANDSHAKES ROUND" per 1k.
one()
{
	local mode=$1 round=$2 args=(-i "$IF_B") out rep h0 h1 c0 c1 s0 s1 hz
	case $mode in
	none) args+=(--no-process --no-uprobes) ;;
	process) args+=(--no-uprobes) ;;
	uprobes) args+=(--no-process) ;;
	esac
	tlsmon_start "$NS_B" "$W/$mode.log" "${args[@]}" || die "tlsmon run did not start"
	if [[ $mode == process || $mode == both ]] && ! grep -q 'process attribution on' "$W/$mode.log"; then
		echo "attribution: not loaded: $(grep attribution "$W/$mode.log")" >&2
		tlsmon_stop
		return 1
	fi
	if [[ $mode == uprobes || $mode == both ]] && ! grep -q 'TLS-library verdicts from' "$W/$mode.log"; then
		echo "attribution: uprobes not attached: $(grep TLS-library "$W/$mode.log")" >&2
		tlsmon_stop
		return 1
	fi
	settle "$NS_B" "$W/m0" tlsmon_handshakes_total
	h0=$(metric_sum "$W/m0" tlsmon_handshakes_total)
	c0=$(cpu_ns "$TM_PID") s0=$(system_ticks)
	PERF_PID=
	if [ "$round" = profile ]; then
		prog_stats >"$W/progs0"
		if command -v perf >/dev/null; then
			perf record -q -g -o "$W/perf.data" -p "$TM_PID" >/dev/null 2>&1 &
			PERF_PID=$!
		fi
	fi
	out=$(ip netns exec "$NS_B" "$REPLAY" client -s "$IP4_A:443" -c 256 -r "$RATE" -d "$SECS" \
		"${TURNS[@]}") || echo "attribution: replay failed: $out" >&2
	settle "$NS_B" "$W/m1" tlsmon_handshakes_total
	c1=$(cpu_ns "$TM_PID") s1=$(system_ticks)
	[ -n "${PERF_PID:-}" ] && kill -INT "$PERF_PID" 2>/dev/null && wait "$PERF_PID" 2>/dev/null
	[ "$round" = profile ] && prog_stats >"$W/progs1"
	h1=$(metric_sum "$W/m1" tlsmon_handshakes_total)
	rep=$((h1 - h0))
	hz=$(getconf CLK_TCK)
	if [ "$mode" = both ]; then
		echo "attribution: on: $(grep -F 'tlsmon_process_attributions_total{result="hit"}' \
			"$W/m1" | awk '{ print $2 }') attributed of $rep handshakes; owner records" \
			"dropped (ring buffer full): $(grep -F 'tlsmon_process_owner_records_total{result="dropped"}' \
			"$W/m1" | awk '{ print $2 }')"
	fi
	[ "$round" = profile ] && { echo "$rep" >"$W/profile_hs"; tlsmon_stop; return 0; }
	awk -v d=$((c1 - c0)) -v s=$((s1 - s0)) -v hz="$hz" -v n="$rep" -v m="$mode" -v r="$round" \
		'BEGIN { if (n > 0) printf "%s %.1f %.1f %d %d\n", m, d / 1e3 / n, s * 1e6 / hz / n, n, r }' \
		>>"$W/results"
	tlsmon_stop
}

: >"$W/results"
for ((r = 0; r < ROUNDS; r++)); do
	for m in "${MODES[@]}"; do
		one "$m" "$r" || break 2
	done
done
printf '%-8s %6s %18s %18s %10s\n' mode round "daemon ms/1k hs" "system ms/1k hs" handshakes
while read -r m d s n r; do
	printf '%-8s %6s %18s %18s %10s\n' "$m" "$r" "$d" "$s" "$n"
done <"$W/results"
med()
{
	awk -v m="$1" -v c="$2" '$1 == m { print $c }' "$W/results" | median
}
# spread MODE COLUMN: min..max over the rounds of MODE's figure / the none run of its round.
spread()
{
	awk -v m="$1" -v c="$2" '$1 == "none" { base[$5] = $c } $1 == m { v[$5] = $c }
		END { for (r in v) if (base[r] > 0) { x = v[r] / base[r]
			if (lo == "" || x < lo) lo = x; if (hi == "" || x > hi) hi = x }
		if (lo != "") printf "%.2f..%.2f\n", lo, hi; else print "nan" }' "$W/results"
}
base_d=$(med none 2) base_s=$(med none 3)
bench attribution_none_daemon_cpu "${base_d:-nan}" "ms/1k_handshakes"
bench attribution_none_system_cpu "${base_s:-nan}" "ms/1k_handshakes"
for m in "${MODES[@]}"; do
	[ "$m" = none ] && continue
	d=$(med "$m" 2) s=$(med "$m" 3)
	bench "attribution_${m}_daemon_cpu" "${d:-nan}" "ms/1k_handshakes" \
		"$(ratio "${d:-0}" "${base_d:-0}")" attribution_none_daemon_cpu
	echo "attribution: $m daemon ratio per round: $(spread "$m" 2)"
	bench "attribution_${m}_system_cpu" "${s:-nan}" "ms/1k_handshakes" \
		"$(ratio "${s:-0}" "${base_s:-0}")" attribution_none_system_cpu
	echo "attribution: $m system ratio per round: $(spread "$m" 3)"
done

[ "${PROFILE:-1}" = 1 ] || exit 0
old_stats=$(sysctl -n kernel.bpf_stats_enabled 2>/dev/null) || exit 0
# shellcheck disable=SC2317 # run by the EXIT trap
restore_stats()
{
	sysctl -qw kernel.bpf_stats_enabled="$old_stats"
	return 0
}
t_on_exit restore_stats
sysctl -qw kernel.bpf_stats_enabled=1
one "${PROFILE_MODE:-both}" profile
restore_stats
[ -n "${PERF_OUT:-}" ] && [ -s "$W/perf.data" ] && cp "$W/perf.data" "$PERF_OUT"
n=$(cat "$W/profile_hs" 2>/dev/null)
[ "${n:-0}" -gt 0 ] || exit 0
echo "attribution: profile of one '${PROFILE_MODE:-both}' run, $n handshakes: BPF programs (kernel stats)"
join "$W/progs0" "$W/progs1" | awk -v n="$n" '{ runs = $4 - $2; ns = $5 - $3
	if (runs > 0) printf "attribution:   %-24s %10d runs %8.2f runs/hs %8.1f ns/run %10.0f ns/hs\n",
		$1, runs, runs / n, ns / runs, ns / n }' | sort -k7 -g -r
if [ -s "$W/perf.data" ]; then
	echo "attribution: the daemon's hottest functions (perf, self time):"
	perf report -q -i "$W/perf.data" --no-children --sort symbol --percent-limit 2 2>/dev/null |
		grep -v '^$' | grep '%' | head -15 | sed 's/^/attribution:   /'
	echo "attribution: of which the daemon's attribution and verdict code (host/):"
	perf report -q -i "$W/perf.data" --no-children --sort symbol 2>/dev/null | grep '%' |
		grep -E 'owner_|attrib|proc_(cache|names)|cgroup_path|tlslib_|ring_buffer__consume|ringbuf__consume' |
		head -8 | sed 's/^/attribution:   /'
fi
