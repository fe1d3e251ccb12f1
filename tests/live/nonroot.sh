#!/bin/bash
# tlsmon started without root, as systemd's unit (deploy/systemd/tlsmon.service) starts it: uid
# 65534 with CAP_BPF, CAP_NET_ADMIN and CAP_PERFMON as ambient capabilities and nothing else,
# no CAP_SETPCAP (setpriv; the test itself needs root for the namespaces). tlsmon watches veth0
# in namespace B (s_client there, s_server with the weak chain in A).
#   start     RUNTIME_DIRECTORY=DIR (what RuntimeDirectory= sets) and --user nobody (already
#             that user: a no-op): it attaches (TCX ingress and egress), serves /metrics and its
#             control socket DIR/tlsmon.sock, and keeps CapEff = CapPrm = CAP_BPF, no
#             inheritable or ambient capability, NoNewPrivs 1; the bounding set it cannot empty
#             is reported in one stderr line, once
#   report    a real openssl handshake is counted in /metrics, logged, and dumped through the
#             socket
#   second    a second tlsmon on veth0, as the same uid and as root, is refused with "already
#             attached" and the first's pid, exits non-zero, and the first keeps its programs
#   stop      SIGTERM: exit 0, nothing left on veth0 (XDP, TCX ingress and egress)
#   norundir  no RUNTIME_DIRECTORY, no --socket: /run/tlsmon is root's, so dumps are off (one
#             line saying so) and monitoring goes on
#   user      --user root without CAP_SETUID: a clear error, exit 1, nothing left attached
#   filecaps  the three capabilities as file capabilities of a copy of the binary, started by
#             uid 65534 without any: attaches, CapPrm = CAP_BPF, bounding set reported once
#   unnamed   an XDP program that is not tlsmon's on veth0: tlsmon sees its id but may not read
#             its name, and says so in one line
#   syscalls  every system call tlsmon makes (strace), from start to SIGTERM, is one the
#             unit's SystemCallFilter= allows
set -u

# shellcheck source=tests/lib_live.sh
. "$(dirname "${BASH_SOURCE[0]}")/../lib_live.sh"
TCXQ=$ROOT/tests/live/tcx_query.py
MPORT=19931
MPORT2=19932
T=nonroot
# shellcheck disable=SC2054 # the commas are setpriv's capability lists
NR=(setpriv --reuid=65534 --regid=65534 --clear-groups --inh-caps=+bpf,+net_admin,+perfmon
	--ambient-caps=+bpf,+net_admin,+perfmon)

live_begin "$T" openssl ip ss curl jq python3 timeout setpriv strace systemd-analyze setcap
live_chains "$T" "$W/chains" weak
live_netns "$T" 71
T0=$SECONDS
# What uid 65534 may write: the log and the runtime directory (as systemd would make them).
RD=$W/nr/run
mkdir -p "$RD" && chown -R 65534:65534 "$W/nr" && chmod 0711 "$W"

