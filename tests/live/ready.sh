#!/bin/bash
# /metrics answers only once tlsmon captures (needs root). Tests and operators take "the metrics
# port accepts connections" as "the daemon is up"; a connection made at that moment must be seen.
# For each ingress mode (tc, xdp-generic, xdp): start `tlsmon run` on veth0 in namespace A and,
# inside A, try to connect to the metrics port every millisecond; at the first success, note
# what tlsmon has said on stderr so far and open a TCP connection to port 443 of B (nothing
# listens there: SYN, RST). That SYN must be counted as a kernel flow started, and stderr must
# already say "watching veth0". With the old order (listen, then load and attach) both checks
# failed in every mode in 3 of 3 runs: loading the programs takes tens of milliseconds at least.
set -u

# shellcheck source=tests/lib_live.sh
. "$(dirname "${BASH_SOURCE[0]}")/../lib_live.sh"
MPORT=19894
T=ready

live_begin "$T" ip curl python3 timeout
live_netns "$T" 29

# first_answer ERRFILE: in A, poll 127.0.0.1:MPORT (1 ms apart, at most 10 s); at the first
# accepted connection print ERRFILE's contents as they are then, and connect to B's port 443.
first_answer()
{
	timeout -k 2 15 ip netns exec "$NS_A" python3 - "$MPORT" "$1" "$IP4_B" <<'EOF'
import socket, sys, time
port, err, peer = int(sys.argv[1]), sys.argv[2], sys.argv[3]
deadline = time.monotonic() + 10
while True:
    s = socket.socket()
    try:
        s.connect(("127.0.0.1", port))
        break
    except OSError:
        s.close()
        if time.monotonic() > deadline:
            sys.exit("metrics port never answered")
        time.sleep(0.001)
with open(err) as f:
    sys.stdout.write(f.read())
s.close()
c = socket.socket()
c.settimeout(2)
try:
    c.connect((peer, 443))  # refused: the SYN is what counts
except OSError:
    pass
EOF
}

for mode in tc xdp-generic xdp; do
	err=$W/$mode.err
	tm_spawn "$NS_A" "$err" --ingress "$mode" --metrics-addr "127.0.0.1:$MPORT"
	if ! first_answer "$err" >"$W/$mode.seen" 2>"$W/$mode.py"; then
		fail "$T/$mode/answers" "$(tail -1 "$W/$mode.py"); tlsmon: $(tail -1 "$err")"
		t_kill "$TM_PID"
		continue
	fi
	if grep -q '^tlsmon: watching veth0' "$W/$mode.seen"; then
		pass "$T/$mode/attached before /metrics answered"
	else
		fail "$T/$mode/attached before /metrics answered" "stderr then: $(tr '\n' ' ' \
			<"$W/$mode.seen")"
	fi
	# The SYN went out before this scrape: the kernel counters are read from the map.
	metrics_get "$NS_A" "$MPORT" >"$W/$mode.m"
	v=$(mval "$W/$mode.m" 'tlsmon_kernel_flows_total{result="started"}')
	if [ "${v:-0}" -ge 1 ]; then
		pass "$T/$mode/a connection made as /metrics first answered is seen ($v flow started)"
	else
		fail "$T/$mode/connection as /metrics first answered" "kernel flows started ${v:-absent}"
	fi
	tm_stop "$TM_PID"
	[ "$TM_RC" = 0 ] || fail "$T/$mode/sigterm" "tlsmon exit $TM_RC: $(tail -1 "$err")"
done

t_done
