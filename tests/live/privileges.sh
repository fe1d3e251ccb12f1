#!/bin/bash
# What a running `tlsmon run` keeps and exposes (issue 6, "Privileges"; needs root). tlsmon watches
# veth0 in namespace B (s_client there, s_server with the weak chain in A).
#   root      after attaching: CapEff = CapPrm = CapBnd = CAP_BPF only (bit 39), no inheritable or
#             ambient capability, NoNewPrivs 1; --log file 0640 (--log-mode's default) and
#             control socket 0600
#   http      GET/HEAD /metrics and / answer 200; POST, PUT, DELETE 405; GET /nope 404; a request
#             line without a target 400; a 10 KB header 431 (or closed)
#   slowloris 20 clients sending one byte a second (8 s): /metrics still answers meanwhile, every
#             slow connection is closed within ~6 s (5 s timeout)
#   flood     24 idle connections at once: those past the 16 slots are closed at once, the rest
#             within ~6 s, and /metrics answers afterwards; a weak handshake is still reported;
#             promtool check metrics passes
#   nobody    --user nobody --socket-group GROUP, default --metrics-addr: Uid/Gid 65534, same
#             capabilities, socket 0660 owned by GROUP, metrics on 127.0.0.1:9879 only, and a weak
#             handshake is reported in /metrics and can be dumped
set -u

# shellcheck source=tests/lib_live.sh
. "$(dirname "${BASH_SOURCE[0]}")/../lib_live.sh"
HELPER=$ROOT/tests/live/http_abuse_helper.py
MPORT=19892
T=privileges

live_begin "$T" openssl ip ss curl jq promtool python3 timeout getent
live_chains "$T" "$W/chains" weak
live_netns "$T" 42
T0=$SECONDS

# p_start TAG ARGS...: tlsmon in NS_B with --socket $W/TAG.sock and --log $W/TAG.jsonl; waits
# until it is ready and has dropped its privileges (CapEff no longer full). Sets TM_PID, TM_ERR,
# SOCK, LOG.
p_start()
{
	tm_start_ctl "$NS_B" "$W" "$@" && tm_wait "$TM_PID" caps_dropped
}


check_caps()
{
	local c=$1 f
	for f in CapEff CapPrm CapBnd; do
		expect_status "$c" "$f" "$CAP_BPF_ONLY"
	done
	expect_status "$c" CapInh 0000000000000000
	expect_status "$c" CapAmb 0000000000000000
	expect_status "$c" NoNewPrivs 1
}

# expect_mode CASE WHAT FILE MODE [GROUP]
expect_mode()
{
	local got want=$4
	got=$(stat -c %a "$3" 2>/dev/null)
	[ $# -ge 5 ] && { got+=" $(stat -c %G "$3")"; want+=" $5"; }
	if [ "$got" = "$want" ]; then
		pass "$T/$1/$2 mode $want"
	else
		fail "$T/$1/$2 mode" "want $want, got '${got:-missing}' ($3)"
	fi
}

# check_weak_reported CASE PORT: after one handshake with the weak chain, /metrics (at most 5 s)
# counts the md2 finding.
check_weak_reported()
{
	local c=$1 port=$2 i
	local k='tlsmon_weak_findings_total{check="weak_signature",detail="md2WithRSAEncryption",side="server"}'
	tls_once 4 "$CH/weak" "$W/server.out" "$W/client.out" "${SEC0_SERVER[@]}" -- \
		"${SEC0_CLIENT[@]}"
	for ((i = 0; i < 50; i++)); do
		metrics_get "$NS_B" "$port" 2 >"$W/$c.metrics" 2>/dev/null
		grep -qF "$k 1" "$W/$c.metrics" && break
		sleep 0.1
	done
	if grep -qF "$k 1" "$W/$c.metrics"; then
		pass "$T/$c/weak handshake reported in /metrics"
	else
		fail "$T/$c/weak handshake reported" "no '$k 1': $(grep -F "$k" "$W/$c.metrics")"
	fi
}

# http_code CASE NAME WANT CURL-ARGS...: the status curl gets (inside NS_B) is WANT.
http_code()
{
	local c=$1 name=$2 want=$3 got
	shift 3
	got=$(ip netns exec "$NS_B" curl -s -o /dev/null -w '%{http_code}' --max-time 3 "$@" 2>&1)
	if [[ $got =~ ^($want)$ ]]; then
		pass "$T/$c/$name -> $got"
	else
		fail "$T/$c/$name" "want $want, got '$got'"
	fi
}

URL=http://127.0.0.1:$MPORT

# ---- root ----
c=root
if ! p_start $c --metrics-addr "127.0.0.1:$MPORT"; then
	fail "$T/$c/start" "not ready or capabilities not dropped: $(tail -2 "$TM_ERR" |
		tr '\n' ' ') CapEff $(status_field CapEff)"
	t_done
