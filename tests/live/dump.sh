#!/bin/bash
# shellcheck disable=SC2016 # jq programs are single-quoted
# `tlsmon dump` against a live daemon (issue 4; needs root). openssl s_server in namespace A serves
# a chain from tests/fixtures/mkchains.sh, a verifying s_client in namespace B connects (the weak
# chain ends in the client's fatal alert 42), `tlsmon run` watches veth0 in namespace B with its own
# --socket under the temporary directory. Daemon 1:
#   empty        only good-chain established handshakes: no file, "no flagged handshakes held"
#   weak         one weak handshake, then a dump: the Certificate frame with 3 certificates, the
#                alert 42, the pcapng comments on both frames, the JSON findings, files 0600
#   pcap, gzip   --format pcap, --gzip, both (gunzipped and read)
#   since        --since 1s after 2 s: no file, "no flagged handshakes in the last 1s";
#                --since 60s: the handshake
#   explain      `tlsmon explain` on the dumped JSON
#   raw          the control protocol by hand (python3): an OK reply's sizes add up; garbage,
#                oversized and malformed requests get ERR and the daemon keeps serving
#   sigusr1      SIGUSR1 writes both files into --dump-dir
#   concurrent   4 dumps in parallel into one directory during a bounded handshake loop
# Daemon 1 retains frames with --retain-bytes 8M, daemon 2 with its alias --hold-bytes 8M.
# Daemon 2 (--keep-flagged 2): 4 weak handshakes, the dump holds the newest 2 (client ports match
# the last two --log records), tlsmon_flagged_evicted_total 2, and the JSON's frame numbers point at
# the dump file's own frames.
set -u

# shellcheck source=tests/lib_live.sh
. "$(dirname "${BASH_SOURCE[0]}")/../lib_live.sh"
MPORT=19891
T=dump

live_begin "$T" openssl ip ss curl jq tshark python3 gzip timeout
live_chains "$T" "$W/chains" weak good
live_netns "$T" 41

# d_stop TAG: SIGTERM, at most 5 s; checks exit 0 and that the socket file is gone.
d_stop()
{
	tm_stop "$TM_PID"
	if [ "$TM_RC" = 0 ]; then
		pass "$T/$1/sigterm exit 0"
	else
		fail "$T/$1/sigterm" "exit $TM_RC, stderr: $(tail -1 "$TM_ERR")"
	fi
	if [ ! -e "$SOCK" ]; then
		pass "$T/$1/socket removed on exit"
	else
		fail "$T/$1/socket removed on exit" "$SOCK still there"
	fi
}

# srv_start CHAIN: a persistent s_server in NS_A on port 443 (SRV_PID).
srv_start()
{
	tls_server "$NS_A" "$IP4_A:443" "$CH/$1" "$W/server.$1" -4 -www "${SEC0_SERVER[@]}"
	local rc=$?
	SRV_PID=$TLS_SERVER_PID
	SRV_CHAIN=$1
	return $rc
}

# hs: one verifying s_client connection to the running server; returns its status.
hs()
{
	local d=$CH/$SRV_CHAIN
	tls_client "$NS_B" "$IP4_A:443" "$d" "$(cat "$d/sni")" "$W/client.last" -4 \
		"${SEC0_CLIENT[@]}"
}

# wait_lines FILE N [SECONDS]: bounded wait until FILE has at least N lines.
wait_lines()
{
	local i
	for ((i = 0; i < ${3:-5} * 10; i++)); do
		[ "$(wc -l <"$1" 2>/dev/null || echo 0)" -ge "$2" ] && return 0
		sleep 0.1
	done
	return 1
}

