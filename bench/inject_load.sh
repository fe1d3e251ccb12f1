#!/bin/bash
# Capture completeness with a generator that is not the limit (needs root). tools/inject writes
# recorded handshakes as raw frames (AF_PACKET, PACKET_QDISC_BYPASS, sendmmsg) into B's end of a
# veth pair, each flow rewritten to its own 4-tuple and sequence numbers; `tlsmon run` watches
# A's end with native XDP. Neither side runs a TCP stack for these flows (A owns none of the
# addresses and drops the frames after the hooks), so the CPU goes to the injector and the daemon
# only. Templates: the bench's real captures (good, weak, big chains), 2,000 hsgen handshakes with
# distinct leaf certificates, and the real captures in ../shared/pcaps when present; only those
# whose rewritten copy `tlsmon read` reports as exactly one handshake are replayed, so
# reported/sent must be 1.000. Levels: paced rates, then unpaced; for each, flows sent (every
# frame of the flow handed to the device) against the change in tlsmon_handshakes_total, and
# every counter where a loss would show: ring-buffer drops, the veths' drop counters, flow-table
# evictions, reassembly gaps, the injector's full-queue waits, the daemon's CPU. A first run
# with nothing attached is the baseline: how fast the injector alone fills the veth. Last, the
# daemon is stopped for 1 s in an unpaced run: what it misses must show as ring-buffer drops.
#
# Usage: bench/inject_load.sh [SECONDS_PER_LEVEL]   (default 2)
#        INJECT_LEVELS="10000 50000 unpaced" overrides the levels (flows/s);
#        INJECT_TLSMON_ARGS="--workers 2" adds options to `tlsmon run`.
set -u
# shellcheck source=bench/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
bench_require inject_load curl tshark openssl jq
SECS=${1:-2}
read -r -a LEVELS <<<"${INJECT_LEVELS:-5000 10000 20000 40000 80000 160000 unpaced}"
INJECT=$BUILD/tools/inject

bench_workdir
# Templates: the chains', the distinct certificates', ../shared's (bench/lib.sh).
inject_sources inject_load
nkeep=$(wc -l <"$W/keep")
echo "inject_load: $(cat "$W/probe.err")"
echo "inject_load: $nkeep templates replayed (one handshake each in \`tlsmon read\`), of" \
	"$(wc -l <"$W/usable") usable flows in ${#SRC[@]} captures"
[ "$nkeep" -gt 0 ] || die "no template"

netns_setup 9 || die "namespace setup failed"
# A unicast address that is not A's: A's stack drops the frames as another host's at its first
# look (after XDP), so it spends next to nothing on them.
DMAC=02:00:00:00:00:02
# inject_run ARGS...: one injector run from B into the veth, niced (other jobs share the cores).
inject_run()
{
	ip netns exec "$NS_B" nice -n 5 "$INJECT" -i "$IF_B" --dst-mac "$DMAC" -c 64 -d "$SECS" \
		-k "$W/keep" "$@" "${SRC[@]}" 2>/dev/null
}
kv()
{
	sed -n "s/.* $1=\([0-9.]*\).*/\1/p" <<<"$2"
}

# The baseline of the same run: how fast the injector fills the veth with nothing attached.
out=$(inject_run -f 0) || echo "inject_load: inject alone: ${out:-failed}" >&2
gen_rate=$(kv rate "$out")
echo "inject_load: injector alone (nothing attached): ${gen_rate:-?} flows/s," \
	"$(kv pps "$out") frames/s"
bench inject_generator_alone_rate "${gen_rate:-0}" flows/s
first=$(($(kv flows "$out") + 64))

# The handshakes are between addresses of no interface: --local-net makes them count in
# tlsmon_handshakes_total instead of tlsmon_not_local_handshakes_total.
# shellcheck disable=SC2086 # INJECT_TLSMON_ARGS is a list of options
tlsmon_start "$NS_A" "$W/tlsmon.log" -i "$IF_A" --ingress xdp --log "$W/live.jsonl" \
	--local-net 10.64.0.0/24,fd00:64::/64 ${INJECT_TLSMON_ARGS:-} || die "tlsmon run did not start"