fi
check_caps $c
expect_status $c Uid "0 0 0 0"
expect_mode $c "--log file" "$LOG" 640 root
expect_mode $c "control socket" "$SOCK" 600 root

c=http
http_code $c "GET /metrics" 200 "$URL/metrics"
http_code $c "HEAD /metrics" 200 -I "$URL/metrics"
http_code $c "GET /" 200 "$URL/"
http_code $c "GET /metrics?x=1" 200 "$URL/metrics?x=1"
http_code $c "POST /metrics" 405 -X POST -d x=1 "$URL/metrics"
http_code $c "PUT /metrics" 405 -X PUT -d x=1 "$URL/metrics"
http_code $c "DELETE /metrics" 405 -X DELETE "$URL/metrics"
http_code $c "GET /nope" 404 "$URL/nope"
http_code $c "GET /metrics/../etc/passwd" 404 --path-as-is "$URL/metrics/../etc/passwd"
got=$(printf 'GARBAGE\r\n\r\n' | timeout 7 ip netns exec "$NS_B" python3 -c '
import socket, sys
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=6)
s.sendall(sys.stdin.buffer.read())
print((s.recv(64).split(b" ") + [b"closed"])[1].decode())' "$MPORT" 2>&1)
if [ "$got" = 400 ]; then
	pass "$T/$c/request line without a target -> 400"
else
	fail "$T/$c/request line without a target" "want 400, got '$got'"
fi
got=$(timeout 10 ip netns exec "$NS_B" python3 "$HELPER" big 127.0.0.1 "$MPORT" 10240 2>&1)
if [[ $got =~ ^(431|closed)$ ]]; then
	pass "$T/$c/10 KB request header -> $got"
else
	fail "$T/$c/10 KB request header" "want 431 or closed, got '$got'"
fi

# slowloris: 20 clients, one byte a second, for at most 8 s
c=slowloris
timeout -k 1 12 ip netns exec "$NS_B" python3 "$HELPER" slow 127.0.0.1 "$MPORT" 20 8 \
	>"$W/$c.json" 2>"$W/$c.pyerr" &
SLOW=$!
t_track $SLOW
sleep 1.5
ok=0
for k in 1 2; do
	if ip netns exec "$NS_B" curl -sSf --max-time 2 "$URL/metrics" -o "$W/$c.metrics.$k" \
		2>"$W/$c.curl.$k"; then
		ok=$((ok + 1))
	else
		echo "exit $?" >>"$W/$c.curl.$k"
	fi
	sleep 0.5
done
if [ "$ok" = 2 ]; then
	pass "$T/$c/GET /metrics answers during the slowloris (2 of 2)"
else
	fail "$T/$c/GET /metrics during 20 slow clients" "$ok of 2 curl --max-time 2 succeeded \
while 16 of them hold every HTTP slot: $(cat "$W/$c.curl.1" "$W/$c.curl.2" | tr '\n' ' ')"
fi
wait $SLOW
r=$(cat "$W/$c.json")
if jq -e '.connected == 20 and .open_at_end == 0 and .max_open <= 6.5' <<<"$r" >/dev/null 2>&1
then
	pass "$T/$c/every slow connection closed within 6.5 s ($r)"
