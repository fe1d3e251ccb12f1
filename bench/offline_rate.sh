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
bench_require offline_rate tshark ssldump jq openssl
N=${1:-5000}
RUNS=3
R_mix=0 T_mix=0 R_distinct=0 Q_mix=0 U_mix=0 Q_distinct=0

bench_chains
SETS=("${CHAIN_TURNDIRS[@]}")
bench_workdir
"$BENCH_BIN/hsgen" -o "$W/mix.pcap" -n "$N" "${SETS[@]}" || die "hsgen mix failed"
"$BENCH_BIN/hsgen" -o "$W/distinct.pcap" -n "$N" --distinct-certs --certs-out "$W/distinct.der" \
	"${SETS[0]}" || die "hsgen distinct failed"

# best_time CMD...: "WALL CPU", the best wall-clock seconds and the best CPU seconds (user +
# system, the command's own and its children's) of RUNS runs, output discarded. The wall clock is
# bash's own EPOCHREALTIME: running date(1) to read it added a process start (about 1 ms here) to
# each figure, 3 % of a tlsmon run. The CPU time is what the command would take alone on a core:
# on a shared machine the wall clock also counts the time other jobs held it, and that share
# varies between a 0.05 s run and a 15 s one.
best_time()
{
	local i t0 t1 cpu best='' best_cpu='' TIMEFORMAT='%U %S'
	for ((i = 0; i < RUNS; i++)); do
		t0=${EPOCHREALTIME//[!0-9]/}
		cpu=$({ time "$@" >/dev/null 2>&1; } 2>&1 | awk '{ printf "%.4f", $1 + $2 }')
		t1=${EPOCHREALTIME//[!0-9]/}
		best=$(awk -v a="$best" -v b=$((t1 - t0)) \
			'BEGIN { if (a == "" || b / 1e6 < a) printf "%.4f", b / 1e6; else print a }')
		best_cpu=$(awk -v a="$best_cpu" -v b="$cpu" \
			'BEGIN { if (a == "" || b < a) printf "%.4f", b; else print a }')
	done
	echo "$best $best_cpu"
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
	read -r t_tlsmon c_tlsmon < <(best_time "$TLSMON" read "$F")
	read -r t_tshark c_tshark < <(best_time tshark_certs "$F")
	read -r t_ssldn c_ssldn < <(best_time ssldump -n -N -r "$F")
	read -r t_ssld c_ssld < <(best_time ssldump -n -r "$F")
	r_tlsmon=$(hs_rate "$t_tlsmon")
	r_tshark=$(hs_rate "$t_tshark")
	r_ssldn=$(hs_rate "$t_ssldn")
	r_ssld=$(hs_rate "$t_ssld")
	q_tlsmon=$(hs_rate "$c_tlsmon")
	q_tshark=$(hs_rate "$c_tshark")
	q_ssldn=$(hs_rate "$c_ssldn")
	q_ssld=$(hs_rate "$c_ssld")
	echo "offline_rate ($kind, $N handshakes, $(stat -c %s "$F") bytes; best of $RUNS):"
	printf '  %-36s %8s s %10s hs/s %9s | %8s cpu-s %10s hs/cpu-s %9s\n' tool time rate \
		"vs tshark" cpu rate "vs tshark"
	printf '  %-36s %8s s %10s hs/s %9s | %8s cpu-s %10s hs/cpu-s %9s\n' "tlsmon read" \
		"$t_tlsmon" "$r_tlsmon" "$(ratio "$r_tlsmon" "$r_tshark")" "$c_tlsmon" "$q_tlsmon" \
		"$(ratio "$q_tlsmon" "$q_tshark")"
	printf '  %-36s %8s s %10s hs/s %9s | %8s cpu-s %10s hs/cpu-s %9s\n' \
		"tshark (certificate fields)" "$t_tshark" "$r_tshark" 1.000 "$c_tshark" "$q_tshark" 1.000
	printf '  %-36s %8s s %10s hs/s %9s | %8s cpu-s %10s hs/cpu-s %9s\n' \
		"ssldump -N (parses certificates)" "$t_ssldn" "$r_ssldn" \
		"$(ratio "$r_ssldn" "$r_tshark")" "$c_ssldn" "$q_ssldn" "$(ratio "$q_ssldn" "$q_tshark")"
	printf '  %-36s %8s s %10s hs/s %9s | %8s cpu-s %10s hs/cpu-s %9s\n' \
		"ssldump (no certificate parsing)" "$t_ssld" "$r_ssld" \
		"$(ratio "$r_ssld" "$r_tshark")" "$c_ssld" "$q_ssld" "$(ratio "$q_ssld" "$q_tshark")"
	bench "offline_${kind}_tlsmon" "$r_tlsmon" hs/s "$(ratio "$r_tlsmon" "$r_tshark")" tshark
	bench "offline_${kind}_tshark" "$r_tshark" hs/s
	bench "offline_${kind}_ssldump_N" "$r_ssldn" hs/s "$(ratio "$r_ssldn" "$r_tshark")" tshark
	bench "offline_${kind}_ssldump" "$r_ssld" hs/s "$(ratio "$r_ssld" "$r_tshark")" tshark
	bench "offline_${kind}_tlsmon_vs_ssldump_N" "$(ratio "$r_tlsmon" "$r_ssldn")" ratio \
		"$(ratio "$r_tlsmon" "$r_ssldn")" ssldump_N
	bench "offline_${kind}_tlsmon_cpu" "$q_tlsmon" hs/cpu-s "$(ratio "$q_tlsmon" "$q_tshark")" \
		tshark_cpu
	bench "offline_${kind}_tshark_cpu" "$q_tshark" hs/cpu-s
	declare -g "R_$kind=$r_tlsmon" "T_$kind=$r_tshark" "Q_$kind=$q_tlsmon" "U_$kind=$q_tshark"
done
echo "offline_rate: goal (a) >= 150x tshark and >= 200000 hs/s/core: $R_mix hs/s," \
	"$(ratio "$R_mix" "$T_mix")x tshark (CPU time: $Q_mix hs/cpu-s, $(ratio "$Q_mix" "$U_mix")x)"
# Start-up is part of every figure above; shown on its own so the per-handshake rate is visible
# too (the goal is judged on the wall-clock rate above, start-up included).
head -c 24 "$W/mix.pcap" >"$W/empty.pcap"
read -r t_start _ < <(best_time "$TLSMON" read "$W/empty.pcap")
read -r t_mix _ < <(best_time "$TLSMON" read "$W/mix.pcap")
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
d2i_cpu=$(sed -n 's/^bench: d2i_x509_cpu_rate \([0-9]*\).*/\1/p' <<<"$d2i_out")
bench d2i_x509_rate "$d2i" certs/s
bench d2i_x509_cpu_rate "$d2i_cpu" certs/cpu-s
bench offline_distinct_vs_d2i "$(ratio "$R_distinct" "$d2i")" ratio \
	"$(ratio "$R_distinct" "$d2i")" d2i_x509
bench offline_distinct_cpu_vs_d2i "$(ratio "$Q_distinct" "$d2i_cpu")" ratio \
	"$(ratio "$Q_distinct" "$d2i_cpu")" d2i_x509_cpu
echo "offline_rate: goal (b) >= 15x the d2i_X509 rate: tlsmon $R_distinct hs/s," \
	"d2i_X509 $d2i certs/s: $(ratio "$R_distinct" "$d2i")x (CPU time: $Q_distinct against" \
	"$d2i_cpu: $(ratio "$Q_distinct" "$d2i_cpu")x)"

# Identical to OpenSSL on every certificate of the distinct set.
# tlsmon names the two curves that TLS calls secp256r1 and secp192r1 by those names (the ones
# key_exchange.group uses); OpenSSL calls them prime256v1 and prime192v1.
"$BENCH_BIN/d2i_rate" --dump "$W/distinct.der" |
	awk -F '\t' -v OFS='\t' '$5 == "prime256v1" { $5 = "secp256r1" }
		$5 == "prime192v1" { $5 = "secp192r1" } { print }' | sort -u >"$W/openssl.tsv"
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
		# perf's buffers come out of a per-user locked-memory budget
		# (perf_event_mlock_kb) that other perf sessions of the same user share: say so
		# when it fails, instead of printing an empty list.
		if ! perf record -q -F 4000 -g -o "$W/perf.$kind" "$TLSMON" read "$W/$kind.pcap" \
			>/dev/null 2>"$W/perf.err"; then
			echo "offline_rate: perf record failed ($kind): $(tail -1 "$W/perf.err")"
			continue
		fi
		echo "offline_rate: hottest functions of tlsmon read ($kind; perf, self time):"
		perf report -i "$W/perf.$kind" --stdio --no-children -g none --sort dso,sym \
			2>/dev/null | grep -E '^ +[0-9]' | head -15 | sed 's/ *$//; s/^/  /'
	done
else
	echo "offline_rate: perf does not work here; no profile"
fi
