#!/bin/bash
# shellcheck disable=SC2016 # jq programs are single-quoted
# tlsmon leaves nothing behind (needs root). For each ingress mode (tc, xdp-generic, xdp):
#   - start `tlsmon run` on veth0 (namespace B), wait until ready, note what it attached;
#   - a second tlsmon on the same interface (same mode, then another mode) must fail with one
#     line saying "already attached" and a non-zero exit, and the first keeps its programs and
#     still reports a handshake;
#   - SIGTERM: exit 0; then kill -9 of a fresh instance: in both cases afterwards no XDP program
#     on the link (ip -d link), no TCX program on ingress or egress (BPF_PROG_QUERY through
#     tcx_query.py, since `tc filter show` cannot see TCX links; tc filter show is checked too),
#     no BPF link and no program of that instance left (bpftool).
# "Of that instance": tlsmon_* programs sharing its maps, so that a tlsmon run concurrently by
# someone else on another interface does not count.
set -u

# shellcheck source=tests/lib_live.sh
. "$(dirname "${BASH_SOURCE[0]}")/../lib_live.sh"
TCXQ=$ROOT/tests/live/tcx_query.py
MPORT=19874
MPORT2=19884
T=detach

live_begin "$T" openssl ip ss tc curl jq bpftool python3 timeout
live_chains "$T" "$W/chains" good
D=$CH/good
live_netns "$T" 24

xdp_id()
{
	ip -n "$NS_B" -d -j link show dev veth0 | jq -r '.[0].xdp.prog.id // empty'
}

# tcx_ids ingress|egress: program ids on that TCX hook of veth0 in B ("?" if the query failed).
tcx_ids()
{
	local out
	out=$(ip netns exec "$NS_B" python3 "$TCXQ" veth0 2>&1) || { echo "? $out"; return; }
	sed -n "s/^$1 *//p" <<<"$out"
}

# state: one line describing what is attached to veth0 in B.
state()
{
	printf 'xdp=[%s] tcx_in=[%s] tcx_out=[%s]' "$(xdp_id)" "$(tcx_ids ingress)" \
		"$(tcx_ids egress)"
}

