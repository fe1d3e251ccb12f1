#!/bin/bash
# shellcheck disable=SC2317 # helpers run through check()
# `tlsmon read --explain`, `tlsmon explain`, and `tlsmon dump` end to end against the hidden
# `tlsmon read --serve-dump SOCKET` (the daemon's store and control socket fed from files).
#
# Shared captures (../shared/pcaps) always; a real weak-chain handshake (client verifies and
# sends a fatal alert; tests/fixtures/capture.sh --chain weak --verify) when root.
set -u

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
cd "$ROOT" || exit 1
# shellcheck source=tests/lib.sh
. tests/lib.sh
BUILD=${BUILD:-build}
T=$BUILD/tlsmon
P=../shared/pcaps

require_cmd dump_explain tshark python3 jq
[ -x "$T" ] || { fail dump_explain "$T not built"; t_done; }
t_tmpdir || exit 1
W=$T_TMP

# serve NAME ARGS...: start `tlsmon read --serve-dump $W/NAME.sock ARGS` and wait for its socket.
serve()
{
	local name=$1 i
	shift
	"$T" read --serve-dump "$W/$name.sock" "$@" >/dev/null 2>"$W/$name.serve.log" &
	t_track $!
	SERVE_PID=$!
	for ((i = 0; i < 50; i++)); do
		[ -S "$W/$name.sock" ] && return 0
		sleep 0.1
	done
	return 1
}

# dump NAME OUTDIR ARGS...: run `tlsmon dump`; the two paths land in $W/NAME.paths.
dump()
{
	local name=$1 out=$2
	shift 2
	mkdir -p "$out"
	"$T" dump --socket "$W/$name.sock" --out "$out" "$@" >"$W/$name.paths" 2>"$W/$name.dump.err"
}

tshark_reads()
{
	tshark -r "$1" >/dev/null 2>&1
}

# --- explain on shared captures (no root needed) ---
HF=$P/zeek_tls-1.2-handshake-failure.pcap
if [ -r "$HF" ]; then
	"$T" read "$HF" >"$W/hf.jsonl"
	"$T" explain "$W/hf.jsonl" >"$W/hf.explain"
	check explain_jsonl_outcome grep -q 'outcome: alert (server fatal handshake_failure(40))' \
		"$W/hf.explain"
	check explain_jsonl_frames grep -Eq 'frame 6 .* server Alert fatal handshake_failure\(40\)' \
		"$W/hf.explain"
	"$T" read --explain "$HF" >"$W/hf.read-explain"
	check read_explain_equals_explain cmp -s "$W/hf.explain" "$W/hf.read-explain"
	printf 'not json\n' >"$W/bad.jsonl"
	if "$T" explain "$W/bad.jsonl" >/dev/null 2>&1; then
		fail explain_rejects_garbage
	else
		pass explain_rejects_garbage
	fi
else
	skip explain_jsonl "$HF not found"
fi

# --- dump of an empty store: no file, exit 0, a line on stderr ---
EMPTY=$P/zeek_hrr.pcap
if [ -r "$EMPTY" ] && serve empty "$EMPTY"; then
	if dump empty "$W/out-empty"; then
		check empty_dump_no_file test -z "$(ls -A "$W/out-empty")"
		check empty_dump_stdout_empty test ! -s "$W/empty.paths"
		check empty_dump_says_none grep -qx 'tlsmon dump: no flagged handshakes held' \
			"$W/empty.dump.err"
	else
		fail empty_dump "exit $?: $(cat "$W/empty.dump.err")"
	fi
	if dump empty "$W/out-empty" --since 1s; then
		check empty_dump_since_no_file test -z "$(ls -A "$W/out-empty")"
		check empty_dump_since_says_none grep -qx \
			'tlsmon dump: no flagged handshakes in the last 1s' "$W/empty.dump.err"
	else
		fail empty_dump_since "exit $?: $(cat "$W/empty.dump.err")"
	fi
	t_kill "$SERVE_PID"
else
	skip empty_dump "$EMPTY not found or serve failed"
fi

# --- store bound: two flagged handshakes, --keep-flagged 1 keeps the newest ---
if [ -r "$HF" ] && [ -r "$P/zeek_tls-expired-cert.pcap" ] &&
	serve bound --keep-flagged 1 "$P/zeek_tls-expired-cert.pcap" "$HF"; then
	if dump bound "$W/out-bound"; then
		js=$(sed -n 2p "$W/bound.paths")
		check keep_flagged_bound test "$(wc -l <"$js")" -eq 1
		check keep_flagged_newest_kept grep -q handshake_failure "$js"
	else
		fail keep_flagged_bound "$(cat "$W/bound.dump.err")"
	fi
	t_kill "$SERVE_PID"
fi

# --- the weak chain, captured for real (root: network namespaces) ---
if [ "$(id -u)" -ne 0 ]; then
	skip weak_chain "capture needs root"
	t_done
fi
if ! tests/fixtures/capture.sh --chain weak --verify --out "$W/weak.pcap" --logdir "$W/cap" \
	2>"$W/capture.err"; then
	fail weak_capture "$(tail -1 "$W/capture.err")"
	t_done
fi
pass weak_capture