# dump CASE ARGS...: `tlsmon dump --socket $SOCK ARGS...`; sets D_RC, D_CAP, D_JSON (from the
# two printed paths) and D_HS (the handshake count from its stderr).
dump()
{
	local c=$1
	shift
	"$TLSMON" dump --socket "$SOCK" "$@" >"$W/$c.dump.out" 2>"$W/$c.dump.err"
	D_RC=$?
	D_CAP=$(sed -n 1p "$W/$c.dump.out")
	D_JSON=$(sed -n 2p "$W/$c.dump.out")
	D_HS=$(sed -n 's/^tlsmon dump: \([0-9]*\) handshakes, [0-9]* frames$/\1/p' "$W/$c.dump.err")
	if [ "$D_RC" = 0 ] && [ -f "$D_CAP" ] && [ -f "$D_JSON" ]; then
		pass "$T/$c/dump exit 0, two files"
		return 0
	fi
	fail "$T/$c/dump" "exit $D_RC, out '$(tr '\n' ' ' <"$W/$c.dump.out")', err '$(head -c 200 \
		"$W/$c.dump.err")'"
	return 1
}

# expect_eq NAME GOT WANT: PASS when GOT is WANT.
expect_eq()
{
	if [ "$2" = "$3" ]; then
		pass "$T/$1"
	else
		fail "$T/$1" "want '$3', got '$2'"
	fi
}

# check_mode CASE FILE...: every FILE is mode 0600.
check_mode()
{
	local c=$1 f m bad=""
	shift
	for f in "$@"; do
		m=$(stat -c %a "$f" 2>/dev/null)
		[ "$m" = 600 ] || bad+="$(basename "$f"):${m:-missing} "
	done
	if [ -z "$bad" ]; then
		pass "$T/$c/files mode 0600"
	else
		fail "$T/$c/files mode 0600" "$bad"
	fi
}

# ts CAP ARGS...: tshark -r CAP ARGS..., without its "running as root" notice.
ts()
{
	local f=$1
	shift
	tshark -n -r "$f" "$@" 2>"$W/tshark.err"
}

# nframes CAP: frames tshark reads (empty on a read error).
nframes()
{
	local out
	out=$(ts "$1" -T fields -e frame.number) || return 1
	grep -c . <<<"$out"
}

# dump_none CASE MESSAGE ARGS...: `tlsmon dump ARGS...` into an empty directory when nothing is
# held: exit 0, nothing on stdout, no file written, MESSAGE on stderr.
dump_none()
{
	local c=$1 msg=$2
	shift 2
	mkdir -m 0700 "$W/$c.dir"
	"$TLSMON" dump --socket "$SOCK" --out "$W/$c.dir" "$@" >"$W/$c.dump.out" 2>"$W/$c.dump.err"
	D_RC=$?
	if [ "$D_RC" = 0 ] && [ ! -s "$W/$c.dump.out" ] && [ -z "$(ls -A "$W/$c.dir")" ] &&
		[ "$(cat "$W/$c.dump.err")" = "tlsmon dump: $msg" ]; then
		pass "$T/$c/no file written, exit 0, '$msg'"
	else
		fail "$T/$c/nothing held" "exit $D_RC, stdout '$(head -c 100 "$W/$c.dump.out")', \
files '$(ls -A "$W/$c.dir" | tr '\n' ' ')', stderr '$(head -c 200 "$W/$c.dump.err")'"
	fi
}

