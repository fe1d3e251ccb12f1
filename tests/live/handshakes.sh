#!/bin/bash
# shellcheck disable=SC2016 # jq programs are single-quoted
# Live capture of real handshakes between two network namespaces (needs root).
#
# openssl s_server (namespace A, 10.200.21.1 / fd00:200:21::1, port 443) serves a chain made by
# tests/fixtures/mkchains.sh; a verifying openssl s_client (namespace B, .2) connects once. For each
# case `tlsmon run` is attached to veth0 in one namespace, and its /metrics (curl, inside that
# namespace) and its JSON log are checked:
#   weak4_client    weak chain, IPv4, tlsmon in the client's namespace, --ingress default (auto)
#   weak4_server    the same with tlsmon in the server's namespace
#   good4_client    good chain, --log-all: established, no finding
#   weak6_client    weak chain over IPv6
#   weak4_xdpgen    weak chain, client's namespace, --ingress xdp-generic
#   weak4_xdp       weak chain, client's namespace, --ingress xdp (native XDP on veth)
# The verifying client rejects the weak chain with a fatal alert 42 bad_certificate (see
# tests/fixtures/capture.sh for why 42).
set -u

# shellcheck source=tests/lib_live.sh
. "$(dirname "${BASH_SOURCE[0]}")/../lib_live.sh"
MPORT=19871
T=handshakes

live_begin "$T" openssl ip ss curl jq promtool timeout
live_chains "$T" "$W/chains" weak good
live_netns "$T" 21

# handshake TAG CHAIN 4|6: one s_server connection from a verifying s_client; CLI_RC is its status.
handshake()
{
	tls_once "$3" "$CH/$2" "$W/$1.server" "$W/$1.client" "${SEC0_SERVER[@]}" -- \
		"${SEC0_CLIENT[@]}"
	CLI_RC=$TLS_RC
}

# msum FILE REGEX: sum of the samples whose name{labels} matches REGEX.
msum()
{
	awk -v re="$2" '$1 ~ re { s += $2 } END { print s + 0 }' "$1"
}

# expect_metric CASE FILE 'name{labels}' WANT: PASS if the sample equals WANT.
expect_metric()
{
	local v
	v=$(mval "$2" "$3")
	if [ "$v" = "$4" ]; then
		pass "$T/$1/metric $3 = $4"
	else
		fail "$T/$1/metric $3" "want $4, got '${v:-absent}'"
	fi
}

# jcheck CASE NAME LOG JQ-EXPR: PASS if the expression is true for the first logged handshake.
jcheck()
{
	if jq -e -s "(.[0] // {}) | $4" "$3" >/dev/null 2>&1; then
		pass "$T/$1/log $2"
	else
		fail "$T/$1/log $2" "$(jq -c -s '.[0] // "no record" |
			{outcome, alert, n: (.certificates | length?), findings: [.findings[]?.detail],
			explain}' "$3" 2>&1 | cut -c1-300)"
	fi
}

# run_case CASE NS CHAIN FAM TLSMON-ARGS...: tlsmon in NS, one handshake, scrape, stop.
# Leaves $W/CASE.metrics and $W/CASE.jsonl; returns 1 if the case could not run at all.
run_case()
{
	local c=$1 ns=$2 chain=$3 fam=$4
	shift 4
	rm -f "$W/$c.jsonl"
	if ! tm_start "$ns" "$W/$c.err" --metrics-addr "127.0.0.1:$MPORT" --log "$W/$c.jsonl" "$@"
	then
		tm_fail_start "$T/$c/start"
		return 1
	fi
	handshake "$c" "$chain" "$fam"
	# The record is written once the handshake's outcome is known.
	wait_file_grep "$W/$c.jsonl" '"outcome"' 5
	metrics_get "$ns" "$MPORT" >"$W/$c.metrics" 2>"$W/$c.curl"
	tm_stop "$TM_PID"
	if [ "$TM_RC" = 0 ] && grep -q 'stopped; programs detached' "$TM_ERR"; then
		pass "$T/$c/sigterm exit 0"
	else
		fail "$T/$c/sigterm" "exit $TM_RC, stderr: $(tail -1 "$TM_ERR")"
	fi
	if [ -s "$W/$c.metrics" ]; then
		pass "$T/$c/metrics scraped"
	else
		fail "$T/$c/metrics" "curl got nothing: $(cat "$W/$c.curl")"
	fi
	return 0
}

