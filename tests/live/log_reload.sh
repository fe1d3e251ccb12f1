#!/bin/bash
# shellcheck disable=SC2016,SC2317 # jq programs are single-quoted; helpers run through tm_wait
# The daemon's log as an operator runs it (issue 12; needs root). openssl s_server in namespace A
# serves the weak chain of tests/fixtures/mkchains.sh, a verifying s_client in namespace B
# connects, `tlsmon run --log-all` watches veth0 in namespace B:
#   owner       --user nobody: the --log file is nobody's, group nogroup (the user's), mode 0640
#               (--log-mode), in a directory nobody owns, as LogsDirectory= makes it
#   rotate      mv + SIGHUP: the daemon says it reopened, creates a new file (nobody, 0640) without
#               root, the next handshake lands in it and not in the old one, the daemon runs on
#   policy      the policy file (named in --config's file) turns weak_signature off, SIGHUP: one
#               line per changed key, and the next record has no weak_signature finding
#   badpolicy   a broken policy file, SIGHUP: the reason is logged, the previous policy stays
#   logrotate   deploy/logrotate/tlsmon (paths, owner and postrotate pointed at this test) run
#               with `logrotate -f` and a state file here: the new file has the create mode and
#               owner, the next handshake lands in it, the rotated file holds the older lines
#   stdout      --log -: JSON Lines on stdout
#   list        --list on veth0: auto resolves to TC ingress, --ingress xdp-generic is kept; no
#               program is attached (a daemon started right after attaches without -EEXIST)
set -u

# shellcheck source=tests/lib_live.sh
. "$(dirname "${BASH_SOURCE[0]}")/../lib_live.sh"
MPORT=19931
T=log_reload

live_begin "$T" openssl ip ss jq logrotate timeout
live_chains "$T" "$W/chains" weak
live_netns "$T" 47
# nobody must reach the log directory through the temporary one
chmod 0711 "$W"
LD=$W/log
mkdir "$LD" && chown nobody:nogroup "$LD"
LOG=$LD/tlsmon.jsonl
POL=$W/policy.conf

# hs: one weak-chain handshake B -> A (the client rejects it with alert 42).
hs()
{
	tls_once 4 "$CH/weak" "$W/server.out" "$W/client.out" "${SEC0_SERVER[@]}" -- \
		"${SEC0_CLIENT[@]}"
}

# lines FILE: its number of lines, 0 when absent.
lines()
{
	if [ -f "$1" ]; then wc -l <"$1"; else echo 0; fi
}

# wait_lines FILE N: at most 5 s until FILE has N lines.
wait_lines()
{
	local i
	for ((i = 0; i < 50; i++)); do
		[ "$(lines "$1")" -ge "$2" ] && return 0
		sleep 0.1
	done
	return 1
}

# more_than N REGEX: more than N lines of the daemon's stderr match REGEX.
more_than()
{
	[ "$(grep -c -- "$2" "$TM_ERR")" -gt "$1" ]
}

# hup CASE REGEX: SIGHUP, then wait for a new stderr line matching REGEX.
hup()
{
	local before
	before=$(grep -c -- "$2" "$TM_ERR")
	kill -HUP "$TM_PID"
	if tm_wait "$TM_PID" more_than "$before" "$2"; then
		pass "$T/$1/sighup logged"
	else
		fail "$T/$1/sighup" "no '$2' line; stderr: $(tail -3 "$TM_ERR" | tr '\n' ' ')"
	fi
}

# owner CASE FILE WANT: "user:group mode" of FILE.
owner()
{
	local got
	got=$(stat -c '%U:%G %a' "$2" 2>/dev/null)
	if [ "$got" = "$3" ]; then
		pass "$T/$1/$(basename "$2") is $3"
	else
		fail "$T/$1/$(basename "$2")" "want '$3', got '${got:-missing}'"
	fi
}

alive()
{
	if kill -0 "$TM_PID" 2>/dev/null; then
		pass "$T/$1/daemon still running"
	else
		fail "$T/$1/daemon still running" "it exited: $(tail -2 "$TM_ERR" | tr '\n' ' ')"
	fi
}

# has_sig FILE LINE: does record LINE (1-based) of FILE have a weak_signature finding?
has_sig()
{
	sed -n "${2}p" "$1" | jq -e '[.findings[]?.check] | index("weak_signature") != null' \
		>/dev/null 2>&1
}

# list
c=list
ip netns exec "$NS_B" "$TLSMON" run --config /dev/null -i veth0 --list >"$W/list.out" 2>&1
ip netns exec "$NS_B" "$TLSMON" run --config /dev/null -i veth0 --dry-run --ingress xdp-generic \
	>>"$W/list.out" 2>&1
if [ "$(tr '\n' '|' <"$W/list.out")" = "veth0 ingress tc egress tc|veth0 ingress xdp-generic egress tc|" ]
then
	pass "$T/$c/--list veth0: tc (auto), xdp-generic (asked)"
else
	fail "$T/$c/--list" "$(tr '\n' '|' <"$W/list.out")"
fi

printf 'min_rsa_bits = 2048\n' >"$POL"
# the policy file and --log-all through a config file: SIGHUP reads both again
printf 'log-all = true\npolicy-file = %s\n' "$POL" >"$W/tlsmon.conf"
tm_spawn "$NS_B" "$W/d1.err" --metrics-addr "127.0.0.1:$MPORT" --socket "$W/d1.sock" \
	--log "$LOG" --log-mode 0640 --user nobody --config "$W/tlsmon.conf"
