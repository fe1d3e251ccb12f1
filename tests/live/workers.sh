#!/bin/bash
# shellcheck disable=SC2016 # jq programs are single-quoted
# `tlsmon run --workers N` (user/cmd/run_workers.c), live (needs root): the same real handshakes
# are watched by a daemon with --workers 1 (the one-thread path) and one with --workers 2 and 3,
# each in turn on veth0 of the server's namespace. Each round: openssl s_server with the good
# chain, verifying s_clients for 8 SNIs (each its own connection and source port, so the flows
# spread over the workers), then s_server with the weak chain, which 4 clients reject.
#   same_log       the logged handshakes (--log-all) equal the one-thread run's, as a set, after
#                  the fields that differ between runs (time, ports, durations, pids, cgroups of
#                  processes that may have exited) are removed
#   same_metrics   every tlsmon_handshakes_total and tlsmon_weak_findings_total sample equals the
#                  one-thread run's, and the handshake total is the 12 the clients made
#   threads        the daemon runs N - 1 threads more than the one-thread daemon (its own
#                  thread is worker 0)
#   sigterm        exit 0, "stopped; programs detached"
# Also: --workers 65, -1 and x are refused, --print-config shows the value (0: the online CPUs).
set -u

# shellcheck source=tests/lib_live.sh
. "$(dirname "${BASH_SOURCE[0]}")/../lib_live.sh"
MPORT=19988
T=workers
GOOD_SNIS=(a.workers.test b.workers.test c.workers.test d.workers.test e.workers.test
	f.workers.test g.workers.test h.workers.test)
