#!/bin/bash
# Split the first TCP connection of a pcap into its turns, the byte runs each side sends before
# the other answers (tshark follow,tcp,raw), for tools/replay.c and tools/pcapgen.c.
#
# Usage: bench/extract_turns.sh PCAP OUTDIR [MAX_TURNS]   (default 4: a TLS 1.2 full handshake,
#        ClientHello | server flight | client Finished | server Finished)
# Writes OUTDIR/NN_c.bin and OUTDIR/NN_s.bin and prints the turn list "c:FILE s:FILE ..." on one
# line.
set -eu
PCAP=$1 OUT=$2 MAX=${3:-4}
mkdir -p "$OUT"
rm -f "$OUT"/[0-9][0-9]_[cs].bin
# follow,tcp,raw prints one hex line per segment; the server's lines are indented with a tab.
tshark -r "$PCAP" -qz follow,tcp,raw,0 2>/dev/null | awk -v out="$OUT" -v max="$MAX" '
	/^=+$/ { body = !body; next }
	!body || /^(Follow|Filter|Node [01]):/ { next }
	{
		side = /^\t/ ? "s" : "c"
		gsub(/[ \t]/, "")
		if ($0 == "") next
		if (side != last) { n++; last = side }
		if (n > max) exit
		f = sprintf("%s/%02d_%s.hex", out, n, side)
		print $0 >> f
		close(f)
	}'
args=()
for h in "$OUT"/[0-9][0-9]_[cs].hex; do
	[ -e "$h" ] || { echo "extract_turns: no TCP payload in $PCAP" >&2; exit 1; }
	b=${h%.hex}.bin
	python3 -c 'import sys; sys.stdout.buffer.write(bytes.fromhex(sys.stdin.read()))' <"$h" >"$b"
	rm -f "$h"
	s=${b##*_}
	args+=("${s%.bin}:$b")
done
echo "${args[*]}"
