#!/bin/bash
# Valgrind memcheck on `tlsmon read` of every capture in ../shared/pcaps: PASS per capture when
# memcheck reports no error and no definite or indirect leak (OpenSSL's "still reachable" globals
# are fine). All captures go through one invocation (valgrind's start-up dominates); only when it
# reports something is each capture run on its own, to say which one.
set -u

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
cd "$ROOT" || exit 1
# shellcheck source=tests/lib.sh
. tests/lib.sh
BUILD=${BUILD:-build}
PCAPS=${PCAPS:-../shared/pcaps}

require_cmd valgrind_read valgrind

BIN=$BUILD/tlsmon
# Valgrind cannot run an ASan binary (SAN=1 builds); use the plain build when there is one.
if [ -x "$BIN" ] && grep -q __asan_init "$BIN" 2>/dev/null; then
	BIN=build/tlsmon
	if [ ! -x "$BIN" ] || grep -q __asan_init "$BIN" 2>/dev/null; then
		skip valgrind_read "$BUILD/tlsmon is built with ASan and there is no plain build/tlsmon"
		exit 0
	fi
fi
if [ ! -x "$BIN" ]; then
	skip valgrind_read "$BIN not built"
	exit 0
fi
shopt -s nullglob
FILES=("$PCAPS"/*.pcap "$PCAPS"/*.pcapng)
if [ ${#FILES[@]} -eq 0 ]; then
	skip valgrind_read "no captures in $PCAPS"
	exit 0
fi

t_tmpdir || exit 1
VG=(valgrind -q --leak-check=full --errors-for-leak-kinds=definite,indirect --error-exitcode=99
	--track-origins=yes)

# memcheck FILE... : 0 when clean; the report is in $T_TMP/vg.log.
memcheck()
{
	"${VG[@]}" --log-file="$T_TMP/vg.log" "$BIN" read "$@" >"$T_TMP/out.jsonl" 2>"$T_TMP/err"
	local rc=$?
	[ "$rc" -ne 99 ] && [ ! -s "$T_TMP/vg.log" ] && [ "$rc" -lt 128 ]
}

if memcheck "${FILES[@]}"; then
	n=$(wc -l <"$T_TMP/out.jsonl")
	for f in "${FILES[@]}"; do
		pass "valgrind_$(basename "${f%.*}")"
	done
	echo "# one memcheck run over ${#FILES[@]} captures, $n handshakes, no error, no leak"
else
	echo "# the run over every capture reported errors; checking each capture"
	for f in "${FILES[@]}"; do
		name=valgrind_$(basename "${f%.*}")
		if memcheck "$f"; then
			pass "$name"
		else
			fail "$name" "$(grep -m1 -E '(definitely|indirectly) lost|Invalid|uninitialised|Mismatched' \
				"$T_TMP/vg.log" | sed 's/^==[0-9]*== //')"
			sed 's/^/#   /' "$T_TMP/vg.log" | head -40
		fi
	done
fi
t_done