WEAK_SNIS=(w1.workers.test w2.workers.test w3.workers.test w4.workers.test)
TOTAL=$((${#GOOD_SNIS[@]} + ${#WEAK_SNIS[@]}))

live_begin "$T" openssl ip ss curl jq timeout
for n in 65 -1 x; do
	if ! "$TLSMON" run --workers "$n" --print-config >/dev/null 2>"$W/usage.err" &&
		grep -q 'expected 0..64' "$W/usage.err"; then
		pass "$T/refuses --workers $n"
	else
		fail "$T/refuses --workers $n" "$(head -1 "$W/usage.err")"
	fi
done
if "$TLSMON" run --config /dev/null --workers 2 --print-config 2>/dev/null | grep -Eq '^workers *= *2'; then
	pass "$T/print-config shows workers = 2"
else
	fail "$T/print-config" "no 'workers = 2' line"
fi
# 0: one per online CPU
if "$TLSMON" run --config /dev/null --workers 0 --print-config 2>/dev/null |
	grep -Eq "^workers *= *$(nproc)( |\$)"; then
	pass "$T/print-config: --workers 0 is $(nproc), the online CPUs"
else
	fail "$T/print-config" "--workers 0 does not show workers = $(nproc)"
fi
live_chains "$T" "$W/chains" good weak
live_netns "$T" 88

# clients CHAIN SNI...: an s_server with CHAIN on 443 of A, one s_client from B per SNI.
clients()
{
	local d=$CH/$1 sni i=0
	shift
	tls_server "$NS_A" "$IP4_A:443" "$d" "$W/server.out" -4 -www "${SEC0_SERVER[@]}" || {
		t_kill "$TLS_SERVER_PID"
		return 1
	}
	for sni in "$@"; do
		i=$((i + 1))
		tls_client "$NS_B" "$IP4_A:443" "$d" "$sni" "$W/client.$i" -4 "${SEC0_CLIENT[@]}"
	done
	t_kill "$TLS_SERVER_PID"
	return 0
}

# round N: the daemon with --workers N; leaves $W/wN.log (projected, sorted), $W/wN.metrics
# (the compared samples) and THREADS. Returns 1 when the round could not run.
round()
{
	local n=$1 c=w$1 i
	if ! tm_start "$NS_A" "$W/$c.err" --metrics-addr "127.0.0.1:$MPORT" --log "$W/$c.jsonl" \
		--log-all --workers "$n"; then
		tm_fail_start "$T/$c/start"
		return 1
	fi
	if ! clients good "${GOOD_SNIS[@]}" || ! clients weak "${WEAK_SNIS[@]}"; then
		fail "$T/$c/servers" "s_server did not listen: $(tail -1 "$W/server.out")"
		tm_stop "$TM_PID"
		return 1
	fi
	THREADS=$(find "/proc/$TM_PID/task" -mindepth 1 -maxdepth 1 | wc -l)
	# every handshake logged (bounded: 50 polls), then every flow closed in the kernel
	for ((i = 0; i < 50; i++)); do
		[ "$(grep -c '"outcome"' "$W/$c.jsonl" 2>/dev/null)" -ge $TOTAL ] && break
		sleep 0.1
	done
	metrics_closed "$NS_A" "$MPORT" "$W/$c.all" || metrics_get "$NS_A" "$MPORT" >"$W/$c.all"
	tm_stop "$TM_PID"
	if [ "$TM_RC" = 0 ] && grep -q 'stopped; programs detached' "$W/$c.err"; then
		pass "$T/$c/sigterm exit 0"
	else
		fail "$T/$c/sigterm" "exit $TM_RC, stderr: $(tail -1 "$W/$c.err")"
	fi
	# pids differ between runs; a cgroup is read from /proc when the handshake is judged, and
	# a client that exited by then (the weak chain's, right after its alert) shows "/"
	jq -c 'del(.ts, .client, .server, .duration_us, .events, .explain) |
		walk(if type == "object" then del(.pid, .tid, .cgroup) else . end)' "$W/$c.jsonl" 2>/dev/null |
		sort >"$W/$c.log"
	grep -E '^tlsmon_(handshakes_total|weak_findings_total)\{' "$W/$c.all" | sort >"$W/$c.metrics"
	return 0
}

round 1 || t_done
THREADS1=$THREADS
n1=$(wc -l <"$W/w1.log")
hs1=$(awk '$1 ~ /^tlsmon_handshakes_total/ { s += $2 } END { print s + 0 }' "$W/w1.metrics")
if [ "$n1" -eq $TOTAL ] && [ "$hs1" -eq $TOTAL ] && [ "$(jq -r .sni "$W/w1.log" | sort -u | wc -l)" -eq $TOTAL ]; then
	pass "$T/w1/baseline ($TOTAL handshakes logged and counted, $TOTAL SNIs)"
else
	fail "$T/w1/baseline" "$n1 logged, $hs1 counted, expected $TOTAL: $(tail -2 "$W/w1.err" | tr '\n' ' ')"
	t_done
fi
for n in 2 3; do
	round "$n" || continue
	c=w$n
	if cmp -s "$W/w1.log" "$W/$c.log"; then
		pass "$T/$c/same_log ($TOTAL handshakes as with --workers 1)"
	else
		# the fields that differ, on the first line that differs
		fail "$T/$c/same_log" "$(jq -n -c --slurpfile a "$W/w1.log" --slurpfile b "$W/$c.log" \
			'first(range($a | length) as $i | select($a[$i] != $b[$i]) | [$a[$i].sni, $b[$i].sni,
			($a[$i] | keys[]) as $k | select($a[$i][$k] != $b[$i][$k]) |
			{($k): [$a[$i][$k], $b[$i][$k]]}])' | cut -c1-600)"
	fi
	if cmp -s "$W/w1.metrics" "$W/$c.metrics"; then
		pass "$T/$c/same_metrics ($(wc -l <"$W/$c.metrics") samples)"
	else
		fail "$T/$c/same_metrics" "$(diff "$W/w1.metrics" "$W/$c.metrics" | head -4 | tr '\n' ' ')"
	fi
	if [ "$THREADS" -eq $((THREADS1 + n - 1)) ]; then
		pass "$T/$c/threads ($THREADS, $((n - 1)) more than --workers 1)"
	else
		fail "$T/$c/threads" "$THREADS threads, --workers 1 had $THREADS1"
	fi
done
t_done
