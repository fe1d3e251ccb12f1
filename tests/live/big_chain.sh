#!/bin/bash
# shellcheck disable=SC2016 # jq programs are single-quoted
# A certificate chain whose Certificate message is over 30 KB, with DEFAULT veth offloads (needs
# root): the server's TCP stack hands veth GSO super-packets far above the MTU, and TC egress in the
# server's namespace sees them whole. tlsmon must still reassemble the whole chain: every
# certificate reported, each sha256 equal to `openssl x509 -fingerprint -sha256` of the chain's
# files. Run with tlsmon in the server's namespace (A), then in the client's (B) with the default
# ingress hook, --ingress xdp-generic and --ingress xdp.
set -u

# shellcheck source=tests/lib_live.sh
. "$(dirname "${BASH_SOURCE[0]}")/../lib_live.sh"
MPORT=19872
T=big_chain

live_begin "$T" openssl ip ss curl jq timeout
live_chains "$T" "$W/chains" big
D=$CH/big
live_netns "$T" 22

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
	if ! tm_start "$ns" "$W/$c.err" --metrics-addr "127.0.0.1:$MPORT" --log "$L" --log-all \
		--ingress "$mode"; then
		tm_fail_start "$T/$c/start"
		continue
	fi
	tls_once 4 "$D" "$W/$c.server" "$W/$c.client"
	if [ "$TLS_RC" = listen ]; then
		fail "$T/$c/server" "s_server did not listen: $(tail -1 "$W/$c.server")"
	elif [ "$TLS_RC" -eq 0 ]; then
		pass "$T/$c/client verified the big chain"
	else
		fail "$T/$c/client" "s_client exit $TLS_RC"
	fi
	wait_file_grep "$L" '"outcome"' 5
	metrics_get "$ns" "$MPORT" >"$W/$c.metrics"
	tm_stop "$TM_PID"
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
	by=$(mval "$W/$c.metrics" tlsmon_kernel_copied_bytes_total)
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
