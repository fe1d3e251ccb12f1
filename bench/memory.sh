#!/bin/bash
# Memory with 100,000 concurrent unfinished handshakes (needs root). bench/hsflood sends, from
# namespace A, a SYN and a real ClientHello for each of COUNT flows (distinct source ports) to an
# address nobody in namespace B owns, so B drops them after the capture hooks and never answers;
# `tlsmon run --max-flows 131072` watches B's veth. Reported: the daemon's VmRSS/VmHWM before and
# after, bytes per flow, and the kernel map memory of the daemon's programs (bpftool memlock).
# Then a second flood of as many new flows (other source addresses): the table recycles the
# first flood's flows (evicted, reported as incomplete), so RSS must stay flat.
#
# Usage: bench/memory.sh [COUNT [RATE]]   (default 100000 flows at 10000 flows/s)
# RETAIN_BYTES=SIZE runs the daemon with --retain-bytes SIZE (default: the daemon's own default);
# HOLD_BYTES, its former name, still works. RING_BYTES=SIZE runs it with --ring-bytes SIZE (each
# MiB of it is a MiB of VmRSS: the daemon maps the ring's data pages once, capture/ringbuf.c).
set -u
# shellcheck source=bench/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
bench_require memory bpftool jq curl
COUNT=${1:-100000}
RATE=${2:-10000}
MAX_FLOWS=131072
RETAIN_BYTES=${RETAIN_BYTES:-${HOLD_BYTES:-}}