if ! tm_wait "$TM_PID" grep -q '^tlsmon: control socket' "$TM_ERR"; then
	tm_fail_start "$T/start"
	t_done
fi

# owner
c=owner
owner $c "$LOG" "nobody:nogroup 640"
hs
if wait_lines "$LOG" 1 && has_sig "$LOG" 1; then
	pass "$T/$c/first handshake logged with weak_signature"
else
	fail "$T/$c/first handshake" "$(lines "$LOG") lines in $LOG"
fi

# rotate
c=rotate
mv "$LOG" "$LOG.1"
hup $c 'reopened --log'
owner $c "$LOG" "nobody:nogroup 640"
hs
if wait_lines "$LOG" 1; then
	pass "$T/$c/new handshake in the new file"
else
	fail "$T/$c/new handshake in the new file" "$(lines "$LOG") lines"
fi
if [ "$(lines "$LOG.1")" = 1 ]; then
	pass "$T/$c/rotated file kept its one line"
else
	fail "$T/$c/rotated file" "$(lines "$LOG.1") lines, want 1"
fi
alive $c

# policy
c=policy
printf 'min_rsa_bits = 2048\nweak_signature.enabled = false\n' >"$POL"
hup $c 'SIGHUP: policy weak_signature.enabled: true -> false'
if [ "$(grep -c 'SIGHUP: policy [a-z_.]*: ' "$TM_ERR")" = 1 ]; then
	pass "$T/$c/one line per changed key"
else
	fail "$T/$c/one line per changed key" "$(grep 'SIGHUP: policy' "$TM_ERR" | tr '\n' ' ')"
fi
hs
if wait_lines "$LOG" 2 && has_sig "$LOG" 1 && ! has_sig "$LOG" 2; then
	pass "$T/$c/next record has no weak_signature finding"
else
	fail "$T/$c/next record" "$(sed -n 2p "$LOG" | jq -c '[.findings[]?.check]' 2>&1)"
fi

# badpolicy
c=badpolicy
printf 'weak_signature.enabled = true\nthis is not a setting\n' >"$POL"
hup $c "keeping the previous policy: .*$POL: line 2: expected 'key = value'"
hs
if wait_lines "$LOG" 3 && ! has_sig "$LOG" 3; then
	pass "$T/$c/previous policy kept (still no weak_signature)"
else
	fail "$T/$c/previous policy kept" "$(sed -n 3p "$LOG" | jq -c '[.findings[]?.check]' 2>&1)"
fi
alive $c

# logrotate
c=logrotate
sed -e "s|^/var/log/tlsmon/\*.jsonl|$LOG|" -e 's/create 0640 tlsmon tlsmon/create 0640 nobody nogroup/' \
	-e "s|systemctl reload tlsmon.service.*|kill -HUP $TM_PID|" deploy/logrotate/tlsmon >"$W/lr.conf"
chmod 0644 "$W/lr.conf"
if logrotate -d -s "$W/lr.state" "$W/lr.conf" >"$W/lr.debug" 2>&1 &&
	grep -q "rotating pattern: $LOG" "$W/lr.debug"; then
	pass "$T/$c/logrotate -d accepts the snippet"
else
	fail "$T/$c/logrotate -d" "$(grep -i error "$W/lr.debug" | head -2 | tr '\n' ' ')"
fi
rm -f "$LOG.1"
before=$(lines "$LOG")
if logrotate -f -s "$W/lr.state" "$W/lr.conf" >"$W/lr.out" 2>&1; then
	pass "$T/$c/logrotate -f exit 0"
else
	fail "$T/$c/logrotate -f" "$(head -3 "$W/lr.out" | tr '\n' ' ')"
fi
tm_wait "$TM_PID" more_than 1 'reopened --log' 
owner $c "$LOG" "nobody:nogroup 640"
if [ "$(lines "$LOG.1")" = "$before" ] && [ "$(lines "$LOG")" = 0 ]; then
	pass "$T/$c/rotated: $before lines in .1, the new file empty"
else
	fail "$T/$c/rotated" "$(lines "$LOG.1") in .1 (want $before), $(lines "$LOG") in new"
fi
hs
if wait_lines "$LOG" 1 && [ "$(lines "$LOG.1")" = "$before" ]; then
	pass "$T/$c/next handshake in the new file"
else
	fail "$T/$c/next handshake" "$(lines "$LOG") lines in new, $(lines "$LOG.1") in .1"
fi
alive $c
tm_stop "$TM_PID"
if [ "$TM_RC" = 0 ]; then
	pass "$T/sigterm exit 0"
else
	fail "$T/sigterm" "exit $TM_RC"
fi

# stdout: the daemon's stdout is the log
c=stdout
t_bg "$NS_B" "$TLSMON" run -i veth0 --metrics-addr "127.0.0.1:$MPORT" --socket "$W/d2.sock" \
	--log - >"$W/d2.out" 2>"$W/d2.err"
TM_PID=$T_BG_PID
TM_ERR=$W/d2.err
if tm_wait "$TM_PID" grep -q '^tlsmon: control socket' "$TM_ERR"; then
	hs
	if wait_lines "$W/d2.out" 1 && jq -e -s 'length == 1 and .[0].outcome == "alert"' \
		"$W/d2.out" >/dev/null 2>&1; then
		pass "$T/$c/--log - writes the record to stdout"
	else
		fail "$T/$c/--log -" "stdout: $(head -c 200 "$W/d2.out")"
	fi
	hup $c 'SIGHUP: policy unchanged'
	alive $c
	tm_stop "$TM_PID"
else
	tm_fail_start "$T/$c/start"
fi
t_done
