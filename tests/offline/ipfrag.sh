#!/bin/bash
# Real handshakes (../shared/pcaps, IPv4 and IPv6) cut into IP fragments by tools/ipfrag.py:
# `tlsmon read` reports the same handshakes as on the whole packets (only the frame numbers, which
# count the fragments, differ), also with the fragments last first and a duplicate; with an
# overlapping fragment the datagram is refused, as Linux refuses it, and counted. IPv6 packets
# with 5 and 16 extension headers (as many as the kernel follows) decode; with 17 they do not.
set -u

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
cd "$ROOT" || exit 1
# shellcheck source=tests/lib.sh
. tests/lib.sh
BUILD=${BUILD:-build}
P=$ROOT/../shared/pcaps

require_cmd ipfrag python3 jq
if [ ! -d "$P" ]; then
	skip ipfrag "$P not found (the shared captures sit beside the repository)"
	t_done
fi
t_tmpdir || exit 1

# the JSON lines without the frame numbers
norm()
{
	jq -cS 'walk(if type == "object" then del(.frame) else . end)' "$1"
}

stat_of()
{
	sed -n "s/.* $2=\([0-9]*\).*/\1/p" "$1" | head -1
}

for cap in arkime_badcurveball ndpi_google_ssl sv_ldap-starttls zeek_certificate-request-failed; do
	in=$P/$cap.pcap
	if [ ! -f "$in" ]; then
		skip "ipfrag_$cap" "$in not found"
		continue
	fi
	"$BUILD/tlsmon" read "$in" >"$T_TMP/$cap.whole" 2>/dev/null
	for mode in inorder reverse overlap; do
		case $mode in
		inorder) opts=() ;;
		reverse) opts=(--reverse --dup) ;;
		overlap) opts=(--overlap) ;;
		esac
		out=$T_TMP/$cap.$mode
		if ! python3 tools/ipfrag.py "$in" "$out.pcap" --size 256 "${opts[@]}" 2>/dev/null; then
			fail "ipfrag_${cap}_$mode" "tools/ipfrag.py failed"
			continue
		fi
		"$BUILD/tlsmon" read --stats "$out.pcap" >"$out.json" 2>"$out.stats"
		frags=$(stat_of "$out.stats" fragments)
		done_=$(stat_of "$out.stats" reassembled)
		overl=$(stat_of "$out.stats" overlaps)
		if [ "${frags:-0}" -eq 0 ]; then
			fail "ipfrag_${cap}_$mode" "no fragments in the rewritten capture"
		elif [ $mode = overlap ]; then
			# every fragmented packet is refused, so its bytes never reach TCP
			if [ "${overl:-0}" -gt 0 ] && [ "${done_:-1}" -eq 0 ] &&
				! cmp -s <(norm "$out.json") <(norm "$T_TMP/$cap.whole"); then
				pass "ipfrag_${cap}_$mode"
			else
				fail "ipfrag_${cap}_$mode" "overlaps=$overl reassembled=$done_, or the report did not change"
			fi
		elif [ "${done_:-0}" -gt 0 ] && [ -s "$out.json" ] &&
			cmp -s <(norm "$out.json") <(norm "$T_TMP/$cap.whole"); then
			pass "ipfrag_${cap}_$mode"
		else
			fail "ipfrag_${cap}_$mode" "reassembled=$done_; report differs from the unfragmented one"
		fi
	done
done
# IPv6 extension headers: as many as the kernel programs follow (16) decode; one more does not
in=$P/sv_ldap-starttls.pcap
if [ -f "$in" ]; then
	"$BUILD/tlsmon" read "$in" >"$T_TMP/ext.whole" 2>/dev/null
	for n in 5 16 17; do
		python3 tools/ipfrag.py "$in" "$T_TMP/ext$n.pcap" --ext $n 2>/dev/null
		"$BUILD/tlsmon" read --stats "$T_TMP/ext$n.pcap" >"$T_TMP/ext$n.json" 2>"$T_TMP/ext$n.stats"
		if [ $n -le 16 ] && [ -s "$T_TMP/ext$n.json" ] && cmp -s "$T_TMP/ext$n.json" "$T_TMP/ext.whole"; then
			pass "ipv6_ext_$n"
		elif [ $n -gt 16 ] && [ ! -s "$T_TMP/ext$n.json" ] &&
			[ "$(stat_of "$T_TMP/ext$n.stats" not_tcp)" -gt 0 ]; then
			pass "ipv6_ext_${n}_not_followed"
		else
			fail "ipv6_ext_$n" "report differs from the capture without extension headers"
		fi
	done
else
	skip ipv6_ext "$in not found"
fi
t_done