# instance_progs PROG_ID: ids of the tlsmon_* programs sharing a map with PROG_ID.
instance_progs()
{
	bpftool prog show -j 2>/dev/null | jq -r --argjson id "$1" '
		([.[] | select(.id == $id)][0].map_ids // []) as $m |
		.[] | select((.name // "") | startswith("tlsmon_")) |
		select((.map_ids // []) as $pm | ($pm - $m | length) < ($pm | length)) | .id' |
		sort -n | paste -sd ' '
}

# links_of IDS...: ids of the BPF links holding any of these programs.
links_of()
{
	local ids
	ids=$(printf '%s\n' "$@" | jq -s -c 'map(select(. != null))')
	bpftool link show -j 2>/dev/null | jq -r --argjson ids "$ids" \
		'.[] | select(.prog_id as $p | $ids | index($p)) | .id' | paste -sd ' '
}

# leftovers PROGS...: what of an instance (its programs) is still around; empty when clean.
leftovers()
{
	local out='' x p ids live
	x=$(ip -n "$NS_B" -d link show dev veth0)
	grep -Eqw 'xdp|xdpgeneric|xdpdrv|xdpoffload|prog/xdp' <<<"$x" && out+="xdp on veth0; "
	for h in ingress egress; do
		ids=$(tcx_ids $h)
		[ -n "$ids" ] && out+="tcx $h: $ids; "
		[ -n "$(tc -n "$NS_B" filter show dev veth0 $h 2>/dev/null)" ] && out+="tc filter $h; "
	done
	live=$(bpftool prog show -j 2>/dev/null | jq -r '.[].id')
	for p in "$@"; do
		grep -qx "$p" <<<"$live" && out+="prog $p; "
	done
	ids=$(links_of "$@")
	[ -n "${ids// /}" ] && out+="links $ids; "
	printf '%s' "$out"
}

# mcount: tlsmon_handshakes_total{version="TLS1.2",outcome="established"} of the running tlsmon.
mcount()
{
	metrics_get "$NS_B" "$MPORT" |
		mval - 'tlsmon_handshakes_total{version="TLS1.2",outcome="established"}'
}

other_mode()
{
	case $1 in
	tc) echo xdp-generic ;;
	xdp-generic) echo xdp ;;
	*) echo tc ;;
	esac
}

if [ -n "$(leftovers)" ]; then
	fail "$T/clean start" "veth0 is not clean before the test: $(leftovers)"
	t_done
fi

for mode in tc xdp-generic xdp; do
	for sig in TERM KILL; do
		c=$mode/$sig
		if ! tm_start "$NS_B" "$W/${mode}_$sig.err" --metrics-addr "127.0.0.1:$MPORT" \
			--ingress "$mode"; then
			tm_fail_start "$T/$c/start" "not ready"
			continue
		fi
		st=$(state)
		x=$(xdp_id)
		in=$(tcx_ids ingress)
		out=$(tcx_ids egress)
		# What this mode must have attached: egress always on TCX, ingress on XDP or TCX.
		if [ "$mode" = tc ]; then
			ok=$([ -z "$x" ] && [[ $in =~ ^[0-9]+$ ]] && echo 1)
		else
			ok=$([[ $x =~ ^[0-9]+$ ]] && [ -z "$in" ] && echo 1)
		fi
		if [ -n "$ok" ] && [[ $out =~ ^[0-9]+$ ]]; then
			pass "$T/$c/attached $st"
		else
			fail "$T/$c/attached" "unexpected: $st"
		fi
		progs=()
		[[ $out =~ ^[0-9]+$ ]] && read -r -a progs <<<"$(instance_progs "$out")"
		links=$(links_of "${progs[@]}")

		if [ $sig = TERM ]; then
			for m2 in "$mode" "$(other_mode "$mode")"; do
				c2="$T/$c/second tlsmon --ingress $m2"
				timeout -k 2 10 ip netns exec "$NS_B" "$TLSMON" run -i veth0 \
					--ingress "$m2" --metrics-addr "127.0.0.1:$MPORT2" \
					>/dev/null 2>"$W/second.err"
				rc=$?
				n=$(grep -c . "$W/second.err")
				if [ $rc -ne 0 ] && [ $rc -lt 124 ] && [ "$n" -eq 1 ] &&
					grep -q 'already attached' "$W/second.err"; then
					pass "$c2 refused (exit $rc): $(cat "$W/second.err")"
				else
					fail "$c2" "exit $rc, $n lines: $(head -3 "$W/second.err" |
						tr '\n' '|')"
				fi
				st2=$(state)
				if [ "$st2" = "$st" ]; then
					pass "$c2/first keeps its programs"
				else
					fail "$c2/first keeps its programs" "was $st, now $st2"
				fi
			done
			before=$(mcount)
			tls_once 4 "$D" "$W/server.log" /dev/null
			for ((i = 0; i < 30; i++)); do
				after=$(mcount)
				[ "${after:-0}" -gt "${before:-0}" ] && break
				sleep 0.1
			done
			if [ "$TLS_RC" = 0 ] && [ "${after:-0}" -eq $((${before:-0} + 1)) ]; then
				pass "$T/$c/first still reports handshakes"
			else
				fail "$T/$c/first still reports handshakes" "client $TLS_RC, \
established ${before:-?} -> ${after:-?}"
			fi
		fi

		# (stderr: bash's "Killed" job notice is expected noise here)
		tm_stop "$TM_PID" $sig 2>/dev/null
		if [ $sig = TERM ]; then
			if [ "$TM_RC" = 0 ] && grep -q 'stopped; programs detached' "$TM_ERR"; then
				pass "$T/$c/exit 0"
			else
				fail "$T/$c/exit" "status $TM_RC: $(tail -1 "$TM_ERR")"
			fi
		elif [ "$TM_RC" != 137 ]; then
			fail "$T/$c/killed" "status $TM_RC, want 137"
		fi
		# Closing the last link fd detaches at once; freeing programs can lag a little.
		for ((i = 0; i < 30; i++)); do
			left=$(leftovers "${progs[@]}")
			[ -z "$left" ] && break
			sleep 0.1
		done
		# the mode's ingress and the egress program: the daemon loads only what it attaches
		if [ ${#progs[@]} -ne 2 ]; then
			fail "$T/$c/programs" "expected 2 tlsmon programs, found ${progs[*]:-none}"
		fi
		if [ -z "$left" ]; then
			pass "$T/$c/nothing left (programs ${progs[*]}, links ${links:-none} gone)"
		else
			fail "$T/$c/left behind" "$left"
		fi
	done
done

t_done
