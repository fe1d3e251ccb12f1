#!/bin/bash
# shellcheck disable=SC2016 # jq programs are single-quoted
# On-path insertion, overlap, urgent-data, RST and SYN attacks against TCP reassembly, as
# captures (tests/offline/insertion_helper.py: a real TLS 1.2 handshake, Python ssl, with the
# attack mixed in) read by `tlsmon read`: each must report what the Linux receiver accepted
# (the real SNI and certificate, one record, its outcome), with "ambiguous" where copies of the
# same bytes disagreed or urgent data was removed. Controls (a fake hello with a good checksum,
# a fake that starts lower, an exact RST) show the receiver's rules cut both ways.
set -u

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
cd "$ROOT" || exit 1
# shellcheck source=tests/lib.sh
. tests/lib.sh
T=insertion
t_offline "$T" python3 jq openssl

if ! tests/fixtures/mkchains.sh "$W/ch" weak good >"$W/mkchains.log" 2>&1; then
	fail "$T/mkchains" "$(tail -1 "$W/mkchains.log")"
	t_done
fi
if ! python3 tests/offline/insertion_helper.py "$W/out" "$W/ch/good" "$W/ch/weak" \
	>"$W/list" 2>"$W/helper.err"; then
	fail "$T/helper" "$(tail -1 "$W/helper.err")"
	t_done
fi
SNI=$(jq -r .sni "$W/out/facts.json")
FAKE_SNI=$(jq -r .fake_sni "$W/out/facts.json")
OFF=$(jq -r .sni_offset "$W/out/facts.json")
LEAF=$(openssl x509 -in "$W/ch/good/leaf.pem" -outform DER | sha256sum | cut -d' ' -f1)

# want NAME JQ_PROGRAM: the JSON lines of NAME.pcap, slurped, satisfy the program.
want()
{
	local name=$1 prog=$2 out
	out=$("$TLSMON" read "$W/out/$name.pcap" 2>"$W/$name.err")
	if jq -se --arg sni "$SNI" --arg fake "$FAKE_SNI" --arg leaf "$LEAF" --argjson off "$OFF" \
		"$prog" <<<"$out" >/dev/null 2>&1; then
		pass "$T/$name"
	else
		fail "$T/$name" "$(jq -sc '[.[] | {sni, outcome, leaf: .certificates[0].sha256,
			ambiguous, findings: [.findings[].check]}]' <<<"$out" | head -c 700)"
	fi
}

# What the host took: one record, the real hello and chain, established.
REAL='length == 1 and .[0].sni == $sni and .[0].certificates[0].sha256 == $leaf and
	.[0].outcome == "established"'
CLEAN='(.[0].ambiguous == null) and ([.[0].findings[].check] | index("tcp_ambiguity") == null)'
# amb KIND: the client's stream is flagged ambiguous of that kind at the SNI, with its finding.
amb()
{
	printf '%s' "(.[0].ambiguous | length == 1 and .[0].direction == \"client\" and
		.[0].kind == \"$1\" and .[0].offset == \$off) and
		([.[0].findings[] | select(.check == \"tcp_ambiguity\")] | length == 1)"
}

want baseline "$REAL and $CLEAN"
# Bad checksums: the host drops the copy, and so does tlsmon.
want csum_fake_hello "$REAL and $CLEAN"
want csum_junk_byte "$REAL and $CLEAN"
want csum_fake_flight "$REAL and $CLEAN"
# Control: with a good checksum the first in-order copy is what the host took; the real copy
# that followed disagrees with it, which makes the record ambiguous.
want good_csum_fake_hello 'length == 1 and .[0].sni == $fake and (.[0].ambiguous | length == 1
	and .[0].kind == "overlap" and .[0].offset == 0)'
# Out of order: same start, the longer copy wins; a lower start wins.
want ooo_same_start_longer "$REAL and $(amb overlap)"
want ooo_lower_start_real "$REAL and $(amb overlap)"
want ooo_lower_start_fake "length == 1 and .[0].sni == \$fake and $(amb overlap)"
want urgent_byte "$REAL and $(amb urgent)"
# RSTs the host does not take leave one record; the one it takes ends the handshake.
want rst_bad_csum "$REAL and $CLEAN"
want rst_out_of_window "$REAL and $CLEAN"
want rst_exact '.[0].sni == $sni and .[0].outcome == "reset"'
want syn_new_isn "$REAL and $CLEAN"
want offloaded_client "$REAL and $CLEAN"
# The only copy of the hello has a bad checksum, and the server acknowledged it.
want bad_csum_acked "$REAL and (.[0].ambiguous | length == 1 and .[0].kind == \"checksum\" and
	.[0].offset == 0)"

stats=$("$TLSMON" read --metrics "$W/out/csum_fake_hello.pcap" "$W/out/rst_out_of_window.pcap" \
	"$W/out/syn_new_isn.pcap" "$W/out/offloaded_client.pcap" "$W/out/urgent_byte.pcap" 2>&1)
for m in 'tlsmon_tcp_segments_ignored_total{reason="bad_checksum"} 1' \
	'tlsmon_tcp_segments_ignored_total{reason="rst_out_of_window"} 1' \
	'tlsmon_tcp_segments_ignored_total{reason="syn_in_window"} 1' \
	'tlsmon_tcp_ambiguities_total{kind="urgent"} 1'; do
	if grep -qxF "$m" <<<"$stats"; then
		pass "$T/metric $m"
	else
		fail "$T/metric $m" "$(grep -E 'tcp_segments_ignored|tcp_ambiguities' <<<"$stats" |
			tr '\n' ' ')"
	fi
done
if grep -Eq '^tlsmon_tcp_checksums_unverified_total\{reason="offloaded"\} [1-9]' <<<"$stats"; then
	pass "$T/metric offloaded checksums counted"
else
	fail "$T/metric offloaded checksums counted" "$(grep unverified <<<"$stats" | tr '\n' ' ')"
fi

t_done
