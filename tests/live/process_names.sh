#!/bin/bash
# shellcheck disable=SC2016 # jq programs are single-quoted
# The names the socket hooks leave out (bpf/sockowner.bpf.c, user/host/attrib.c), live, as root.
# A long-lived s_server -www in namespace A on port 20443 (no other test's), tlsmon --log-all on
# A's veth0 watching that port, and one client process in B (tests/live/names_client.py) that
# connects twice, execs another program under the same pid (a copy of the interpreter under
# another name), which moves itself into a new cgroup (v2) and connects twice again:
#   same process   every handshake is the client pid's, accepted by the server's pid
#   omitted        the second connection of each program is named as its first (exe, comm,
#                  cgroup, unit), and the kernel left the names out of its record: with no
#                  other connection to the port on the host, 3 records carried names (the
#                  server's first, each program's first) and 5 left them out; none missing
#   exec           after the exec, the same pid is named with the new executable at once
#   move           and with its new cgroup, though /proc was read for the pid moments before
#                  (its names are cached 30 s: an exec or a move reads them again)
set -u

# shellcheck source=tests/lib_live.sh
. "$(dirname "${BASH_SOURCE[0]}")/../lib_live.sh"
MPORT=19862
PORT=20443
T=process_names

live_begin "$T" openssl jq python3 curl
live_chains "$T" "$W/chains" good
live_netns "$T" 76
SNI=$(cat "$CH/good/sni")

tm_start "$NS_A" "$W/n.err" --metrics-addr "127.0.0.1:$MPORT" --log "$W/n.jsonl" --log-all \
	--ports "$PORT" || {
	tm_fail_start "$T/start"
	t_done
}
if ! grep -q 'process attribution on' "$W/n.err"; then
	fail "$T/attribution on" "$(grep attribution "$W/n.err")"
	t_done
fi
tls_server "$NS_A" "$IP4_A:$PORT" "$CH/good" "$W/s.out" -4 -www || {
	fail "$T/server" "s_server did not listen: $(tail -2 "$W/s.out")"
	t_done
}
SERVER=$TLS_SERVER_PID

# Two executables that differ in name only (not a symlink: /proc/PID/exe resolves those).
PY=$(python3 -c 'import os, sys; print(os.path.realpath(sys.executable))')
mkdir -p "$W/bin"
if ! { cp "$PY" "$W/bin/pyfirst" && cp "$PY" "$W/bin/pysecond"; }; then
	fail "$T/copy" "cannot copy $PY"
	t_done
fi
CLIENT_ARGS=(tests/live/names_client.py "$IP4_A" "$PORT" "$SNI" 2)
# A cgroup below this shell's, for the exec'd program to move into: in the tree whose path
# tlsmon names, cgroup v2's, or the memory controller's of v1 and the hybrid layout when this
# shell is in one of its cgroups there (not its root).
MOVE=() CG_NEW="" CG="" MNT=""
if [ -f /sys/fs/cgroup/cgroup.controllers ]; then
	CG=$(awk -F: '$1 == "0" { print $3 }' /proc/self/cgroup) MNT=/sys/fs/cgroup
elif [ -d /sys/fs/cgroup/memory ]; then
	CG=$(awk -F: '$2 == "memory" { print $3 }' /proc/self/cgroup) MNT=/sys/fs/cgroup/memory
	[ "$CG" = / ] && CG=""
fi
if [ -n "$CG" ] && mkdir "$MNT$CG/tlsmon-names-$$" 2>/dev/null; then
	CG_NEW=$CG/tlsmon-names-$$
	t_on_exit "rmdir $MNT$CG_NEW"
	# (`ip netns exec` mounts a sysfs of its own, without the cgroup trees: an open descriptor)
	exec 9>"$MNT$CG_NEW/cgroup.procs" && MOVE=(--cgroup-fd 9)
fi