# check_weak_capture CASE CAP [N]: N (default 1) weak handshakes: as many Certificate messages with
# 3 certificates each and fatal alerts 42 from the client; in pcapng, a comment on every
# Certificate frame naming md2WithRSAEncryption, on every alert frame giving the outcome and its
# cause, on every ClientHello frame naming the local client and server processes (process
# attribution: both ends are on this host), and on no other frame.
check_weak_capture()
{
	local c=$1 f=$2 want=${3:-1} n cm bad
	n=$(ts "$f" -Y 'tls.handshake.type == 11' -T fields -e tls.handshake.certificate |
		awk -F, 'NF { print NF }' | sort | uniq -c | awk '{ printf "%sx%s ", $1, $2 }')
	if [ "$n" = "${want}x3 " ]; then
		pass "$T/$c/tshark $want Certificate message(s) with 3 certificates"
	else
		fail "$T/$c/tshark Certificate" \
			"want ${want}x3 (messages x certificates), got '${n:-none}'"
	fi
	n=$(ts "$f" -Y "tls.alert_message.desc == 42 && tls.alert_message.level == 2 &&
		ip.src == $IP4_B" -T fields -e frame.number | grep -c .)
	if [ "$n" = "$want" ]; then
		pass "$T/$c/tshark $want fatal alert(s) 42 from the client"
	else
		fail "$T/$c/tshark fatal alert 42 from the client" "$n frames, want $want"
	fi
	# comments, only where pcapng can carry them
	[ "$(od -An -tx1 -N4 "$f" | tr -d ' ')" = 0a0d0d0a ] || return 0
	ts "$f" -T fields -e frame.number -e tls.handshake.type -e tls.alert_message.desc \
		-e frame.comment >"$W/$c.fields"
	bad=""
	while IFS=$'\t' read -r fr cm; do
		[[ $cm == *md2WithRSAEncryption* && $cm == *1.2.840.113549.1.1.2* &&
			$cm == *md5WithRSAEncryption* && $cm == *RSA\ key* ]] ||
			bad+="$fr: '${cm:0:150}' "
	done < <(awk -F'\t' -v OFS='\t' '$2 ~ /(^|,)11(,|$)/ { print $1, $4 }' "$W/$c.fields")
	if [ -z "$bad" ]; then
		pass "$T/$c/comment on each Certificate frame names md2WithRSAEncryption, its OID"
	else
		fail "$T/$c/comment on the Certificate frame" "frame $bad"
	fi
	bad=""
	while IFS=$'\t' read -r fr cm; do
		[[ $cm == *"outcome alert"* && $cm == *"bad_certificate(42)"* &&
			$cm == *"most likely cause"*md2WithRSAEncryption* ]] ||
			bad+="$fr: '${cm:0:150}' "
	done < <(awk -F'\t' -v OFS='\t' '$3 == "42" { print $1, $4 }' "$W/$c.fields")
	if [ -z "$bad" ]; then
		pass "$T/$c/comment on each alert frame gives outcome and cause"
	else
		fail "$T/$c/comment on the alert frame" "frame $bad"
	fi
	bad=""
	while IFS=$'\t' read -r fr cm; do
		[[ $cm == *"client process openssl (pid "* && $cm == *"server process openssl (pid "* ]] ||
			bad+="$fr: '${cm:0:150}' "
	done < <(awk -F'\t' -v OFS='\t' '$2 ~ /(^|,)1(,|$)/ { print $1, $4 }' "$W/$c.fields")
	if [ -z "$bad" ]; then
		pass "$T/$c/comment on each ClientHello frame names both processes"
	else
		fail "$T/$c/comment on the ClientHello frame" "frame $bad"
	fi
	n=$(awk -F'\t' '$4 != "" && $2 !~ /(^|,)(1|11)(,|$)/ && $3 != "42"' "$W/$c.fields" | wc -l)
	if [ "$n" = 0 ]; then
		pass "$T/$c/no comment on other frames"
	else
		fail "$T/$c/comments elsewhere" "$n other frames carry comments"
	fi
}

# jq_check CASE NAME FILE EXPR: EXPR (slurped) is true.
jq_check()
{
	if jq -e -s "$4" "$3" >/dev/null 2>&1; then
		pass "$T/$1/json $2"
	else
		fail "$T/$1/json $2" "$(jq -c -s '[.[] | {client, outcome,
			findings: [.findings[]?.detail]}]' "$3" 2>&1 | cut -c1-300)"
	fi
}

# ctl_raw CASE PAYLOAD-PYTHON-EXPR: send bytes to $SOCK, read everything back (at most 6 s);
# writes the first line to $W/CASE.raw1 and the total byte count and the line's length to
# $W/CASE.rawn ("total header").
ctl_raw()
{
	timeout -k 1 8 python3 - "$SOCK" "$2" "$W/$1" <<'EOF'
import socket, sys
path, expr, out = sys.argv[1], sys.argv[2], sys.argv[3]
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
s.settimeout(6)
s.connect(path)
try:
    s.sendall(eval(expr))
except OSError:
    pass  # the daemon may answer and close before reading everything
data = b""
try:
    while True:
        b = s.recv(65536)
        if not b:
            break
        data += b
except OSError:
    pass
line = data.split(b"\n", 1)[0]
open(out + ".raw1", "wb").write(line)
open(out + ".rawn", "w").write("%d %d\n" % (len(data), len(line) + 1))
EOF
}