"$T" read --explain "$W/weak.pcap" >"$W/weak.explain"
check read_explain_md2_name_oid grep -q \
	'signature  md2WithRSAEncryption (1.2.840.113549.1.1.2)' "$W/weak.explain"
check read_explain_md5 grep -q 'md5WithRSAEncryption (1.2.840.113549.1.1.4)' "$W/weak.explain"
check read_explain_alert_event grep -Eq 'client +Alert fatal bad_certificate\(42\)' \
	"$W/weak.explain"
check read_explain_outcome grep -q 'outcome: alert (client fatal bad_certificate(42))' \
	"$W/weak.explain"
check read_explain_cause grep -q 'most likely cause' "$W/weak.explain"
check read_explain_chain_3 grep -q 'chain: 3 certificates' "$W/weak.explain"
"$T" read "$W/weak.pcap" >"$W/weak.jsonl"
"$T" explain "$W/weak.jsonl" >"$W/weak.explain2"
check explain_jsonl_same_tree cmp -s "$W/weak.explain" "$W/weak.explain2"

serve weak "$W/weak.pcap" || { fail serve_weak "$(cat "$W/weak.serve.log")"; t_done; }
check socket_mode_0600 test "$(stat -c %a "$W/weak.sock")" = 600

if dump weak "$W/out"; then
	pass dump_weak
	pc=$(sed -n 1p "$W/weak.paths")
	js=$(sed -n 2p "$W/weak.paths")
	check dump_names_pcapng_jsonl test "${pc%.pcapng}.jsonl" = "$js"
	check dump_mode_0600 test "$(stat -c %a "$pc")$(stat -c %a "$js")" = 600600
	ncert=$(tshark -r "$pc" -Y 'tls.handshake.type == 11' -T fields -e tls.handshake.certificate \
		2>/dev/null | head -1 | tr ',' '\n' | grep -c .)
	check dump_certificate_message_3_certs test "$ncert" -eq 3
	check dump_client_alert test "$(tshark -r "$pc" -Y 'tls.alert_message.desc == 42' 2>/dev/null |
		wc -l)" -eq 1
	check dump_starts_with_syn test "$(tshark -r "$pc" -c 1 -T fields -e tcp.flags.syn \
		2>/dev/null)" = "1"
	tshark -r "$pc" -T fields -e frame.comment >"$W/comments" 2>/dev/null
	check dump_comment_md2 grep -q \
		'md2WithRSAEncryption (1.2.840.113549.1.1.2)' "$W/comments"
	check dump_comment_alert grep -q 'tlsmon: outcome alert: client sent fatal alert' \
		"$W/comments"
	check dump_json_findings test "$(jq '.findings | length' "$js")" -ge 3
	check dump_json_same_schema test "$(jq -c 'del(.events)' "$js")" = \
		"$(jq -c 'del(.events)' "$W/weak.jsonl")"
else
	fail dump_weak "$(cat "$W/weak.dump.err")"
fi

# pcap + gzip; tshark reads the compressed file
if dump weak "$W/out" --format pcap --gzip; then
	pc=$(sed -n 1p "$W/weak.paths")
	check dump_pcap_gz_name test "${pc%.pcap.gz}" != "$pc"
	check dump_pcap_gz_readable test "$(tshark -r "$pc" 2>/dev/null | wc -l)" -ge 8
else
	fail dump_pcap_gz "$(cat "$W/weak.dump.err")"
fi

# --since: the capture is seconds old, so 1d keeps it (0 would mean everything)
if dump weak "$W/out-since" --since 1d; then
	js=$(sed -n 2p "$W/weak.paths")
	check dump_since_1d test "$(wc -l <"$js")" -eq 1
else
	fail dump_since_1d "$(cat "$W/weak.dump.err")"
fi

# concurrent dumps: all succeed, every file distinct
pids=()
mkdir -p "$W/conc"
for i in 1 2 3 4; do
	"$T" dump --socket "$W/weak.sock" --out "$W/conc" >"$W/conc.$i" 2>&1 &
	pids+=($!)
done
ok=0
for p in "${pids[@]}"; do
	wait "$p" && ok=$((ok + 1))
done
check concurrent_dumps test "$ok" -eq 4
check concurrent_dump_files test "$(find "$W/conc" -name '*.pcapng' | wc -l)" -eq 4

# garbage and oversized requests get ERR, and the daemon keeps serving
reply()
{
	python3 - "$W/weak.sock" "$1" <<'EOF'
import socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
s.settimeout(5)
s.connect(sys.argv[1])
s.sendall(bytes.fromhex(sys.argv[2]))
print(s.recv(200).decode(errors="replace").splitlines()[0])
EOF
}
check garbage_request_err test "$(reply "16030100ff00ff0a" | cut -c1-4)" = "ERR "
check oversized_request_err test "$(reply "$(printf '41%.0s' $(seq 1 1500))" | cut -c1-24)" = \
	"ERR request too long (ma"
check unknown_key_err test "$(reply "$(printf 'DUMP gzip=1\n' | od -An -tx1 | tr -d ' \n')")" = \
	"ERR unknown key"
check still_serving dump weak "$W/out-after"

t_kill "$SERVE_PID"
t_done
