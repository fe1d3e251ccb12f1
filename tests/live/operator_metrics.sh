#!/bin/bash
# The metrics an operator expects of a running daemon (issue 13 item 5; needs root). tlsmon in
# namespace B watches veth0 (s_client there, s_server in A) and vx0, one end of a second veth pair
# made in B for this test, both with --ingress tc, then again with --ingress xdp-generic:
#   exposition       promtool check metrics passes on the live /metrics, and so do the naming
#                    and HELP rules (tests/offline/metric_style.py); the renamed
#                    tlsmon_kernel_copied_bytes_total (> 0) is also exposed under its former
#                    name, with the same value and a HELP that says it is deprecated
#   histogram        after 3 handshakes (weak, good, good; --log-all) the count of
#                    tlsmon_handshake_duration_seconds equals tlsmon_handshakes_total and the JSON
#                    lines, and every bucket holds the handshakes the JSON times put there
#                    (tests/offline/histogram_helper.py), cumulative, +Inf = count
#   process_*        resident memory > 1 MB, virtual >= resident, start time between the start of
#                    tlsmon and now (and within 2 s of tlsmon_start_time_seconds), open fds > 3,
#                    max fds >= open fds, CPU seconds > 0 and not decreasing
#   interface        tlsmon_interface_attached is 1 for each interface with the mode's hooks
#                    (tc_ingress or xdp, and tc_egress) and no other; deleting vx0 turns its
#                    series to 0 while veth0's stay 1
#   nobody           with --user nobody (the process is then not dumpable, which makes most of
#                    /proc/self root's) process_open_fds and the other process_* are still there
set -u

# shellcheck source=tests/lib_live.sh
. "$(dirname "${BASH_SOURCE[0]}")/../lib_live.sh"
HIST=$ROOT/tests/offline/histogram_helper.py
STYLE=$ROOT/tests/offline/metric_style.py
MPORT=19894
T=operator_metrics

live_begin "$T" openssl ip curl jq promtool python3 timeout getent
live_chains "$T" "$W/chains" weak good
live_netns "$T" 71

# attached IFACE HOOK: the value of tlsmon_interface_attached for it in $W/m, empty if absent.
attached()
{
	mval "$W/m" "tlsmon_interface_attached{interface=\"$1\",hook=\"$2\"}"
}

# expect_attached CASE WHAT WANT-SERIES: the tlsmon_interface_attached lines, sorted, are WANT.
expect_attached()
{
	local got
	got=$(grep '^tlsmon_interface_attached{' "$W/m" | sort | paste -sd ' ')
	if [ "$got" = "$3" ]; then
		pass "$T/$1/$2: $got"
	else
		fail "$T/$1/$2" "want '$3', got '${got:-none}'"
	fi
}

# num_check CASE NAME AWK-CONDITION: PASS if the condition on v (the sample NAME) holds.
num_check()
{
	local v
	v=$(mval "$W/m" "$2")
	if [ -n "$v" ] && awk -v v="$v" -v now="$NOW" -v t0="$T0" -v s="$TSTART" \
		"BEGIN { exit !($3) }"; then
		pass "$T/$1/$2 = $v ($3)"
	else
		fail "$T/$1/$2" "got '${v:-absent}', want $3"
	fi
}

