#!/usr/bin/env bash
# Encapsulations offline (issue 14 item 3): one real TLS 1.2 handshake (tests/fixtures/
# encap_lib.sh) written by tools/pcapgen --encap inside PPPoE, MPLS, GRE (plain, key, checksum +
# key + sequence, Ethernet bridging), VXLAN, GENEVE, IP-in-IP and nestings of them. `tlsmon read`
# must report the handshake exactly as without the encapsulation (SNI, chain, outcome, ...) plus
# the "encap" array; tshark must find the ClientHello in each capture (the frames are what
# Wireshark decodes). Two tenants with the same inner 4-tuple in VXLAN networks 42 and 43,
# interleaved frame by frame, are two handshakes; the same two in one network are one (the
# control). Five layers are one too many: no handshake, counted.
set -u
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
. "$HERE/../lib.sh"
BUILD=${BUILD:-build}
. "$HERE/../fixtures/encap_lib.sh"
TLSMON=$ENCAP_BUILD/tlsmon
T=encap

require_cmd "$T" jq python3 tshark mergecap || exit 0
t_tmpdir || exit 1
encap_turns_or_end "$T" "$T_TMP"

# Everything but the encapsulation must come out as without one.
KEYS='{client, server, sni, version, cipher, ja3, ja4, ja3s, outcome, key_exchange,
	certs: [.certificates[].sha256], findings: [.findings[] | {check, position, detail}]}'

if ! encap_gen "$T_TMP/plain.pcap" ""; then
	fail "$T/plain" "pcapgen failed"
	t_done
fi
PLAIN=$("$TLSMON" read "$T_TMP/plain.pcap" | jq -cS "$KEYS")
if jq -e --argjson c "$ENCAP_CERTS" '.certs == $c and .sni == "www.google.com"' <<<"$PLAIN" \
	>/dev/null; then
	pass "$T/plain"
else
	fail "$T/plain" "reference handshake wrong: $PLAIN"
	t_done
fi

i=0
for spec in "${ENCAP_SPECS[@]}"; do
	i=$((i + 1))
	name="$T/${spec//\//+}"
	pcap=$T_TMP/e$i.pcap
	if ! encap_gen "$pcap" "$spec"; then
		fail "$name" "pcapgen --encap $spec failed"
		continue
	fi
	out=$("$TLSMON" read "$pcap")
	n=$(jq -s length <<<"$out")
	got=$(jq -cS "$KEYS" <<<"$out")
	enc=$(jq -c .encap <<<"$out")
	if [ "$n" = 1 ] && [ "$got" = "$PLAIN" ] && [ "$enc" = "${ENCAP_WANT[$spec]}" ]; then
		pass "$name: handshake as without it, encap $enc"
	else
		fail "$name" "$n handshakes, encap $enc (want ${ENCAP_WANT[$spec]}), differs: $(diff <(jq . <<<"$PLAIN") <(jq . <<<"$got") | head -5 | tr '\n' ' ')"
	fi
	sni=$(tshark -r "$pcap" -Y 'tls.handshake.type == 1' -T fields \
		-e tls.handshake.extensions_server_name 2>/dev/null)
	if [ "$sni" = www.google.com ]; then
		pass "$name/tshark: Wireshark decodes the ClientHello inside"
	else
		fail "$name/tshark" "tshark found SNI '$sni'"
	fi
done

# IPv6 inside IPv4 and inside IPv6.
for outer in ipip ipip6; do
	want=$([ $outer = ipip ] && echo '["ipip:6in4"]' || echo '["ipip:6in6"]')
	if encap_gen "$T_TMP/v6$outer.pcap" $outer --client '[fd00::1]:40000' \
		--server '[fd00::2]:443'; then
		got=$("$TLSMON" read "$T_TMP/v6$outer.pcap" | jq -c '[.client, .sni, .encap, (.certificates | length)]')
		if [ "$got" = "[\"[fd00::1]:40000\",\"www.google.com\",$want,3]" ]; then
			pass "$T/ipv6_in_$outer"
		else
			fail "$T/ipv6_in_$outer" "got $got"
		fi
	else
		fail "$T/ipv6_in_$outer" "pcapgen failed"
	fi
done

# Tenants: same inner 4-tuple, same times, two VXLAN networks, one capture.
if ! { encap_gen "$T_TMP/vni42.pcap" vxlan:42 && encap_gen "$T_TMP/vni43.pcap" vxlan:43 &&
	encap_gen "$T_TMP/vni42b.pcap" vxlan:42 --isn-client 5000000 --isn-server 6000000 &&
	mergecap -w "$T_TMP/tenants.pcap" "$T_TMP/vni42.pcap" "$T_TMP/vni43.pcap" &&
	mergecap -w "$T_TMP/one_net.pcap" "$T_TMP/vni42.pcap" "$T_TMP/vni42b.pcap"; }; then
	fail "$T/tenants" "pcapgen or mergecap failed"
fi
out=$("$TLSMON" read "$T_TMP/tenants.pcap")
got=$(jq -sc 'map({encap, sni, outcome, n: (.certificates | length)}) | sort_by(.encap)' <<<"$out")
want='[{"encap":["vxlan:vni=42"],"sni":"www.google.com","outcome":"established","n":3},{"encap":["vxlan:vni=43"],"sni":"www.google.com","outcome":"established","n":3}]'
if [ "$got" = "$want" ] && [ "$(jq -r .client <<<"$out" | sort -u)" = 10.0.0.1:40000 ]; then
	pass "$T/tenants: two VNIs, one inner 4-tuple, two handshakes"
else
	fail "$T/tenants" "got $got"
fi
# The control: two connections on one 4-tuple in one network cannot both be told apart.
n=$("$TLSMON" read "$T_TMP/one_net.pcap" | jq -s '[.[] | select(.outcome == "established")] | length')
if [ "$n" != 2 ]; then
	pass "$T/tenants_control: in one network they collide ($n established)"
else
	fail "$T/tenants_control" "two established handshakes on one key: the tenant test proves nothing"
fi

# Too deep: five layers.
if encap_gen "$T_TMP/deep.pcap" pppoe:1/ipip/ipip/ipip/ipip; then
	n=$("$TLSMON" read "$T_TMP/deep.pcap" | jq -s length)
	m=$("$TLSMON" read --metrics "$T_TMP/deep.pcap" | awk '$1 == "tlsmon_encap_too_deep_frames_total" {print $2}')
	frames=$(tshark -r "$T_TMP/deep.pcap" 2>/dev/null | wc -l)
	if [ "$n" = 0 ] && [ "$m" = "$frames" ] && [ "$frames" -gt 0 ]; then
		pass "$T/too_deep: 5 layers, no handshake, $m frames counted"
	else
		fail "$T/too_deep" "$n handshakes, counter $m of $frames frames"
	fi
	# four layers are still followed
	if encap_gen "$T_TMP/deep4.pcap" ipip/ipip/ipip/ipip &&
		[ "$("$TLSMON" read "$T_TMP/deep4.pcap" | jq -c .encap)" = \
			'["ipip:4in4","ipip:4in4","ipip:4in4","ipip:4in4"]' ]; then
		pass "$T/depth_4: four layers followed"
	else
		fail "$T/depth_4" "not decoded"
	fi
else
	fail "$T/too_deep" "pcapgen failed"
fi
t_done
