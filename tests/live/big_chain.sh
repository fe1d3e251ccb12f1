#!/bin/bash
# shellcheck disable=SC2016 # jq programs are single-quoted
# A certificate chain whose Certificate message is over 30 KB, with DEFAULT veth offloads (needs
# root): the server's TCP stack hands veth GSO super-packets far above the MTU, and TC egress in the
# server's namespace sees them whole. tlsmon must still reassemble the whole chain: every
# certificate reported, each sha256 equal to `openssl x509 -fingerprint -sha256` of the chain's
# files. Run with tlsmon in the server's namespace (A), then in the client's (B) with the default
# ingress hook, --ingress xdp-generic and --ingress xdp.
set -u

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
cd "$ROOT" || exit 1
# shellcheck source=tests/lib.sh
. tests/lib.sh
BUILD=${BUILD:-build}
TLSMON=$ROOT/$BUILD/tlsmon
MPORT=19872
T=big_chain

require_root "$T"
require_cmd "$T" openssl ip ss curl jq timeout
[ -x "$TLSMON" ] || { skip "$T" "$TLSMON not built"; exit 0; }

t_tmpdir || exit 1
W=$T_TMP
CH=$W/chains
if ! tests/fixtures/mkchains.sh "$CH" big >"$W/mkchains.log" 2>&1; then
	fail "$T/mkchains" "$(tail -1 "$W/mkchains.log")"
	t_done
fi
D=$CH/big
netns_setup 22 || { fail "$T/netns" "namespace setup failed"; t_done; }

# Sent order: leaf, then chain.pem (int2, int1, root).
WANT=()
MSG=4
for f in leaf int2 int1 root; do
	WANT+=("$(openssl x509 -in "$D/$f.pem" -noout -fingerprint -sha256 | sed 's/.*=//; s/://g' |
		tr 'A-F' 'a-f')")
	MSG=$((MSG + 3 + $(openssl x509 -in "$D/$f.pem" -outform DER | wc -c)))
done
if [ "$MSG" -ge 30720 ]; then
	pass "$T/chain Certificate message is $MSG bytes"
else
	fail "$T/chain" "Certificate message only $MSG bytes"
fi

tm_start()
{
	local ns=$1 tag=$2 i
	shift 2
	TM_ERR=$W/$tag.err
	t_bg "$ns" "$TLSMON" run -i veth0 --metrics-addr "127.0.0.1:$MPORT" "$@" \
		>/dev/null 2>"$TM_ERR"
	TM_PID=$T_BG_PID
	for ((i = 0; i < 100; i++)); do
		grep -q 'metrics on http' "$TM_ERR" 2>/dev/null && return 0
		kill -0 "$TM_PID" 2>/dev/null || return 1
		sleep 0.1
	done
	return 1
}

tm_stop()
{
	local i
	kill -TERM "$TM_PID" 2>/dev/null
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

mval()
{
	awk -v k="$2" '$1 == k { print $2; exit }' "$1"
}

# side:ingress mode. On the client side XDP ingress gets the GRO-merged (generic) or
# multi-buffer (native) frames of the server's Certificate.
for cs in server:auto client:auto client:xdp-generic client:xdp; do
	side=${cs%%:*}
	mode=${cs#*:}
	c=$side
	[ "$mode" = auto ] || c=$side-$mode
	ns=$NS_A
	[ "$side" = client ] && ns=$NS_B
	L=$W/$c.jsonl
	if ! tm_start "$ns" "$c" --log "$L" --log-all --ingress "$mode"; then
		fail "$T/$c/start" "tlsmon not ready: $(tail -2 "$TM_ERR" | tr '\n' ' ')"
		t_kill "$TM_PID"
		continue
	fi
	t_bg "$NS_A" openssl s_server -4 -accept "$IP4_A:443" -naccept 1 -www \
		-cert "$D/leaf.pem" -key "$D/leaf.key" -cert_chain "$D/chain.pem" -tls1_2 \
		</dev/null >"$W/$c.server" 2>&1
	spid=$T_BG_PID
	if wait_port "$NS_A" 443 5; then
		printf 'GET / HTTP/1.0\r\n\r\n' | timeout -k 2 10 ip netns exec "$NS_B" \
			openssl s_client -4 -connect "$IP4_A:443" -servername big.test \
			-CAfile "$D/ca.pem" -tls1_2 -verify 9 -verify_return_error \
			>"$W/$c.client" 2>&1
		rc=$?
		if [ $rc -eq 0 ]; then
			pass "$T/$c/client verified the big chain"
		else
			fail "$T/$c/client" "s_client exit $rc"
		fi
	else
		fail "$T/$c/server" "s_server did not listen: $(tail -1 "$W/$c.server")"
	fi
	for ((i = 0; i < 30; i++)); do
		kill -0 "$spid" 2>/dev/null || break
		sleep 0.1
	done
	t_kill "$spid"
	wait_file_grep "$L" '"outcome"' 5
	ip netns exec "$ns" curl -s --max-time 5 "http://127.0.0.1:$MPORT/metrics" >"$W/$c.metrics"
	tm_stop
	[ "$TM_RC" = 0 ] || fail "$T/$c/sigterm" "tlsmon exit $TM_RC"

	got=$(jq -r -s '.[0].certificates[]? | "\(.position) \(.sha256)"' "$L" 2>/dev/null)
	n=$(grep -c . <<<"$got")
	if [ "$n" -eq 4 ]; then
		pass "$T/$c/4 certificates reported"
	else
		fail "$T/$c/certificates" "want 4, got $n (outcome $(jq -r -s '.[0].outcome' "$L" \
			2>/dev/null), gaps $(mval "$W/$c.metrics" tlsmon_reassembly_gaps_total))"
	fi
	ok=1
	for i in 0 1 2 3; do
		g=$(awk -v p=$i '$1 == p { print $2 }' <<<"$got")
		if [ "$g" != "${WANT[$i]}" ]; then
			ok=0
			fail "$T/$c/sha256 position $i" "want ${WANT[$i]}, got '${g:-none}'"
		fi
	done
	eg=$(mval "$W/$c.metrics" 'tlsmon_kernel_packets_total{hook="tc_egress",result="copied"}')
	by=$(mval "$W/$c.metrics" tlsmon_kernel_bytes_copied_total)
	[ $ok -eq 1 ] && pass "$T/$c/sha256 of all 4 equal the chain files' ($by bytes copied)"
	# Fewer egress frames than the message needs at 1500 bytes each: the server's Certificate
	# crossed TC egress as GSO super-packets, which is what this test is about.
	if [ "$side" = server ]; then
		if [ "${eg:-0}" -gt 0 ] && [ $((eg * 1500)) -lt "$MSG" ]; then
			pass "$T/$c/GSO super-packets at TC egress ($eg frames carried $MSG+ bytes)"
		else
			skip "$T/$c/GSO" "TC egress copied ${eg:-?} frames: no super-packets here"
		fi
	fi
	if jq -e -s '.[0].outcome == "established"' "$L" >/dev/null 2>&1; then
		pass "$T/$c/outcome established"
	else
		fail "$T/$c/outcome" "$(jq -r -s '.[0].outcome' "$L" 2>&1)"
	fi
	g=$(mval "$W/$c.metrics" tlsmon_reassembly_gaps_total)
	if [ "$g" = 0 ]; then
		pass "$T/$c/no reassembly gaps"
	else
		fail "$T/$c/reassembly gaps" "${g:-absent}"
	fi
done

t_done