# check_ingress CASE WANT-REGEX: the ready line names the ingress mode.
check_ingress()
{
	local m
	m=$(sed -n 's/^tlsmon: watching veth0 (ingress \([a-z-]*\), egress tc)$/\1/p' "$W/$1.err")
	if [[ $m =~ ^($2)$ ]]; then
		pass "$T/$1/ingress $m"
	else
		fail "$T/$1/ingress" "want $2, ready line says '${m:-nothing}'"
	fi
}

# check_weak CASE SERVER-ADDR: the weak chain's metrics and log record.
check_weak()
{
	local c=$1 srv=$2 m=$W/$1.metrics l=$W/$1.jsonl copied n in out sig
	if [ "$CLI_RC" != 0 ] && grep -q 'verify error' "$W/$c.client"; then
		pass "$T/$c/client rejected the weak chain"
	else
		fail "$T/$c/client" "s_client exit $CLI_RC; expected a verify error"
	fi
	for sig in md2 md5 sha1; do
		expect_metric "$c" "$m" \
			"tlsmon_weak_findings_total{check=\"weak_signature\",detail=\"${sig}WithRSAEncryption\",side=\"server\"}" 1
	done
	expect_metric "$c" "$m" 'tlsmon_weak_findings_total{check="weak_key",detail="RSA-1024",side="server"}' 1
	expect_metric "$c" "$m" 'tlsmon_handshakes_total{version="TLS1.2",outcome="alert"}' 1
	copied=$(msum "$m" '^tlsmon_kernel_packets_total\{.*result="copied"\}$')
	if [ "$copied" -gt 0 ]; then
		pass "$T/$c/metric kernel packets copied $copied > 0"
	else
		fail "$T/$c/metric kernel packets copied" "0"
	fi
	# Both hooks took part: the server's flight comes in on one, the client's on the other.
	in=$(msum "$m" '^tlsmon_kernel_packets_total\{hook="(xdp|tc_ingress)",result="copied"\}$')
	out=$(mval "$m" 'tlsmon_kernel_packets_total{hook="tc_egress",result="copied"}')
	if [ "$in" -gt 0 ] && [ "${out:-0}" -gt 0 ]; then
		pass "$T/$c/metric copied on ingress ($in) and on egress ($out)"
	else
		fail "$T/$c/metric copied per direction" "ingress $in, egress ${out:-absent}"
	fi
	if promtool check metrics <"$m" >"$W/$c.promtool" 2>&1; then
		pass "$T/$c/promtool check metrics"
	else
		fail "$T/$c/promtool" "$(head -3 "$W/$c.promtool" | tr '\n' ' ')"
	fi
	n=$(wc -l <"$l" 2>/dev/null || echo 0)
	if [ "$n" -eq 1 ]; then
		pass "$T/$c/log one record"
	else
		fail "$T/$c/log records" "want 1, got $n"
	fi
	jcheck "$c" "server $srv" "$l" ".server == \"$srv\""
	jcheck "$c" "version TLS1.2" "$l" '.version == "TLS1.2"'
	jcheck "$c" "3 certificates" "$l" '(.certificates | length) == 3'
	jcheck "$c" "position 2 signature_oid md2" "$l" \
		'[.certificates[] | select(.position == 2)][0].signature_oid == "1.2.840.113549.1.1.2"'
	jcheck "$c" "position 1 RSA 1024" "$l" \
		'[.certificates[] | select(.position == 1)][0] | .key_type == "RSA" and .key_bits == 1024'
	jcheck "$c" "alert client fatal 42 bad_certificate" "$l" \
		'.alert.sender == "client" and .alert.level == "fatal" and .alert.code == 42
		 and .alert.description == "bad_certificate"'
	jcheck "$c" "outcome alert" "$l" '.outcome == "alert"'
	jcheck "$c" "explain names bad_certificate(42)" "$l" \
		'.explain | test("bad_certificate\\(42\\)")'
	jcheck "$c" "findings md2 md5 sha1 RSA-1024" "$l" \
		'[.findings[].detail] | contains(["md2WithRSAEncryption", "md5WithRSAEncryption",
		 "sha1WithRSAEncryption", "RSA-1024"])'
}

