#!/bin/bash
# Issue 17 live (needs root): evidence survives a spoofed flood and a full disk, and no local user
# can redirect what the daemon writes. tlsmon watches veth0 in namespace A (the server side: s_server
# with the weak chain there, s_client in B); tools/hostile.py spoof sends raw frames from B.
#   notlocal  --not-local mark (default), --keep-flagged 40, --log on a 64 KiB tmpfs this test
#             mounts, --log-all: 8 real weak handshakes, then 1,100 spoofed SYN + ClientHello +
#             RST from 198.18.0.0/16 to 198.19.0.1 (not an address of A) in well under a second:
#             `tlsmon dump` still holds all 8 real ones; the spoofed ones are "not_local": true,
#             at most a quarter of the store; tlsmon_not_local_handshakes_total counts them and
#             tlsmon_handshakes_total does not
#   fulldisk  (same daemon) the log filled the tmpfs: tlsmon_log_errors_total{reason="no_space"}
#             > 0, stderr says "No space left on device" once, every line of the log is a JSON
#             object and the file ends with a newline
#   addrwatch 198.19.0.1 added to A's lo while running: the next spoofed flows to it are local
#             (tlsmon_not_local_handshakes_total does not move)
#   drop      --not-local drop: 300 spoofed flows are dropped unanalysed (frames counted)
#   symlink   --log naming a symbolic link is refused at start; its target stays empty
#   socket    --user nobody in a private mount namespace whose /run/tlsmon a previous tlsmon left
#             nobody's, 0777: the daemon makes it root's 0755, the socket is nobody's, and nobody
#             can neither remove the socket nor put a file next to it; a request line whose
#             method holds a NUL gets 400; --dump-dir DIR/new (missing) is made 0700 for nobody
#             and SIGUSR1 writes its dump there
set -u

# shellcheck source=tests/lib_live.sh
. "$(dirname "${BASH_SOURCE[0]}")/../lib_live.sh"
HOSTILE=$ROOT/tools/hostile.py
MPORT=19917
T=trust
SPOOF_DST=198.19.0.1

live_begin "$T" openssl ip curl jq python3 timeout mount unshare setpriv
live_chains "$T" "$W/chains" weak
live_netns "$T" 57
chmod 755 "$W"

scrape()
{
	metrics_get "$NS_A" "$MPORT" 3 >"$W/m.txt" 2>/dev/null && grep -q '^tlsmon_frames_total ' "$W/m.txt"
}

mnum()
{
	mval "${2:-$W/m.txt}" "$1" | awk '{ v = $1 } END { printf "%d\n", v + 0 }'
}

# wait_metric NAME MIN: scrape (at most 10 s) until NAME >= MIN.
wait_metric()
{
	local i
	for ((i = 0; i < 50; i++)); do
		scrape && [ "$(mnum "$1")" -ge "$2" ] && return 0
		sleep 0.2
	done
	return 1
}

# spoof COUNT [ARGS...]: spoofed flows from B to SPOOF_DST (A's veth0 sees them).
spoof()
{
	local n=$1
	shift
	timeout -k 2 40 ip netns exec "$NS_B" python3 "$HOSTILE" spoof --dst "$SPOOF_DST" \
		--count "$n" "$@" >"$W/spoof.out" 2>&1
	sed 's/^/  gen: /' "$W/spoof.out"
}

weak_once()
{
	tls_once 4 "$CH/weak" "$W/server.out" "$W/client.out" "${SEC0_SERVER[@]}" -- \
		"${SEC0_CLIENT[@]}"
}

hs_total()
{
	awk '/^tlsmon_handshakes_total\{/ { s += $2 } END { printf "%d\n", s }' "$W/m.txt"
}

nl_total()
{
	awk '/^tlsmon_not_local_handshakes_total\{/ { s += $2 } END { printf "%d\n", s }' "$W/m.txt"
}

# ---- notlocal + fulldisk ----
mkdir -p "$W/logfs" && mount -t tmpfs -o size=64k,mode=0755 "tlsmon-t-$$" "$W/logfs" || {
	fail "$T/setup" "cannot mount a tmpfs"
	t_done
}
t_on_exit "umount -l '$W/logfs'"
LOGF=$W/logfs/handshakes.jsonl
tm_spawn "$NS_A" "$W/a.err" --metrics-addr "127.0.0.1:$MPORT" --socket "$W/a.sock" \
	--log "$LOGF" --log-all --keep-flagged 40
if ! tm_wait "$TM_PID" grep -q '^tlsmon: control socket' "$TM_ERR"; then
	tm_fail_start "$T/notlocal/start"
	t_done
fi
A_PID=$TM_PID
WEAK=8
for ((i = 0; i < WEAK; i++)); do
	weak_once