metrics_get "$NS_A" "$MPORT" >"$W/m0"
t_bg "$NS_B" "$W/bin/pyfirst" "${CLIENT_ARGS[@]}" "$W/bin/pysecond" "${CLIENT_ARGS[0]}" \
	"${MOVE[@]}" "${CLIENT_ARGS[@]:1}"
CLIENT=$T_BG_PID
wait "$CLIENT"
rc=$?
[ ${#MOVE[@]} -gt 0 ] && exec 9>&-
for ((i = 0; i < 50 * WAIT_SLACK; i++)); do
	[ "$(grep -c '"outcome"' "$W/n.jsonl" 2>/dev/null)" -ge 4 ] && break
	sleep 0.1
done
metrics_get "$NS_A" "$MPORT" >"$W/m1"
[ "$rc" = 0 ] || fail "$T/client" "names_client.py exit status $rc"

# check NAME JQ-EXPR: PASS if the expression holds for the array of the first four records.
jcheck4()
{
	local name=$1 expr=$2
	if jq -e -s --argjson cli "$CLIENT" --argjson srv "$SERVER" --arg bin "$W/bin" \
		"(.[:4]) as \$r | \$r | length == 4 and ($expr)" "$W/n.jsonl" >/dev/null 2>&1; then
		pass "$T/$name"
	else
		fail "$T/$name" "$(jq -c -s '[.[] | .process | {pid, comm, exe, cgroup, unit}]' \
			"$W/n.jsonl" 2>&1 | cut -c1-600)"
	fi
}

jcheck4 "same process: every handshake the client pid's, accepted by the server's" \
	'all(.[]; .process.pid == $cli and .process.side == "client" and
	 .peer_process.pid == $srv and .peer_process.side == "server")'
jcheck4 "omitted: second connection named as the first (exe, comm, cgroup, unit)" \
	'.[0].process.exe == ($bin + "/pyfirst") and .[0].process.comm == "pyfirst" and
	 .[0].process.cgroup != null and
	 (.[1].process | {exe, comm, cgroup, unit}) == (.[0].process | {exe, comm, cgroup, unit}) and
	 (.[3].process | {exe, comm, cgroup, unit}) == (.[2].process | {exe, comm, cgroup, unit})'
jcheck4 "exec: the same pid named with the new executable at once" \
	'.[2].process.exe == ($bin + "/pysecond") and .[2].process.comm == "pysecond"'
if [ -n "$CG_NEW" ]; then
	jcheck4 "move: and with its new cgroup at once" \
		".[0].process.cgroup == \"$CG\" and .[2].process.cgroup == \"$CG_NEW\""
else
	skip "$T/move" "no cgroup of this shell's to make a cgroup in"
fi

delta()
{
	echo $(($(mval "$W/m1" "$1") - $(mval "$W/m0" "$1")))
}
recorded=$(delta 'tlsmon_process_owner_records_total{result="recorded"}')
sent=$(delta 'tlsmon_process_kernel_names_total{result="sent"}')
omitted=$(delta 'tlsmon_process_kernel_names_total{result="omitted"}')
missing=$(delta 'tlsmon_process_kernel_names_total{result="missing"}')
counts="recorded $recorded, sent $sent, omitted $omitted, missing $missing"
if [ "$recorded" = 8 ] && [ "$sent" = 3 ] && [ "$omitted" = 5 ] && [ "$missing" = 0 ]; then
	pass "$T/omitted: 3 records with names, 5 without ($counts)"
elif [ "$recorded" -gt 8 ] && [ "$omitted" -ge 2 ] && [ "$missing" = 0 ]; then
	# another process on the host connected to the port meanwhile: its records count too
	pass "$T/omitted: records without names ($counts; other connections to $PORT seen)"
else
	fail "$T/omitted" "$counts; want recorded 8, sent 3, omitted 5, missing 0"
fi
t_kill "$SERVER"
tm_stop "$TM_PID"
t_done