# Calibration at a low rate (bench/lib.sh).
inject_calibrate inject_load "$NS_A" "$W/live.jsonl"
out=$INJECT_CAL_OUT want=$INJECT_CAL_COUNTED
nkeep=$(wc -l <"$W/keep")
echo "inject_load: calibration: $want handshakes counted, $(wc -l <"$W/live.jsonl") logged, for" \
	"${out:-?}; $nkeep templates kept"
bench inject_templates "$nkeep" templates
[ "$nkeep" -gt 0 ] || die "no template"
first=$((first > nkeep ? first + 64 : nkeep + 64))

# veth_drops: the drops both veth ends count (A receiving, B sending), summed.
veth_drops()
{
	{
		ip -n "$NS_A" -s -j link show "$IF_A" | jq '.[0].stats64.rx.dropped'
		ip -n "$NS_B" -s -j link show "$IF_B" | jq '.[0].stats64.tx.dropped'
	} | awk '{ s += $1 } END { print s + 0 }'
}

COUNTERS=(tlsmon_ringbuf_dropped_total tlsmon_flows_evicted_total tlsmon_reassembly_gaps_total
	tlsmon_flow_budget_exhausted_total)
printf '%-8s %9s %9s %8s %10s %10s %8s %6s %6s %6s %6s %6s %10s %5s\n' level sent reported ratio \
	"flows/s" pps tx_busy ring veth evict gaps budget "cpu ms/1k" "cpu%"
settle "$NS_A" "$W/m0" tlsmon_handshakes_total
best_rate=0 best_level=none broke='' broke_rate=0 broke_ring=0 broke_veth=0
for lv in "${LEVELS[@]}"; do
	pace=()
	[ "$lv" = unpaced ] || pace=(-r "$lv")
	h0=$(metric_sum "$W/m0" tlsmon_handshakes_total)
	v0=$(veth_drops)
	cpu0=$(cpu_ticks "$TM_PID")
	t0=$(now_s)
	out=$(inject_run -f "$first" "${pace[@]}") || echo "inject_load: inject at $lv: ${out:-failed}" >&2
	settle "$NS_A" "$W/m1" tlsmon_handshakes_total
	cpu1=$(cpu_ticks "$TM_PID")
	v1=$(veth_drops)
	t1=$(now_s)
	sent=$(kv flows "$out") rate=$(kv rate "$out") pps=$(kv pps "$out") busy=$(kv tx_busy "$out")
	sent=${sent:-0}
	first=$((first + sent + 64))
	h1=$(metric_sum "$W/m1" tlsmon_handshakes_total)
	rep=$((h1 - h0))
	r=$(ratio "$rep" "$sent")
	declare -A D=()
	for c in "${COUNTERS[@]}"; do
		D[$c]=$(($(metric_sum "$W/m1" "$c") - $(metric_sum "$W/m0" "$c")))
	done
	vd=$((v1 - v0))
	cpums=$(awk -v t=$((cpu1 - cpu0)) -v hz="$(getconf CLK_TCK)" -v n="$rep" \
		'BEGIN { if (n > 0) printf "%.1f", t * 1000 / hz / n * 1000; else print "nan" }')
	# The daemon's share of one core over the level, settling included.
	cpupct=$(awk -v t=$((cpu1 - cpu0)) -v hz="$(getconf CLK_TCK)" -v a="$t0" -v b="$t1" \
		'BEGIN { printf "%.0f", t / hz / (b - a) * 100 }')
	printf '%-8s %9s %9s %8s %10s %10s %8s %6s %6s %6s %6s %6s %10s %5s\n' "$lv" "$sent" "$rep" "$r" \
		"${rate:-?}" "${pps:-?}" "${busy:-?}" "${D[tlsmon_ringbuf_dropped_total]}" "$vd" \
		"${D[tlsmon_flows_evicted_total]}" "${D[tlsmon_reassembly_gaps_total]}" \
		"${D[tlsmon_flow_budget_exhausted_total]}" "$cpums" "$cpupct"
	bench "inject_${lv}_rate" "${rate:-0}" flows/s "$(ratio "${rate:-0}" "${gen_rate:-0}")" \
		generator_alone
	bench "inject_${lv}_reported" "$r" "reported/sent" "$r" sent
	bench "inject_${lv}_ringbuf_dropped" "${D[tlsmon_ringbuf_dropped_total]}" records
	bench "inject_${lv}_daemon_cpu" "$cpums" "ms/1k_handshakes"
	if [ "$sent" -gt 0 ] && [ "$rep" -eq "$sent" ] && [ "${D[tlsmon_ringbuf_dropped_total]}" -eq 0 ] &&
		[ "$vd" -eq 0 ]; then
		if awk -v a="${rate:-0}" -v b="$best_rate" 'BEGIN { exit !(a > b) }'; then
			best_rate=${rate:-0} best_level=$lv
		fi
	elif [ -z "$broke" ]; then
		# What broke first: every counter that moved at the first level that lost something.
		broke="at $lv (${rate:-?} flows/s): reported $rep of $sent"
		broke_rate=${rate:-0} broke_ring=${D[tlsmon_ringbuf_dropped_total]} broke_veth=$vd
		for c in "${COUNTERS[@]}"; do
			[ "${D[$c]}" -ne 0 ] && broke+=", ${c#tlsmon_} ${D[$c]}"
		done
		[ "$vd" -ne 0 ] && broke+=", veth drops $vd"
		[ "${busy:-0}" -ne 0 ] && broke+=", injector waited on a full device queue ${busy} times"
	fi
	cp "$W/m1" "$W/m0"