done
wait_metric 'tlsmon_weak_findings_total{check="weak_signature",detail="md2WithRSAEncryption",side="server"}' \
	"$WEAK" || fail "$T/notlocal/weak handshakes" "$WEAK not all seen: $(grep weak_findings "$W/m.txt")"
hs_before=$(hs_total)
t0=$(date +%s.%N)
spoof 1100
t1=$(date +%s.%N)
wait_metric 'tlsmon_not_local_handshakes_total{outcome="reset"}' 1000 || true
nl=$(mnum 'tlsmon_not_local_handshakes_total{outcome="reset"}')
echo "  1,100 spoofed flows sent in $(echo "$t1 - $t0" | bc 2>/dev/null || echo '?') s; not-local resets counted: $nl"
if [ "$nl" -ge 1000 ] && [ "$(hs_total)" = "$hs_before" ]; then
	pass "$T/notlocal: $nl spoofed handshakes in tlsmon_not_local_handshakes_total, none in tlsmon_handshakes_total"
else
	fail "$T/notlocal/counters" "not_local resets $nl, handshakes_total $hs_before -> $(hs_total)"
fi
mkdir -p "$W/dumpa"
if timeout 20 "$TLSMON" dump --socket "$W/a.sock" --out "$W/dumpa" >"$W/dumpa.paths" 2>"$W/dumpa.err"; then
	J=$(grep '\.jsonl$' "$W/dumpa.paths")
	real=$(jq -c 'select(.not_local != true and (.findings | length) > 0)' "$J" | wc -l)
	spoofed=$(jq -c 'select(.not_local == true)' "$J" | wc -l)
	echo "  dump: $real real flagged, $spoofed not-local of $(wc -l <"$J") handshakes"
	if [ "$real" -ge "$WEAK" ] && [ "$spoofed" -ge 1 ] && [ "$spoofed" -le 10 ]; then
		pass "$T/notlocal: the store still holds all $WEAK real flagged handshakes ($spoofed spoofed ones, at most 40/4)"
	else
		fail "$T/notlocal/store" "real $real (want >= $WEAK), not-local $spoofed (want 1..10)"
	fi
else
	fail "$T/notlocal/dump" "$(cat "$W/dumpa.err")"
fi

c=fulldisk
scrape
if python3 tests/offline/metric_style.py "$W/m.txt" >"$W/style.out" 2>&1; then
	pass "$T/notlocal: metric names and HELP follow tests/offline/metric_style.py"
else
	fail "$T/notlocal/metric_style" "$(grep -v '^ok' "$W/style.out" | head -3 | tr '\n' ' ')"
fi
if command -v promtool >/dev/null; then
	if promtool check metrics <"$W/m.txt" >"$W/promtool.out" 2>&1; then
		pass "$T/notlocal: promtool check metrics"
	else
		fail "$T/notlocal/promtool" "$(head -3 "$W/promtool.out" | tr '\n' ' ')"
	fi
fi
nospace=$(mnum 'tlsmon_log_errors_total{reason="no_space"}')
said=$(grep -c 'No space left on device' "$W/a.err")
lines=$(python3 "$HOSTILE" logvalid --log "$LOGF" 2>&1)
if [ "$nospace" -gt 0 ] && [ "$said" = 1 ] && [ "$(tail -c 1 "$LOGF" | od -An -c | tr -d ' ')" = '\n' ] &&
	python3 "$HOSTILE" logvalid --log "$LOGF" >/dev/null 2>&1; then
	pass "$T/$c: $nospace lines counted in tlsmon_log_errors_total{reason=\"no_space\"}, said once with its errno; $lines"
else
	fail "$T/$c" "no_space $nospace, said $said times ($(grep -m1 writing "$W/a.err")); $lines"
fi
grep -q '^tlsmon_log_errors_total{reason="file_too_large"} 0$' "$W/m.txt" &&
	pass "$T/$c: tlsmon_log_errors_total has its other reasons at 0" ||
	fail "$T/$c/reasons" "$(grep log_errors "$W/m.txt")"

c=addrwatch
before=$(nl_total)
ip -n "$NS_A" addr add "$SPOOF_DST/32" dev lo
wait_file_grep "$W/a.err" "the host's addresses changed" 5
spoof 50 --src-net 198.17
sleep 1
scrape
if [ "$(nl_total)" = "$before" ] && grep -q "the host's addresses changed" "$W/a.err"; then
	pass "$T/$c: once $SPOOF_DST is A's, flows to it are local (netlink watch)"
else
	fail "$T/$c" "not-local $before -> $(nl_total); $(grep addresses "$W/a.err")"
fi
ip -n "$NS_A" addr del "$SPOOF_DST/32" dev lo
tm_stop "$A_PID"

