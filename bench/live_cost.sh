#!/bin/bash
# Live against offline, per handshake (issue 16 item 2): the daemon's CPU for handshakes that
# tools/inject writes into a veth (native XDP on the peer, as in inject_load.sh), against the
# CPU of `tlsmon read` on a pcap of exactly the same flows (inject -w: same templates, same
# rewriting). Rounds alternate live and offline (A B A B ...) so the machine's load shows in
# both; the ratio of each round and their spread are printed. Beside the ratio, where the
# daemon's CPU goes: voluntary context switches (wakeups) and ring-buffer records per 1,000
# handshakes, and, when perf works, the daemon's hottest symbols grouped into
# analysis / ring buffer and wakeups / map updates / other kernel / other.
#
# Usage: bench/live_cost.sh [FLOWS_PER_ROUND] [ROUNDS] [RATE]   (defaults 20000, 3, 40000 flows/s;
#        RATE "unpaced" sends as fast as the injector can)
set -u
# shellcheck source=bench/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
bench_require live_cost curl jq openssl tshark
WANT=${1:-20000}
ROUNDS=${2:-3}
RATE=${3:-40000}
INJECT=$BUILD/tools/inject
# Another build's binary, to compare before and after a change in the same run.
TLSMON=${LIVE_COST_TLSMON:-$TLSMON}

bench_workdir
# Templates `tlsmon read` reports as exactly one handshake (as inject_load.sh keeps them).
inject_templates live_cost
T=$(wc -l <"$W/keep")
[ "$T" -gt 0 ] || die "no template"
netns_setup 9 || die "namespace setup failed"
# --log-all: a JSON line for every handshake, as `tlsmon read` writes.
tlsmon_start "$NS_A" "$W/tlsmon.log" -i "$IF_A" --ingress xdp --log "$W/live.jsonl" --log-all \
	--local-net 10.64.0.0/24,fd00:64::/64 || die "tlsmon run did not start"
# Calibration: each template once at 1,000 flows/s (flow k = template k, client port 10000 + k);
# those the daemon does not log exactly once are left out, so both sides see the same handshakes.
ip netns exec "$NS_B" "$INJECT" -i "$IF_B" --dst-mac 02:00:00:00:00:02 -n "$T" -r 1000 \
	-d $((T / 1000 + 3)) -k "$W/keep" "${SRC[@]}" >/dev/null 2>&1
settle "$NS_A" "$W/m0" tlsmon_handshakes_total 3
jq -r '.client | sub(".*[]:]"; "")' "$W/live.jsonl" | sort -n | uniq -c |
	awk '$1 == 1 { print $2 - 10000 }' >"$W/one.live"
awk 'NR == FNR { one[$1] = 1; next } (FNR - 1) in one' "$W/one.live" "$W/keep" >"$W/keep.live"
echo "live_cost: $((T - $(wc -l <"$W/keep.live"))) of $T templates left out: not logged" \
	"exactly once live"
mv "$W/keep.live" "$W/keep"
T=$(wc -l <"$W/keep")
[ "$T" -gt 0 ] || die "no template left"
# A whole number of template cycles, so that every round replays the same mix.
N=$(((WANT + T - 1) / T * T))
"$INJECT" -w "$W/same.pcap" -n "$N" -k "$W/keep" "${SRC[@]}" >/dev/null 2>&1 ||
	die "inject -w of the round's flows failed"
off_hs=$("$TLSMON" read "$W/same.pcap" 2>/dev/null | wc -l)
echo "live_cost: $T templates, $N flows a round ($off_hs handshakes offline), $ROUNDS rounds," \
	"live at ${RATE} flows/s; load average $(cut -d' ' -f1-3 /proc/loadavg)"

