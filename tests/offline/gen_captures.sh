#!/bin/bash
# shellcheck disable=SC2016,SC2317 # jq programs are single-quoted; helpers run through check()
# Generate real handshake captures (tests/fixtures/capture.sh, needs root), check with tshark that
# each pcap holds what it claims, then - if $BUILD/tlsmon is built - check `tlsmon read` on them.
#
# Captures (server 10.200.1.1 / fd00:200:1::1 port 443, client .2, TLS 1.2 unless said):
#   weak_verify  weak chain, client verifies -> client's fatal alert 42 bad_certificate
#   good         good chain, client verifies -> established
#   big          chain with a > 30 KB Certificate message, verified -> established
#   weak_ipv6    weak chain over IPv6, client does not verify -> established
#   tls13        good chain, TLS 1.3, verified -> established, certificates encrypted
#
# TLSMON_CAPTURES_DIR=DIR keeps the chains, pcaps and logs in DIR instead of a temporary directory.
set -u

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
cd "$ROOT" || exit 1
# shellcheck source=tests/lib.sh
. tests/lib.sh
BUILD=${BUILD:-build}

require_root gen_captures
require_cmd gen_captures openssl tcpdump tshark ip ss python3 jq

if [ -n "${TLSMON_CAPTURES_DIR:-}" ]; then
	W=$TLSMON_CAPTURES_DIR
	mkdir -p "$W" || exit 1
else
	t_tmpdir || exit 1
	W=$T_TMP
fi
CH=$W/chains

if tests/fixtures/mkchains.sh "$CH" >"$W/mkchains.log" 2>&1; then
	pass mkchains
else
	fail mkchains "$(tail -1 "$W/mkchains.log")"
	t_done
fi

if [ "$(openssl asn1parse -in "$CH/weak/root.pem" | grep -c ':md2WithRSAEncryption')" -eq 2 ]; then
	pass chain_weak_root_md2_oid
else
	fail chain_weak_root_md2_oid "md2WithRSAEncryption not in both signature fields"
fi

NAMES=(weak_verify good big weak_ipv6 tls13)
declare -A ARGS=(
	[weak_verify]="--chain weak --verify"
	[good]="--chain good --verify"
	[big]="--chain big --verify"
	[weak_ipv6]="--chain weak --ipv6"
	[tls13]="--chain good --tls1.3 --verify"
)
declare -A OK=()
for n in "${NAMES[@]}"; do
	mkdir -p "$W/$n"
	# shellcheck disable=SC2086 # ARGS values are word lists
	if tests/fixtures/capture.sh ${ARGS[$n]} --chains "$CH" --out "$W/$n.pcap" \
		--logdir "$W/$n" 2>"$W/$n/capture.err"; then
		pass "capture_$n"
		OK[$n]=1
	else
		fail "capture_$n" "$(tail -1 "$W/$n/capture.err")"
	fi
done

# tf PCAP FILTER FIELD...: tshark field values, one line per matching frame, tab separated.
tf()
{
	local f=$1 y=$2
	shift 2
	local e=()
	for x in "$@"; do
		e+=(-e "$x")
	done
	tshark -r "$f" -Y "$y" -T fields -E separator=/t "${e[@]}" 2>/dev/null
}

# Server-side facts from a pcap: client address (source of the ClientHello), certificates in the
# server's Certificate message, application-data records per side, alerts.
client_ip()
{
	tf "$1" 'tls.handshake.type == 1' ip.src ipv6.src | head -1 | tr -d '\t'
}

n_certs()
{
	tf "$1" 'tls.handshake.type == 11' tls.handshake.certificate_length | head -1 |
		tr ',' '\n' | grep -c .
}

# from ADDR: a display filter for packets sent by ADDR (ip.src or ipv6.src; tshark rejects an
# IPv4 literal compared with ipv6.src).
from()
{
	case $1 in
	*:*) printf 'ipv6.src == %s' "$1" ;;
	*) printf 'ip.src == %s' "$1" ;;
	esac
}

app_data_from()
{
	tf "$1" "tls.app_data && $(from "$2")" frame.number | wc -l
}

# expect NAME GOT WANT
expect()
{
	if [ "$2" = "$3" ]; then
		pass "$1"
	else
		fail "$1" "got '$2', want '$3'"
	fi
}