c=drop
tm_spawn "$NS_A" "$W/d.err" --metrics-addr "127.0.0.1:$MPORT" --socket "$W/d.sock" --not-local drop
if tm_wait "$TM_PID" grep -q '^tlsmon: control socket' "$TM_ERR"; then
	spoof 300
	wait_metric tlsmon_not_local_frames_dropped_total 800 || true
	dropped=$(mnum tlsmon_not_local_frames_dropped_total)
	if [ "$dropped" -ge 800 ] && [ "$(nl_total)" = 0 ] && [ "$(hs_total)" = 0 ]; then
		pass "$T/$c: $dropped frames of 300 spoofed flows dropped unanalysed"
	else
		fail "$T/$c" "dropped $dropped, not-local handshakes $(nl_total), handshakes $(hs_total)"
	fi
	tm_stop "$TM_PID"
else
	tm_fail_start "$T/$c/start"
fi

c=symlink
: >"$W/victim"
ln -s "$W/victim" "$W/link.jsonl"
timeout 20 ip netns exec "$NS_A" "$TLSMON" run -i veth0 --metrics-addr "127.0.0.1:$MPORT" \
	--socket "$W/s.sock" --log "$W/link.jsonl" --log-all >/dev/null 2>"$W/s.err"
rc=$?
if [ $rc = 1 ] && grep -q 'symbolic link; refused' "$W/s.err" && [ ! -s "$W/victim" ]; then
	pass "$T/$c: --log naming a symbolic link is refused (exit 1), its target untouched"
else
	fail "$T/$c" "exit $rc: $(tail -1 "$W/s.err")"
fi

c=socket
mkdir -m 0755 "$W/dumps"
# a private /run: the daemon's default control socket directory, as an older tlsmon left it
t_bg "$NS_A" unshare -m --propagation private sh -c '
	mount -t tmpfs tmpfs /run && mkdir -m 0777 /run/tlsmon && chown nobody /run/tlsmon &&
	exec "$@"' sh "$TLSMON" run -i veth0 --metrics-addr "127.0.0.1:$MPORT" --user nobody \
	--dump-dir "$W/dumps/new" >/dev/null 2>"$W/u.err"
TM_PID=$T_BG_PID
TM_ERR=$W/u.err
RUN=/proc/$TM_PID/root/run/tlsmon
if tm_wait "$TM_PID" grep -q '^tlsmon: control socket' "$TM_ERR" && tm_wait "$TM_PID" caps_dropped; then
	got="$(stat -c '%U %a' "$RUN") $(stat -c '%U %a' "$RUN/tlsmon.sock")"
	if [ "$got" = "root 755 nobody 600" ]; then
		pass "$T/$c: /run/tlsmon taken back (root 755), the socket is nobody's ($got)"
	else
		fail "$T/$c/owners" "want 'root 755 nobody 600', got '$got'; $(grep run/tlsmon "$W/u.err")"
	fi
	# nobody (the service user here, and the issue's attacker) cannot replace it
	if ! nsenter -t "$TM_PID" -m setpriv --reuid nobody --regid nogroup --clear-groups \
		sh -c 'rm -f /run/tlsmon/tlsmon.sock || exit 1; test ! -e /run/tlsmon/tlsmon.sock' 2>/dev/null &&
		! nsenter -t "$TM_PID" -m setpriv --reuid nobody --regid nogroup --clear-groups \
			sh -c ': >/run/tlsmon/planted' 2>/dev/null && [ -S "$RUN/tlsmon.sock" ]; then
		pass "$T/$c: nobody can neither remove the socket nor plant a file beside it"
	else
		fail "$T/$c/replace" "nobody changed /run/tlsmon: $(ls -la "$RUN")"
	fi
	got=$(timeout 7 ip netns exec "$NS_A" python3 -c '
import socket, sys
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=6)
s.sendall(b"G\0T /metrics HTTP/1.1\r\nHost: x\r\n\r\n")
print((s.recv(64).split(b" ") + [b"closed"])[1].decode())' "$MPORT" 2>&1)
	check "$T/$c: a NUL in the HTTP method -> 400 (got $got)" [ "$got" = 400 ]
	got=$(stat -c '%U %a' "$W/dumps/new" 2>&1)
	check "$T/$c: --dump-dir made for nobody, 0700 ($got)" [ "$got" = "nobody 700" ]
	weak_once
	sleep 0.5
	kill -USR1 "$TM_PID"
	if wait_file_grep "$TM_ERR" '^tlsmon: dumped ' 5 &&
		[ -n "$(find "$W/dumps/new" -name 'tlsmon-dump-*.jsonl' -size +0)" ]; then
		pass "$T/$c: SIGUSR1 wrote its dump into the directory it made"
	else
		fail "$T/$c/SIGUSR1" "$(grep -i 'dump' "$TM_ERR" | tail -1)"
	fi
	tm_stop "$TM_PID"
else
	tm_fail_start "$T/$c/start"
fi
t_done