# ---- daemon 1 ----
T0=$SECONDS
if ! tm_start_ctl "$NS_B" "$W" d1 --metrics-addr "127.0.0.1:$MPORT" --dump-dir "$W/usr1" \
	--retain-bytes 8M; then
	tm_fail_start "$T/d1/start"
	t_done
fi
# the daemon made --dump-dir itself (0700) when it started
mkdir -m 0700 "$W/out"

# empty: good chain, established, nothing kept
c=empty
srv_start good || fail "$T/$c/server" "s_server not listening"
hs && hs
rc=$?
for ((i = 0; i < 50; i++)); do
	metrics_get "$NS_B" "$MPORT" >"$W/$c.metrics"
	v=$(mval "$W/$c.metrics" 'tlsmon_handshakes_total{version="TLS1.2",outcome="established"}')
	[ "$v" = 2 ] && break
	sleep 0.1
done
if [ "$rc" = 0 ] && [ "$i" -lt 50 ]; then
	pass "$T/$c/two good handshakes established"
else
	fail "$T/$c/good handshakes" "s_client $rc; metrics: $(grep '^tlsmon_handshakes_total' \
		"$W/$c.metrics" | tr '\n' ' ')"
fi
t_kill "$SRV_PID"
dump_none $c "no flagged handshakes held"

# weak: one weak handshake
c=weak
srv_start weak || fail "$T/$c/server" "s_server not listening"
if ! hs && grep -q 'verify error' "$W/client.last"; then
	pass "$T/$c/client rejected the weak chain"
else
	fail "$T/$c/client" "expected a verify error"
fi
wait_lines "$LOG" 1 5 || fail "$T/$c/log" "no record in $LOG"
if dump $c --out "$W/out"; then
	check_mode $c "$D_CAP" "$D_JSON"
	expect_eq "$c/default format pcapng" "${D_CAP##*.}" pcapng
	expect_eq "$c/1 handshake" "$D_HS" 1
	check_weak_capture $c "$D_CAP"
	jq_check $c "one record" "$D_JSON" 'length == 1'
	jq_check $c "findings md2 md5 sha1 RSA-1024" "$D_JSON" '[.[0].findings[].detail] |
		contains(["md2WithRSAEncryption", "md5WithRSAEncryption", "sha1WithRSAEncryption",
		"RSA-1024"])'
	jq_check $c "outcome alert 42 from the client" "$D_JSON" '.[0] | .outcome == "alert" and
		.alert.code == 42 and .alert.sender == "client"'
	# The dump renumbers event frames to its own capture; everything else is the log's record.
	if jq -e -n --slurpfile a "$D_JSON" --slurpfile b "$LOG" \
		'($a | map(del(.events[].frame))) == ($b | map(del(.events[].frame)))' >/dev/null; then
		pass "$T/$c/json equals the --log record"
	else
		fail "$T/$c/json equals the --log record" "differs"
	fi
	# a second dump in the same second: two more files beside the first two
	first=$D_CAP
	dump "$c-again" --out "$W/out" && [ "$D_CAP" != "$first" ]
	n=$(find "$W/out" -type f | wc -l)
	expect_eq "$c/new names, nothing overwritten: files in out/" "$n" 4

	# explain
	"$TLSMON" explain "$D_JSON" >"$W/explain.out" 2>&1
	rc=$?
	if [ "$rc" = 0 ] && grep -q 'md2WithRSAEncryption' "$W/explain.out" &&
		grep -qF '1.2.840.113549.1.1.2' "$W/explain.out" &&
		grep -q 'bad_certificate(42)' "$W/explain.out"; then
		pass "$T/explain/md2WithRSAEncryption 1.2.840.113549.1.1.2 bad_certificate(42)"
	else
		fail "$T/explain" "exit $rc: $(head -3 "$W/explain.out" | tr '\n' ' ')"
	fi
