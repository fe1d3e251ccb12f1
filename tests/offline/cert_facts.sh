#!/usr/bin/env bash
# shellcheck disable=SC2016 # jq programs are single-quoted
# Certificate facts and the leaf checks, offline, on certificates made with the openssl CLI and
# handshakes built around them (tests/fixtures/tls12_chain.py, tools/pcapgen):
#   - a certificate with every GeneralName type and 10,000 DNS names: the types as documented
#     in user/x509/x509.h, the 64 KB cap, san_count and san_truncated (tshark counts the same
#     names); one with 5,000 short names hits the 4,096-name cap
#   - sha1 as `openssl x509 -fingerprint -sha1` gives it
#   - name_mismatch (not covered, one label only under a wildcard, IP SNI), missing_sni (info,
#     not flagged), long_validity, their metrics (promtool, metric_style.py) and explain
#   - sv_tls-glupteba's 17th name (which Suricata's rule matches), when ../shared is there
set -u
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
. "$HERE/../lib.sh"
BUILD=${BUILD:-build}
TLSMON=$BUILD/tlsmon
T=cert_facts
SHARED=${PCAPS:-$HERE/../../../shared/pcaps}

require_cmd "$T" jq python3 openssl tshark || exit 0
t_tmpdir || exit 1
W=$T_TMP

