#!/bin/bash
# Offline analysis rate (needs root only to capture the recorded handshakes): `tlsmon read`
# against tshark (certificate fields) and ssldump (-N parses certificates) on the same pcaps, and
# against plain OpenSSL d2i_X509, all measured in this run.
#   (a) mix: real captures of three chains (good, verified; weak, which the verifying client
#       rejects with an alert; big, a > 30 KB Certificate message) repeated: few distinct chains.
#   (b) distinct: every handshake has its own leaf certificate (bench/hsgen.c makes them); tlsmon's
#       results must equal OpenSSL's on every certificate of the set.
# Times are wall clock, best of 3 (tlsmon read is single-threaded, so its rate is per core).
# If perf works, the hottest functions of `tlsmon read` on each pcap follow.
#
# Usage: bench/offline_rate.sh [HANDSHAKES]   (default 5000)
set -u
# shellcheck source=bench/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
require_root offline_rate
require_cmd offline_rate tshark ssldump jq openssl
N=${1:-5000}
RUNS=3
R_mix=0 T_mix=0 R_distinct=0

SETS=()
for ch in good weak big; do
	bench_assets "$ch" || die "could not capture the $ch chain"
	SETS+=("$ASSET_TURNDIR")
done
t_tmpdir || die "mktemp failed"
W=$T_TMP
"$BENCH_BIN/hsgen" -o "$W/mix.pcap" -n "$N" "${SETS[@]}" || die "hsgen mix failed"
"$BENCH_BIN/hsgen" -o "$W/distinct.pcap" -n "$N" --distinct-certs --certs-out "$W/distinct.der" \
	"${SETS[0]}" || die "hsgen distinct failed"

