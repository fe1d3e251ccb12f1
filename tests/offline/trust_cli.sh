#!/bin/bash
# Issue 17 offline: wire text reaches people escaped, and `read --local-net` marks handshakes
# neither of whose ends is local. A capture made here (tools/hostile.py's hand-built
# ClientHello, so the SNI can hold an ESC and a BEL) of one SYN, ClientHello, RST from
# 192.0.2.7 to 198.51.100.9:
#   json      `tlsmon read` writes the SNI with JSON escapes (\u001b), no raw control byte
#   explain   `read --explain` and `tlsmon explain` print \x1b and \x07, never the raw bytes;
#             `--summary` prints no wire text at all
#   local     no --local-net: no "not_local"; --local-net 198.51.100.0/24 (the server's): none;
#             --local-net 10.0.0.0/8,fd00::/8: "not_local": true; a bad CIDR exits 2
set -u

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
cd "$ROOT" || exit 1
# shellcheck source=tests/lib.sh
. tests/lib.sh
T=trust_cli
t_offline "$T" python3 jq

python3 - "$W/esc.pcap" <<'PY' || { fail "$T/capture" "could not write it"; t_done; }
import struct, sys
sys.path.insert(0, "tools")
import hostile

def frame(src, dst, sport, dport, seq, ack, flags, payload=b""):
    tcp = struct.pack("!HHIIBBHHH", sport, dport, seq, ack, 5 << 4, flags, 65535, 0, 0) + payload
    ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(tcp), 1, 0x4000, 64, 6, 0,
                     bytes(src), bytes(dst))
    return b"\x02\x00\x00\x00\x00\x02" + b"\x02\x00\x00\x00\x00\x01" + b"\x08\x00" + ip + tcp

ch = hostile.raw_client_hello("evil\x1b[2J\x07.example")
c, s = [192, 0, 2, 7], [198, 51, 100, 9]
frames = [frame(c, s, 40000, 443, 1000, 0, 0x02),
          frame(s, c, 443, 40000, 5000, 1001, 0x12),
          frame(c, s, 40000, 443, 1001, 5001, 0x18, ch),
          frame(s, c, 443, 40000, 5001, 1001 + len(ch), 0x14)]
with open(sys.argv[1], "wb") as f:
    f.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 1))
    for i, fr in enumerate(frames):
        f.write(struct.pack("<IIII", 1700000000, 1000 * i, len(fr), len(fr)) + fr)
PY

# raw_ctl FILE: FILE holds an ESC or BEL byte
raw_ctl()
{
	LC_ALL=C grep -q "$(printf '[\033\007]')" "$1"
}

"$TLSMON" read "$W/esc.pcap" >"$W/read.json" 2>"$W/read.err"
sni=$(jq -r .sni "$W/read.json" 2>/dev/null)
if [ "$sni" = "$(printf 'evil\033[2J\007.example')" ] && ! raw_ctl "$W/read.json" &&
	grep -qF '\u001b[2J\u0007' "$W/read.json"; then
	pass "$T/json: the SNI is JSON-escaped, no raw control byte"
else
	fail "$T/json" "sni '$sni'; $(head -c 300 "$W/read.json")"
fi

for how in "read --explain" explain; do
	if [ "$how" = explain ]; then
		"$TLSMON" explain --all "$W/read.json" >"$W/explain.out" 2>&1
	else
		"$TLSMON" read --explain "$W/esc.pcap" >"$W/explain.out" 2>&1
	fi
	if grep -qF 'sni=evil\x1b[2J\x07.example' "$W/explain.out" && ! raw_ctl "$W/explain.out"; then
		pass "$T/explain: \`tlsmon $how\` prints \\x1b and \\x07, not the bytes"
	else
		fail "$T/explain: tlsmon $how" "$(head -2 "$W/explain.out" | cat -v)"
	fi
done
"$TLSMON" read --summary "$W/esc.pcap" >"$W/summary.out" 2>&1
if ! raw_ctl "$W/summary.out" && grep -q '^Handshakes: 1 ' "$W/summary.out"; then
	pass "$T/summary: no raw control byte"
else
	fail "$T/summary" "$(cat -v "$W/summary.out" | head -5)"
fi

# local ARGS... : the "not_local" value of the one handshake read with ARGS (null if absent)
local_of()
{
	"$TLSMON" read "$@" "$W/esc.pcap" 2>/dev/null | jq -r '.not_local'
}
check "$T/local: without --local-net nothing is marked" [ "$(local_of)" = null ]
check "$T/local: the server's network is local" \
	[ "$(local_of --local-net 198.51.100.0/24)" = null ]
check "$T/local: the client's address alone is local" \
	[ "$(local_of --local-net 10.9.0.0/16 --local-net 192.0.2.7)" = null ]
check "$T/local: neither end local -> \"not_local\": true" \
	[ "$(local_of --local-net 10.0.0.0/8,fd00::/8)" = true ]
# handshakes_in ARGS...: the sum of tlsmon_handshakes_total that `read --metrics ARGS` gives
handshakes_in()
{
	"$TLSMON" read --metrics "$@" "$W/esc.pcap" 2>/dev/null |
		awk '/^tlsmon_handshakes_total[{ ]/ { n += $NF } END { print n + 0 }'
}
check "$T/local: a local handshake counts in --metrics" \
	[ "$(handshakes_in --local-net 198.51.100.0/24)" = 1 ]
check "$T/local: a not-local one stays out of --metrics, as in the daemon" \
	[ "$(handshakes_in --local-net 10.0.0.0/8)" = 0 ]
"$TLSMON" read --local-net 10.0.0.0/33 "$W/esc.pcap" >/dev/null 2>"$W/bad.err"
rc=$?
if [ $rc = 2 ] && grep -q 'local-net' "$W/bad.err"; then
	pass "$T/local: a bad CIDR is a usage error (exit 2)"
else
	fail "$T/local: bad CIDR" "exit $rc: $(cat "$W/bad.err")"
fi
t_done
