#!/bin/bash
# Replay every seed (tests/fuzz/corpus/<target>) and every crash found so far
# (tests/fuzz/regress/<target>) through the fuzz targets linked with a plain main()
# ($BUILD/fuzz-replay/<target>, built by `make test`; with SAN=1 they carry ASan and UBSan).
# PASS per target when no input crashes or trips an invariant.
set -u

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
cd "$ROOT" || exit 1
# shellcheck source=tests/lib.sh
. tests/lib.sh
BUILD=${BUILD:-build}

t_tmpdir || exit 1
found=0
for src in tests/fuzz/fuzz_*.c; do
	t=$(basename "$src" .c)
	t=${t#fuzz_}
	found=1
	bin=$BUILD/fuzz-replay/$t
	if [ ! -x "$bin" ]; then
		skip "fuzz_replay_$t" "$bin not built (make fuzz-replay)"
		continue
	fi
	dirs=()
	for d in "tests/fuzz/corpus/$t" "tests/fuzz/regress/$t"; do
		[ -d "$d" ] && dirs+=("$d")
	done
	if [ ${#dirs[@]} -eq 0 ]; then
		skip "fuzz_replay_$t" "no corpus or regression inputs"
		continue
	fi
	if "$bin" "${dirs[@]}" >"$T_TMP/$t.log" 2>&1; then
		pass "fuzz_replay_$t"
		echo "#   $(tail -1 "$T_TMP/$t.log")"
	else
		# replay names each input before running it: the last one named is the culprit.
		fail "fuzz_replay_$t" "$(grep '^replay: ' "$T_TMP/$t.log" | tail -1 | cut -c9-)"
		sed 's/^/#   /' "$T_TMP/$t.log" | grep -v '^#   replay: ' | head -30
	fi
done
[ "$found" -eq 1 ] || skip fuzz_replay "no fuzz targets"
t_done