bench_assets good || die "could not make the recorded handshake"
HELLO=${TURNS[0]#c:}
bench_workdir
netns_setup 9 || die "namespace setup failed"
tlsmon_start "$NS_B" "$W/tlsmon.log" -i "$IF_B" --max-flows "$MAX_FLOWS" \
	${RETAIN_BYTES:+--retain-bytes "$RETAIN_BYTES"} ${RING_BYTES:+--ring-bytes "$RING_BYTES"} ||
	die "tlsmon run did not start"

kib()
{
	awk -v k="$2:" '$1 == k { print $2 }' "/proc/$1/status"
}

# Proportional set size: shared pages (libraries) count by the share; a page mapped twice would
# count once, as the memory it is, where VmRSS counts it per mapping.
pss()
{
	awk '$1 == "Pss:" { print $2 }' "/proc/$1/smaps_rollup"
}

# Kernel memory of the maps the daemon holds: their ids from the map fds in /proc/PID/fdinfo
# (this bpftool cannot show which process owns a program), their memlock from bpftool.
map_bytes()
{
	local ids id sum=0 b
	ids=$(awk '$1 == "map_id:" { print $2 }' /proc/"$TM_PID"/fdinfo/* 2>/dev/null | sort -un)
	: >"$W/maps.txt"
	for id in $ids; do
		b=$(bpftool -j map show id "$id" 2>/dev/null | jq -r '.bytes_memlock // 0')
		sum=$((sum + b))
		bpftool -j map show id "$id" 2>/dev/null |
			jq -r '"  map \(.name) \(.type) max_entries=\(.max_entries) memlock=\(.bytes_memlock)"' \
				>>"$W/maps.txt"
	done
	echo "$sum"
}

# What the RSS is made of: /proc/PID/smaps summed by mapping name (anonymous mappings as
# "[anon]"; the ring buffers are "anon_inode:bpf-map", with the programs' .bss).
rss_by_mapping()
{
	awk '/^[0-9a-f]+-[0-9a-f]+ / { name = (NF >= 6) ? $6 : "[anon]"; sub(/.*\//, "", name) }
		$1 == "Rss:" { rss[name] += $2 }
		END { for (n in rss) if (rss[n] >= 256) printf "    %-36s %7d KiB\n", n, rss[n] }' \
		"/proc/$TM_PID/smaps" | sort -k2 -nr
}

sleep 1
settle "$NS_B" "$W/m" tlsmon_frames_total 10
echo "memory: before the flood, RSS by mapping (>= 256 KiB):"
rss_by_mapping
rss0=$(kib "$TM_PID" VmRSS)
pss0=$(pss "$TM_PID")
hwm0=$(kib "$TM_PID" VmHWM)
anon0=$(kib "$TM_PID" RssAnon)
file0=$(kib "$TM_PID" RssFile)
shm0=$(kib "$TM_PID" RssShmem)
kmem=$(map_bytes)
dmac=$(ip -n "$NS_B" -j link show "$IF_B" | jq -r '.[0].address')
ip netns exec "$NS_A" "$BENCH_BIN/hsflood" -i "$IF_A" --dst-mac "$dmac" --src 10.201.0.1 \
	--dst 10.200.9.99 -n "$COUNT" -r "$RATE" "$HELLO" || die "hsflood failed"
settle "$NS_B" "$W/m" tlsmon_frames_total 10
echo "memory: after the flood, RSS by mapping (>= 256 KiB):"
rss_by_mapping
rss1=$(kib "$TM_PID" VmRSS)
pss1=$(pss "$TM_PID")
hwm1=$(kib "$TM_PID" VmHWM)
active=$(metric_sum "$W/m" tlsmon_flows_active)
kflows=$(awk '/^tlsmon_kernel_flows_total\{result="started"\}/ { print $NF }' "$W/m")
drops=$(metric_sum "$W/m" tlsmon_ringbuf_dropped_total)
evicted=$(metric_sum "$W/m" tlsmon_flows_evicted_total)
kmem1=$(map_bytes)
per_flow=$(awk -v a="$rss0" -v b="$rss1" -v n="$active" \
	'BEGIN { if (n > 0) printf "%.0f", (b - a) * 1024 / n; else print "nan" }')
echo "memory: $COUNT flows sent; tlsmon tracks $active in userspace, the kernel started $kflows;" \
	"ring-buffer drops $drops, userspace evictions $evicted"
printf '  %-28s %12s %12s\n' "" before after
printf '  %-28s %9s KiB %9s KiB\n' "daemon VmRSS" "$rss0" "$rss1"
printf '  %-28s %9s KiB %9s KiB\n' "daemon VmHWM (peak)" "$hwm0" "$hwm1"
printf '  %-28s %9s KiB %9s KiB\n' "daemon Pss (ring once)" "$pss0" "$pss1"
printf '  %-28s %9s KiB %9s KiB\n' "  of it RssAnon (heap)" "$anon0" "$(kib "$TM_PID" RssAnon)"
printf '  %-28s %9s KiB %9s KiB\n' "  of it RssFile (libs, ring)" "$file0" "$(kib "$TM_PID" RssFile)"
printf '  %-28s %9s KiB %9s KiB\n' "  of it RssShmem" "$shm0" "$(kib "$TM_PID" RssShmem)"
printf '  %-28s %9s KiB %9s KiB\n' "kernel maps (memlock)" $((kmem / 1024)) $((kmem1 / 1024))
sort -u "$W/maps.txt"
echo "memory: userspace bytes per unfinished handshake: $per_flow;" \
	"kernel flow map is preallocated for $MAX_FLOWS flows"
bench mem_flows_active "$active" flows
bench mem_rss_before "$rss0" KiB
bench mem_rss_after "$rss1" KiB
bench mem_hwm_after "$hwm1" KiB "$(ratio "$hwm1" 49152)" 48MiB
bench mem_pss_after "$pss1" KiB "$(ratio "$pss1" 49152)" 48MiB
bench mem_bytes_per_flow "$per_flow" bytes
bench mem_kernel_maps "$((kmem1 / 1024))" KiB
# The second flood: new 4-tuples, so the first flood's flows are evicted and their memory reused.
ip netns exec "$NS_A" "$BENCH_BIN/hsflood" -i "$IF_A" --dst-mac "$dmac" --src 10.201.0.11 \
	--dst 10.200.9.99 -n "$COUNT" -r "$RATE" "$HELLO" || die "hsflood failed"
settle "$NS_B" "$W/m" tlsmon_frames_total 10
rss2=$(kib "$TM_PID" VmRSS)
hwm2=$(kib "$TM_PID" VmHWM)
evicted2=$(metric_sum "$W/m" tlsmon_flows_evicted_total)
active2=$(metric_sum "$W/m" tlsmon_flows_active)
stored2=$(metric_sum "$W/m" tlsmon_flagged_stored)
per_flow2=$(awk -v a="$rss0" -v b="$rss2" -v n="$active2" \
	'BEGIN { if (n > 0) printf "%.0f", (b - a) * 1024 / n; else print "nan" }')
# The table holds at most MAX_FLOWS: RSS may grow by the flows it adds, not per flow.
echo "memory: second flood of $COUNT new flows: $evicted2 evicted, $active2 tracked," \
	"$stored2 in the flagged store; VmRSS $rss2 KiB, VmHWM $hwm2 KiB;" \
	"bytes per tracked flow $per_flow2 (first flood $per_flow)"
bench mem_rss_second_flood "$rss2" KiB
bench mem_bytes_per_flow_second "$per_flow2" bytes "$(ratio "$per_flow2" "$per_flow")" first_flood
if [ "$hwm1" -le 49152 ]; then
	echo "memory: peak RSS $hwm1 KiB <= 48 MiB: goal met"
else
	echo "memory: peak RSS $hwm1 KiB > 48 MiB: goal MISSED"
fi
tlsmon_stop