# nr_start TAG ENV... -- ARGS...: tlsmon as uid 65534 in NS_B with stderr W/TAG.err, ENV set;
# waits until its capabilities are dropped. Sets TM_PID, TM_ERR.
nr_start()
{
	local tag=$1 env=()
	shift
	while [ $# -gt 0 ] && [ "$1" != -- ]; do
		env+=("$1")
		shift
	done
	shift
	TM_ERR=$W/$tag.err
	t_bg "$NS_B" env "${env[@]}" "${NR[@]}" "$TLSMON" run -i veth0 "$@" >/dev/null 2>"$TM_ERR"
	TM_PID=$T_BG_PID
	tm_wait "$TM_PID" caps_dropped
}


tcx_ids()
{
	local out
	out=$(ip netns exec "$NS_B" python3 "$TCXQ" veth0 2>&1) || { echo "? $out"; return; }
	sed -n "s/^$1 *//p" <<<"$out"
}

xdp_id()
{
	ip -n "$NS_B" -d -j link show dev veth0 | jq -r '.[0].xdp.prog.id // empty'
}

state()
{
	printf 'xdp=[%s] tcx_in=[%s] tcx_out=[%s]' "$(xdp_id)" "$(tcx_ids ingress)" \
		"$(tcx_ids egress)"
}

CLEAN='xdp=[] tcx_in=[] tcx_out=[]'

# expect_clean CASE: nothing on veth0 (closing the last link fd detaches at once; allow 3 s).
expect_clean()
{
	local st i
	for ((i = 0; i < 30; i++)); do
		st=$(state)
		[ "$st" = "$CLEAN" ] && break
		sleep 0.1
	done
	if [ "$st" = "$CLEAN" ]; then
		pass "$T/$1/nothing left on veth0"
	else
		fail "$T/$1/nothing left on veth0" "$st"
	fi
}

if [ "$(state)" != "$CLEAN" ]; then
	fail "$T/clean start" "veth0 is not clean before the test: $(state)"
	t_done
fi

# ---- start ----
c=start
if ! nr_start $c RUNTIME_DIRECTORY="$RD" -- --metrics-addr "127.0.0.1:$MPORT" \
	--log "$W/nr/hs.jsonl" --log-all --user nobody; then
	fail "$T/$c" "not running with CAP_BPF only: CapEff $(status_field CapEff): \
$(tail -3 "$TM_ERR" | tr '\n' ' ')"
	t_done
fi
FIRST=$TM_PID
pass "$T/$c/running as uid 65534: $(grep -c . "$TM_ERR") lines on stderr"
expect_status $c Uid "65534 65534 65534 65534"
for f in CapEff CapPrm; do
	expect_status $c $f "$CAP_BPF_ONLY"
done
expect_status $c CapInh 0000000000000000
expect_status $c CapAmb 0000000000000000
expect_status $c NoNewPrivs 1
n=$(grep -c 'stayed in the bounding set' "$TM_ERR")
bnd=$(status_field CapBnd)
if [ "$n" = 1 ] && grep -q "CapBnd $bnd;" "$TM_ERR" && grep -q 'cap_sys_admin' "$TM_ERR"; then
	pass "$T/$c/bounding set reported once (CapBnd $bnd)"
else
	fail "$T/$c/bounding set reported once" "$n lines, CapBnd $bnd: $(grep bounding "$TM_ERR")"
fi
if grep -qi 'not permitted' "$TM_ERR"; then
	fail "$T/$c/no EPERM" "$(grep -i 'not permitted' "$TM_ERR")"
else
	pass "$T/$c/no 'Operation not permitted' on stderr"
fi
ST=$(state)
if [[ $ST =~ ^xdp=\[\]\ tcx_in=\[[0-9]+\]\ tcx_out=\[[0-9]+\]$ ]]; then
	pass "$T/$c/attached: $ST"
else
	fail "$T/$c/attached" "want TCX ingress and egress: $ST"
fi
if [ -S "$RD/tlsmon.sock" ] && grep -qF "control socket $RD/tlsmon.sock" "$TM_ERR"; then
	pass "$T/$c/control socket in \$RUNTIME_DIRECTORY"
else
	fail "$T/$c/control socket in \$RUNTIME_DIRECTORY" "$(grep 'control socket' "$TM_ERR")"
fi

# ---- report ----
c=report
k='tlsmon_weak_findings_total{check="weak_signature",detail="md2WithRSAEncryption",side="server"}'
tls_once 4 "$CH/weak" "$W/server.out" "$W/client.out" "${SEC0_SERVER[@]}" -- "${SEC0_CLIENT[@]}"
for ((i = 0; i < 50; i++)); do
	metrics_get "$NS_B" "$MPORT" 2 >"$W/$c.metrics" 2>/dev/null
	grep -qF "$k 1" "$W/$c.metrics" && break
	sleep 0.1
done
if grep -qF "$k 1" "$W/$c.metrics"; then
	pass "$T/$c/handshake counted in /metrics ($k 1)"
else
	fail "$T/$c/handshake counted in /metrics" "client $TLS_RC; no '$k 1': \
$(grep -F 'tlsmon_handshakes_total' "$W/$c.metrics" | grep -v ' 0$' | tr '\n' ' ')"
fi
if [ "$(jq -r '.server' "$W/nr/hs.jsonl" 2>/dev/null)" = "$IP4_A:443" ]; then
	pass "$T/$c/handshake logged to --log by uid 65534"
else
	fail "$T/$c/handshake logged" "$(head -c 300 "$W/nr/hs.jsonl" 2>&1)"
fi
# Process attribution with the same three capabilities, names read after the drop to CAP_BPF:
# /proc does not show root's processes to uid 65534, so they come from the kernel side.
if grep -q 'process attribution on' "$TM_ERR" &&
	jq -e '.process.comm == "openssl" and .process.uid == 0 and
		(.process.exe | test("^/.+/openssl$")) and .peer_process.comm == "openssl"' \
		"$W/nr/hs.jsonl" >/dev/null 2>&1; then
	pass "$T/$c/handshake attributed to both openssl processes"
else
	fail "$T/$c/handshake attributed" "$(grep attribution "$TM_ERR"): \
$(jq -c '{process, peer_process}' "$W/nr/hs.jsonl" 2>&1 | head -c 300)"
fi
"$TLSMON" dump --socket "$RD/tlsmon.sock" --out "$W" >"$W/$c.dump" 2>&1
if grep -q '^tlsmon dump: 1 handshakes' "$W/$c.dump"; then
	pass "$T/$c/dump served through the control socket"
else
	fail "$T/$c/dump" "$(tr '\n' ' ' <"$W/$c.dump")"
fi

# ---- second ----
for who in nonroot root; do
	c="second/$who"
	pre=()
	[ $who = nonroot ] && pre=("${NR[@]}")
	timeout -k 2 10 ip netns exec "$NS_B" "${pre[@]}" "$TLSMON" run -i veth0 \
		--metrics-addr "127.0.0.1:$MPORT2" --socket "$W/nr/second.sock" \
		>/dev/null 2>"$W/second.err"
	rc=$?
	if [ $rc -ne 0 ] && [ $rc -lt 124 ] &&
		grep -q "already attached to veth0: pid $FIRST " "$W/second.err"; then
		pass "$T/$c/refused (exit $rc): $(cat "$W/second.err")"
	else
		fail "$T/$c/refused" "exit $rc: $(head -3 "$W/second.err" | tr '\n' '|')"
	fi
	if [ "$(state)" = "$ST" ]; then
		pass "$T/$c/first keeps its programs"
	else
		fail "$T/$c/first keeps its programs" "was $ST, now $(state)"
	fi
done

# ---- stop ----
c=stop
tm_stop "$FIRST"
if [ "$TM_RC" = 0 ] && grep -q 'stopped; programs detached' "$TM_ERR"; then
	pass "$T/$c/SIGTERM: exit 0"
else
	fail "$T/$c/SIGTERM" "status $TM_RC: $(tail -2 "$TM_ERR" | tr '\n' ' ')"
fi
expect_clean $c
if [ ! -e "$RD/tlsmon.sock" ]; then
	pass "$T/$c/control socket removed"
else
	fail "$T/$c/control socket removed" "$RD/tlsmon.sock is still there"
fi

# ---- norundir ----
c=norundir
if ! nr_start $c -- --metrics-addr "127.0.0.1:$MPORT"; then
	fail "$T/$c/start" "CapEff $(status_field CapEff): $(tail -3 "$TM_ERR" | tr '\n' ' ')"
elif setpriv --reuid=65534 --regid=65534 --clear-groups test -w /run/tlsmon 2>/dev/null; then
	# Someone gave /run/tlsmon to uid 65534: the socket must then simply work.
	if grep -q '^tlsmon: control socket /run/tlsmon/tlsmon.sock$' "$TM_ERR"; then
		pass "$T/$c/control socket in /run/tlsmon (writable by uid 65534 here)"
	else
		fail "$T/$c/control socket" "$(grep 'control socket' "$TM_ERR")"
	fi
else
	if [ "$(grep -c 'dumps are off' "$TM_ERR")" = 1 ] &&
		grep -q 'control socket /run/tlsmon/tlsmon.sock: Permission denied' "$TM_ERR"; then
		pass "$T/$c/one line: $(grep 'dumps are off' "$TM_ERR")"
	else
		fail "$T/$c/dumps are off" "$(tr '\n' '|' <"$TM_ERR")"
	fi
	if metrics_get "$NS_B" "$MPORT" 2 | grep -q '^tlsmon_build_info'; then
		pass "$T/$c/monitoring goes on (/metrics answers)"
	else
		fail "$T/$c/monitoring goes on" "/metrics does not answer"
	fi
fi
[ -n "${TM_PID:-}" ] && tm_stop "$TM_PID"
expect_clean $c

# ---- user ----
c=user
timeout -k 2 10 ip netns exec "$NS_B" "${NR[@]}" "$TLSMON" run -i veth0 \
	--metrics-addr "127.0.0.1:$MPORT2" --socket "$RD/user.sock" --user root \
	>/dev/null 2>"$W/$c.err"
rc=$?
if [ $rc = 1 ] && grep -q 'user root: running as uid 65534 without CAP_SETUID' "$W/$c.err"; then
	pass "$T/$c/--user root refused (exit 1): $(grep -- '--user' "$W/$c.err")"
else
	fail "$T/$c/--user root" "exit $rc: $(tr '\n' '|' <"$W/$c.err")"
fi
expect_clean $c

# ---- filecaps ----
# The same three capabilities as file capabilities of a copy of the binary (setcap ...=ep)
# instead of ambient ones: started by uid 65534 with no capability of its own.
c=filecaps
cp "$TLSMON" "$W/nr/tlsmon"
if ! setcap cap_bpf,cap_net_admin,cap_perfmon=ep "$W/nr/tlsmon" 2>"$W/$c.setcap"; then
	fail "$T/$c/setcap" "$(cat "$W/$c.setcap")"
else
	TM_ERR=$W/$c.err
	t_bg "$NS_B" env RUNTIME_DIRECTORY="$RD" setpriv --reuid=65534 --regid=65534 \
		--clear-groups "$W/nr/tlsmon" run -i veth0 --metrics-addr "127.0.0.1:$MPORT" \
		>/dev/null 2>"$TM_ERR"
	TM_PID=$T_BG_PID
	if tm_wait "$TM_PID" caps_dropped; then
		st=$(state)
		expect_status $c CapPrm "$CAP_BPF_ONLY"
		expect_status $c NoNewPrivs 1
		if [[ $st =~ ^xdp=\[\]\ tcx_in=\[[0-9]+\]\ tcx_out=\[[0-9]+\]$ ]] &&
			[ "$(grep -c 'stayed in the bounding set' "$TM_ERR")" = 1 ]; then
			pass "$T/$c/attached ($st), bounding set reported once"
		else
			fail "$T/$c/attached" "$st: $(tr '\n' '|' <"$TM_ERR")"
		fi
	else
		fail "$T/$c/start" "CapEff $(status_field CapEff): $(tail -3 "$TM_ERR" | tr '\n' ' ')"
	fi
	tm_stop "$TM_PID"
	[ "$TM_RC" = 0 ] || fail "$T/$c/SIGTERM" "status $TM_RC"
	expect_clean $c
fi

# ---- unnamed ----
# A program that is not tlsmon's on XDP: without CAP_SYS_ADMIN tlsmon sees its id, not its name,
# and says so once; it still attaches (TC ingress), the lock having ruled out another tlsmon.
c=unnamed
OBJ=$ROOT/$BUILD/tests/xdp_pass.bpf.o
if ! ip -n "$NS_B" link set dev veth0 xdpgeneric obj "$OBJ" sec xdp 2>"$W/$c.ip"; then
	fail "$T/$c/attach xdp_pass" "$(cat "$W/$c.ip")"
else
	XID=$(xdp_id)
	if ! nr_start $c RUNTIME_DIRECTORY="$RD" -- --metrics-addr "127.0.0.1:$MPORT" \
		--ingress tc; then
		fail "$T/$c/start" "CapEff $(status_field CapEff): $(tail -3 "$TM_ERR" | tr '\n' ' ')"
	elif [ "$(grep -c 'whose names this user may not read' "$TM_ERR")" = 1 ] &&
		grep -q "veth0 carries BPF programs .*(ids $XID;" "$TM_ERR"; then
		pass "$T/$c/$(grep 'may not read' "$TM_ERR")"
	else
		fail "$T/$c/note" "xdp id $XID: $(tr '\n' '|' <"$TM_ERR")"
	fi
	tm_stop "$TM_PID"
	ip -n "$NS_B" link set dev veth0 xdpgeneric off
	expect_clean $c
fi

# ---- syscalls ----
# The unit's SystemCallFilter= is tested here, where tlsmon really runs: every system call it
# makes after its execve(), through start, a handshake, /metrics, a dump over the socket, a
# SIGUSR1 dump and SIGTERM, must be one the filter allows.
c=syscalls
UNIT=$ROOT/deploy/systemd/tlsmon.service

# expand NAME...: system calls, with @groups expanded (systemd-analyze syscall-filter nests them)
expand()
{
	local n
	for n in "$@"; do
		if [[ $n == @* ]]; then
			# shellcheck disable=SC2046 # one name per word
			expand $(systemd-analyze syscall-filter --no-pager "$n" | tail -n +2 |
				sed -e 's/^ *//' -e '/^#/d' -e '/^$/d')
		else
			echo "$n"
		fi
	done
}

allowed()
{
	local line set=''
	while IFS= read -r line; do
		# shellcheck disable=SC2086 # a list of names
		if [[ $line == ~* ]]; then
			set=$(comm -23 <(sort -u <<<"$set") <(expand ${line#\~} | sort -u))
		else
			set=$(sort -u <(printf '%s\n' "$set") <(expand $line))
		fi
	done < <(sed -n 's/^SystemCallFilter=//p' "$UNIT")
	sed '/^$/d' <<<"$set"
}

if ! command -v strace >/dev/null || ! command -v systemd-analyze >/dev/null; then
	fail "$T/$c" "needs strace and systemd-analyze (make deps)"
else
	allowed >"$W/allowed"
	mkdir -p "$W/nr/dumps" && chown 65534:65534 "$W/nr/dumps"
	TM_ERR=$W/$c.err
	t_bg "$NS_B" env RUNTIME_DIRECTORY="$RD" strace -f -qq -o "$W/strace.out" "${NR[@]}" \
		"$TLSMON" run -i veth0 --metrics-addr "127.0.0.1:$MPORT" --log "$W/nr/hs2.jsonl" \
		--dump-dir "$W/nr/dumps" >/dev/null 2>"$TM_ERR"
	SPID=$T_BG_PID
	tm_wait "$SPID" test -S "$RD/tlsmon.sock"
	tls_once 4 "$CH/weak" "$W/server.out" "$W/client.out" "${SEC0_SERVER[@]}" -- \
		"${SEC0_CLIENT[@]}"
	for ((i = 0; i < 50; i++)); do
		metrics_get "$NS_B" "$MPORT" 2 | grep -qF "$k 1" && break
		sleep 0.1
	done
	"$TLSMON" dump --socket "$RD/tlsmon.sock" --out "$W" >"$W/$c.dump" 2>&1
	TPID=$(ps -o pid= --ppid "$SPID" | tr -d ' ')
	if [ -n "$TPID" ]; then
		kill -USR1 "$TPID"
		tm_wait "$SPID" grep -q 'dumped' "$TM_ERR"
	fi
	[ -n "$TPID" ] && kill -TERM "$TPID"
	wait_exit "$SPID" 10
	# strace 5 has no name for x86-64's uretprobe (335): the kernel's uprobe trampoline calls
	# it on return from a uretprobed function, here libcrypto's while any tlsmon (or other
	# tool) has uprobes on it; systemd's @default allows it
	sed -n '/^[0-9]* *execve("[^"]*\/tlsmon", .* = 0$/,$p' "$W/strace.out" |
		sed -n 's/^[0-9]* *\([a-z_0-9]*\)(.*/\1/p' |
		sed 's/^syscall_0x14f$/uretprobe/' | sort -u >"$W/used"
	bad=$(comm -23 "$W/used" "$W/allowed" | paste -sd ' ')
	if ! grep -q 'stopped; programs detached' "$TM_ERR" || ! grep -q 'dumped' "$TM_ERR" ||
		! grep -q '^tlsmon dump: 1 handshakes' "$W/$c.dump"; then
		fail "$T/$c/run under strace" "$(tr '\n' '|' <"$TM_ERR") $(cat "$W/$c.dump")"
	elif [ "$(grep -c . "$W/used")" -lt 20 ] || [ "$(grep -c . "$W/allowed")" -lt 100 ]; then
		fail "$T/$c" "$(grep -c . "$W/used") calls seen, $(grep -c . "$W/allowed") allowed"
	elif [ -n "$bad" ]; then
		fail "$T/$c/SystemCallFilter= allows them all" "not allowed: $bad"
	else
		pass "$T/$c/SystemCallFilter= allows all $(grep -c . "$W/used") system calls used: \
$(paste -sd ' ' "$W/used")"
	fi
	expect_clean $c
fi

printf '# %s: %d s\n' "$T" $((SECONDS - T0))
t_done
