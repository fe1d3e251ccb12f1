#!/usr/bin/env bash
# pcapgen round trip: generate one connection from random client/server byte streams with
# various options (no loss), let tshark reassemble it (follow,tcp,raw) and check that both
# directions equal the input. Also checks that tshark finds every IP and TCP checksum good.
# Prints one "PASS name" / "FAIL name" line per case; exits non-zero if any failed.
set -u

BUILD=${BUILD:-build}
PCAPGEN=$BUILD/tools/pcapgen
failed=0

if ! command -v tshark >/dev/null 2>&1; then
	echo "SKIP pcapgen_roundtrip: tshark not installed"
	exit 0
fi
if [ ! -x "$PCAPGEN" ]; then
	echo "FAIL pcapgen_roundtrip: $PCAPGEN not built"
	exit 1
fi
PCAPGEN=$(realpath "$PCAPGEN")

tmp=$(mktemp -d /tmp/tlsmon_pcapgen.XXXXXX)
trap 'rm -rf "$tmp"' EXIT

head -c 3001 /dev/urandom >"$tmp/c1"
head -c 9500 /dev/urandom >"$tmp/s1"
head -c 517 /dev/urandom >"$tmp/c2"
head -c 4096 /dev/urandom >"$tmp/s2"
: >"$tmp/empty"

hex() {
	cat "$@" | od -An -v -tx1 | tr -d ' \n'
}

# check NAME CLIENT_PORT "CLIENT FILES" "SERVER FILES" PCAPGEN_ARGS...
check() {
	local name=$1 cport=$2 cfiles=$3 sfiles=$4 out node0 data a b want_c want_s bad
	shift 4
	local pcap=$tmp/$name.pcap

	if ! (cd "$tmp" && "$PCAPGEN" -o "$pcap" "$@" 2>"$tmp/$name.err"); then
		echo "FAIL $name: pcapgen: $(cat "$tmp/$name.err")"
		failed=1
		return
	fi
	out=$(tshark -r "$pcap" -q -z follow,tcp,raw,0 2>/dev/null)
	node0=$(printf '%s\n' "$out" | sed -n 's/^Node 0: //p')
	# The data lines sit between "Node 1:" and the closing "====" line; node 1's are indented.
	data=$(printf '%s\n' "$out" | sed -n '/^Node 1: /,/^=====/p' | sed '1d;$d')
	a=$(printf '%s\n' "$data" | grep -v "^$(printf '\t')" | tr -d '\n\t ')
	b=$(printf '%s\n' "$data" | grep "^$(printf '\t')" | tr -d '\n\t ')
	# shellcheck disable=SC2086
	want_c=$(cd "$tmp" && hex $cfiles)
	# shellcheck disable=SC2086
	want_s=$(cd "$tmp" && hex $sfiles)
	if [ "${node0##*:}" != "$cport" ]; then
		local t=$a
		a=$b
		b=$t
	fi
	bad=$(tshark -r "$pcap" -o ip.check_checksum:TRUE -o tcp.check_checksum:TRUE \
		-T fields -e ip.checksum.status -e tcp.checksum.status 2>/dev/null |
		tr '\t' '\n' | grep -v '^1$' | grep -vc '^$')
	if [ "$a" = "$want_c" ] && [ "$b" = "$want_s" ] && [ "$bad" = 0 ]; then
		echo "PASS $name"
	else
		echo "FAIL $name: client ${#a}/${#want_c} hex chars, server ${#b}/${#want_s}," \
			"$bad bad checksums"
		failed=1
	fi
}

check default 40000 "c1 c2" "s1 s2" c:c1 s:s1 c:c2 s:s2
check small_mss_reorder 40000 "c1 c2" "s1 s2" --mss 100 --reorder 8 --seed 3 \
	c:c1 s:s1 c:c2 s:s2
check retransmit 40000 "c1" "s1" --mss 536 --retransmit 30 --seed 11 c:c1 s:s1
check retransmit_overlap_reorder 40000 "c1 c2" "s1" --mss 200 --retransmit 40 --overlap \
	--reorder 4 --seed 12 c:c1 s:s1 c:c2
check ipv6 5555 "c1" "s1 s2" --client '[2001:db8::1]:5555' --server '[2001:db8::2]:8443' \
	--mss 1220 c:c1 s:s1 s:s2
check ipv6_reorder_overlap 5555 "c2 c1" "s2" --client '[fe80::1]:5555' \
	--server '[fe80::2]:443' --mss 300 --reorder 6 --retransmit 25 --overlap --seed 99 \
	c:c2 s:s2 c:c1
check seq_wrap 40000 "c1 c2" "s1" --isn-client 4294967000 --isn-server 4294960000 \
	--mss 700 --reorder 3 c:c1 s:s1 c:c2
check no_syn_rst_server 40000 "c1" "s1" --no-syn --rst-server c:c1 s:s1
check rst_client_tiny_mss 40000 "c2" "s2" --rst-client --mss 7 c:c2 s:s2
check jumbo_mss 1234 "c1" "s1" --mss 9000 --client 192.168.1.1:1234 \
	--server 192.168.1.2:443 --start-time 1000000000 --gap-us 5 c:c1 s:s1
check empty_turn 40000 "c1" "s1" c:empty c:c1 s:empty s:s1

exit $failed
