#!/bin/bash
# shellcheck disable=SC2016 # jq programs are single-quoted
# TCP reassembly on the hard cases, with real handshake bytes: record real openssl handshakes
# (tests/fixtures/capture.sh, needs root), take both directions' byte streams (tshark
# follow,tcp,raw) as pcapgen turns, regenerate the connection with tiny segments, reordering,
# retransmissions, overlap, sequence wrap, mid-stream pickup and loss, and check that
# `tlsmon read` reports what it reports for the original capture.
#
# Captures: weak (weak chain, client verifies -> fatal alert 42 from the client, 3 certificates),
# big (4 certificates, Certificate message > 30 KB, established), tls13 (good chain, TLS 1.3).
set -u

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
cd "$ROOT" || exit 1
# shellcheck source=tests/lib.sh
. tests/lib.sh
BUILD=${BUILD:-build}
TLSMON=$(realpath -m "$BUILD/tlsmon")
PCAPGEN=$(realpath -m "$BUILD/tools/pcapgen")
HELPER=$ROOT/tests/offline/reassembly_helper.py

require_root reassembly_cases
require_cmd reassembly_cases openssl tcpdump tshark ip ss python3 jq
if [ ! -x "$TLSMON" ] || [ ! -x "$PCAPGEN" ]; then
	fail reassembly_cases "$BUILD/tlsmon or $BUILD/tools/pcapgen not built"
	t_done
fi

t_tmpdir || exit 1
W=$T_TMP
CH=$W/chains
CLIENT=10.0.0.1:40000
SERVER=10.0.0.2:443

if ! tests/fixtures/mkchains.sh "$CH" weak good big >"$W/mkchains.log" 2>&1; then
	fail mkchains "$(tail -1 "$W/mkchains.log")"
	t_done
fi

der_sha256()
{
	openssl x509 -in "$1" -outform DER | sha256sum | cut -d' ' -f1
}

# The real certificates, in chain order, as a JSON array of SHA-256s.
sha_list()
{
	local pem
	for pem in "$@"; do
		der_sha256 "$pem"
	done | jq -R . | jq -cs .
}
declare -A REAL=(
	[weak]=$(sha_list "$CH/weak/leaf.pem" "$CH/weak/int.pem" "$CH/weak/root.pem")
	[big]=$(sha_list "$CH/big/leaf.pem" "$CH/big/int2.pem" "$CH/big/int1.pem" "$CH/big/root.pem")
	[tls13]='[]'
)

# What must survive any lossless delivery: everything but times and addresses.
KEYS='{version, client_version, cipher, sni, alpn, ja3, ja3s, ja4, key_exchange, outcome,
	certs: [.certificates[] | {position, sha256}],
	alert: (if .alert then {sender, code, level} else null end),
	findings: [.findings[] | {check, position, detail}]}'

declare -A ARGS=(
	[weak]="--chain weak --verify"
	[big]="--chain big --verify"
	[tls13]="--chain good --tls1.3 --verify"
)
declare -A TURNS=() ORIG=()
for n in weak big tls13; do
	# shellcheck disable=SC2086 # ARGS values are word lists
	if ! tests/fixtures/capture.sh ${ARGS[$n]} --chains "$CH" --out "$W/$n.pcap" \
		2>"$W/$n.capture.err"; then
		fail "capture_$n" "$(tail -1 "$W/$n.capture.err")"
		continue
	fi
	tshark -r "$W/$n.pcap" -q -z follow,tcp,raw,0 >"$W/$n.follow" 2>/dev/null
	if ! TURNS[$n]=$(python3 "$HELPER" turns "$W/$n.follow" "$W/$n.d" 443 2>&1); then
		fail "turns_$n" "${TURNS[$n]}"
		unset "TURNS[$n]"
		continue
	fi
	out=$("$TLSMON" read "$W/$n.pcap" 2>/dev/null)
	if [ "$(jq -s length <<<"$out" 2>/dev/null)" != 1 ]; then
		fail "orig_$n" "want one handshake from the original capture, got: $(head -c 300 <<<"$out")"
		unset "TURNS[$n]"
		continue
	fi
	ORIG[$n]=$(jq -cS "$KEYS" <<<"$out")
	# The reference itself must be right, or every comparison below proves nothing.
	if jq -e --argjson r "${REAL[$n]}" '[.certificates[].sha256] == $r' <<<"$out" >/dev/null; then
		pass "orig_${n}_certificates"
	else
		fail "orig_${n}_certificates" "got $(jq -c '[.certificates[].sha256]' <<<"$out"), want ${REAL[$n]}"
	fi
	pass "capture_$n"
done

# Packet times just after the captures (so after every certificate's notBefore): validity
# findings then agree with the original capture's.
START=$(($(date +%s) + 1))

