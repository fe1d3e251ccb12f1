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

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
cd "$ROOT" || exit 1
# shellcheck source=tests/lib.sh
. tests/lib.sh
BUILD=${BUILD:-build}
TLSMON=$ROOT/$BUILD/tlsmon
TCXQ=$ROOT/tests/live/tcx_query.py
MPORT=19874
MPORT2=19884
T=detach

require_root "$T"
require_cmd "$T" openssl ip ss tc curl jq bpftool python3 timeout
[ -x "$TLSMON" ] || { skip "$T" "$TLSMON not built"; exit 0; }

t_tmpdir || exit 1
W=$T_TMP
CH=$W/chains
if ! tests/fixtures/mkchains.sh "$CH" good >"$W/mkchains.log" 2>&1; then
	fail "$T/mkchains" "$(tail -1 "$W/mkchains.log")"
	t_done
fi
D=$CH/good
netns_setup 24 || { fail "$T/netns" "namespace setup failed"; t_done; }

tm_start()
{
	local tag=$1 i
	shift
	TM_ERR=$W/$tag.err
	t_bg "$NS_B" "$TLSMON" run -i veth0 --metrics-addr "127.0.0.1:$MPORT" "$@" \
		>/dev/null 2>"$TM_ERR"
	TM_PID=$T_BG_PID
	for ((i = 0; i < 100; i++)); do
		grep -q 'metrics on http' "$TM_ERR" 2>/dev/null && return 0
		kill -0 "$TM_PID" 2>/dev/null || return 1
		sleep 0.1
	done
	return 1
}

# tm_signal SIG: send SIG, wait at most 5 s; TM_RC is the exit status (or "hung").
tm_signal()
{
	local i
	kill "-$1" "$TM_PID" 2>/dev/null
	for ((i = 0; i < 50; i++)); do
		kill -0 "$TM_PID" 2>/dev/null || break
		sleep 0.1
	done
	if kill -0 "$TM_PID" 2>/dev/null; then
		kill -KILL "$TM_PID" 2>/dev/null
		wait "$TM_PID" 2>/dev/null
		TM_RC=hung
	else
		wait "$TM_PID" 2>/dev/null
		TM_RC=$?
	fi
}

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

# handshake: one good-chain handshake from B to A; HS_RC is the client's exit status.
handshake()
{
	local spid i
	t_bg "$NS_A" openssl s_server -4 -accept "$IP4_A:443" -naccept 1 -www \
		-cert "$D/leaf.pem" -key "$D/leaf.key" -cert_chain "$D/chain.pem" -tls1_2 \
		</dev/null >"$W/server.log" 2>&1
	spid=$T_BG_PID
	HS_RC=listen
	if wait_port "$NS_A" 443 5; then
		printf 'GET / HTTP/1.0\r\n\r\n' | timeout -k 2 10 ip netns exec "$NS_B" \
			openssl s_client -4 -connect "$IP4_A:443" -servername good.test \
			-CAfile "$D/ca.pem" -tls1_2 -verify 9 -verify_return_error >/dev/null 2>&1
		HS_RC=$?
	fi
	for ((i = 0; i < 30; i++)); do
		kill -0 "$spid" 2>/dev/null || break
		sleep 0.1
	done
	t_kill "$spid"
}

# mcount: tlsmon_handshakes_total{version="TLS1.2",outcome="established"} of the running tlsmon.
mcount()
{
	ip netns exec "$NS_B" curl -s --max-time 5 "http://127.0.0.1:$MPORT/metrics" |
		awk '$1 == "tlsmon_handshakes_total{version=\"TLS1.2\",outcome=\"established\"}" {
			print $2 }'
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
		if ! tm_start "${mode}_$sig" --ingress "$mode"; then
			fail "$T/$c/start" "not ready: $(tail -2 "$TM_ERR" | tr '\n' ' ')"
			t_kill "$TM_PID"
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
			handshake
			for ((i = 0; i < 30; i++)); do
				after=$(mcount)
				[ "${after:-0}" -gt "${before:-0}" ] && break
				sleep 0.1
			done
			if [ "$HS_RC" = 0 ] && [ "${after:-0}" -eq $((${before:-0} + 1)) ]; then
				pass "$T/$c/first still reports handshakes"
			else
				fail "$T/$c/first still reports handshakes" "client $HS_RC, \
established ${before:-?} -> ${after:-?}"
			fi
		fi

		# (stderr: bash's "Killed" job notice is expected noise here)
		tm_signal $sig 2>/dev/null
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
		if [ ${#progs[@]} -lt 3 ]; then
			fail "$T/$c/programs" "expected 3 tlsmon programs, found ${progs[*]:-none}"
		fi
		if [ -z "$left" ]; then
			pass "$T/$c/nothing left (programs ${progs[*]}, links ${links:-none} gone)"
		else
			fail "$T/$c/left behind" "$left"
		fi
	done
done

t_done