# The certificates. Each openssl call is checked: a failure here is the test's, not tlsmon's.
mkcerts()
{
	local i
	{
		printf '[req]\ndistinguished_name = dn\nx509_extensions = ext\nprompt = no\n'
		printf '[dn]\nCN = big.test\n[ext]\nsubjectAltName = @alt\n[alt]\n'
		printf 'IP.1 = 192.0.2.1\nIP.2 = 2001:db8::1\nemail.1 = a@big.test\n'
		printf 'URI.1 = https://big.test/\ndirName.1 = dir_sect\n'
		printf 'otherName.1 = 1.3.6.1.4.1.311.20.2.3;UTF8:user@big.test\nRID.1 = 1.2.3.4\n'
		for i in $(seq 1 10000); do
			printf 'DNS.%d = host-%05d.big.test\n' "$i" "$i"
		done
		printf '[dir_sect]\nCN = Dir Name\nO = Example\n'
	} >"$W/big.cnf"
	{
		printf '[req]\ndistinguished_name = dn\nx509_extensions = ext\nprompt = no\n'
		printf '[dn]\nCN = many.test\n[ext]\nsubjectAltName = @alt\n[alt]\n'
		for i in $(seq 1 5000); do
			printf 'DNS.%d = n%d.t\n' "$i" "$i"
		done
	} >"$W/many.cnf"
	openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 90 \
		-keyout "$W/big.key" -out "$W/big.pem" -config "$W/big.cnf" &&
		openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 90 \
			-keyout "$W/many.key" -out "$W/many.pem" -config "$W/many.cnf" &&
		openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 3650 \
			-keyout "$W/root.key" -out "$W/root.pem" -subj "/CN=Facts Root" \
			-addext basicConstraints=critical,CA:TRUE || return 1
	# names.test: 825 days (long_validity); short.test: 90 days
	for leaf in names:825:DNS:names.test,DNS:*.names.test short:90:DNS:short.test; do
		local n=${leaf%%:*} rest=${leaf#*:}
		local days=${rest%%:*} san=${rest#*:}
		openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
			-keyout "$W/$n.key" -out "$W/$n.csr" -subj "/CN=$n.test" &&
			printf 'subjectAltName = %s\n' "$san" >"$W/$n.ext" &&
			openssl x509 -req -in "$W/$n.csr" -CA "$W/root.pem" -CAkey "$W/root.key" \
				-CAcreateserial -days "$days" -extfile "$W/$n.ext" -out "$W/$n.pem" ||
			return 1
	done
}

# capture NAME SNI|- CERT...: a one-handshake capture NAME.pcap stamped now
capture()
{
	local name=$1 sni=$2 turns
	shift 2
	if [ "$sni" = - ]; then
		turns=$(python3 "$HERE/../fixtures/tls12_chain.py" "$W/$name" --no-sni "$@")
	else
		turns=$(python3 "$HERE/../fixtures/tls12_chain.py" "$W/$name" --sni "$sni" "$@")
	fi || return 1
	# shellcheck disable=SC2086 # turns is a list of arguments
	"$BUILD/tools/pcapgen" -o "$W/$name.pcap" --start-time "$NOW" $turns 2>/dev/null
}

# expect NAME JQ-FILTER WANT: the one handshake of NAME.pcap, filtered compactly, must equal WANT
expect()
{
	local got
	got=$("$TLSMON" read "$W/$1.pcap" 2>/dev/null | jq -c "$2")
	if [ "$got" = "$3" ]; then
		pass "$T/$1: $2 = $3"
	else
		fail "$T/$1" "$2 = $got, expected $3"
	fi
}

if ! mkcerts >"$W/openssl.log" 2>&1; then
	fail "$T/certificates" "openssl: $(tail -3 "$W/openssl.log" | tr '\n' ' ')"
	t_done
fi
# a minute after the certificates' notBefore (openssl: now)
NOW=$(($(date +%s) + 60))
R=$W/root.pem
for c in "big big.test $W/big.pem" "many n1.t $W/many.pem" \
	"cover www.names.test $W/names.pem $R" "mismatch other.test $W/names.pem $R" \
	"deep a.b.names.test $W/names.pem $R" "ipsni 192.0.2.1 $W/names.pem $R" \
	"nosni - $W/short.pem $R" "shortok short.test $W/short.pem $R"; do
	# shellcheck disable=SC2086 # c is NAME SNI CERT...
	capture $c || fail "$T/capture" "tls12_chain.py or pcapgen failed for: $c"
done

# -- every GeneralName type, then the caps --------------------------------------------------
expect big '.outcome' '"established"'
expect big '.certificates[0].san[0:7]' \
	'["IP:192.0.2.1","IP:2001:db8::1","email:a@big.test","URI:https://big.test/","DirName:O=Example,CN=Dir Name","othername:1.3.6.1.4.1.311.20.2.3","RID:1.2.3.4"]'
expect big '.certificates[0] | [.san_count, .san_truncated, .san[7]]' \
	'[10007,true,"DNS:host-00001.big.test"]'
# The 64 KB cap: the names kept are the first ones, as many as fit with their NULs.
want=$(python3 - <<'EOF'
names = ["IP:192.0.2.1", "IP:2001:db8::1", "email:a@big.test", "URI:https://big.test/",
         "DirName:O=Example,CN=Dir Name", "othername:1.3.6.1.4.1.311.20.2.3", "RID:1.2.3.4"]
names += ["DNS:host-%05d.big.test" % i for i in range(1, 10001)]
used = kept = 0
for n in names:
    if kept == 4096 or used + len(n) + 1 > 65536:
        break
    used += len(n) + 1
    kept += 1
print(kept, names[kept - 1])
EOF
)
got=$("$TLSMON" read "$W/big.pcap" | jq -r '.certificates[0].san | "\(length) \(.[-1])"')
check "$T/big: 64 KB cap keeps the first $want" test "$got" = "$want"
expect many '.certificates[0] | [.san_count, .san_truncated, (.san | length), .san[-1]]' \
	'[5000,true,4096,"DNS:n4096.t"]'
expect shortok '.certificates[0] | [.san_count, .san_truncated, .san]' \
	'[1,false,["DNS:short.test"]]'
# tshark dissects the same number of names in the generated certificate
n=$(tshark -n -r "$W/big.pcap" -Y tls.handshake.certificate -T fields -e x509ce.GeneralName \
	2>/dev/null | head -1 | tr ',' '\n' | grep -c .)
check "$T/big: tshark counts $n GeneralNames in the certificate" test "$n" = 10007

for c in big names root; do
	want=$(openssl x509 -in "$W/$c.pem" -noout -fingerprint -sha1 | sed 's/.*=//; s/://g' |
		tr 'A-F' 'a-f')
	case $c in
	big) got=$("$TLSMON" read "$W/big.pcap" | jq -r '.certificates[0].sha1') ;;
	names) got=$("$TLSMON" read "$W/cover.pcap" | jq -r '.certificates[0].sha1') ;;
	root) got=$("$TLSMON" read "$W/cover.pcap" | jq -r '.certificates[1].sha1') ;;
	esac
	check "$T/sha1 of $c = openssl's $want" test "$got" = "$want"
done

# -- the leaf checks ------------------------------------------------------------------------
checks='[.findings[] | select(.check | test("name_mismatch|missing_sni|long_validity")) | [.check, .severity, .detail]]'
expect cover "$checks" '[["long_validity","medium","leaf"]]'
expect mismatch "$checks" '[["name_mismatch","medium","not_covered"],["long_validity","medium","leaf"]]'
expect deep "$checks" '[["name_mismatch","medium","not_covered"],["long_validity","medium","leaf"]]'
expect ipsni "$checks" '[["name_mismatch","medium","ip_sni"],["long_validity","medium","leaf"]]'
expect nosni "$checks" '[["missing_sni","info","no_sni"]]'
expect shortok "$checks" '[]'
expect mismatch '.findings[] | select(.check == "name_mismatch") | .message' \
	'"certificate #1 (leaf, CN=names.test) does not cover the SNI \"other.test\" (none of its 2 DNS names match)"'