fi

# pcap, gzip, both
for v in pcap:--format=pcap gzip:--gzip pcapgz:--format=pcap,--gzip; do
	c=${v%%:*}
	IFS=, read -r -a args <<<"${v#*:}"
	dump "$c" --out "$W/out" "${args[@]}" || continue
	check_mode "$c" "$D_CAP" "$D_JSON"
	f=$D_CAP
	if [[ $c == *gz* ]]; then
		if [[ $D_CAP == *.gz ]] && gzip -t "$D_CAP" 2>/dev/null; then
			pass "$T/$c/capture is gzip ($(basename "$D_CAP"))"
		else
			fail "$T/$c/capture is gzip" "$D_CAP"
		fi
		f=$W/$c.unzipped
		gzip -dc "$D_CAP" >"$f"
		# tlsmon reads its own compressed dumps, as a file and from stdin
		"$TLSMON" read "$D_CAP" >"$W/$c.read.jsonl" 2>"$W/$c.read.err"
		"$TLSMON" read - <"$D_CAP" >"$W/$c.stdin.jsonl" 2>>"$W/$c.read.err"
		if jq -e -s 'length == 1 and .[0].outcome == "alert"' "$W/$c.read.jsonl" \
			>/dev/null 2>&1 && cmp -s "$W/$c.read.jsonl" "$W/$c.stdin.jsonl"; then
			pass "$T/$c/tlsmon read of the .gz (file and stdin): the handshake"
		else
			fail "$T/$c/tlsmon read of the .gz" "$(head -c 200 "$W/$c.read.err")"
		fi
	fi
	magic=$(od -An -tx1 -N4 "$f" | tr -d ' ')
	if [[ $c == pcap* ]]; then
		if [[ $magic =~ ^(d4c3b2a1|a1b2c3d4|4d3cb2a1|a1b23c4d)$ ]] &&
			[[ $D_CAP == *.pcap || $D_CAP == *.pcap.gz ]]; then
			pass "$T/$c/classic pcap ($magic)"
		else
			fail "$T/$c/classic pcap" "magic $magic, name $D_CAP"
		fi
	elif [ "$magic" = 0a0d0d0a ] && [[ $D_CAP == *.pcapng.gz ]]; then
		pass "$T/$c/pcapng inside"
	else
		fail "$T/$c/pcapng inside" "magic $magic, name $D_CAP"
	fi
	check_weak_capture "$c" "$f"
	jq_check "$c" "one record" "$D_JSON" 'length == 1 and .[0].outcome == "alert"'
done

# since
c=since1
sleep 2
dump_none $c "no flagged handshakes in the last 1s" --since 1s
c=since60
if dump $c --out "$W/out" --since 60s; then
	expect_eq "$c/1 handshake" "$D_HS" 1
	jq_check $c "one record" "$D_JSON" 'length == 1'
fi

# raw protocol: a valid request by hand, then garbage
c=raw_ok
ctl_raw $c 'b"DUMP since=0 format=pcapng\n"'
read -r total hl <"$W/$c.rawn"
line=$(cat "$W/$c.raw1")
re='^OK frames=([0-9]+) handshakes=1 pcap_bytes=([0-9]+) json_bytes=([0-9]+) format=pcapng$'
if [[ $line =~ $re ]] &&
	[ "$total" = $((hl + BASH_REMATCH[2] + BASH_REMATCH[3])) ]; then
	pass "$T/$c/OK line, $total bytes = line + pcap_bytes + json_bytes"
else
	fail "$T/$c/reply" "'${line:0:200}', $total bytes in all"