done
bench inject_complete_rate "$best_rate" flows/s "$(ratio "$best_rate" "${gen_rate:-0}")" \
	generator_alone
echo "inject_load: every handshake reported up to $best_rate flows/s (level $best_level;" \
	"reported/sent 1.000, no drops)"
if [ -n "$broke" ]; then
	echo "inject_load: first loss $broke"
	bench inject_first_loss_rate "$broke_rate" flows/s
	bench inject_first_loss_ringbuf_dropped "$broke_ring" records
	bench inject_first_loss_veth_dropped "$broke_veth" frames
else
	bench inject_first_loss_rate none flows/s
	echo "inject_load: no level lost a handshake; the last level ran at ${rate:-?} flows/s," \
		"$(ratio "${rate:-0}" "${gen_rate:-0}") of the injector alone, with the daemon at" \
		"${cpupct:-?} % of one core"
fi

# Overload on purpose: the daemon stops for 1 s in an unpaced run, the ring buffer fills, and the
# handshakes it misses must show up as counted ring-buffer drops, not vanish.
h0=$(metric_sum "$W/m0" tlsmon_handshakes_total)
d0=$(metric_sum "$W/m0" tlsmon_ringbuf_dropped_total)
ip netns exec "$NS_B" nice -n 5 "$INJECT" -i "$IF_B" --dst-mac "$DMAC" -c 64 -d 3 -f "$first" \
	-k "$W/keep" "${SRC[@]}" >"$W/over.out" 2>/dev/null &
IPID=$!
sleep 1
kill -STOP "$TM_PID"
sleep 1
kill -CONT "$TM_PID"
wait "$IPID"
settle "$NS_A" "$W/m1" tlsmon_handshakes_total
sent=$(kv flows "$(cat "$W/over.out")")
sent=${sent:-0}
rep=$(($(metric_sum "$W/m1" tlsmon_handshakes_total) - h0))
drops=$(($(metric_sum "$W/m1" tlsmon_ringbuf_dropped_total) - d0))
echo "inject_load: overload (daemon stopped 1 s): sent $sent, reported $rep, not reported" \
	"$((sent - rep)), ring-buffer records dropped $drops"
bench inject_overload_reported "$rep" handshakes "$(ratio "$rep" "$sent")" sent
bench inject_overload_ringbuf_dropped "$drops" records
if [ "$rep" -eq "$sent" ] || [ "$drops" -gt 0 ]; then
	bench inject_overload_drops_counted yes bool
else
	bench inject_overload_drops_counted no bool
fi
tlsmon_stop
