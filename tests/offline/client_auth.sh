#!/usr/bin/env bash
# shellcheck disable=SC2016 # jq programs are single-quoted
# Client certificates and CertificateRequest, on shared captures (SKIP without ../shared):
#   selfsign   arkime_ssl-selfsign.pcap: the client presents a self-signed RSA-1024/SHA-1
#              certificate; it is in client_certificates (tshark agrees on its bytes), judged
#              with side "client", counted with side="client", and named in the explain tree
#   globus     zeek_globus-url-copy.pcap: a three-certificate client chain
#   certreq    zeek_certificate-request-failed.pcap: the server's CertificateRequest (its
#              signature algorithms as tshark reads them, the CA it names); the client sends
#              none, and explain says that is why the server refused
set -u
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
. "$HERE/../lib.sh"
BUILD=${BUILD:-build}
TLSMON=$BUILD/tlsmon
T=client_auth
P=$HERE/../../../shared/pcaps

require_cmd "$T" jq tshark promtool || exit 0
if [ ! -d "$P" ]; then
	skip "$T" "no shared captures in $P (../shared is missing)"
	exit 0
fi
t_tmpdir || exit 1

# expect NAME PCAP JQ WANT: the first handshake of PCAP, JQ compact, is WANT
expect()
{
	local got
	got=$("$TLSMON" read "$P/$2" | jq -c "$3" | head -1)
	if [ "$got" = "$4" ]; then
		pass "$T/$1: $got"
	else
		fail "$T/$1" "got '$got', want $4"
	fi
}

sel=arkime_ssl-selfsign.pcap
expect selfsign/client_chain $sel '[.client_certificates[] | [.subject, .key_type, .key_bits,
	.signature_algorithm, .self_signed]]' '[["C=CH,O=LO,CN=MO","RSA",1024,"sha1WithRSAEncryption",true]]'
want=$(tshark -r "$P/$sel" -Y 'tls.handshake.type == 11 && tcp.dstport == 4443' -T fields \
	-e tls.handshake.certificate 2>/dev/null | head -1 | xxd -r -p | sha256sum | cut -d' ' -f1)
expect selfsign/client_leaf_sha256_as_tshark $sel '.client_certificates[0].sha256' "\"$want\""
expect selfsign/client_findings $sel '[.findings[] | select(.side == "client") |
	[.check, .position, .detail]]' \
	'[["weak_signature",0,"sha1WithRSAEncryption"],["weak_key",0,"RSA-1024"],["expires_soon",0,"leaf"],["self_signed",0,"leaf"]]'
expect selfsign/server_findings $sel '[.findings[] | select(.side == "server") | .check]' \
	'["weak_signature","weak_key","expires_soon","self_signed","weak_protocol","untrusted_chain"]'
expect selfsign/certificate_request $sel '.certificate_request' \
	'{"certificate_types":["rsa_sign","dss_sign"],"signature_algorithms":null,"certificate_authorities":["C=CH,O=LO,CN=MO"],"certificate_authorities_total":1}'
expect selfsign/not_resumed $sel '[.resumed, .resumption]' '[false,null]'

"$TLSMON" read --metrics "$P/$sel" >"$T_TMP/m" 2>/dev/null
for s in 'tlsmon_weak_findings_total{check="weak_key",detail="RSA-1024",side="client"} 1' \
	'tlsmon_weak_findings_total{check="weak_key",detail="RSA-1024",side="server"} 1' \
	'tlsmon_weak_findings_total{check="self_signed",detail="leaf",side="client"} 1'; do
	if grep -qxF "$s" "$T_TMP/m"; then
		pass "$T/selfsign/metric $s"
	else
		fail "$T/selfsign/metric" "no line '$s' in: $(grep weak_findings_total "$T_TMP/m" | tr '\n' ' ')"
	fi
done
out=$(promtool check metrics <"$T_TMP/m" 2>&1)
check "$T/selfsign/promtool check metrics" test $? -eq 0 -a -z "$out"

# The explain tree puts each finding under its own side's certificate.
"$TLSMON" read --explain "$P/$sel" >"$T_TMP/tree"
n=$(sed -n '/^|- client chain/,/^|- findings/p' "$T_TMP/tree" | grep -c '! .*client certificate #1')
check "$T/selfsign/explain tree: 4 findings under the client chain ($n)" test "$n" = 4
n=$(sed -n '/^|- chain/,/^|- certificate requested/p' "$T_TMP/tree" | grep -c 'client certificate')
check "$T/selfsign/explain tree: none of them under the server's chain ($n)" test "$n" = 0

expect globus/client_chain zeek_globus-url-copy.pcap '[.client_certificates[] |
	[.position, .key_bits, .self_signed]]' '[[0,512,false],[1,1024,false],[2,1024,true]]'
expect globus/client_weak_keys zeek_globus-url-copy.pcap '[.findings[] | select(.side == "client"
	and .check == "weak_key") | .detail]' '["RSA-512","RSA-1024","RSA-1024"]'

cr=zeek_certificate-request-failed.pcap
want=$(tshark -r "$P/$cr" -Y 'tls.handshake.type == 13' -T fields -e tls.handshake.sig_hash_alg \
	2>/dev/null | tr ',' '\n' | sort -u | tr '\n' ' ')
check "$T/certreq: tshark reads signature algorithm 0x0401 ($want)" test "$want" = "0x0401 "
expect certreq/certificate_request $cr '.certificate_request | [.certificate_types,
	.signature_algorithms, .certificate_authorities]' \
	'[["rsa_sign"],["rsa_pkcs1_sha256"],["O=SomeOrg,L=Somewhere,ST=Some-State,C=US"]]'
expect certreq/client_sent_none $cr '[.client_certificates, .outcome]' '[[],"alert"]'
expect certreq/explain $cr '.explain | sub("^.*; most likely cause: "; "")' \
	'"the server asked for a client certificate and the client sent none"'
t_done
