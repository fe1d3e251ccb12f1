#!/bin/bash
# Cost of process attribution (needs root): the daemon's CPU per 1,000 handshakes with the
# socket-owner programs loaded and with --no-process, in the same run. tools/replay opens real
# TCP connections from namespace B to A and replays a recorded TLS 1.2 handshake at a fixed
# paced rate; `tlsmon run` watches B's veth. Runs alternate off/on ROUNDS times and the median
# of each is kept, so drift of the machine (other load) falls on both alike. The whole machine's
# CPU (/proc/stat) per 1,000 handshakes is reported too: the programs run in the connecting and
# accepting tasks, not in the daemon (with the syscall-tracepoint fallback at every system call).
#
# Usage: bench/attribution.sh [SECONDS] [RATE] [ROUNDS]   (default 5 s at 2000 conn/s, 3 rounds)
set -u
# shellcheck source=bench/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
require_root attribution
require_cmd attribution curl tshark openssl tcpdump python3
SECS=${1:-5}
RATE=${2:-2000}
ROUNDS=${3:-3}

bench_assets good || die "could not make the recorded handshake"
t_tmpdir || die "mktemp failed"
W=$T_TMP
netns_setup 8 || die "namespace setup failed"
ip netns exec "$NS_B" sysctl -qw net.ipv4.ip_local_port_range="1024 65000"
ip netns exec "$NS_A" sysctl -qw net.core.somaxconn=8192
t_bg "$NS_A" "$REPLAY" server -l "$IP4_A:443" -d 900 "${TURNS[@]}"
wait_port "$NS_A" 443 5 || die "replay server did not listen"

# system_ticks: every CPU's busy time (all but idle and iowait), in clock ticks.
system_ticks()
{
	awk '$1 == "cpu" { print $2 + $3 + $4 + $7 + $8 + $9; exit }' /proc/stat
}

# one MODE: a run with attribution MODE (on/off); appends "DAEMON_MS SYSTEM_MS" per 1k.
one()
{
	local mode=$1 args=(-i "$IF_B") out rep h0 h1 c0 c1 s0 s1 hz
	[ "$mode" = off ] && args+=(--no-process)
	tlsmon_start "$NS_B" "$W/$mode.log" "${args[@]}" || die "tlsmon run did not start"
	if [ "$mode" = on ] && ! grep -q 'process attribution on' "$W/$mode.log"; then
		echo "attribution: not loaded: $(grep attribution "$W/$mode.log")" >&2
		tlsmon_stop
		return 1
	fi
	settle "$NS_B" "$W/m0" tlsmon_handshakes_total
	h0=$(metric_sum "$W/m0" tlsmon_handshakes_total)
	c0=$(cpu_ticks "$TM_PID") s0=$(system_ticks)
	out=$(ip netns exec "$NS_B" "$REPLAY" client -s "$IP4_A:443" -c 256 -r "$RATE" -d "$SECS" \
		"${TURNS[@]}") || echo "attribution: replay failed: $out" >&2
	settle "$NS_B" "$W/m1" tlsmon_handshakes_total
	c1=$(cpu_ticks "$TM_PID") s1=$(system_ticks)
	h1=$(metric_sum "$W/m1" tlsmon_handshakes_total)
	rep=$((h1 - h0))
	hz=$(getconf CLK_TCK)
	if [ "$mode" = on ]; then
		echo "attribution: on: $(grep -F 'tlsmon_process_attributions_total{result="hit"}' \
			"$W/m1" | awk '{ print $2 }') attributed of $rep handshakes; owner records" \
			"dropped (ring buffer full): $(grep -F 'tlsmon_process_owner_records_total{result="dropped"}' \
			"$W/m1" | awk '{ print $2 }')"
	fi
	awk -v d=$((c1 - c0)) -v s=$((s1 - s0)) -v hz="$hz" -v n="$rep" -v m="$mode" \
		'BEGIN { if (n > 0) printf "%s %.1f %.1f %d\n", m, d * 1e6 / hz / n, s * 1e6 / hz / n, n }' \
		>>"$W/results"
	tlsmon_stop
}

: >"$W/results"
for ((r = 0; r < ROUNDS; r++)); do
	if ! one off || ! one on; then
		break
	fi
done
printf '%-5s %18s %18s %10s\n' mode "daemon ms/1k hs" "system ms/1k hs" handshakes
while read -r m d s n; do
	printf '%-5s %18s %18s %10s\n' "$m" "$d" "$s" "$n"
done <"$W/results"
med()
{
	awk -v m="$1" -v c="$2" '$1 == m { print $c }' "$W/results" | median
}
off_d=$(med off 2) on_d=$(med on 2) off_s=$(med off 3) on_s=$(med on 3)
bench attribution_off_daemon_cpu "${off_d:-nan}" "ms/1k_handshakes"
bench attribution_on_daemon_cpu "${on_d:-nan}" "ms/1k_handshakes" \
	"$(ratio "${on_d:-0}" "${off_d:-0}")" attribution_off_daemon_cpu
bench attribution_off_system_cpu "${off_s:-nan}" "ms/1k_handshakes"
bench attribution_on_system_cpu "${on_s:-nan}" "ms/1k_handshakes" \
	"$(ratio "${on_s:-0}" "${off_s:-0}")" attribution_off_system_cpu
