#!/bin/bash
# shellcheck disable=SC2016 # jq programs are single-quoted
# `tlsmon run --ring-bytes` sizes the kernel ring buffer (needs root). tlsmon watches veth0 in
# namespace B; its maps are found through the map fds in /proc/PID/fdinfo (as bench/memory.sh
# does) and read with bpftool.
#   1M           ring buffer map max_entries 1048576, and a handshake over it is reported
#   default      8388608 (the flag changes something)
#   3M           rounded up to 4194304, with one stderr line saying so
#   bad values   0, 4K (under 64K), 2G (over 1G), abc, 1.5M, -1M: exit 2, one line naming
#                --ring-bytes, nothing started
set -u

# shellcheck source=tests/lib_live.sh
. "$(dirname "${BASH_SOURCE[0]}")/../lib_live.sh"
MPORT=19878
T=ring_bytes

live_begin "$T" openssl ip ss curl jq bpftool timeout
live_chains "$T" "$W/chains" good
D=$CH/good
live_netns "$T" 28

# ring_entries PID: max_entries of the frame ring buffer (tlsmon_events; the owner and TLS-library
# rings are others) among the maps PID holds ("" if none).
ring_entries()
{
	local ids id
	ids=$(awk '$1 == "map_id:" { print $2 }' /proc/"$1"/fdinfo/* 2>/dev/null | sort -un)
	for id in $ids; do
		bpftool -j map show id "$id" 2>/dev/null |
			jq -r 'select(.type == "ringbuf" and .name == "tlsmon_events") | .max_entries'
	done
}

# with_ring TAG WANT ARGS...: start tlsmon with ARGS, check the ring buffer's size, and leave it
# running (TM_PID) for the caller to stop.
with_ring()
{
	local tag=$1 want=$2 got
	shift 2
	if ! tm_start "$NS_B" "$W/$tag.err" --metrics-addr "127.0.0.1:$MPORT" "$@"; then
		tm_fail_start "$T/$tag/start"
		return 1
	fi
	got=$(ring_entries "$TM_PID")
	if [ "$got" = "$want" ]; then
		pass "$T/$tag: ring buffer max_entries $got"
	else
		fail "$T/$tag" "ring buffer max_entries '${got:-none found}', want $want"
	fi
}

if with_ring 1M 1048576 --ring-bytes 1M; then
	tls_once 4 "$D" "$W/s.out" "$W/c.out"
	n=0
	for ((i = 0; i < 20 && n < 1; i++)); do
		sleep 0.2
		metrics_get "$NS_B" "$MPORT" >"$W/m"
		n=$(awk '$1 ~ /^tlsmon_handshakes_total/ { s += $2 } END { print s + 0 }' "$W/m")
	done
	if [ "$TLS_RC" = 0 ] && [ "$n" -ge 1 ]; then
		pass "$T/1M: a handshake is reported through it"
	else
		fail "$T/1M/handshake" "client exit $TLS_RC, $n handshakes in /metrics"
	fi
	grep -q 'rounded' "$W/1M.err" && fail "$T/1M/no rounding notice" "$(cat "$W/1M.err")"
	tm_stop "$TM_PID"
	[ "$TM_RC" = 0 ] || fail "$T/1M/sigterm" "exit $TM_RC"
fi

if with_ring default 8388608; then
	tm_stop "$TM_PID"
fi

if with_ring 3M 4194304 --ring-bytes 3M; then
	if grep -q -- '--ring-bytes 3M rounded up to 4194304' "$W/3M.err"; then
		pass "$T/3M: the rounding is reported"
	else
		fail "$T/3M/rounding notice" "$(head -3 "$W/3M.err" | paste -sd '|')"
	fi
	tm_stop "$TM_PID"
fi

for v in 0 4K 2G abc 1.5M -1M ''; do
	timeout -k 2 15 ip netns exec "$NS_B" "$TLSMON" run -i veth0 \
		--metrics-addr "127.0.0.1:$MPORT" --ring-bytes "$v" >/dev/null 2>"$W/bad.err"
	rc=$?
	n=$(grep -c . "$W/bad.err")
	if [ "$rc" = 2 ] && [ "$n" = 1 ] && grep -q -- '--ring-bytes' "$W/bad.err"; then
		pass "$T/--ring-bytes '$v' refused (exit 2): $(cat "$W/bad.err")"
	else
		fail "$T/--ring-bytes '$v'" "exit $rc (want 2), $n stderr lines: \
$(head -3 "$W/bad.err" | paste -sd '|')"
	fi
done
t_done