fi
for g in 'garbage:b"\x00\xff\x16\x03\x01 garbage\r\n"' 'long:b"DUMP " + b"x" * 5000 + b"\n"' \
	'unknown:b"HELLO\n"' 'badkey:b"DUMP since=1 since=2\n"' 'badfmt:b"DUMP format=tar\n"' \
	'tls:bytes.fromhex("160301002e010000")+b"\n"'; do
	c=raw_${g%%:*}
	ctl_raw "$c" "${g#*:}"
	line=$(cat "$W/$c.raw1" 2>/dev/null)
	if [[ $line == ERR\ ?* ]]; then
		pass "$T/$c/answered '$line'"
	else
		fail "$T/$c/reply" "want ERR <reason>, got '${line:0:100}'"
	fi
done
c=after_garbage
if kill -0 "$TM_PID" 2>/dev/null && dump $c --out "$W/out"; then
	expect_eq "$c/still serving, 1 handshake" "$D_HS" 1
else
	fail "$T/$c/daemon alive" "$(tail -2 "$TM_ERR" | tr '\n' ' ')"
fi

# SIGUSR1
c=sigusr1
kill -USR1 "$TM_PID"
if wait_file_grep "$TM_ERR" '^tlsmon: dumped ' 5; then
	cap=$(find "$W/usr1" -name '*.pcapng' | head -1)
	js=$(find "$W/usr1" -name '*.jsonl' | head -1)
	if [ -n "$cap" ] && [ -n "$js" ] && [ "$(find "$W/usr1" -type f | wc -l)" = 2 ] &&
		grep -qF "dumped $cap and $js" "$TM_ERR"; then
		pass "$T/$c/two files in --dump-dir"
		check_mode $c "$cap" "$js"
		check_weak_capture $c "$cap"
		jq_check $c "one record" "$js" 'length == 1 and .[0].alert.code == 42'
	else
		fail "$T/$c/files" "$(find "$W/usr1" -type f | tr '\n' ' '); log: $(grep dumped \
			"$TM_ERR")"
	fi
else
	fail "$T/$c/dump" "no 'dumped' line: $(tail -1 "$TM_ERR")"
fi

# concurrent dumps during traffic
c=concurrent
NTRAFFIC=6
(for ((k = 0; k < NTRAFFIC; k++)); do hs; done) &
TRAFFIC=$!
t_track $TRAFFIC
sleep 0.3
mkdir -m 0700 "$W/conc"
pids=()
for k in 1 2 3 4; do
	"$TLSMON" dump --socket "$SOCK" --out "$W/conc" >"$W/conc.$k.out" 2>"$W/conc.$k.err" &
	pids+=($!)
done
bad=""
for k in 1 2 3 4; do
	wait "${pids[$((k - 1))]}" || bad+="#$k: $(head -c 100 "$W/conc.$k.err") "
done
if [ -z "$bad" ]; then
	pass "$T/$c/4 parallel dumps exit 0"
else
	fail "$T/$c/parallel dumps" "$bad"
fi
n=$(cat "$W"/conc.*.out | sort -u | wc -l)
expect_eq "$c/8 distinct paths printed, 8 files" "$n $(find "$W/conc" -type f | wc -l)" "8 8"
bad=""
for k in 1 2 3 4; do
	cap=$(sed -n 1p "$W/conc.$k.out")
	js=$(sed -n 2p "$W/conc.$k.out")
	h=$(sed -n 's/^tlsmon dump: \([0-9]*\) handshakes.*/\1/p' "$W/conc.$k.err")
	nf=$(nframes "$cap") || nf=""
	nj=$(jq -s length "$js" 2>/dev/null)
	if [ -z "$nf" ] || [ "${nj:-x}" != "${h:-y}" ] || [ "${h:-0}" -lt 1 ] ||
		[ "$(stat -c %a "$cap" "$js" | sort -u)" != 600 ]; then
		bad+="#$k: frames '$nf' json '$nj' said '$h' "
	fi