# task_ns PID: CPU time of every thread of PID, in ns (schedstat: exact, where /proc/PID/stat
# counts whole clock ticks).
task_ns()
{
	cat /proc/"$1"/task/*/schedstat 2>/dev/null | awk '{ s += $1 } END { printf "%.0f\n", s }'
}
status_sum()
{
	cat /proc/"$1"/task/*/status 2>/dev/null | awk -v k="$2:" '$1 == k { s += $2 } END { print s + 0 }'
}
# copied FILE: frames the kernel copied to the ring buffer, every hook.
copied()
{
	awk '$1 ~ /^tlsmon_kernel_packets_total\{/ && /result="copied"/ { s += $NF } END { printf "%.0f\n", s }' "$1"
}

pace=(-r "$RATE")
[ "$RATE" = unpaced ] && pace=()
first=$N # live round k replays flows kN .. kN + N - 1: fresh 4-tuples, the same templates
settle "$NS_A" "$W/m0" tlsmon_handshakes_total 2
for ((r = 1; r <= ROUNDS; r++)); do
	# A: live
	h0=$(metric_sum "$W/m0" tlsmon_handshakes_total)
	rd0=$(copied "$W/m0")
	c0=$(task_ns "$TM_PID") v0=$(status_sum "$TM_PID" voluntary_ctxt_switches)
	out=$(ip netns exec "$NS_B" nice -n 5 "$INJECT" -i "$IF_B" --dst-mac 02:00:00:00:00:02 -c 64 \
		-d 60 -n "$N" -f "$first" "${pace[@]}" -k "$W/keep" "${SRC[@]}" 2>/dev/null)
	settle "$NS_A" "$W/m1" tlsmon_handshakes_total 5
	c1=$(task_ns "$TM_PID") v1=$(status_sum "$TM_PID" voluntary_ctxt_switches)
	first=$((first + N))
	hs=$(($(metric_sum "$W/m1" tlsmon_handshakes_total) - h0))
	recs=$(($(copied "$W/m1") - rd0))
	cp "$W/m1" "$W/m0"
	live=$(awk -v c=$((c1 - c0)) -v n="$hs" 'BEGIN { if (n > 0) printf "%.2f", c / 1e6 / n * 1000; else print "nan" }')
	# B: offline, the same flows
	/usr/bin/time -f '%U %S' -o "$W/time" "$TLSMON" read "$W/same.pcap" >/dev/null 2>&1
	off=$(awk -v n="$off_hs" '{ printf "%.2f", ($1 + $2) * 1000 / n * 1000 }' "$W/time")
	ratio_r=$(ratio "$live" "$off")
	echo "$ratio_r" >>"$W/ratios"
	printf 'live_cost: round %d: live %s ms/1k hs (%s handshakes of %s flows, %s), offline %s ms/1k hs, ratio %s;' \
		"$r" "$live" "$hs" "$N" "$(sed -n 's/.*\(rate=[0-9.]*\).*/\1/p' <<<"$out")" "$off" "$ratio_r"
	awk -v n="$hs" -v v=$((v1 - v0)) -v rec="$recs" 'BEGIN {
		k = n > 0 ? 1000 / n : 0
		printf " per 1k hs: wakeups %.0f, records %.0f\n", v * k, rec * k }'
	echo "$live" >>"$W/live" && echo "$off" >>"$W/off"
	echo "$((v1 - v0)) $hs" >>"$W/wake"
done
med=$(median <"$W/ratios")
spread="$(best_min <"$W/ratios")-$(best_max <"$W/ratios")"
bench live_cost_daemon_cpu "$(median <"$W/live")" ms/1k_handshakes
bench live_cost_offline_cpu "$(median <"$W/off")" ms/1k_handshakes
bench live_cost_ratio "$med" "x_offline(range=$spread)" "$med" offline
bench live_cost_wakeups "$(awk '{ v += $1; n += $2 } END { printf "%.0f", n ? v * 1000 / n : 0 }' "$W/wake")" \
	per_1k_handshakes

# The latency a batch of wake-ups adds: single flows on an otherwise idle veth, from the capture
# of a flow's last frame to its line in the log (bench/live_cost_lone.py).
for ((i = 0; i < 10; i++)); do
	echo "ip netns exec $NS_B $INJECT -i $IF_B --dst-mac 02:00:00:00:00:02 -n 1 -f $((first + i))" \
		"-k $W/keep ${SRC[*]}"