both_ways()
{
	local f=$1 c s
	c=$(client_ip "$f")
	s=$(tf "$f" 'tls.handshake.type == 2' ip.src ipv6.src | head -1 | tr -d '\t')
	[ -n "$c" ] && [ -n "$s" ] && [ "$(app_data_from "$f" "$c")" -gt 0 ] &&
		[ "$(app_data_from "$f" "$s")" -gt 0 ]
}

has_oid()
{
	tf "$1" 'tls.handshake.type == 11' x509af.algorithm.id | tr ',' '\n' | grep -qx "$2"
}

if [ -n "${OK[weak_verify]:-}" ]; then
	f=$W/weak_verify.pcap
	c=$(client_ip "$f")
	expect pcap_weak_verify_certs "$(n_certs "$f")" 3
	# The client's verification failure is a cleartext fatal alert: level 2, bad_certificate (42).
	expect pcap_weak_verify_client_alert \
		"$(tf "$f" "tls.alert_message && $(from "$c")" \
			tls.alert_message.level tls.alert_message.desc | head -1)" "$(printf '2\t42')"
	expect pcap_weak_verify_no_app_data "$(tf "$f" tls.app_data frame.number | wc -l)" 0
	for oid in 1.2.840.113549.1.1.2 1.2.840.113549.1.1.4 1.2.840.113549.1.1.5; do
		check "pcap_weak_verify_oid_$oid" has_oid "$f" "$oid"
	done
fi
if [ -n "${OK[good]:-}" ]; then
	f=$W/good.pcap
	expect pcap_good_certs "$(n_certs "$f")" 3
	check pcap_good_app_data_both_ways both_ways "$f"
	expect pcap_good_no_cleartext_alert "$(tf "$f" tls.alert_message.desc frame.number | wc -l)" 0
fi
if [ -n "${OK[big]:-}" ]; then
	f=$W/big.pcap
	expect pcap_big_certs "$(n_certs "$f")" 4
	len=$(tf "$f" 'tls.handshake.type == 11' tls.handshake.certificates_length | head -1)
	if [ "${len:-0}" -ge 30720 ]; then
		pass pcap_big_certificate_message_30k
	else
		fail pcap_big_certificate_message_30k "certificates length ${len:-none}"
	fi
	# Spread over several TLS records and many TCP segments: the reassembly case.
	nseg=$(tf "$f" 'tcp.len > 0 && tcp.srcport == 443' frame.number | wc -l)
	if [ "$nseg" -ge 20 ]; then
		pass pcap_big_many_segments
	else
		fail pcap_big_many_segments "$nseg server segments"
	fi
	check pcap_big_app_data_both_ways both_ways "$f"
fi
if [ -n "${OK[weak_ipv6]:-}" ]; then
	f=$W/weak_ipv6.pcap
	expect pcap_weak_ipv6_client "$(client_ip "$f")" fd00:200:1::2
	expect pcap_weak_ipv6_certs "$(n_certs "$f")" 3
	check pcap_weak_ipv6_app_data_both_ways both_ways "$f"
fi
if [ -n "${OK[tls13]:-}" ]; then
	f=$W/tls13.pcap
	expect pcap_tls13_version \
		"$(tf "$f" 'tls.handshake.type == 2' tls.handshake.extensions.supported_version)" 0x0304
	expect pcap_tls13_no_cleartext_certificate \
		"$(tf "$f" 'tls.handshake.type == 11' frame.number | wc -l)" 0
	check pcap_tls13_app_data_both_ways both_ways "$f"
fi

# ---- tlsmon read assertions (documented JSON Lines schema) ----

TLSMON=$BUILD/tlsmon
if [ ! -x "$TLSMON" ]; then
	skip tlsmon_assertions "$TLSMON not built"
	t_done
fi

# Lowercase hex without separators or leading zeros (serials: tshark keeps the DER sign byte).
normhex()
{
	tr -d ':' | tr 'A-F' 'a-f' | sed 's/^0*//'
}

der_sha256()
{
	openssl x509 -in "$1" -outform DER | sha256sum | cut -d' ' -f1
}

cipher_name()
{
	tshark -r "$1" -Y 'tls.handshake.type == 2' -V 2>/dev/null |
		sed -n 's/^ *Cipher Suite: \([A-Z0-9_]*\) (0x.*/\1/p' | head -1
}

