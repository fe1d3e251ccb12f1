#!/bin/bash
# `run --workers 2` against one worker (issue 16 item 1, goal 1.8x on 2 cores), measured so that
# the generator does not share the cores with the daemon while it is timed (needs root). The
# daemon is started with a 1 GiB ring buffer and stopped (SIGSTOP); tools/inject then writes N
# recorded handshakes into the veth as inject_load.sh does (native XDP copies them into the ring
# while the daemon sleeps); the injector exits, the daemon is continued (SIGCONT) and timed until
# tlsmon_handshakes_total reaches what was sent. That is the daemon's own rate through its
# whole live path (ring buffer, dealing to workers, engines, metrics), with both cores free for
# it. Rounds alternate the two settings (1 then 2, 2 then 1, ...), so load from elsewhere hits
# both alike. A round counts only if every handshake was reported with no ring-buffer drop.
#
# Usage: bench/workers_drain.sh [HANDSHAKES [ROUNDS]]   (default 60000 and 4)
#        DRAIN_WORKERS="1 2" the settings compared (the first is the baseline).
set -u
# shellcheck source=bench/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
bench_require workers_drain curl tshark openssl jq
N=${1:-60000}
ROUNDS=${2:-4}
read -r -a SETTINGS <<<"${DRAIN_WORKERS:-1 2}"
INJECT=$BUILD/tools/inject
# Polls of /metrics while draining: each is a curl (a few ms), 2 % of a 2.5 s drain.
POLL=0.05

bench_workdir
inject_sources workers_drain
nkeep=$(wc -l <"$W/keep")
[ "$nkeep" -gt 0 ] || die "no template"
echo "workers_drain: $nkeep templates (one handshake each in \`tlsmon read\`), $N handshakes a" \
	"round, $ROUNDS rounds of ${SETTINGS[*]} workers"

netns_setup 9 || die "namespace setup failed"
DMAC=02:00:00:00:00:02 # another host's: A's stack drops the frames after the hooks
tlsmon_start "$NS_A" "$W/tlsmon-cal.log" -i "$IF_A" --ingress xdp --log "$W/cal.jsonl" \
	--local-net 10.64.0.0/24,fd00:64::/64 || die "tlsmon run did not start"
inject_calibrate workers_drain "$NS_A" "$W/cal.jsonl"
tlsmon_stop
nkeep=$(wc -l <"$W/keep")
echo "workers_drain: calibration: $INJECT_CAL_COUNTED handshakes counted; $nkeep templates kept"
[ "$nkeep" -gt 0 ] || die "no template"
first=$((nkeep + 64))