done >"$W/lone.cmds"
first=$((first + 10))
# At the daemon's default priority: the bench may run under nice, and a niced daemon on a busy
# machine waits tens of ms for a CPU, which is not what tlsmon adds.
ni=$(ps -o ni= -p "$TM_PID" | tr -d ' ')
renice -n 0 -p "$TM_PID" >/dev/null 2>&1
python3 "$BENCH_ROOT/bench/live_cost_lone.py" "$W/live.jsonl" 2 "$W/lone.cmds" | grep -v none >"$W/lone"
renice -n "${ni:-0}" -p "$TM_PID" >/dev/null 2>&1
if [ -s "$W/lone" ]; then
	echo "live_cost: lone flows, last frame to log line (ms): $(tr '\n' ' ' <"$W/lone")"
	bench live_cost_lone_latency "$(median <"$W/lone")" \
		"ms(max=$(best_max <"$W/lone"),n=$(wc -l <"$W/lone"))"
else
	echo "live_cost: no lone flow was logged"
fi

# Where the CPU goes: one more live round under perf (not part of the ratio above) and one
# offline read under perf, their symbols grouped (bench/live_cost_groups.awk); each group's
# share times the median CPU per handshake above gives its ms per 1,000 handshakes on each side.
live_med=$(median <"$W/live") off_med=$(median <"$W/off")
groups()
{
	perf report -i "$1" --no-children --sort sym --stdio 2>/dev/null |
		awk -f "$BENCH_ROOT/bench/live_cost_groups.awk"
}
if perf record -q -o "$W/perf.test" -- true >/dev/null 2>&1; then
	perf record -q -p "$TM_PID" -o "$W/live.data" 2>/dev/null &
	PERF_PID=$!
	t_track "$PERF_PID"
	ip netns exec "$NS_B" nice -n 5 "$INJECT" -i "$IF_B" --dst-mac 02:00:00:00:00:02 -c 64 -d 60 \
		-n "$N" -f "$first" "${pace[@]}" -k "$W/keep" "${SRC[@]}" >/dev/null 2>&1
	settle "$NS_A" "$W/m1" tlsmon_handshakes_total 5
	kill -INT "$PERF_PID" 2>/dev/null
	wait "$PERF_PID" 2>/dev/null
	perf record -q -o "$W/off.data" -- "$TLSMON" read "$W/same.pcap" >/dev/null 2>&1
	for side in live off; do
		perf report -i "$W/$side.data" --no-children --sort sym --stdio 2>/dev/null \
			>"$BENCH_WORK/live_cost.$side.perf.txt"
	done
	groups "$W/live.data" >"$W/live.groups"
	groups "$W/off.data" >"$W/off.groups"
	echo "live_cost: CPU per 1,000 handshakes by group (perf shares x the medians above):"
	awk -v lm="$live_med" -v om="$off_med" 'NR == FNR { off[$1] = $2; next }
		{ seen[$1] = 1; printf "bench: live_cost_part_%s %.2f ms/1k_handshakes offline=%.2f (live %.1f %%, offline %.1f %%)\n",
			$1, $2 * lm / 100, off[$1] * om / 100, $2, off[$1] }
		END { for (g in off) if (!(g in seen))
			printf "bench: live_cost_part_%s 0.00 ms/1k_handshakes offline=%.2f (live 0.0 %%, offline %.1f %%)\n",
				g, off[g] * om / 100, off[g] }' "$W/off.groups" "$W/live.groups"
	for side in live off; do
		echo "live_cost: hottest symbols, $side (all: $BENCH_WORK/live_cost.$side.perf.txt):"
		grep -v '^#' "$BENCH_WORK/live_cost.$side.perf.txt" | grep -v '^$' | head -"${LIVE_COST_TOP:-15}" | sed 's/^/live_cost:   /'
	done
else
	echo "live_cost: perf cannot record here: no breakdown by symbol"
fi
tlsmon_stop