# gen NAME CAPTURE PCAPGEN_ARGS...: write $W/NAME.pcap from CAPTURE's turns; run tlsmon on it.
# Sets OUT (tlsmon's stdout) and HS (its one handshake); returns 1 after a FAIL line.
# GEN_TURNS, when set, replaces the capture's turn list.
gen()
{
	local name=$1 n=$2 rc cnt
	shift 2
	OUT=
	HS=
	# shellcheck disable=SC2086 # TURNS values are word lists
	if ! (cd "$W/$n.d" && "$PCAPGEN" -o "$W/$name.pcap" --start-time "$START" \
		--client "$CLIENT" --server "$SERVER" "$@" ${GEN_TURNS:-${TURNS[$n]}} 2>"$W/$name.gen.err"); then
		fail "$name" "pcapgen: $(tail -1 "$W/$name.gen.err")"
		return 1
	fi
	OUT=$("$TLSMON" read "$W/$name.pcap" 2>"$W/$name.err")
	rc=$?
	if [ "$rc" -ne 0 ]; then
		fail "$name" "tlsmon read exit $rc: $(tail -1 "$W/$name.err")"
		return 1
	fi
	cnt=$(jq -s length <<<"$OUT" 2>/dev/null)
	if [ "${cnt:-x}" != 1 ]; then
		fail "$name" "want one handshake, got ${cnt:-unparsable output} ($("$TLSMON" read \
			--stats "$W/$name.pcap" 2>&1 >/dev/null | sed -n 's/^ *\(reassembly\|tls\): //p' |
			tr '\n' ' '))"
		return 1
	fi
	HS=$OUT
	return 0
}

# same NAME CAPTURE PCAPGEN_ARGS...: lossless delivery; the handshake equals the original's.
same()
{
	local name=$1 n=$2 got
	[ -n "${TURNS[$n]:-}" ] || { skip "$name" "no $n capture"; return; }
	gen "$@" || return
	got=$(jq -cS "$KEYS" <<<"$HS")
	if [ "$got" != "${ORIG[$n]}" ]; then
		fail "$name" "differs from the original capture: $(jq -nc --argjson a "$got" \
			--argjson b "${ORIG[$n]}" '[$a | to_entries[] | select(.value != $b[.key]) |
			{(.key): {got: .value, want: $b[.key]}}] | add' | head -c 600)"
		return
	fi
	if ! jq -e --arg c "$CLIENT" --arg s "$SERVER" '.client == $c and .server == $s and
		.reassembly_gaps == 0 and .parse_errors == 0' <<<"$HS" >/dev/null; then
		fail "$name" "$(jq -c '{client, server, reassembly_gaps, parse_errors}' <<<"$HS")"
		return
	fi
	pass "$name"
}

# lossy NAME CAPTURE PCAPGEN_ARGS...: segments of the Certificate message are lost: the gap is
# reported, and no certificate is invented (each one reported is a real one, at its position).
lossy()
{
	local name=$1 n=$2
	[ -n "${TURNS[$n]:-}" ] || { skip "$name" "no $n capture"; return; }
	gen "$@" || return
	if ! jq -e '.reassembly_gaps > 0' <<<"$HS" >/dev/null; then
		fail "$name" "segments were lost but reassembly_gaps is $(jq -c .reassembly_gaps \
			<<<"$HS") (outcome $(jq -c .outcome <<<"$HS"), $(jq -c '.certificates |
			length' <<<"$HS") certificates)"
		return
	fi
	if ! jq -e --argjson r "${REAL[$n]}" \
		'all(.certificates[]; .sha256 as $h | $r | index($h) != null)' <<<"$HS" >/dev/null; then
		fail "$name" "certificate not in the real chain: $(jq -c '[.certificates[].sha256]' \
			<<<"$HS")"
		return
	fi
	if ! jq -e --arg c "$CLIENT" --arg s "$SERVER" --arg sni "$(cat "$CH/$n/sni")" \
		'.client == $c and .server == $s and .sni == $sni' <<<"$HS" >/dev/null; then
		fail "$name" "$(jq -c '{client, server, sni}' <<<"$HS")"
		return
	fi
	pass "$name"
}

if [ -n "${TURNS[weak]:-}" ]; then
	# The alert path, on the original capture and on a regenerated one.
	for src in orig gen; do
		if [ "$src" = orig ]; then
			HS=$("$TLSMON" read "$W/weak.pcap" 2>/dev/null)
		else
			gen weak_gen weak --mss 100 || continue
		fi
		if jq -e '.outcome == "alert" and .alert.sender == "client" and .alert.code == 42 and
			.alert.level == "fatal" and (.explain | contains("bad_certificate(42)"))' \
			<<<"$HS" >/dev/null; then
			pass "weak_alert_path_$src"
		else
			fail "weak_alert_path_$src" "$(jq -c '{outcome, alert, explain}' <<<"$HS")"
		fi
	done
fi

same weak_baseline weak
# 4: segments shorter than a TLS record header (5 bytes).
for m in 1 4 7 100; do
	same "weak_mss_$m" weak --mss "$m"