else
	fail "$T/$c/slow connections closed" "want 20 connected, all closed within 6.5 s: \
'$r' $(head -c 200 "$W/$c.pyerr")"
fi
http_code $c "GET /metrics afterwards" 200 "$URL/metrics"

# flood: 24 idle connections at once (16 slots)
c=flood
r=$(timeout -k 1 12 ip netns exec "$NS_B" python3 "$HELPER" idle 127.0.0.1 "$MPORT" 24 8 2>&1)
if jq -e '.connected == 24 and .closed_fast >= 8 and .open_at_end == 0 and .max_open <= 6.5' \
	<<<"$r" >/dev/null 2>&1; then
	pass "$T/$c/past 16 closed at once, all within 6.5 s ($r)"
else
	fail "$T/$c/24 idle connections" "want >= 8 closed within 1 s, all within 6.5 s: '$r'"
fi
http_code $c "GET /metrics afterwards" 200 "$URL/metrics"
if kill -0 "$TM_PID" 2>/dev/null; then
	check_weak_reported $c "$MPORT"
	if promtool check metrics <"$W/$c.metrics" >"$W/$c.promtool" 2>&1; then
		pass "$T/$c/promtool check metrics"
	else
		fail "$T/$c/promtool" "$(head -3 "$W/$c.promtool" | tr '\n' ' ')"
	fi
	check_caps $c
else
	fail "$T/$c/daemon alive" "$(tail -2 "$TM_ERR" | tr '\n' ' ')"
fi
tm_stop "$TM_PID"

# ---- --user nobody, --socket-group, default metrics address ----
c=nobody
GROUP=""
for g in daemon adm sys users; do
	getent group "$g" >/dev/null && { GROUP=$g; break; }
done
NOBODY_UID=$(id -u nobody 2>/dev/null)
NOBODY_GID=$(id -g nobody 2>/dev/null)
if [ -z "$NOBODY_UID" ] || [ -z "$GROUP" ]; then
	skip "$T/$c" "no user nobody or no group to use"
elif ! p_start $c --user nobody --socket-group "$GROUP"; then
	fail "$T/$c/start" "not ready or capabilities not dropped: $(tail -2 "$TM_ERR" |
		tr '\n' ' ') CapEff $(status_field CapEff)"
else
	check_caps $c
	expect_status $c Uid "$NOBODY_UID $NOBODY_UID $NOBODY_UID $NOBODY_UID"
	expect_status $c Gid "$NOBODY_GID $NOBODY_GID $NOBODY_GID $NOBODY_GID"
	expect_status $c Groups ""
	# the --log file is the user's, group the user's (no --log-group)
	expect_mode $c "--log file" "$LOG" 640 "$(id -gn nobody)"
	expect_mode $c "control socket" "$SOCK" 660 "$GROUP"
	l=$(ip netns exec "$NS_B" ss -Hltn | awk '{ print $4 }' | sort | tr '\n' ' ')
	if [ "$l" = "127.0.0.1:9879 " ]; then
		pass "$T/$c/metrics listen on 127.0.0.1:9879 only by default"
	else
		fail "$T/$c/default metrics address" "listening sockets: '$l'"
	fi
	check_weak_reported $c 9879
	"$TLSMON" dump --socket "$SOCK" --out "$W" >"$W/$c.dump" 2>&1
	if grep -q '^tlsmon dump: 1 handshakes' "$W/$c.dump"; then
		pass "$T/$c/dump served by the nobody daemon"
	else
		fail "$T/$c/dump" "$(tr '\n' ' ' <"$W/$c.dump")"
	fi
	if kill -0 "$TM_PID" 2>/dev/null; then
		pass "$T/$c/daemon still running"
	else
		fail "$T/$c/daemon still running" "$(tail -2 "$TM_ERR" | tr '\n' ' ')"
	fi
	tm_stop "$TM_PID"
fi

printf '# %s: %d s\n' "$T" $((SECONDS - T0))
t_done
