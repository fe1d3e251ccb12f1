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

# memcheck FILE... : 0 when clean, 2 when the run died of a breakpoint inside OpenSSL's own code,
# else 1; the report is in $T_TMP/vg.log. The breakpoint is another tlsmon daemon's uprobe (the
# TLS-library verdicts attach to libcrypto's file, so every process mapping it gets the int3):
# valgrind translates the code it finds in memory, executes the int3 itself and dies of SIGTRAP.
# That says nothing about tlsmon's memory; a run beside a daemon with uprobes is retried.
memcheck()
{
	"${VG[@]}" --log-file="$T_TMP/vg.log" "$BIN" read "$@" >"$T_TMP/out.jsonl" 2>"$T_TMP/err"
	local rc=$?
	[ "$rc" -ne 99 ] && [ ! -s "$T_TMP/vg.log" ] && [ "$rc" -lt 128 ] && return 0
	if grep -A1 'signal 5 (SIGTRAP)' "$T_TMP/vg.log" | grep -qE 'in .*/lib(crypto|ssl)\.so'; then
		return 2
	fi
	return 1
}

# memcheck_settled FILE... : memcheck, retried while other daemons' uprobes break the run
# (bounded: 4 tries, 15 s apart); 2 still means only that.
memcheck_settled()
{
	local try rc
	for try in 1 2 3 4; do
		memcheck "$@"
		rc=$?
		[ "$rc" -ne 2 ] && return "$rc"
		echo "# valgrind hit a uprobe's breakpoint in OpenSSL (another daemon's TLS-library hooks); retry $try"
		[ "$try" -lt 4 ] && sleep 15
	done
	return 2
}

memcheck_settled "${FILES[@]}"
all_rc=$?
if [ "$all_rc" -eq 2 ]; then
	for f in "${FILES[@]}"; do
		skip "valgrind_$(basename "${f%.*}")" \
			"another process's uprobes on OpenSSL stayed attached: valgrind executes their breakpoints"
	done
elif [ "$all_rc" -eq 0 ]; then
	n=$(wc -l <"$T_TMP/out.jsonl")
	for f in "${FILES[@]}"; do
		pass "valgrind_$(basename "${f%.*}")"
	done
	echo "# one memcheck run over ${#FILES[@]} captures, $n handshakes, no error, no leak"
else
	echo "# the run over every capture reported errors; checking each capture"
	for f in "${FILES[@]}"; do
		name=valgrind_$(basename "${f%.*}")
		memcheck_settled "$f"
		rc=$?
		if [ "$rc" -eq 0 ]; then
			pass "$name"
		elif [ "$rc" -eq 2 ]; then
			skip "$name" "another process's uprobes on OpenSSL stayed attached: valgrind executes their breakpoints"
		else
			fail "$name" "$(grep -m1 -E '(definitely|indirectly) lost|Invalid|uninitialised|Mismatched' \
				"$T_TMP/vg.log" | sed 's/^==[0-9]*== //')"
			sed 's/^/#   /' "$T_TMP/vg.log" | head -40
		fi
	done
fi
t_done