done
for s in 1 2 3; do
	same "weak_reorder8_seed$s" weak --mss 100 --reorder 8 --seed "$s"
done
same weak_retransmit30 weak --mss 100 --retransmit 30 --seed 4
same weak_retransmit30_overlap weak --mss 100 --retransmit 30 --overlap --seed 5
same weak_overlap_reorder weak --mss 50 --retransmit 50 --overlap --reorder 8 --seed 6
same weak_overlap_tiny weak --mss 7 --retransmit 40 --overlap --seed 7
same weak_seq_wrap weak --mss 100 --isn-server 4294967000 --isn-client 4294967200
same weak_seq_wrap_reorder weak --mss 100 --isn-server 4294967000 --isn-client 4294967200 \
	--reorder 8 --retransmit 20 --overlap --seed 8
same weak_no_syn weak --no-syn
same weak_no_syn_mss100 weak --no-syn --mss 100
same weak_no_syn_seq_wrap weak --no-syn --mss 100 --isn-server 4294967000 \
	--isn-client 4294967290

# Loss: seeds whose --drop loses server bytes of the Certificate message but none of the
# client's (the helper reads the generated pcap to tell which bytes are missing).
# lossy_seeds LABEL N ARGS...: run lossy on the first N such seeds of 1-60 with ARGS (and
# GEN_TURNS if set).
lossy_seeds()
{
	local label=$1 want=$2 s found=0 range nclient
	shift 2
	range=$(python3 "$HELPER" certrange "$W/weak.d/server.bin")
	nclient=$(stat -c %s "$W/weak.d/t00_c")
	for ((s = 1; s <= 60 && found < want; s++)); do
		# shellcheck disable=SC2086
		(cd "$W/weak.d" && "$PCAPGEN" -o "$W/probe.pcap" --start-time "$START" \
			--client "$CLIENT" --server "$SERVER" "$@" --seed "$s" \
			${GEN_TURNS:-${TURNS[weak]}} 2>/dev/null) || continue
		# shellcheck disable=SC2086 # range is "START END"
		python3 "$HELPER" holes "$W/probe.pcap" 443 $range >/dev/null || continue
		python3 "$HELPER" holes "$W/probe.pcap" 40000 0 "$nclient" >/dev/null && continue
		found=$((found + 1))
		lossy "weak_${label}_seed$s" weak "$@" --seed "$s"
	done
	[ "$found" -eq "$want" ] ||
		fail "weak_${label}_seeds" "only $found of seeds 1-60 lose Certificate bytes with $*"
}
if [ -n "${TURNS[weak]:-}" ] && [ -n "$(python3 "$HELPER" certrange "$W/weak.d/server.bin")" ]
then
	lossy_seeds drop10 3 --mss 100 --drop 10
	lossy_seeds drop10_reorder_overlap 1 --mss 100 --drop 10 --reorder 8 --retransmit 20 \
		--overlap
	# Without the client's alert: the server's RST ends the connection.
	GEN_TURNS="c:t00_c s:t01_s" lossy_seeds drop10_no_alert_rst_server 1 --mss 100 \
		--drop 10 --rst-server
	GEN_TURNS="c:t00_c s:t01_s" lossy_seeds drop10_no_alert_fin 1 --mss 100 --drop 10
fi

if [ -n "${TURNS[big]:-}" ]; then
	len=$(tshark -r "$W/big.pcap" -Y 'tls.handshake.type == 11' -T fields \
		-e tls.handshake.certificates_length 2>/dev/null | head -1 | cut -d, -f1)
	if [ "${len:-0}" -ge 30720 ]; then
		pass big_certificate_message_30k
	else
		fail big_certificate_message_30k "Certificate message length ${len:-none}"
	fi
fi
same big_baseline big
for s in 1 2 3; do
	same "big_mss536_reorder16_seed$s" big --mss 536 --reorder 16 --seed "$s"
done
same big_mss536_reorder16_overlap big --mss 536 --reorder 16 --retransmit 30 --overlap --seed 9
same big_seq_wrap big --mss 536 --reorder 16 --isn-server 4294960000 --isn-client 4294967100
same big_mss7 big --mss 7
same big_no_syn big --no-syn --mss 1200

same tls13_baseline tls13
same tls13_mss7_reorder tls13 --mss 7 --reorder 8 --retransmit 20 --overlap --seed 10
if [ -n "${TURNS[tls13]:-}" ] && gen tls13_no_certificates tls13 --mss 100; then
	if jq -e '.version == "TLS1.3" and .certificates == [] and .outcome == "established"' \
		<<<"$HS" >/dev/null; then
		pass tls13_no_certificates
	else
		fail tls13_no_certificates "$(jq -c '{version, outcome, n: (.certificates | length)}' \
			<<<"$HS")"
	fi
fi

t_done
