#!/usr/bin/env bash
# `tlsmon read --metrics`: the registry the daemon serves, built from capture files. It must pass
# promtool, and its counters must agree with the JSON lines of the same files.
set -u
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
. "$HERE/../lib.sh"
BUILD=${BUILD:-build}
PCAPS=${PCAPS:-../shared/pcaps}
TLSMON=$BUILD/tlsmon

[ -d "$PCAPS" ] || { skip read_metrics "$PCAPS not found"; exit 0; }
require_cmd read_metrics jq python3 || exit 0
t_tmpdir || exit 1
files=("$PCAPS"/*.pcap "$PCAPS"/*.pcapng)

"$TLSMON" read --metrics "${files[@]}" >"$T_TMP/metrics.txt" 2>"$T_TMP/err"
check read_metrics_exit test $? -eq 0
if command -v promtool >/dev/null; then
	out=$(promtool check metrics <"$T_TMP/metrics.txt" 2>&1)
	check read_metrics_promtool test $? -eq 0 -a -z "$out"
else
	skip read_metrics_promtool "promtool not installed"
fi
"$TLSMON" read "${files[@]}" >"$T_TMP/all.jsonl" 2>/dev/null

sum_metric() # NAME FILTER: sum of the samples of NAME whose labels match FILTER (a regex)
{
	grep "^$1{" "$T_TMP/metrics.txt" | grep -E -- "$2" | awk '{s += $NF} END {print s + 0}'
}

json_total=$(grep -c . "$T_TMP/all.jsonl")
check read_metrics_handshakes_total test "$(sum_metric tlsmon_handshakes_total .)" -eq "$json_total"
json_alert=$(jq -r 'select(.outcome == "alert") | .outcome' "$T_TMP/all.jsonl" | grep -c .)
check read_metrics_outcome_alert \
	test "$(sum_metric tlsmon_handshakes_total 'outcome="alert"')" -eq "$json_alert"
json_tls10=$(jq -r 'select(.version == "TLS1.0") | .version' "$T_TMP/all.jsonl" | grep -c .)
check read_metrics_version_tls10 \
	test "$(sum_metric tlsmon_handshakes_total 'version="TLS1.0"')" -eq "$json_tls10"
# Once per handshake and side, however many certificates of the chain share the finding.
json_sha1=$(jq -r '[.findings[] | select(.check == "weak_signature" and
	.detail == "sha1WithRSAEncryption") | .side] | unique | .[]' "$T_TMP/all.jsonl" | grep -c .)
check read_metrics_findings_once_per_handshake \
	test "$(sum_metric tlsmon_weak_findings_total 'detail="sha1WithRSAEncryption"')" -eq "$json_sha1"
json_certs=$(jq -r '.certificates[].sha256' "$T_TMP/all.jsonl" | sort -u | grep -c .)
check read_metrics_unique_certificates \
	test "$(sum_metric tlsmon_certificates_total .)" -eq "$json_certs"
grep -q '^tlsmon_build_info{version=' "$T_TMP/metrics.txt"
check read_metrics_build_info test $? -eq 0
# The duration histogram: one observation per handshake, in the bucket its JSON times give.
if out=$(python3 "$HERE/histogram_helper.py" "$T_TMP/metrics.txt" "$T_TMP/all.jsonl" 2>&1); then
	pass "read_metrics_duration_histogram ($out)"
else
	fail read_metrics_duration_histogram "$out"
fi
# Names and HELP texts: base units, unit last, _total on counters, one HELP style.
if out=$(python3 "$HERE/metric_style.py" "$T_TMP/metrics.txt" 2>&1); then
	pass "read_metrics_style ($out)"
else
	fail read_metrics_style "$(head -3 <<<"$out" | tr '\n' ' ')"
fi
