#!/usr/bin/env bash
# shellcheck disable=SC2016 # jq programs are single-quoted
# Resumption offline: TLS 1.2 handshakes built byte for byte (tests/fixtures/tls12_resume.py),
# written by tools/pcapgen, merged into one capture with mergecap and read back:
#   ticket      a full handshake, then an abbreviated one presenting a ticket: resumed, kind
#               ticket, chain_from = the full one's ts and leaf SHA-256 (that of the DER)
#   session_id  the same without a ticket
#   unseen      the abbreviated handshake alone: resumed, chain_from null, explain says so
#   other_sni   the full handshake was for another SNI: chain_from null
# and the live test (tests/live/resumption.sh) does it with OpenSSL for TLS 1.3 PSK too.
set -u
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
. "$HERE/../lib.sh"
BUILD=${BUILD:-build}
TLSMON=$BUILD/tlsmon
T=resumption
FX=$HERE/../fixtures/tls12_resume.py

require_cmd "$T" jq python3 openssl mergecap tshark || exit 0
t_tmpdir || exit 1
W=$T_TMP
now=$(date +%s)

openssl req -x509 -newkey rsa:2048 -nodes -subj "/CN=resume.example" -days 30 \
	-keyout "$W/key.pem" -out "$W/cert.pem" >/dev/null 2>&1 &&
	openssl x509 -in "$W/cert.pem" -outform DER -out "$W/cert.der" ||
	{ fail "$T/certificate" "openssl could not make one"; t_done; }
leaf=$(sha256sum <"$W/cert.der" | cut -d' ' -f1)

# conn NAME PORT START ARGS...: one connection of tls12_resume.py ARGS into NAME.pcap
conn()
{
	local name=$1 port=$2 start=$3 turns
	shift 3
	turns=$(python3 "$FX" "$W/$name" "$@") &&
		"$BUILD/tools/pcapgen" -o "$W/$name.pcap" --client "10.0.0.1:$port" \
			--start-time "$start" $turns 2>/dev/null
}

# both NAME PCAP...: mergecap into NAME.pcap, then tlsmon read into NAME.jsonl
both()
{
	local name=$1
	shift
	mergecap -w "$W/$name.pcap" "$@" && "$TLSMON" read "$W/$name.pcap" >"$W/$name.jsonl"
}

# expect NAME LINE JQ WANT: handshake LINE of NAME.jsonl, JQ compact, is WANT
expect()
{
	local got
	got=$(sed -n "$2p" "$W/$1.jsonl" | jq -c "$3")
	if [ "$got" = "$4" ]; then
		pass "$T/$1/$2: $got"
	else
		fail "$T/$1/$2" "$3 = '$got', want $4"
	fi
}

conn full 40000 "$now" full --cert "$W/cert.der" || { fail "$T/fixture" "full"; t_done; }
conn full_b 40003 "$now" full --cert "$W/cert.der" --sni other.example
conn ticket 40001 $((now + 60)) resume --ticket
conn sid 40002 $((now + 60)) resume

n=$(tshark -r "$W/ticket.pcap" -Y 'tls.handshake.type == 11' 2>/dev/null | wc -l)
check "$T/tshark: no Certificate in the abbreviated handshake ($n)" test "$n" = 0
n=$(tshark -r "$W/ticket.pcap" -Y 'tls.handshake.extensions_length > 0 && tls.handshake.type == 1' \
	-T fields -e tls.handshake.extension.type 2>/dev/null | tr ',' '\n' | grep -cx 35)
check "$T/tshark: the ClientHello carries a SessionTicket extension ($n)" test "$n" = 1

ts_full=$(date -u -d "@$now" +%Y-%m-%dT%H:%M:%S.000000Z)
both ticket_run "$W/full.pcap" "$W/ticket.pcap"
expect ticket_run 1 '[.resumed, .resumption, (.certificates | length)]' '[false,null,1]'
expect ticket_run 2 '[.resumed, .resumption, .chain_from, .certificates,
	[.findings[] | select(.position != null)]]' \
	"[true,\"ticket\",{\"ts\":\"$ts_full\",\"leaf_sha256\":\"$leaf\"},[],[]]"
expect ticket_run 2 '.explain | test("resumed \\(ticket\\): no certificates sent, the session comes from the full handshake at ")' true

both sid_run "$W/full.pcap" "$W/sid.pcap"
expect sid_run 2 '[.resumed, .resumption, .chain_from.leaf_sha256]' "[true,\"session_id\",\"$leaf\"]"

"$TLSMON" read "$W/sid.pcap" >"$W/unseen.jsonl"
expect unseen 1 '[.resumed, .resumption, .chain_from, .findings]' '[true,"session_id",null,[]]'
expect unseen 1 '.explain' '"handshake established; no weak cryptography found; resumed (session_id): no certificates sent, the full handshake was not seen"'

both other_sni "$W/full_b.pcap" "$W/sid.pcap"
expect other_sni 2 '[.sni, .resumed, .chain_from]' '["resume.example",true,null]'

"$TLSMON" read --metrics "$W/ticket_run.pcap" >"$W/m"
check "$T/metric tlsmon_resumption_chains_evicted_total 0" \
	grep -qx 'tlsmon_resumption_chains_evicted_total 0' "$W/m"

# --max-endpoints bounds the table: a second endpoint's chain pushes the first one's out.
conn full_late 40004 $((now + 30)) full --cert "$W/cert.der" --sni other.example
both bounded "$W/full.pcap" "$W/full_late.pcap" "$W/sid.pcap"
"$TLSMON" read --max-endpoints 1 "$W/bounded.pcap" >"$W/bounded1.jsonl"
got=$(sed -n 3p "$W/bounded1.jsonl" | jq -c '[.sni, .resumed, .chain_from]')
check "$T/max_endpoints_1: the resumed handshake's chain was evicted ($got)" \
	test "$got" = '["resume.example",true,null]'
expect bounded 3 '[.sni, .resumed, .chain_from.leaf_sha256]' "[\"resume.example\",true,\"$leaf\"]"
"$TLSMON" read --metrics --max-endpoints 1 "$W/bounded.pcap" >"$W/m1"
check "$T/max_endpoints_1: tlsmon_resumption_chains_evicted_total 1" \
	grep -qx 'tlsmon_resumption_chains_evicted_total 1' "$W/m1"
t_done
