#!/bin/bash
# write() calls per logged handshake of `tlsmon run --log FILE --log-all` (issue 17: the log is
# written a batch at a time, not a line at a time), one worker and --workers 2, under
# `strace -f -e trace=write`: tools/replay runs COUNT real TCP connections carrying a recorded TLS
# 1.2 handshake (bench_assets), CONCURRENCY at a time, between two namespaces. Prints the writes
# that start a log line (`{"ts"...`) per handshake logged, and all write() calls (the log, stderr
# and the /metrics answers alike) per handshake. Root, strace. Not a test: how many lines share a
# write depends on how the handshakes' last frames fall into the daemon's loop turns.
#
# Usage: bench/log_writes.sh [COUNT] [CONCURRENCY]   (default 2000, 32)
# BEFORE=/path/to/tlsmon: that build too, run in turn with this one (A B A B), as a baseline.
set -u
# its own assets: other benches may be making the shared ones now
BENCH_WORK=/tmp/tlsmon-bench-logw-$$
# shellcheck source=bench/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
COUNT=${1:-2000}
CONC=${2:-32}
MPORT=$((20000 + $$ % 20000))

require_root log_writes || exit 0
require_cmd log_writes strace openssl ip ss tshark || exit 0
t_tmpdir || die "mktemp failed"
W=$T_TMP
t_on_exit "rm -rf $BENCH_WORK"
bench_assets good || die "could not make the capture and its turns"
CH=$ASSET_CHAINS
netns_setup 91 || die "namespace setup failed"

# one_run BINARY WORKERS: the daemon under strace, the connections, then SIGTERM to tlsmon itself (a
# signal to strace would detach it and leave tlsmon running).
one_run()
{
	local bin=$1 n=$2 i pid tm srv tag
	tag=$([ "$bin" = "$TLSMON" ] && echo this || echo before)
	rm -f "$W/log.$n" "$W/trace.$n"
	t_bg "$NS_A" strace -f -qq -e trace=write -e signal=none -o "$W/trace.$n" \
		"$bin" run -i veth0 --trust-store "$CH/good/ca.pem" --log "$W/log.$n" --log-all \
		--metrics-addr "127.0.0.1:$MPORT" --workers "$n" >/dev/null 2>"$W/err.$n"
	pid=$T_BG_PID
	for ((i = 0; i < 300; i++)); do
		grep -q 'metrics on http' "$W/err.$n" 2>/dev/null && break
		sleep 0.1
	done
	tm=$(pgrep -P "$pid" | head -1)
	[ -n "$tm" ] || die "tlsmon under strace did not start: $(tail -2 "$W/err.$n" | tr '\n' ' ')"
	t_track "$tm"
	t_bg "$NS_A" "$REPLAY" server -l "$IP4_A:443" -d 300 "${TURNS[@]}"
	srv=$T_BG_PID
	wait_port "$NS_A" 443 5 || die "replay server did not listen"
	ip netns exec "$NS_B" "$REPLAY" client -s "$IP4_A:443" -c "$CONC" -n "$COUNT" -d 120 \
		"${TURNS[@]}" >"$W/replay.$n" 2>&1
	sleep 2
	t_kill "$srv"
	sleep 1
	kill -TERM "$tm"
	wait_exit "$tm" 10 || kill -KILL "$tm"
	wait "$pid" 2>/dev/null
	lines=$(grep -c . "$W/log.$n")
	lwrites=$(grep -c '^[0-9]* *write([0-9]*, "{\\"ts\\"' "$W/trace.$n")
	allw=$(grep -c '^[0-9]* *write(' "$W/trace.$n")
	bench "log_writes_${tag}_workers_$n" "$(ratio "$lwrites" "$lines")" log_writes_per_handshake
	echo "bench: $tag workers=$n handshakes_logged=$lines log_writes=$lwrites all_writes=$allw" \
		"all_writes/handshake=$(ratio "$allw" "$lines") ($(tail -1 "$W/replay.$n"))"
}

for _ in 1 2; do
	for n in 1 2; do
		[ -n "${BEFORE:-}" ] && one_run "$BEFORE" "$n"
		one_run "$TLSMON" "$n"
	done
done
