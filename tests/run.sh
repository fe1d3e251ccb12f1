#!/bin/bash
# tlsmon test runner.
#
# Usage: tests/run.sh [unit|offline|live]...      (default: all three, in that order)
#   unit     every executable $BUILD/tests/test_*   (BUILD defaults to "build")
#   offline  every tests/offline/*.sh
#   live     every tests/live/*.sh (skipped, one SKIP line per file, unless root)
#
# Each test file prints "PASS name", "FAIL name[: reason]" or "SKIP name: reason" lines; this
# runner echoes everything, counts those lines, and adds one FAIL named after the file when it
# exits non-zero (crash, timeout, ...) without printing a FAIL line, or prints no result at all.
# Every file runs under `timeout` (TEST_TIMEOUT seconds, default 600). Output ends with the list
# of failures and, as the very last line, "N passed, N failed, N skipped". Exit 1 if any failed.
set -u

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT" || exit 2
export BUILD=${BUILD:-build}
TIMEOUT=${TEST_TIMEOUT:-600}

PASSED=0
FAILED=0
SKIPPED=0
FAILURES=()

usage()
{
	echo "usage: tests/run.sh [unit|offline|live]..." >&2
	exit 2
}

GROUPS_TO_RUN=("$@")
[ ${#GROUPS_TO_RUN[@]} -gt 0 ] || GROUPS_TO_RUN=(unit offline live)
for g in "${GROUPS_TO_RUN[@]}"; do
	case $g in
	unit | offline | live) ;;
	*) usage ;;
	esac
done

LOG=$(mktemp "${TMPDIR:-/tmp}/tlsmon-run.XXXXXX") || exit 2
trap 'rm -f "$LOG"' EXIT

now()
{
	date +%s.%N
}

# result FAIL|SKIP NAME REASON [LABEL]: a result line the runner itself makes.
result()
{
	printf '%s %s: %s\n' "$1" "$2" "$3"
	case $1 in
	FAIL)
		FAILED=$((FAILED + 1))
		FAILURES+=("${4:-$2}: $3")
		;;
	SKIP) SKIPPED=$((SKIPPED + 1)) ;;
	esac
}

# run_file LABEL CMD...: run one test file, echo its output as it comes, count its result lines.
run_file()
{
	local label=$1 t0 t1 rc npass=0 nfail=0 nskip=0 line kind rest name
	shift
	printf '=== %s\n' "$label"
	t0=$(now)
	# Own process group (timeout's default) so a timeout also takes the file's children down;
	# -k: KILL if TERM is not enough. tee streams the output while it is kept for counting.
	timeout -k 10 "$TIMEOUT" "$@" </dev/null 2>&1 | tee "$LOG"
	rc=${PIPESTATUS[0]}
	t1=$(now)
	while IFS= read -r line || [ -n "$line" ]; do
		kind=${line%% *}
		rest=${line#* }
		case $kind in
		PASS) npass=$((npass + 1)) ;;
		FAIL)
			nfail=$((nfail + 1))
			FAILURES+=("$label: $rest")
			;;
		SKIP) nskip=$((nskip + 1)) ;;
		esac
	done < <(grep -E '^(PASS|FAIL|SKIP) ' "$LOG")
	PASSED=$((PASSED + npass))
	FAILED=$((FAILED + nfail))
	SKIPPED=$((SKIPPED + nskip))
	name=$(basename "$label")
	name=${name%.sh}
	# A timeout or a crash always counts (what came after it is lost); another non-zero exit
	# counts only when no FAIL line explains it.
	if [ "$rc" -eq 124 ] || [ "$rc" -eq 137 ]; then
		result FAIL "$name" "timed out after ${TIMEOUT}s" "$label"
	elif [ "$rc" -gt 128 ]; then
		result FAIL "$name" "killed by signal $((rc - 128))" "$label"
	elif [ "$rc" -ne 0 ] && [ "$nfail" -eq 0 ]; then
		result FAIL "$name" "exit status $rc without a FAIL line" "$label"
	elif [ $((npass + nfail + nskip)) -eq 0 ]; then
		result FAIL "$name" "printed no PASS/FAIL/SKIP line" "$label"
	fi
	printf -- '--- %s: %ss, exit %d\n' "$label" \
		"$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.1f", b - a }')" "$rc"
}

run_unit()
{
	local f found=0
	for f in "$BUILD"/tests/test_*; do
		if [ ! -f "$f" ] || [ ! -x "$f" ]; then
			continue
		fi
		# a binary whose source is gone (a test renamed or removed) is left over in a
		# long-lived build directory: running it would test code that no longer exists
		if ! compgen -G "tests/unit/*/$(basename "$f").c" >/dev/null; then
			printf 'unit: %s has no source in tests/unit/ (left from an older tree), not run\n' "$f"
			continue
		fi
		found=1
		run_file "unit/$(basename "$f")" "$f"
	done
	[ "$found" -eq 1 ] ||
		result SKIP unit "no test binaries in $BUILD/tests (make test-unit builds them)"
}

run_shell_group()
{
	local group=$1 f found=0
	for f in tests/"$group"/*.sh; do
		[ -f "$f" ] || continue
		found=1
		if [ "$group" = live ] && [ "$(id -u)" -ne 0 ]; then
			result SKIP "$(basename "$f" .sh)" "live tests need root"
			continue
		fi
		if [ "$group" = live ] && [ -n "${TLSMON_SAN:-}" ]; then
			result SKIP "$(basename "$f" .sh)" "sanitizer build: live tests run with the normal build"
			continue
		fi
		run_file "$group/$(basename "$f")" bash "$f"
	done
	[ "$found" -eq 1 ] || printf '=== %s: no tests\n' "$group"
}

for g in "${GROUPS_TO_RUN[@]}"; do
	case $g in
	unit) run_unit ;;
	offline | live) run_shell_group "$g" ;;
	esac
done

if [ ${#FAILURES[@]} -gt 0 ]; then
	echo "Failures:"
	for f in "${FAILURES[@]}"; do
		printf '  %s\n' "$f"
	done
fi
echo "$PASSED passed, $FAILED failed, $SKIPPED skipped"
[ "$FAILED" -eq 0 ]