# HS holds the handshake object of the capture being checked; HS_SHOWN whether it was printed.
HS=
HS_SHOWN=0
# jc NAME JQ_FILTER [JQ_ARGS...]: PASS if the filter is true for HS. The first failure of a
# capture also prints tlsmon's object (a "#" line) since the work directory is deleted.
jc()
{
	local name=$1 filter=$2
	shift 2
	if jq -e "$@" "$filter" <<<"$HS" >/dev/null 2>&1; then
		pass "$name"
		return
	fi
	fail "$name" "jq '$(tr -s ' \t\n' ' ' <<<"$filter")' is $(jq -c "$@" "$filter" \
		<<<"$HS" 2>&1 | tr -s ' \t\n' ' ' | head -c 200)"
	if [ "$HS_SHOWN" -eq 0 ]; then
		printf '# tlsmon read: %s\n' "$(head -c 4000 <<<"$HS")"
		HS_SHOWN=1
	fi
}

# load NAME: run tlsmon read on the capture; HS = its one handshake. Fails (and returns 1) when
# tlsmon fails or does not print exactly one handshake.
load()
{
	local n=$1 out count
	HS=
	HS_SHOWN=0
	[ -n "${OK[$n]:-}" ] || return 1
	# the test chains' roots are the trust store, as for the verifying client (untrusted_chain)
	cat "$CH"/*/ca.pem >"$W/trust.pem"
	if ! out=$("$TLSMON" read --trust-store "$W/trust.pem" "$W/$n.pcap" 2>"$W/$n/tlsmon.err"); then
		fail "tlsmon_read_$n" "exit status $?: $(tail -1 "$W/$n/tlsmon.err")"
		return 1
	fi
	printf '%s\n' "$out" >"$W/$n/tlsmon.jsonl"
	count=$(jq -s 'map(select(type == "object" and has("outcome"))) | length' <<<"$out" 2>/dev/null)
	if [ "${count:-x}" != 1 ]; then
		fail "tlsmon_read_$n" "want one handshake object, got ${count:-unparsable output}"
		return 1
	fi
	HS=$(jq -c 'select(type == "object" and has("outcome"))' <<<"$out")
	pass "tlsmon_read_$n"
}

# certs_match NAME PEM...: certificate i of HS has the SHA-256 and serial of PEM i.
certs_match()
{
	local name=$1 i=0 pem
	shift
	jc "${name}_cert_count" '.certificates | length == $n' --argjson n $#
	for pem in "$@"; do
		jc "${name}_cert${i}_sha256" \
			'(.certificates[] | select(.position == $i) | .sha256 |
			  ascii_downcase | gsub(":"; "")) == $h' \
			--argjson i "$i" --arg h "$(der_sha256 "$pem")"
		jc "${name}_cert${i}_serial" \
			'(.certificates[] | select(.position == $i) | .serial | tostring |
			  ascii_downcase | gsub(":"; "") | sub("^0+"; "")) == $s' \
			--argjson i "$i" \
			--arg s "$(openssl x509 -in "$pem" -noout -serial | cut -d= -f2 | normhex)"
		i=$((i + 1))
	done
}

common()
{
	local n=$1 f=$W/$1.pcap
	jc "${n}_ja3" '.ja3 == $v' --arg v "$(tf "$f" 'tls.handshake.type == 1' tls.handshake.ja3)"
	jc "${n}_ja3s" '.ja3s == $v' \
		--arg v "$(tf "$f" 'tls.handshake.type == 2' tls.handshake.ja3s)"
	jc "${n}_ja4" '.ja4 | test("^t1[23]d[0-9]{4}[0-9a-z]{2}_[0-9a-f]{12}_[0-9a-f]{12}$")'
	jc "${n}_cipher" '.cipher == $v' --arg v "$(cipher_name "$f")"
	jc "${n}_ts" '.ts | type == "string" and length > 0'
	jc "${n}_alpn_none" '.alpn == null or .alpn == ""'
}

if load weak_verify; then
	n=weak_verify
	common $n
	jc ${n}_outcome '.outcome == "alert"'
	jc ${n}_alert '.alert.sender == "client" and .alert.level == "fatal" and .alert.code == 42
		and .alert.description == "bad_certificate"'
	jc ${n}_version '.version == "TLS1.2"'
	jc ${n}_sni '.sni == "weak.test"'
	jc ${n}_server '.server == "10.200.1.1:443"'
	jc ${n}_client '.client | test("^10\\.200\\.1\\.2:[0-9]+$")'
	certs_match $n "$CH/weak/leaf.pem" "$CH/weak/int.pem" "$CH/weak/root.pem"
	jc ${n}_root_md2 '.certificates[] | select(.position == 2) |
		.signature_oid == "1.2.840.113549.1.1.2" and
		.signature_algorithm == "md2WithRSAEncryption" and .self_signed == true and
		.is_ca == true'
	jc ${n}_int_md5_rsa1024 '.certificates[] | select(.position == 1) |
		.signature_oid == "1.2.840.113549.1.1.4" and
		.signature_algorithm == "md5WithRSAEncryption" and .key_type == "RSA" and
		.key_bits == 1024 and .is_ca == true and .self_signed == false'
	jc ${n}_leaf_sha1 '.certificates[] | select(.position == 0) |
		.signature_oid == "1.2.840.113549.1.1.5" and
		.signature_algorithm == "sha1WithRSAEncryption" and .key_type == "RSA" and
		.key_bits == 2048 and .is_ca == false and (.subject | contains("weak.test")) and
		(.issuer | contains("Weak MD5 Intermediate CA")) and (.san | tostring | contains("weak.test"))'
	jc ${n}_dates '[.certificates[] | .not_before, .not_after | test("^[0-9]{4}-[0-9]{2}-[0-9]{2}")] | all'
	for a in md2WithRSAEncryption md5WithRSAEncryption sha1WithRSAEncryption; do
		jc "${n}_finding_weak_signature_$a" \
			'any(.findings[]; .check == "weak_signature" and .detail == $a)' --arg a "$a"
	done
	jc ${n}_finding_weak_key 'any(.findings[]; .check == "weak_key" and .detail == "RSA-1024"
		and .position == 1)'
	jc ${n}_explain_alert '.explain | test("bad[_ ]certificate"; "i")'
fi

if load good; then
	n=good
	common $n
	jc ${n}_outcome '.outcome == "established" and .alert == null'
	jc ${n}_version '.version == "TLS1.2"'
	jc ${n}_sni '.sni == "good.test"'
	jc ${n}_no_findings '.findings == []'
	certs_match $n "$CH/good/leaf.pem" "$CH/good/int.pem" "$CH/good/root.pem"
	jc ${n}_int_ec '.certificates[] | select(.position == 1) | .key_type == "EC" and
		.key_bits == 256 and (.curve | test("P-256|prime256v1|secp256r1")) and
		.signature_algorithm == "ecdsa-with-SHA256"'
	jc ${n}_leaf_rsa '.certificates[] | select(.position == 0) | .key_type == "RSA" and
		.key_bits == 2048 and .is_ca == false and (.san | tostring | contains("good.test"))'
fi

if load big; then
	n=big
	common $n
	jc ${n}_outcome '.outcome == "established"'
	jc ${n}_cert_count_tshark '.certificates | length == $n' \
		--argjson n "$(n_certs "$W/big.pcap")"
	certs_match $n "$CH/big/leaf.pem" "$CH/big/int2.pem" "$CH/big/int1.pem" "$CH/big/root.pem"
	jc ${n}_no_weak_findings \
		'[.findings[] | select(.check == "weak_signature" or .check == "weak_key")] == []'
fi

if load weak_ipv6; then
	n=weak_ipv6
	common $n
	jc ${n}_server '.server == "[fd00:200:1::1]:443"'
	jc ${n}_client '.client | test("^\\[fd00:200:1::2\\]:[0-9]+$")'
	jc ${n}_outcome '.outcome == "established"'
	certs_match $n "$CH/weak/leaf.pem" "$CH/weak/int.pem" "$CH/weak/root.pem"
	jc ${n}_findings 'any(.findings[]; .check == "weak_signature" and
		.detail == "md5WithRSAEncryption")'
fi

if load tls13; then
	n=tls13
	common $n
	jc ${n}_version '.version == "TLS1.3"'
	jc ${n}_no_certificates '.certificates == []'
	jc ${n}_outcome '.outcome == "established"'
	jc ${n}_sni '.sni == "good.test"'
fi

t_done
