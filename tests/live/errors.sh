#!/bin/bash
# `tlsmon run` error paths (needs root): each gives one clear line on stderr, a non-zero exit,
# and leaves nothing attached (no XDP program on the link, no TCX program on either hook of
# veth0 or lo in the namespace, nothing pinned under /sys/fs/bpf).
#   missing interface            -> exit != 0, one line naming it
#   bad --ports values           -> exit 2
#   bad --retain-bytes values, and the same through its alias --hold-bytes -> exit 2, one line
#                                   naming the option as given
#   unprivileged user (nobody)   -> exit != 0, one line mentioning permission
#   --metrics-addr already in use (with --ingress tc, xdp-generic and xdp) -> exit != 0, one line
#   --metrics-addr not HOST:PORT -> exit != 0, one line
set -u

# shellcheck source=tests/lib_live.sh
. "$(dirname "${BASH_SOURCE[0]}")/../lib_live.sh"
TCXQ=$ROOT/tests/live/tcx_query.py
MPORT=19875
T=errors

live_begin "$T" ip ss jq python3 timeout
chmod 755 "$W"
live_netns "$T" 25

# attached: what tlsmon-looking state is in namespace B; empty when clean.
attached()
{
	local out='' dev q
	for dev in veth0 lo; do
		ip -n "$NS_B" -d link show dev "$dev" | grep -Eqw 'xdp|xdpgeneric|xdpdrv|prog/xdp' &&
			out+="xdp on $dev; "
		q=$(ip netns exec "$NS_B" python3 "$TCXQ" "$dev" 2>&1) || { out+="query: $q; "; continue; }
		q=$(grep -E '^(ingress|egress) [0-9]' <<<"$q" | paste -sd ',')
		[ -n "$q" ] && out+="tcx on $dev: $q; "
	done
	[ -n "$(find /sys/fs/bpf -name '*tlsmon*' 2>/dev/null)" ] && out+="pinned under /sys/fs/bpf; "
	printf '%s' "$out"
}

# run_tlsmon ARGS...: tlsmon run in namespace B, bounded; RC and ERR (its stderr) are set.
run_tlsmon()
{
	timeout -k 2 15 ip netns exec "$NS_B" "$TLSMON" run "$@" >/dev/null 2>"$W/err"
	RC=$?
	ERR=$(cat "$W/err")
}

# expect NAME WANT REGEX: exit status WANT (a number, or "nonzero"), one stderr line matching
# REGEX, nothing attached afterwards.
expect()
{
	local name=$1 want=$2 re=$3 n left rc_ok=0
	n=$(grep -c . <<<"$ERR")
	left=$(attached)
	# 124 and above: timeout or a signal, never a clean refusal.
	if [ "$want" = nonzero ]; then
		[ "$RC" -ne 0 ] && rc_ok=1
	else
		[ "$RC" -eq "$want" ] && rc_ok=1
	fi
	if [ $rc_ok -eq 1 ] && [ "$RC" -lt 124 ] && [ "$n" -eq 1 ] && grep -Eqi -- "$re" <<<"$ERR" &&
		[ -z "$left" ]; then
		pass "$T/$name (exit $RC): $ERR"
	else
		fail "$T/$name" "exit $RC (want $want), $n stderr lines (want 1 matching /$re/): \
$(head -3 <<<"$ERR" | paste -sd '|')${left:+; left attached: $left}"
	fi
}

left=$(attached)
[ -z "$left" ] || { fail "$T/clean start" "$left"; t_done; }

run_tlsmon -i nosuch0 --metrics-addr "127.0.0.1:$MPORT"
expect "missing interface" nonzero 'nosuch0'

for p in 0 65536 abc -1 '' 443,x 99999999999999999999; do
	run_tlsmon -i veth0 --ports "$p" --metrics-addr "127.0.0.1:$MPORT"
	expect "bad --ports '$p'" 2 'ports'
done

for o in retain-bytes hold-bytes; do
	for v in 0 64000 abc 1.5M -1M ''; do
		run_tlsmon -i veth0 --"$o" "$v" --metrics-addr "127.0.0.1:$MPORT"
		expect "bad --$o '$v'" 2 "--$o:"
	done
done

# run_nobody ARGS...: tlsmon run as user nobody (setpriv, else su) in namespace B.
run_nobody()
{
	if command -v setpriv >/dev/null; then
		timeout -k 2 15 ip netns exec "$NS_B" setpriv --reuid=65534 --regid=65534 \
			--clear-groups "$TLSMON" "$@" >/dev/null 2>"$W/err"
	else
		timeout -k 2 15 ip netns exec "$NS_B" su nobody -s /bin/sh \
			-c "$(printf '%q ' "$TLSMON" "$@")" >/dev/null 2>"$W/err"
	fi
	RC=$?
	ERR=$(cat "$W/err")
}

if ! command -v setpriv >/dev/null && ! command -v su >/dev/null; then
	skip "$T/unprivileged" "neither setpriv nor su installed"
elif ! run_nobody run --help || [ "$RC" -ne 0 ]; then
	skip "$T/unprivileged" "user nobody cannot run $TLSMON: $ERR"
else
	for mode in auto xdp; do
		run_nobody run -i veth0 --ingress $mode --metrics-addr "127.0.0.1:$MPORT"
		expect "unprivileged user, --ingress $mode" nonzero 'permission|privilege|CAP_'
	done
fi

# Something else already listens on the metrics address.
t_bg "$NS_B" python3 -c '
import socket, sys, time
s = socket.socket()
s.bind(("127.0.0.1", int(sys.argv[1])))
s.listen(1)
time.sleep(60)' "$MPORT"
HOLDER=$T_BG_PID
if wait_port "$NS_B" "$MPORT" 5; then
	for mode in tc xdp-generic xdp; do
		run_tlsmon -i veth0 --ingress $mode --metrics-addr "127.0.0.1:$MPORT"
		expect "--metrics-addr in use, --ingress $mode" nonzero "127\\.0\\.0\\.1:$MPORT"
		grep -qi 'in use' <<<"$ERR" ||
			fail "$T/--metrics-addr in use, --ingress $mode/says in use" "$ERR"
	done
else
	fail "$T/--metrics-addr in use" "could not occupy 127.0.0.1:$MPORT"
fi
t_kill "$HOLDER"

run_tlsmon -i veth0 --metrics-addr nonsense
expect "--metrics-addr nonsense" nonzero 'metrics-addr'

t_done