done
expect_eq "$c/every dump valid (tshark reads, JSON parses, counts agree, 0600)" "$bad" ""
wait "$TRAFFIC"
want=$((1 + NTRAFFIC))
wait_lines "$LOG" "$want" 5
c=after_traffic
if dump $c --out "$W/out"; then
	n=$(wc -l <"$LOG")
	if [ "$D_HS" = "$n" ] && [ "$n" = "$want" ]; then
		pass "$T/$c/all $want weak handshakes kept"
	else
		fail "$T/$c/handshakes kept" "dump $D_HS, log $n, want $want"
	fi
	check_weak_capture $c "$D_CAP" "$want"
fi
d_stop d1
t_kill "$SRV_PID"

# ---- daemon 2: --keep-flagged 2 ----
c=keep2
if tm_start_ctl "$NS_B" "$W" d2 --metrics-addr "127.0.0.1:$MPORT" --keep-flagged 2 \
	--hold-bytes 8M; then
	srv_start weak || fail "$T/$c/server" "s_server not listening"
	for k in 1 2 3 4; do hs; done
	wait_lines "$LOG" 4 5 || fail "$T/$c/log" "$(wc -l <"$LOG") records, want 4"
	metrics_get "$NS_B" "$MPORT" >"$W/$c.metrics"
	v=$(mval "$W/$c.metrics" tlsmon_flagged_evicted_total)
	expect_eq "$c/metric tlsmon_flagged_evicted_total 2" "${v:-absent}" 2
	v=$(mval "$W/$c.metrics" tlsmon_flagged_stored)
	expect_eq "$c/metric tlsmon_flagged_stored 2" "${v:-absent}" 2
	if dump $c --out "$W/out"; then
		expect_eq "$c/2 handshakes" "$D_HS" 2
		want=$(tail -2 "$LOG" | jq -r .client | tr '\n' ' ')
		got=$(jq -r .client "$D_JSON" | tr '\n' ' ')
		old=$(head -2 "$LOG" | jq -r .client | tr '\n' ' ')
		if [ "$got" = "$want" ] && [ "$old" != "$got" ]; then
			pass "$T/$c/the newest two ($got)"
		else
			fail "$T/$c/the newest two" "dump has '$got', log's last two '$want'"
		fi
		# the capture's connections are those two, in that order
		got=$(ts "$D_CAP" -Y 'tcp.flags.syn == 1 && tcp.flags.ack == 0' -T fields \
			-e ip.src -e tcp.srcport | tr '\t' ':' | tr '\n' ' ')
		expect_eq "$c/capture holds the same two connections (SYNs from)" "$got" "$want"
		n=$(ts "$D_CAP" -Y 'tls.alert_message.desc == 42' -T fields -e frame.number |
			grep -c .)
		expect_eq "$c/two alerts in the capture" "$n" 2
		check_weak_capture $c "$D_CAP" 2
		# The JSON travels with the capture: its frame numbers must name the capture's
		# frames (the event's timestamp is the frame's). Says where the frame really is.
		ts "$D_CAP" -T fields -e frame.number -e frame.time_epoch >"$W/$c.times"
		bad=$(jq -r '.events[] | "\(.frame) \(.ts) \(.what | split(" ")[0])"' "$D_JSON" |
			while read -r fr t what; do
				e=$(date -u -d "$t" +%s.%N | cut -c1-17)
				a=$(awk -v n="$fr" '$1 == n { print substr($2, 1, 17) }' \
					"$W/$c.times")
				[ "$e" = "$a" ] && continue
				r=$(awk -v t="$e" 'substr($2, 1, 17) == t { print $1; exit }' \
					"$W/$c.times")
				printf '%s: json frame %s, capture frame %s; ' "$what" "$fr" \
					"${r:-none}"
			done)
		if [ -z "$bad" ]; then
			pass "$T/$c/json event frame numbers point at the dump's frames"
		else
			fail "$T/$c/json event frame numbers vs the dump's frames" \
				"$(wc -l <"$W/$c.times") frames in the capture; ${bad:0:400}"
		fi
	fi
	d_stop d2
else
	tm_fail_start "$T/$c/start"
fi

printf '# %s: %d s\n' "$T" $((SECONDS - T0))
t_done