# drain WORKERS: one round; prints "SENT REPORTED DROPS WALL_S CPU_S", or nothing on failure.
drain()
{
	local w=$1 out sent t0 t1 c0 c1 h h0 d0 i last=-1 still=0
	tlsmon_start "$NS_A" "$W/tlsmon-$w.log" -i "$IF_A" --ingress xdp --ring-bytes 1G \
		--max-flows 262144 --workers "$w" --local-net 10.64.0.0/24,fd00:64::/64 || return 1
	# Warm-up: every template once, so that each worker's certificate cache, tables and heap
	# are what a daemon that has run a while has: with 2 workers a cold start parses each
	# certificate once in each worker and faults in two heaps (page clearing was 7 % of a
	# cold drain's samples against 0.05 % with one worker).
	out=$(ip netns exec "$NS_B" "$INJECT" -i "$IF_B" --dst-mac "$DMAC" -c 64 -n "$nkeep" -d 60 \
		-f "$first" -k "$W/keep" "${SRC[@]}" 2>/dev/null)
	sent=$(sed -n 's/.* flows=\([0-9]*\).*/\1/p' <<<"$out")
	first=$((first + ${sent:-0} + 64))
	settle "$NS_A" "$W/m" tlsmon_handshakes_total
	h0=$(metric_sum "$W/m" tlsmon_handshakes_total)
	d0=$(metric_sum "$W/m" tlsmon_ringbuf_dropped_total)
	kill -STOP "$TM_PID"
	out=$(ip netns exec "$NS_B" "$INJECT" -i "$IF_B" --dst-mac "$DMAC" -c 64 -n "$N" -d 120 \
		-f "$first" -k "$W/keep" "${SRC[@]}" 2>/dev/null)
	sent=$(sed -n 's/.* flows=\([0-9]*\).*/\1/p' <<<"$out")
	first=$((first + ${sent:-0} + 64))
	c0=$(cpu_ns "$TM_PID")
	t0=${EPOCHREALTIME/./}
	kill -CONT "$TM_PID"
	# until every handshake is counted, or the count stands still for 2 s (a loss)
	while :; do
		scrape "$NS_A" "$W/m" || continue
		t1=${EPOCHREALTIME/./}
		h=$(($(metric_sum "$W/m" tlsmon_handshakes_total) - h0))
		[ "$h" -ge "${sent:-0}" ] && break
		if [ "$h" = "$last" ]; then
			still=$((still + 1))
			[ $still -ge $((2 * 20)) ] && break
		else
			still=0 last=$h
		fi
		sleep "$POLL"
	done
	c1=$(cpu_ns "$TM_PID")
	i=$(($(metric_sum "$W/m" tlsmon_ringbuf_dropped_total) - d0))
	tlsmon_stop
	awk -v s="${sent:-0}" -v h="$h" -v d="$i" -v a="$t0" -v b="$t1" -v c0="$c0" -v c1="$c1" \
		'BEGIN { printf "%d %d %d %.3f %.3f\n", s, h, d, (b - a) / 1e6, (c1 - c0) / 1e9 }'
}

printf '%-6s %-8s %8s %8s %6s %8s %8s %10s\n' round workers sent reported drops wall_s cpu_s hs/s
declare -A WALL=() CPU=()
for ((r = 1; r <= ROUNDS; r++)); do
	order=("${SETTINGS[@]}")
	((r % 2 == 0)) && order=("${SETTINGS[1]}" "${SETTINGS[0]}")
	for w in "${order[@]}"; do
		res=$(drain "$w") || die "tlsmon run --workers $w did not start"
		read -r sent rep drops wall cpu <<<"$res"
		printf '%-6s %-8s %8s %8s %6s %8s %8s %10s\n' "$r" "$w" "$sent" "$rep" "$drops" "$wall" \
			"$cpu" "$(awk -v n="$rep" -v t="$wall" 'BEGIN { printf "%.0f", n / t }')"
		if [ "$sent" -gt 0 ] && [ "$rep" -eq "$sent" ] && [ "$drops" -eq 0 ]; then
			WALL[$w]+="$wall " CPU[$w]+="$cpu "
		fi
	done
done

# med LIST: lib.sh's median of a space-separated list ("nan" when empty)
med()
{
	local m
	m=$(tr ' ' '\n' <<<"$1" | grep . | median)
	echo "${m:-nan}"
}
b=${SETTINGS[0]}
wb=$(med "${WALL[$b]:-}") cb=$(med "${CPU[$b]:-}")
bench "drain_workers_${b}_wall" "$wb" s
for w in "${SETTINGS[@]:1}"; do
	ww=$(med "${WALL[$w]:-}") cw=$(med "${CPU[$w]:-}")
	sp=$(ratio "$wb" "$ww")
	echo "workers_drain: $w workers drain $N handshakes in $ww s (median), $b in $wb s:" \
		"${sp}x; CPU time ${cw} s against ${cb} s ($(ratio "$cw" "$cb")x)"
	bench "drain_workers_${w}_wall" "$ww" s
	bench "drain_workers_${w}_speedup" "$sp" x "$sp" "workers_$b"
	bench "drain_workers_${w}_cpu" "$cw" s "$(ratio "$cw" "$cb")" "workers_$b"
done