for mode in tc xdp-generic; do
	c=$mode
	in_hook=tc_ingress
	[ "$mode" = xdp-generic ] && in_hook=xdp
	if ! { ip -n "$NS_B" link add vx0 type veth peer name vx1 &&
		ip -n "$NS_B" link set vx0 up && ip -n "$NS_B" link set vx1 up; }; then
		fail "$T/$c/vx0" "could not make the second veth pair"
		continue
	fi
	T0=$(date +%s)
	if ! tm_start "$NS_B" "$W/$c.err" -i vx0 --ingress "$mode" --log-all \
		--log "$W/$c.jsonl" --metrics-addr "127.0.0.1:$MPORT"; then
		tm_fail_start "$T/$c/start"
		ip -n "$NS_B" link del vx0 2>/dev/null
		continue
	fi
	n=0
	for chain in weak good good; do
		tls_once 4 "$CH/$chain" "$W/server.out" "$W/client.out" "${SEC0_SERVER[@]}" -- \
			"${SEC0_CLIENT[@]}"
		n=$((n + 1))
	done
	# Each record is written once its outcome is known.
	for ((i = 0; i < 50; i++)); do
		[ "$(grep -c . "$W/$c.jsonl" 2>/dev/null)" -ge $n ] && break
		sleep 0.1
	done
	metrics_get "$NS_B" "$MPORT" >"$W/m" 2>/dev/null
	NOW=$(date +%s)
	TSTART=$(mval "$W/m" tlsmon_start_time_seconds)

	if promtool check metrics <"$W/m" >"$W/promtool" 2>&1; then
		pass "$T/$c/promtool check metrics"
	else
		fail "$T/$c/promtool" "$(head -3 "$W/promtool" | tr '\n' ' ')"
	fi

	if out=$(python3 "$STYLE" "$W/m" 2>&1); then
		pass "$T/$c/names and HELP ($out)"
	else
		fail "$T/$c/names and HELP" "$(head -3 <<<"$out" | tr '\n' ' ')"
	fi
	new=$(mval "$W/m" tlsmon_kernel_copied_bytes_total)
	old=$(mval "$W/m" tlsmon_kernel_bytes_copied_total)
	if [ "${new:-0}" -gt 0 ] && [ "$old" = "$new" ] &&
		grep -q '^# HELP tlsmon_kernel_bytes_copied_total Deprecated' "$W/m"; then
		pass "$T/$c/kernel_copied_bytes_total $new, deprecated former name the same"
	else
		fail "$T/$c/renamed" "new '${new:-absent}', old '${old:-absent}', $(grep \
			'^# HELP tlsmon_kernel_bytes_copied_total' "$W/m")"
	fi

	jl=$(grep -c . "$W/$c.jsonl" 2>/dev/null)
	hs=$(awk '/^tlsmon_handshakes_total\{/ { s += $2 } END { print s + 0 }' "$W/m")
	hc=$(awk '/^tlsmon_handshake_duration_seconds_count\{/ { s += $2 } END { print s + 0 }' \
		"$W/m")
	if [ "$hc" -eq "$n" ] && [ "$hs" -eq "$n" ] && [ "${jl:-0}" -eq "$n" ]; then
		pass "$T/$c/histogram count $hc = handshakes_total $hs = JSON lines $jl = $n"
	else
		fail "$T/$c/histogram count" "count $hc, handshakes_total $hs, JSON lines $jl, want $n"
	fi
	if out=$(python3 "$HIST" "$W/m" "$W/$c.jsonl" 2>&1); then
		pass "$T/$c/histogram buckets match the JSON times ($out)"
	else
		fail "$T/$c/histogram buckets" "$out"
	fi

	num_check "$c" process_resident_memory_bytes 'v > 1000000'
	num_check "$c" process_virtual_memory_bytes \
		"v >= $(mval "$W/m" process_resident_memory_bytes)"
	num_check "$c" process_start_time_seconds 'v >= t0 - 1 && v <= now + 1'
	num_check "$c" process_start_time_seconds 'v - s <= 2 && s - v <= 2'
	num_check "$c" process_open_fds 'v > 3'
	num_check "$c" process_max_fds "v >= $(mval "$W/m" process_open_fds)"
	num_check "$c" process_cpu_seconds_total 'v > 0'
	cpu0=$(mval "$W/m" process_cpu_seconds_total)

	expect_attached "$c" "both interfaces attached" \
		"$(printf 'tlsmon_interface_attached{interface="%s",hook="%s"} 1\n' \
			veth0 "$in_hook" veth0 tc_egress vx0 "$in_hook" vx0 tc_egress | sort |
			paste -sd ' ')"

	ip -n "$NS_B" link del vx0
	for ((i = 0; i < 30; i++)); do
		metrics_get "$NS_B" "$MPORT" >"$W/m" 2>/dev/null
		[ "$(attached vx0 tc_egress)" = 0 ] && [ "$(attached vx0 "$in_hook")" = 0 ] && break
		sleep 0.1
	done
	expect_attached "$c" "vx0 deleted" \
		"$(printf 'tlsmon_interface_attached{interface="%s",hook="%s"} %s\n' \
			veth0 "$in_hook" 1 veth0 tc_egress 1 vx0 "$in_hook" 0 vx0 tc_egress 0 |
			sort | paste -sd ' ')"
	if grep -q 'interface vx0 was deleted' "$TM_ERR"; then
		pass "$T/$c/log says vx0 was deleted"
	else
		fail "$T/$c/log" "no 'interface vx0 was deleted' line: $(tail -2 "$TM_ERR")"
	fi
	num_check "$c" process_cpu_seconds_total "v >= $cpu0"

	tm_stop "$TM_PID"
	if [ "$TM_RC" = 0 ]; then
		pass "$T/$c/sigterm exit 0"
	else
		fail "$T/$c/sigterm" "exit $TM_RC: $(tail -1 "$TM_ERR")"
	fi
done

c=nobody
if getent passwd nobody >/dev/null && tm_start "$NS_B" "$W/$c.err" --user nobody \
	--socket "$W/$c.sock" --metrics-addr "127.0.0.1:$MPORT" &&
	tm_wait "$TM_PID" grep -q '^Uid:[[:space:]]*65534' "/proc/$TM_PID/status"; then
	metrics_get "$NS_B" "$MPORT" >"$W/m" 2>/dev/null
	NOW=$(date +%s)
	num_check "$c" process_open_fds 'v > 3'
	num_check "$c" process_resident_memory_bytes 'v > 1000000'
	num_check "$c" process_start_time_seconds 'v <= now + 1 && v >= now - 30'
	tm_stop "$TM_PID"
else
	tm_fail_start "$T/$c/start" "not ready as nobody"
fi

t_done
