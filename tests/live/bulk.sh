#!/bin/bash
# shellcheck disable=SC2016 # jq programs are single-quoted
# After the handshake the kernel stops copying a flow (needs root): a verifying openssl s_client
# completes a TLS 1.2 handshake with the good chain, then sends 50 MiB over the SAME connection to
# an openssl s_server that counts what it receives. tlsmon_kernel_copied_bytes_total, scraped
# once the handshake is logged and again after the transfer, may grow by no more than the
# handshake took (and stays under 64 KiB in all); the flow must have been marked done by
# userspace, not stopped by its byte budget. Run with tlsmon in the client's namespace (egress
# carries the bulk) and in the server's (ingress does).
set -u

# shellcheck source=tests/lib_live.sh
. "$(dirname "${BASH_SOURCE[0]}")/../lib_live.sh"
MPORT=19873
T=bulk
BULK=52428800

live_begin "$T" openssl ip ss curl jq timeout mkfifo
live_chains "$T" "$W/chains" good
D=$CH/good
live_netns "$T" 23

# One scenario: tlsmon on SIDE's namespace, handshake, then the bulk transfer.
run_side()
{
	local side=$1 c ns L spid cpid crc t0 t1 got hs all all2 seen v d h
	c=$side
	ns=$NS_B
	[ $side = server ] && ns=$NS_A
	L=$W/$c.jsonl
	rm -f "$L"
	if ! tm_start "$ns" "$W/$c.err" --metrics-addr "127.0.0.1:$MPORT" --log "$L" --log-all; then
		tm_fail_start "$T/$c/start"
		return
	fi
	# -quiet: what the client sends goes to stdout, and nothing else does. s_server closes the
	# connection at end of ITS input even with -ign_eof, so its stdin is a FIFO opened
	# read-write: never any data, never EOF, and no extra process holding it.
	rm -f "$W/$c.sin"
	mkfifo "$W/$c.sin"
	t_bg "$NS_A" sh -c 'openssl s_server -4 -accept "$1:443" -naccept 1 -quiet \
		-cert "$2/leaf.pem" -key "$2/leaf.key" -cert_chain "$2/chain.pem" -tls1_2 \
		<>"$3.sin" 2>"$3.server" | wc -c >"$3.received"' sh "$IP4_A" "$D" "$W/$c"
	spid=$T_BG_PID
	if ! wait_port "$NS_A" 443 5; then
		fail "$T/$c/server" "s_server did not listen: $(tail -1 "$W/$c.server")"
		t_kill "$spid"
		tm_stop "$TM_PID"
		return
	fi
	# The client reads a FIFO so that the 50 MiB go out only after the handshake is logged;
	# -no_ign_eof (after -quiet, which turns ign_eof on): close the connection at end of input.
	rm -f "$W/in"
	mkfifo "$W/in"
	# sh opens the FIFO: a redirection on t_bg would block this shell until a writer appears.
	t_bg "$NS_B" sh -c 'exec timeout -k 2 60 openssl s_client -4 -connect "$1:443" \
		-servername good.test -CAfile "$2/ca.pem" -tls1_2 -verify 9 -verify_return_error \
		-quiet -no_ign_eof -nocommands <"$3/in" >"$3/$4.client" 2>&1' sh "$IP4_A" "$D" "$W" "$c"
	cpid=$T_BG_PID
	exec 3>"$W/in"
	if wait_file_grep "$L" '"outcome"' 5; then
		pass "$T/$c/handshake logged before the bulk transfer"
	else
		fail "$T/$c/handshake" "no record 5 s after connecting (client: $(tail -1 \
			"$W/$c.client"))"
	fi
	metrics_get "$ns" "$MPORT" >"$W/$c.m1"
	t0=$(date +%s.%N)
	head -c $BULK /dev/zero >&3 2>/dev/null
	exec 3>&-
	wait_exit "$cpid" 60
	wait "$cpid"
	crc=$?
	t1=$(date +%s.%N)
	wait_exit "$spid" 10
	t_kill "$spid"
	metrics_closed "$ns" "$MPORT" "$W/$c.m2" ||
		fail "$T/$c/closed" "the kernel did not close the flow within 5 s of both ends exiting"
	tm_stop "$TM_PID"
	[ "$TM_RC" = 0 ] || fail "$T/$c/sigterm" "tlsmon exit $TM_RC: $(tail -1 "$TM_ERR")"

	got=$(tr -d ' ' <"$W/$c.received" 2>/dev/null)
	if [ "$crc" -eq 0 ] && [ "${got:-0}" -ge $BULK ]; then
		pass "$T/$c/server received $got bytes over the same connection ($(awk \
			-v a="$t0" -v b="$t1" 'BEGIN { printf "%.1f", b - a }') s)"
	else
		fail "$T/$c/transfer" "client exit $crc, server received ${got:-nothing} of $BULK"
	fi
	hs=$(mval "$W/$c.m1" tlsmon_kernel_copied_bytes_total)
	all=$(mval "$W/$c.m2" tlsmon_kernel_copied_bytes_total)
	seen=0
	for h in xdp tc_ingress tc_egress; do
		v=$(mval "$W/$c.m2" "tlsmon_kernel_packets_total{hook=\"$h\",result=\"seen\"}")
		seen=$((seen + ${v:-0}))
	done
	if [ -n "$hs" ] && [ -n "$all" ] && [ "$hs" -gt 0 ] && [ $((all - hs)) -le "$hs" ] &&
		[ "$all" -lt 65536 ]; then
		pass "$T/$c/bytes copied: $hs for the handshake, $all after 50 MiB (+$((all - hs))); \
$seen packets seen by the hooks"
	else
		# what was copied after the log line, per hook, to tell GSO frames from ACKs next time
		d=
		for h in xdp tc_ingress tc_egress; do
			v=$(mval "$W/$c.m1" "tlsmon_kernel_packets_total{hook=\"$h\",result=\"copied\"}")
			all2=$(mval "$W/$c.m2" "tlsmon_kernel_packets_total{hook=\"$h\",result=\"copied\"}")
			d="$d $h+$((${all2:-0} - ${v:-0}))"
		done
		fail "$T/$c/bytes copied" "handshake ${hs:-?}, after bulk ${all:-?} (want growth <= \
handshake and total < 65536); $seen packets seen; packets copied after the log:$d"
	fi
	v=$(mval "$W/$c.m2" tlsmon_flow_budget_exhausted_total)
	d=$(mval "$W/$c.m2" 'tlsmon_kernel_flows_total{result="done"}')
	if [ "$v" = 0 ] && [ "${d:-0}" -ge 1 ]; then
		pass "$T/$c/flow marked done by userspace, byte budget never exhausted"
	else
		fail "$T/$c/flow done" "budget exhausted ${v:-?}, kernel flows done ${d:-?}"
	fi
	if jq -e -s 'length == 1 and .[0].outcome == "established" and .[0].findings == []' \
		"$L" >/dev/null 2>&1; then
		pass "$T/$c/one handshake, established"
	else
		fail "$T/$c/log" "$(jq -c -s '[.[] | {outcome, findings: [.findings[].detail]}]' \
			"$L" 2>&1 | cut -c1-200)"
	fi
	v=$(mval "$W/$c.m2" 'tlsmon_handshakes_total{version="TLS1.2",outcome="established"}')
	if [ "$v" = 1 ]; then
		pass "$T/$c/metric handshakes established 1"
	else
		fail "$T/$c/metric handshakes established" "${v:-absent}"
	fi
}

run_side client
run_side server

t_done
