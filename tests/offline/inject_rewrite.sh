#!/bin/bash
# tools/inject's rewritten frames are valid: written to a pcap (-w) instead of a device, three
# instances of every flow of the real captures in ../shared/pcaps, and 40 flows of a capture that
# bench/hsgen builds from one of them, must be read by tshark without error, with every IPv4 and
# TCP checksum good, a distinct 4-tuple and its own sequence numbers per flow, and one handshake
# per flow: at most one in `tlsmon read`, and the same ClientHellos and handshakes in every
# instance of a recorded flow.
set -u
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
# shellcheck source=tests/lib.sh
. "$ROOT/tests/lib.sh"
BUILD=${BUILD:-build}
case $BUILD in /*) ;; *) BUILD=$ROOT/$BUILD ;; esac
INJECT=$BUILD/tools/inject
SHARED=$ROOT/../shared/pcaps
require_cmd inject_rewrite tshark jq
for b in "$INJECT" "$BUILD/tlsmon"; do
	if [ ! -x "$b" ]; then
		fail inject_rewrite "$b not built (make bench-build)"
		t_done
	fi
done
if ! compgen -G "$SHARED/*.pcap" >/dev/null; then
	skip inject_rewrite "$SHARED missing (the real captures live in ../shared)"
	exit 0
fi
t_tmpdir || exit 1
W=$T_TMP

# rewritten_ok NAME PCAP FLOWS FRAMES: what every rewritten capture must satisfy.
rewritten_ok()
{
	local name=$1 pcap=$2 flows=$3 frames=$4 n bad tuples
	if ! n=$(tshark -r "$pcap" -T fields -e frame.number 2>"$W/$name.tshark.err" | wc -l) ||
		[ -s "$W/$name.tshark.err" ] && grep -qiv 'running as user' "$W/$name.tshark.err"; then
		fail "$name/tshark_reads" "$(head -2 "$W/$name.tshark.err")"
	elif [ "$n" -ne "$frames" ]; then
		fail "$name/tshark_reads" "tshark read $n frames, inject wrote $frames"
	else
		pass "$name/tshark_reads"
	fi
	bad=$(tshark -r "$pcap" -o ip.check_checksum:TRUE -o tcp.check_checksum:TRUE \
		-Y 'ip.checksum.status == 0 || tcp.checksum.status == 0' -T fields -e frame.number \
		2>/dev/null | wc -l)
	check_eq "$name/checksums" "$bad" 0 "frames with a bad IPv4 or TCP checksum"
	# One line per flow: its 4-tuple, the same whichever side sent the frame.
	tshark -r "$pcap" -T fields -e ip.src -e ipv6.src -e tcp.srcport -e ip.dst -e ipv6.dst \
		-e tcp.dstport -e tcp.stream 2>/dev/null |
		awk -F'\t' '{ a = $1 $2 ":" $3; b = $4 $5 ":" $6; print (a < b ? a " " b : b " " a), $7 }' |
		sort -u >"$W/$name.tuples"
	tuples=$(cut -d' ' -f1,2 "$W/$name.tuples" | sort -u | wc -l)
	check_eq "$name/distinct_4tuples" "$tuples" "$flows" "distinct 4-tuples"
	check_eq "$name/one_stream_per_4tuple" "$(wc -l <"$W/$name.tuples")" "$flows" \
		"4-tuple/stream pairs"
	# The ClientHellos of every flow, for the per-instance comparison (a HelloRetryRequest makes
	# two in one handshake, so the count is compared, not required to be one).
	tshark -r "$pcap" -Y 'tls.handshake.type == 1 && !tcp.analysis.retransmission' \
		-T fields -e tcp.srcport -e tcp.dstport 2>/dev/null |
		awk '{ print ($1 >= 10000 ? $1 : $2) - 10000 }' | sort -n | uniq -c >"$W/$name.hellos"
}

check_eq()
{
	if [ "$2" -eq "$3" ]; then
		pass "$1"
	else
		fail "$1" "$4: $2, expected $3"
	fi
}

kv()
{
	sed -n "s/.* $1=\([0-9]*\).*/\1/p" "$2"
}