# openssl -days 825 puts notAfter 825 days after notBefore; both ends count (RFC 5280 4.1.2.5),
# and the BR 6.3.2 counts any part of a day as a day: 826
expect cover '.findings[] | select(.check == "long_validity") | .message | test("is valid for 826 days from ")' 'true'
# informational only: not flagged (with the chain's root as the trust store: an untrusted chain
# would flag it on its own)
n=$("$TLSMON" read --trust-store "$R" --flagged "$W/nosni.pcap" | wc -l)
check "$T/nosni: missing_sni alone does not flag the handshake ($n lines with --flagged)" \
	test "$n" -eq 0
n=$("$TLSMON" read --flagged "$W/mismatch.pcap" | wc -l)
check "$T/mismatch: name_mismatch flags the handshake" test "$n" -eq 1
# policy keys
got=$("$TLSMON" read --policy max_validity_days=900 --policy name_mismatch.enabled=false \
	"$W/mismatch.pcap" | jq -c "$checks")
check "$T/policy: max_validity_days=900, name_mismatch.enabled=false -> $got" test "$got" = '[]'
got=$("$TLSMON" read --policy missing_sni.severity=low --flagged "$W/nosni.pcap" | jq -c "$checks")
check "$T/policy: missing_sni.severity=low flags it -> $got" \
	test "$got" = '[["missing_sni","low","no_sni"]]'
got=$("$TLSMON" policy 2>/dev/null | grep -E '^(name_mismatch|missing_sni|long_validity)\.(enabled|severity)|^max_validity_days' | tr '\n' ' ')
check "$T/tlsmon policy lists the keys: $got" test "$got" = \
	"name_mismatch.enabled = true name_mismatch.severity = medium missing_sni.enabled = true missing_sni.severity = info long_validity.enabled = true long_validity.severity = medium max_validity_days = 398 "

# metrics: one series per (check, detail), valid exposition
all=("$W"/{big,many,cover,mismatch,deep,ipsni,nosni,shortok}.pcap)
"$TLSMON" read --metrics "${all[@]}" >"$W/m" 2>/dev/null
# findings CHECK DETAIL: the server-side series of tlsmon_weak_findings_total (side="server", or
# no side label where findings have no side)
findings()
{
	awk -v k="tlsmon_weak_findings_total{check=\"$1\",detail=\"$2\"" \
		'index($1, k) == 1 && (substr($1, length(k) + 1) == "}" ||
		substr($1, length(k) + 1) == ",side=\"server\"}") { s += $2; n++ }
		END { if (n) print s }' "$W/m"
}
for s in 'name_mismatch not_covered 2' 'name_mismatch ip_sni 1' 'missing_sni no_sni 1' \
	'long_validity leaf 4'; do
	# shellcheck disable=SC2086 # s is CHECK DETAIL COUNT
	set -- $s
	v=$(findings "$1" "$2")
	if [ "$v" = "$3" ]; then
		pass "$T/metric tlsmon_weak_findings_total{check=\"$1\",detail=\"$2\"} $v"
	else
		fail "$T/metric" "check=$1 detail=$2: ${v:-absent}, want $3 in: $(grep -F 'check="' "$W/m" | tr '\n' ' ')"
	fi
done
if out=$(python3 "$HERE/metric_style.py" "$W/m" 2>&1); then
	pass "$T/metric_style: $out"
else
	fail "$T/metric_style" "$out"
fi
if command -v promtool >/dev/null 2>&1; then
	out=$(promtool check metrics <"$W/m" 2>&1)
	check "$T/promtool check metrics" test $? -eq 0 -a -z "$out"
else
	skip "$T/promtool check metrics" "promtool not installed"
fi
# explain names the check
if "$TLSMON" read --explain "$W/mismatch.pcap" 2>/dev/null | grep -q 'does not cover the SNI "other.test"'; then
	pass "$T/explain names name_mismatch"
else
	fail "$T/explain" "no name_mismatch in: $("$TLSMON" read --explain "$W/mismatch.pcap" 2>&1 | head -5 | tr '\n' ' ')"
fi

# -- a real capture ------------------------------------------------------------------------
G=$SHARED/sv_tls-glupteba.pcap
if [ ! -f "$G" ]; then
	skip "$T/glupteba" "no $G (../shared missing)"
else
	expect_shared()
	{
		local got
		got=$("$TLSMON" read "$G" 2>/dev/null | jq -c "$1")
		if [ "$got" = "$2" ]; then
			pass "$T/glupteba: $1 = $2"
		else
			fail "$T/glupteba" "$1 = $got, expected $2"
		fi
	}
	# the 17th name, past the old cut at 16
	expect_shared '.certificates[0] | [.san_count, .san_truncated, (.san | length), .san[16]]' \
		'[17,false,17,"DNS:xn--j1ahhq.xn--p1ai"]'
	expect_shared '.certificates[0].sha1' '"e9a06950ba18dcacd3a7fe58224a1f425bbc96b0"'
fi
t_done