# 1. weak chain, tlsmon where the client runs: ingress sees the Certificate, egress the ClientHello.
c=weak4_client
if run_case $c "$NS_B" weak 4; then
	check_ingress $c 'tc|xdp-generic'
	check_weak $c "$IP4_A:443"
fi

# 2. the same from the server's namespace.
c=weak4_server
if run_case $c "$NS_A" weak 4; then
	check_ingress $c 'tc|xdp-generic'
	check_weak $c "$IP4_A:443"
fi

# 3. a good chain: established and nothing to report, so --log-all to get a record at all.
c=good4_client
if run_case $c "$NS_B" good 4 --log-all; then
	if [ "$CLI_RC" = 0 ]; then
		pass "$T/$c/client verified the good chain"
	else
		fail "$T/$c/client" "s_client exit $CLI_RC: $(grep -m1 -i error "$W/$c.client")"
	fi
	expect_metric $c "$W/$c.metrics" \
		'tlsmon_handshakes_total{version="TLS1.2",outcome="established"}' 1
	n=$(msum "$W/$c.metrics" '^tlsmon_weak_findings_total')
	if [ "$n" -eq 0 ]; then
		pass "$T/$c/metric no weak findings"
	else
		fail "$T/$c/metric weak findings" "sum is $n: $(grep '^tlsmon_weak_findings_total' \
			"$W/$c.metrics" | grep -v ' 0$' | tr '\n' ' ')"
	fi
	jcheck $c "outcome established" "$W/$c.jsonl" '.outcome == "established"'
	jcheck $c "no findings" "$W/$c.jsonl" '.findings == []'
	jcheck $c "no alert" "$W/$c.jsonl" '.alert == null'
	jcheck $c "3 certificates" "$W/$c.jsonl" '(.certificates | length) == 3'
	jcheck $c "leaf ecdsa-with-SHA256 RSA 2048" "$W/$c.jsonl" \
		'.certificates[0] | .signature_algorithm == "ecdsa-with-SHA256" and
		 .key_type == "RSA" and .key_bits == 2048'
fi

# 4. IPv6.
c=weak6_client
if run_case $c "$NS_B" weak 6; then
	check_weak $c "[$IP6_A]:443"
fi

# 5. and 6. each XDP mode on its own captures the handshake (ingress frames come from XDP).
for mode in xdp-generic xdp; do
	c=weak4_${mode/-generic/gen}
	run_case "$c" "$NS_B" weak 4 --ingress "$mode" || continue
	check_ingress "$c" "$mode"
	check_weak "$c" "$IP4_A:443"
	n=$(mval "$W/$c.metrics" 'tlsmon_kernel_packets_total{hook="xdp",result="copied"}')
	if [ "${n:-0}" -gt 0 ]; then
		pass "$T/$c/metric xdp hook copied $n > 0"
	else
		fail "$T/$c/metric xdp hook copied" "${n:-absent}"
	fi
	n=$(mval "$W/$c.metrics" 'tlsmon_kernel_packets_total{hook="tc_ingress",result="seen"}')
	if [ "${n:-0}" -eq 0 ]; then
		pass "$T/$c/metric no tc_ingress hook in $mode mode"
	else
		fail "$T/$c/metric tc_ingress seen" "$n, want 0 with --ingress $mode"
	fi
done

t_done