# best_time CMD...: best wall-clock seconds of RUNS runs, output discarded. The clock is bash's
# own EPOCHREALTIME: running date(1) to read it added a process start (about 1 ms here) to each
# figure, 3 % of a tlsmon run.
best_time()
{
	local i t0 t1 best=
	for ((i = 0; i < RUNS; i++)); do
		t0=${EPOCHREALTIME//[!0-9]/}
		"$@" >/dev/null 2>&1
		t1=${EPOCHREALTIME//[!0-9]/}
		best=$(awk -v a="$best" -v b=$((t1 - t0)) \
			'BEGIN { if (a == "" || b / 1e6 < a) printf "%.4f", b / 1e6; else print a }')
	done
	echo "$best"
}

tshark_certs()
{
	tshark -n -r "$1" -Y tls.handshake.certificate -T fields -e x509sat.uTF8String \
		-e x509sat.printableString -e x509af.algorithm.id -e x509af.serialNumber
}

hs_rate()
{
	awk -v n="$N" -v t="$1" 'BEGIN { if (t > 0) printf "%.0f", n / t; else print 0 }'
}

for kind in mix distinct; do
	F=$W/$kind.pcap
	got=$("$TLSMON" read "$F" | wc -l)
	[ "$got" -eq "$N" ] || echo "offline_rate: tlsmon read reported $got of $N handshakes in $kind"
	t_tlsmon=$(best_time "$TLSMON" read "$F")
	t_tshark=$(best_time tshark_certs "$F")
	t_ssldn=$(best_time ssldump -n -N -r "$F")
	t_ssld=$(best_time ssldump -n -r "$F")
	r_tlsmon=$(hs_rate "$t_tlsmon")
	r_tshark=$(hs_rate "$t_tshark")
	r_ssldn=$(hs_rate "$t_ssldn")
	r_ssld=$(hs_rate "$t_ssld")
	echo "offline_rate ($kind, $N handshakes, $(stat -c %s "$F") bytes; best of $RUNS):"
	printf '  %-36s %8s s %10s hs/s %9s\n' tool time rate "vs tshark"
	printf '  %-36s %8s s %10s hs/s %9s\n' "tlsmon read" "$t_tlsmon" "$r_tlsmon" \
		"$(ratio "$r_tlsmon" "$r_tshark")"
	printf '  %-36s %8s s %10s hs/s %9s\n' "tshark (certificate fields)" "$t_tshark" \
		"$r_tshark" 1.000
	printf '  %-36s %8s s %10s hs/s %9s\n' "ssldump -N (parses certificates)" "$t_ssldn" \
		"$r_ssldn" "$(ratio "$r_ssldn" "$r_tshark")"
	printf '  %-36s %8s s %10s hs/s %9s\n' "ssldump (no certificate parsing)" "$t_ssld" \
		"$r_ssld" "$(ratio "$r_ssld" "$r_tshark")"
	bench "offline_${kind}_tlsmon" "$r_tlsmon" hs/s "$(ratio "$r_tlsmon" "$r_tshark")" tshark
	bench "offline_${kind}_tshark" "$r_tshark" hs/s
	bench "offline_${kind}_ssldump_N" "$r_ssldn" hs/s "$(ratio "$r_ssldn" "$r_tshark")" tshark
	bench "offline_${kind}_ssldump" "$r_ssld" hs/s "$(ratio "$r_ssld" "$r_tshark")" tshark
	bench "offline_${kind}_tlsmon_vs_ssldump_N" "$(ratio "$r_tlsmon" "$r_ssldn")" ratio \
		"$(ratio "$r_tlsmon" "$r_ssldn")" ssldump_N
	declare -g "R_$kind=$r_tlsmon" "T_$kind=$r_tshark"
done
echo "offline_rate: goal (a) >= 100x tshark and >= 100000 hs/s/core: $R_mix hs/s," \
	"$(ratio "$R_mix" "$T_mix")x tshark"
# Start-up is part of every figure above; shown on its own so the per-handshake rate is visible
# too (the goal is judged on the wall-clock rate above, start-up included).
head -c 24 "$W/mix.pcap" >"$W/empty.pcap"
t_start=$(best_time "$TLSMON" read "$W/empty.pcap")
t_mix=$(best_time "$TLSMON" read "$W/mix.pcap")
r_nostart=$(awk -v n="$N" -v t="$t_mix" -v s="$t_start" \
	'BEGIN { if (t > s) printf "%.0f", n / (t - s); else print 0 }')
echo "offline_rate: tlsmon read start-up (a pcap without frames): $t_start s;" \
	"mix again: $t_mix s, $r_nostart hs/s without the start-up"
bench offline_tlsmon_startup "$t_start" s
bench offline_mix_tlsmon_without_startup "$r_nostart" hs/s

# (b) against OpenSSL: the d2i rate bounds any analyser that parses each new certificate with it.
# One new leaf per handshake here, so the d2i certificate rate is also a handshake rate.
d2i_out=$("$BENCH_BIN/d2i_rate" -r 5 "$W/distinct.der") || die "d2i_rate failed"
echo "$d2i_out" | grep -v '^bench:'
d2i=$(sed -n 's/^bench: d2i_x509_rate \([0-9]*\).*/\1/p' <<<"$d2i_out")
bench d2i_x509_rate "$d2i" certs/s
bench offline_distinct_vs_d2i "$(ratio "$R_distinct" "$d2i")" ratio \
	"$(ratio "$R_distinct" "$d2i")" d2i_x509
echo "offline_rate: goal (b) >= 10x the d2i_X509 rate: tlsmon $R_distinct hs/s," \
	"d2i_X509 $d2i certs/s: $(ratio "$R_distinct" "$d2i")x"

# Identical to OpenSSL on every certificate of the distinct set.
"$BENCH_BIN/d2i_rate" --dump "$W/distinct.der" | sort -u >"$W/openssl.tsv"
"$TLSMON" read "$W/distinct.pcap" |
	jq -r '.certificates[] | [.sha256, .signature_oid, .key_type, (.key_bits | tostring),
		(.curve // ""), .subject] | @tsv' | sort -u >"$W/tlsmon.tsv"
nssl=$(wc -l <"$W/openssl.tsv")
same=$(comm -12 "$W/openssl.tsv" "$W/tlsmon.tsv" | wc -l)
echo "offline_rate: $same of $nssl distinct certificates identical to OpenSSL (sha256," \
	"signature OID, key type and bits, curve, subject)"
if [ "$same" -ne "$nssl" ] || [ "$(wc -l <"$W/tlsmon.tsv")" -ne "$nssl" ]; then
	diff "$W/openssl.tsv" "$W/tlsmon.tsv" | head -6
fi
bench offline_distinct_identical_to_openssl "$same/$nssl" certificates

if perf record -q -o "$W/perf.probe" true >/dev/null 2>&1; then
	for kind in mix distinct; do
		perf record -q -F 4000 -g -o "$W/perf.$kind" "$TLSMON" read "$W/$kind.pcap" \
			>/dev/null 2>&1
		echo "offline_rate: hottest functions of tlsmon read ($kind; perf, self time):"
		perf report -i "$W/perf.$kind" --stdio --no-children -g none --sort dso,sym \
			2>/dev/null | grep -E '^ +[0-9]' | head -15 | sed 's/ *$//; s/^/  /'
	done
else
	echo "offline_rate: perf does not work here; no profile"
fi
