#!/bin/bash
# Run libFuzzer targets (built by `make fuzz-build`) for FUZZ_SECONDS each, on a working corpus in
# $FUZZ_BUILD/corpus/<target> seeded from tests/fuzz/corpus/<target> (so the repository corpus does
# not grow, while what one run found helps the next), plus tests/fuzz/regress/<target>.
# Prints one line per target with libFuzzer's final execution count; exits 1 if any target crashed
# (the input is left under $FUZZ_BUILD/artifacts/<target>/, the log under $FUZZ_BUILD/logs/).
#
# usage: FUZZ_BUILD=build-fuzz FUZZ_SECONDS=60 FUZZ_JOBS=1 tests/fuzz/run.sh TARGET...
set -u

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
cd "$ROOT" || exit 2
B=${FUZZ_BUILD:-build-fuzz}
SECS=${FUZZ_SECONDS:-60}
JOBS=${FUZZ_JOBS:-1}
[ $# -gt 0 ] || { echo "usage: $0 TARGET..." >&2; exit 2; }

# Largest input worth trying: a handshake with a certificate chain for the stream targets, one
# certificate for x509, a line or two for the text parsers.
max_len()
{
	case $1 in
	stream | segments | tls_record) echo 32768 ;;
	pcap) echo 65536 ;;
	tls_msg) echo 16384 ;;
	x509) echo 8192 ;;
	*) echo 4096 ;;
	esac
}

SCRATCH=$(mktemp -d "${TMPDIR:-/tmp}/tlsmon-fuzz.XXXXXX") || exit 2
trap 'rm -rf "$SCRATCH"' EXIT
mkdir -p "$B/logs"

# run_one T: fuzz one target; the summary line goes to $SCRATCH/T.result.
run_one()
{
	local t=$1 bin=$B/fuzz_$1 log=$B/logs/$1.log corpus=$B/corpus/$1 rc execs cov dirs
	mkdir -p "$corpus" "$B/artifacts/$t"
	if [ -d "tests/fuzz/corpus/$t" ]; then
		cp -r "tests/fuzz/corpus/$t/." "$corpus/"
	fi
	dirs=("$corpus")
	[ -d "tests/fuzz/regress/$t" ] && dirs+=("tests/fuzz/regress/$t")
	"$bin" -max_total_time="$SECS" -print_final_stats=1 -max_len="$(max_len "$t")" \
		-timeout=20 -rss_limit_mb=2048 -artifact_prefix="$B/artifacts/$t/" \
		"${dirs[@]}" >"$log" 2>&1
	rc=$?
	execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
	cov=$(grep -oE 'cov: [0-9]+' "$log" | tail -1)
	if [ "$rc" -eq 0 ]; then
		printf 'PASS fuzz_%s: %s execs in %ss, %s\n' "$t" "${execs:-?}" "$SECS" "${cov:-cov: ?}" \
			>"$SCRATCH/$t.result"
	else
		printf 'FAIL fuzz_%s: exit %d after %s execs; input: %s; log: %s\n' "$t" "$rc" \
			"${execs:-?}" "$(sed -n 's/.*Test unit written to //p' "$log" | tail -1)" "$log" \
			>"$SCRATCH/$t.result"
	fi
}

running=0
for t in "$@"; do
	if [ ! -x "$B/fuzz_$t" ]; then
		echo "FAIL fuzz_$t: $B/fuzz_$t not built" >"$SCRATCH/$t.result"
		continue
	fi
	echo "fuzzing $t for ${SECS}s"
	run_one "$t" &
	running=$((running + 1))
	if [ "$running" -ge "$JOBS" ]; then
		wait -n
		running=$((running - 1))
	fi
done
wait

failed=0
for t in "$@"; do
	cat "$SCRATCH/$t.result"
	grep -q '^FAIL' "$SCRATCH/$t.result" && failed=$((failed + 1))
done
echo "$(($# - failed)) targets passed, $failed failed"
[ "$failed" -eq 0 ]
