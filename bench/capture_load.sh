#!/bin/bash
# Capture completeness under load (needs root). tools/replay opens real TCP connections to port
# 443 from namespace B to namespace A and replays a recorded TLS 1.2 handshake (real chain, no
# crypto) at increasing paced rates, then as fast as it can; `tlsmon run` watches the client-side
# veth. For each level: connections completed (sent) vs tlsmon_handshakes_total (reported). Then
# the daemon is stopped (SIGSTOP) for 2 s in the middle of a run, so the ring buffer overflows,
# and the drops must show in tlsmon_ringbuf_dropped_total instead of vanishing.
# The generator, both TCP stacks and the daemon share the machine's cores: at the unpaced level
# the generator takes CPU the daemon needs, which is part of what is measured.
#
# Usage: bench/capture_load.sh [SECONDS_PER_LEVEL]   (default 3)
set -u
# shellcheck source=bench/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
bench_require capture_load curl tshark openssl tcpdump python3
SECS=${1:-3}
# Paced rates (conn/s), then "unpaced": as fast as 16 connections at once go.
LEVELS=(1000 2000 5000 10000 15000 unpaced)

bench_assets good || die "could not make the recorded handshake"
bench_workdir
replay_server 7
tlsmon_start "$NS_B" "$W/tlsmon.log" -i "$IF_B" --ingress auto || die "tlsmon run did not start"
picked=$(sed -n 's/.*watching veth0 (ingress \([a-z-]*\),.*/\1/p' "$W/tlsmon.log")
echo "capture_load: tlsmon --ingress auto picked '$picked' for veth"
bench veth_auto_ingress "${picked:-unknown}" mode

printf '%-8s %10s %10s %10s %10s %10s %12s\n' level sent reported captured/sent "conn/s" \
	dropped "cpu ms/1k hs"
best_rate=0 max_rate=0 max_ratio=nan
settle "$NS_B" "$W/m0" tlsmon_handshakes_total
for lv in "${LEVELS[@]}"; do
	if [ "$lv" = unpaced ]; then
		pace=(-c 16)
	else
		pace=(-c 256 -r "$lv")
	fi
	h0=$(metric_sum "$W/m0" tlsmon_handshakes_total)
	d0=$(metric_sum "$W/m0" tlsmon_ringbuf_dropped_total)
	cpu0=$(cpu_ticks "$TM_PID")
	out=$(ip netns exec "$NS_B" "$REPLAY" client -s "$IP4_A:443" "${pace[@]}" -d "$SECS" \
		"${TURNS[@]}") || echo "capture_load: replay at $lv failed: $out" >&2
	settle "$NS_B" "$W/m1" tlsmon_handshakes_total
	cpu1=$(cpu_ticks "$TM_PID")
	sent=$(sed -n 's/.*completed=\([0-9]*\).*/\1/p' <<<"$out")
	failed=$(sed -n 's/.*failed=\([0-9]*\).*/\1/p' <<<"$out")
	rate=$(sed -n 's/.*rate=\([0-9.]*\).*/\1/p' <<<"$out")
	h1=$(metric_sum "$W/m1" tlsmon_handshakes_total)
	d1=$(metric_sum "$W/m1" tlsmon_ringbuf_dropped_total)
	rep=$((h1 - h0))
	r=$(ratio "$rep" "${sent:-0}")
	cpums=$(awk -v t=$((cpu1 - cpu0)) -v hz="$(getconf CLK_TCK)" -v n="$rep" \
		'BEGIN { if (n > 0) printf "%.1f", t * 1000 / hz / n * 1000; else print "nan" }')
	printf '%-8s %10s %10s %10s %10s %10s %12s\n' "$lv" "${sent:-?}" "$rep" "$r" "${rate:-?}" \
		$((d1 - d0)) "$cpums"
	[ "${failed:-0}" -gt 0 ] && echo "capture_load: $failed connections failed at $lv" >&2
	bench "capture_${lv}_rate" "${rate:-0}" conn/s
	bench "capture_${lv}_captured" "$r" "reported/sent" "$r" sent
	bench "capture_${lv}_daemon_cpu" "$cpums" "ms/1k_handshakes"
	# The highest rate at which every handshake was reported.
	if [ "$rep" -eq "${sent:-0}" ] && [ "$((d1 - d0))" -eq 0 ] &&
		awk -v a="${rate:-0}" -v b="$best_rate" 'BEGIN { exit !(a > b) }'; then
		best_rate=${rate:-0}
	fi
	if awk -v a="${rate:-0}" -v b="$max_rate" 'BEGIN { exit !(a > b) }'; then
		max_rate=${rate:-0} max_ratio=$r
	fi
	cp "$W/m1" "$W/m0"
done
bench capture_complete_rate "$best_rate" conn/s
bench capture_max_rate "$max_rate" conn/s
bench capture_completeness_at_max "$max_ratio" "reported/sent" "$max_ratio" sent
echo "capture_load: every handshake reported up to $best_rate conn/s (captured/sent 1.000);" \
	"highest rate reached $max_rate conn/s with captured/sent $max_ratio (goal 1.000)"

# Overload on purpose: the consumer stops for 2 s while the replay runs at the best level.
h0=$(metric_sum "$W/m0" tlsmon_handshakes_total)
d0=$(metric_sum "$W/m0" tlsmon_ringbuf_dropped_total)
g0=$(metric_sum "$W/m0" tlsmon_reassembly_gaps_total)
ip netns exec "$NS_B" "$REPLAY" client -s "$IP4_A:443" -c 256 -r 5000 -d 5 "${TURNS[@]}" \
	>"$W/over.out" &
RPID=$!
sleep 1.5
kill -STOP "$TM_PID"
sleep 2
kill -CONT "$TM_PID"
wait "$RPID"
settle "$NS_B" "$W/m1" tlsmon_handshakes_total
sent=$(sed -n 's/.*completed=\([0-9]*\).*/\1/p' "$W/over.out")
h1=$(metric_sum "$W/m1" tlsmon_handshakes_total)
d1=$(metric_sum "$W/m1" tlsmon_ringbuf_dropped_total)
g1=$(metric_sum "$W/m1" tlsmon_reassembly_gaps_total)
est=$(awk '/^tlsmon_handshakes_total\{/ && /outcome="established"/ { s += $NF } END { print s + 0 }' \
	"$W/m1")
est0=$(awk '/^tlsmon_handshakes_total\{/ && /outcome="established"/ { s += $NF } END { print s + 0 }' \
	"$W/m0")
rep=$((h1 - h0)) drops=$((d1 - d0)) gaps=$((g1 - g0))
missing=$((sent - rep))
echo "capture_load: overload (daemon stopped 2 s): sent $sent, reported $rep" \
	"($((est - est0)) established), not reported $missing, ring-buffer records dropped $drops," \
	"reassembly gaps $gaps"
grep -h '^tlsmon_handshakes_total{' "$W/m1" | sed 's/^/  /'
bench overload_sent "$sent" handshakes
bench overload_reported "$rep" handshakes "$(ratio "$rep" "$sent")" sent
bench overload_ringbuf_dropped "$drops" records
if [ "$drops" -gt 0 ] && { [ "$missing" -le 0 ] || [ "$drops" -ge "$missing" ]; }; then
	echo "capture_load: overload drops are counted (dropped records $drops >= unreported" \
		"handshakes $missing)"
	bench overload_drops_counted yes bool
else
	echo "capture_load: SILENT LOSS? dropped records $drops, unreported handshakes $missing"
	bench overload_drops_counted no bool
fi
tlsmon_stop