# 1. Three instances of every usable flow of the shared captures (flow k = template k % T).
"$INJECT" --list "$SHARED"/*.pcap 2>/dev/null | awk '$2 > 0 && $4 == "ok"' >"$W/usable"
T=$(wc -l <"$W/usable")
if [ "$T" -lt 10 ]; then
	fail inject_rewrite/templates "only $T usable flows in $SHARED"
	t_done
fi
"$INJECT" -w "$W/shared.pcap" -n $((3 * T)) "$SHARED"/*.pcap >"$W/shared.out" 2>/dev/null
check_eq shared/flows_written "$(kv flows "$W/shared.out")" $((3 * T)) "flows"
rewritten_ok shared "$W/shared.pcap" $((3 * T)) "$(kv frames "$W/shared.out")"

# Each instance of a template is the same handshake: tlsmon read finds as many handshakes in
# instance 0 as in 1 and 2 (client port 10000 + k), never more than one per flow, and tshark's
# ClientHellos agree instance by instance.
"$BUILD/tlsmon" read "$W/shared.pcap" 2>/dev/null | jq -r '.client | sub(".*[]:]"; "")' |
	sort -n | uniq -c >"$W/hs_per_flow"
check_eq shared/tlsmon_one_handshake_per_flow "$(awk '$1 > 1' "$W/hs_per_flow" | wc -l)" 0 \
	"flows with more than one handshake"
per_instance=$(awk -v t="$T" '{ k = $2 - 10000; n[int(k / t)] += 1 } END {
	printf "%d %d %d", n[0], n[1], n[2] }' "$W/hs_per_flow")
read -r i0 i1 i2 <<<"$per_instance"
if [ "$i0" -gt 0 ] && [ "$i0" -eq "$i1" ] && [ "$i1" -eq "$i2" ]; then
	pass shared/same_handshakes_per_instance
else
	fail shared/same_handshakes_per_instance "tlsmon read: $per_instance handshakes in instances 0 1 2"
fi
awk -v t="$T" '{ k = $2 - 10000; print k % t }' "$W/hs_per_flow" | sort | uniq -c |
	awk '$1 != 3' >"$W/uneven"
check_eq shared/every_template_alike "$(wc -l <"$W/uneven")" 0 \
	"templates whose three instances differ in tlsmon read"

# tshark sees the same ClientHellos in each instance of a template, and some in most of them.
awk -v t="$T" '{ k = $2; n[k % t, int(k / t)] = $1 } END { bad = 0
	for (k = 0; k < t; k++) if (n[k, 0] != n[k, 1] || n[k, 1] != n[k, 2]) bad++; print bad }' \
	"$W/shared.hellos" >"$W/hello_diff"
check_eq shared/same_clienthellos_per_instance "$(cat "$W/hello_diff")" 0 \
	"templates whose instances differ in ClientHellos"
with=$(awk -v t="$T" '$2 < t' "$W/shared.hellos" | wc -l)
if [ "$with" -ge $((T / 2)) ]; then
	pass shared/clienthellos_seen
else
	fail shared/clienthellos_seen "tshark finds a ClientHello in $with of $T flows"
fi

# Sequence numbers are the flow's own: the first frames of instances 0 and 1 of a template differ.
tshark -r "$W/shared.pcap" -T fields -e tcp.srcport -e tcp.seq_raw 2>/dev/null |
	awk -v t="$T" '$1 >= 10000 && $1 < 10000 + 2 * t && !seen[$1]++ { print $1 - 10000, $2 }' \
		>"$W/seqs"
same=$(awk -v t="$T" '{ s[$1] = $2 } END { n = 0; for (k = 0; k < t; k++)
	if ((k in s) && ((k + t) in s) && s[k] == s[k + t]) n++; print n }' "$W/seqs")
check_eq shared/own_sequence_numbers "$same" 0 "templates whose instances share a first seq"

# 2. A generated capture: hsgen's handshakes, made from the turns of one real capture.
if [ ! -x "$BUILD/bench/hsgen" ]; then
	skip hsgen "$BUILD/bench/hsgen not built (make test or make bench-build builds it)"
elif "$ROOT/bench/extract_turns.sh" "$SHARED/zeek_tls1.2.pcap" "$W/turns" 4 >/dev/null 2>&1 &&
	"$BUILD/bench/hsgen" -o "$W/gen.pcap" -n 20 "$W/turns" >/dev/null 2>&1; then
	"$INJECT" -w "$W/gen_inj.pcap" -n 40 "$W/gen.pcap" >"$W/gen.out" 2>/dev/null
	rewritten_ok hsgen "$W/gen_inj.pcap" 40 "$(kv frames "$W/gen.out")"
	n=$("$BUILD/tlsmon" read "$W/gen_inj.pcap" 2>/dev/null | jq -r .client | sort | uniq -c |
		awk '$1 == 1' | wc -l)
	check_eq hsgen/tlsmon_one_handshake_per_flow "$n" 40 "flows with exactly one handshake"
	check_eq hsgen/one_clienthello_per_flow "$(awk '$1 == 1' "$W/hsgen.hellos" | wc -l)" 40 \
		"flows with exactly one ClientHello in tshark"
else
	fail hsgen/generate "extract_turns or hsgen failed on zeek_tls1.2.pcap"
fi
t_done
