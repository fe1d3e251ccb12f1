#!/bin/bash
# shellcheck disable=SC2016 # jq programs are single-quoted
# Process attribution (user/host/, bpf/sockowner.bpf.c), live, as root. s_server in namespace A,
# clients in namespace B, tlsmon --log-all on A's veth0:
#   openssl     s_client -> s_server (weak chain: the client's fatal alert flags it): process is
#               the connecting openssl (client side, uid 0), peer_process the accepting
#               s_server (its pid): outbound and inbound ends; the dump's pcapng comment on the
#               ClientHello and `tlsmon explain` name both
#   curl        a curl that exits right after its request is still named, with its pid
#   ipv6        s_client -> s_server over IPv6: both named
#   container   a static client (tests/live/tls_get.c) alone in a podman container's root, on
#               B's network: named with the container's runtime and id from its cgroup
#   inbound     a connection made before tlsmon started, accepted after: only the accepting
#               server is seen at its socket call, so process is the server (side "server")
#               and there is no peer_process (tests/live/process_helper.py); with the
#               first-send hooks (kernels without trampolines and kprobes) both ends are named
#               at their first send, which comes after tlsmon started
#   endpoints   /endpoints names the accepting server process on the server entry and the
#               connecting client's on its client class
#   hooks       the socket-owner programs are loaded while tlsmon runs (bpftool prog show)
#   no-process  --no-process: no process in the records, no socket-owner program loaded
set -u

# shellcheck source=tests/lib_live.sh
. "$(dirname "${BASH_SOURCE[0]}")/../lib_live.sh"
MPORT=19874
T=process

live_begin "$T" openssl curl jq bpftool tshark
live_chains "$T" "$W/chains" good weak
live_netns "$T" 74
SNI=$(cat "$CH/good/sni")

# start TAG ARGS...: tlsmon on NS_A's veth0, logging every handshake to $W/TAG.jsonl.
start()
{
	local tag=$1
	shift
	tm_start "$NS_A" "$W/$tag.err" --metrics-addr "127.0.0.1:$MPORT" --socket "$W/$tag.sock" \
		--log "$W/$tag.jsonl" --log-all "$@" || {
		tm_fail_start "$T/$tag/start"
		t_done
	}
}

# prog_ids PID: the ids of the BPF programs PID holds descriptors of.
prog_ids()
{
	grep -h '^prog_id:' /proc/"$1"/fdinfo/* 2>/dev/null | awk '{print $2}' | sort -u
}

# owner_progs PID: how many socket-owner programs (named host_*) PID holds, from the program
# ids in its descriptors' fdinfo (this bpftool may list no pids; other tlsmons may be running).
owner_progs()
{
	local id n=0
	while read -r id; do
		bpftool -j prog show id "$id" 2>/dev/null | jq -e '.name | startswith("host_")' \
			>/dev/null && n=$((n + 1))
	done < <(prog_ids "$1")
	echo "$n"
}

# jcheck NAME FILE JQ-EXPR [ARGS...]: PASS if the expression holds for the first record.
jcheck()
{
	local name=$1 file=$2 expr=$3
	shift 3
	if jq -e -s "$@" "(.[0] // {}) | $expr" "$file" >/dev/null 2>&1; then
		pass "$T/$name"
	else
		fail "$T/$name" "$(jq -c -s '.[0] // "no record" | {process, peer_process, explain}' \
			"$file" 2>&1 | cut -c1-400)"
	fi
}

start on
n=$(owner_progs "$TM_PID")
if grep -q 'process attribution on' "$W/on.err" && [ "${n:-0}" -ge 1 ]; then
	pass "$T/hooks loaded ($n programs, $(grep -o '([a-z ]* hooks' "$W/on.err" | tr -d '('))"
else
	fail "$T/hooks loaded" "$n programs: $(grep 'attribution' "$W/on.err")"
fi

tls_server "$NS_A" "$IP4_A:443" "$CH/weak" "$W/s1.out" -4 -naccept 1 -www "${SEC0_SERVER[@]}"
SERVER=$TLS_SERVER_PID
tls_client "$NS_B" "$IP4_A:443" "$CH/weak" "$(cat "$CH/weak/sni")" "$W/c1.out" -4 \
	"${SEC0_CLIENT[@]}"
wait_exit "$SERVER" 3
wait_file_grep "$W/on.jsonl" '"outcome"' 5
head -1 "$W/on.jsonl" >"$W/openssl.jsonl"
jcheck "openssl/client process" "$W/openssl.jsonl" \
	'.process.side == "client" and .process.comm == "openssl" and .process.uid == 0 and
	 .process.pid > 0 and .process.pid != $srv and (.process.exe | test("^/.+/openssl$"))' \
	--argjson srv "$SERVER"
jcheck "openssl/accepting server as peer_process" "$W/openssl.jsonl" \
	'.peer_process.side == "server" and .peer_process.pid == $srv and
	 .peer_process.comm == "openssl"' --argjson srv "$SERVER"
jcheck "openssl/explain names both" "$W/openssl.jsonl" \
	'.explain | test("^openssl \\(pid [0-9]+\\) to openssl \\(pid \($srv)\\): ")' \
	--argjson srv "$SERVER"

mkdir -p "$W/dump"
"$TLSMON" dump --socket "$W/on.sock" --out "$W/dump" --format pcapng >"$W/dump.out" 2>&1
cap=$(find "$W/dump" -name '*.pcapng' | head -1)
json=$(find "$W/dump" -name '*.jsonl' | head -1)
if [ -n "$cap" ] && tshark -n -r "$cap" -T fields -e frame.comment 2>/dev/null |
	grep 'client process openssl (pid [0-9]*, uid 0, /' |
	grep -q "server process openssl (pid $SERVER, uid 0, /"; then
	pass "$T/openssl/dump: pcapng comment names both processes"
else
	fail "$T/openssl/dump comment" "$(cat "$W/dump.out"; tshark -n -r "$cap" -T fields \
		-e frame.comment 2>&1 | grep . | head -3)"
fi
if [ -n "$json" ] && "$TLSMON" explain "$json" 2>&1 | grep -q "^|- server process openssl pid $SERVER uid 0 /"
then
	pass "$T/openssl/tlsmon explain shows the processes"
else
	fail "$T/openssl/tlsmon explain" "$("$TLSMON" explain "$json" 2>&1 | head -4 | tr '\n' ' ')"
fi

tls_server "$NS_A" "$IP4_A:443" "$CH/good" "$W/s2.out" -4 -naccept 1 -www
SERVER=$TLS_SERVER_PID
t_bg "$NS_B" curl -s -o /dev/null --max-time 5 --cacert "$CH/good/ca.pem" \
	--resolve "$SNI:443:$IP4_A" "https://$SNI/"
CURL=$T_BG_PID
wait "$CURL"
rc=$?
wait_exit "$SERVER" 3
for ((i = 0; i < 50; i++)); do
	[ "$(grep -c '"outcome"' "$W/on.jsonl")" -ge 2 ] && break
	sleep 0.1
done
sed -n 2p "$W/on.jsonl" >"$W/curl.jsonl"
if [ "$rc" = 0 ] && ! kill -0 "$CURL" 2>/dev/null; then
	jcheck "curl/exited client named with its pid" "$W/curl.jsonl" \
		'.process.comm == "curl" and .process.pid == $pid and .process.side == "client" and
		 .peer_process.pid == $srv' --argjson pid "$CURL" --argjson srv "$SERVER"
else
	fail "$T/curl" "curl exit status $rc"
fi

# IPv6: the sockets' v6 addresses are the join key.
tls_once 6 "$CH/good" "$W/s6.out" "$W/c6.out"
for ((i = 0; i < 50; i++)); do
	[ "$(grep -c '"outcome"' "$W/on.jsonl")" -ge 3 ] && break
	sleep 0.1
done
sed -n 3p "$W/on.jsonl" >"$W/v6.jsonl"
jcheck "ipv6/both ends named" "$W/v6.jsonl" \
	'(.server | startswith("[fd00:")) and .process.comm == "openssl" and
	 .peer_process.comm == "openssl" and .peer_process.side == "server"'

# A container with nothing but a static binary: no image, no registry (podman --rootfs).
HITS=3
PODMAN=(podman --runtime runc --cgroup-manager=cgroupfs)
if ! command -v podman >/dev/null || ! command -v runc >/dev/null; then
	skip "$T/container" "podman or runc missing"
elif ! { mkdir -p "$W/rootfs" && cc -O2 -static -o "$W/rootfs/tls_get" tests/live/tls_get.c \
	-lssl -lcrypto >"$W/cc.log" 2>&1; }; then
	skip "$T/container" "no static OpenSSL to build tls_get: $(tail -1 "$W/cc.log")"
else
	tls_server "$NS_A" "$IP4_A:443" "$CH/good" "$W/s4.out" -4 -naccept 1 -www
	SERVER=$TLS_SERVER_PID
	timeout 60 "${PODMAN[@]}" run --rm --cidfile "$W/cid" --ulimit nofile=1024:1024 \
		--ulimit nproc=1024:1024 --network "ns:/run/netns/$NS_B" --rootfs "$W/rootfs" \
		/tls_get "$IP4_A" 443 "$SNI" >"$W/podman.out" 2>&1
	rc=$?
	wait_exit "$SERVER" 3
	HITS=4
	for ((i = 0; i < 50; i++)); do
		[ "$(grep -c '"outcome"' "$W/on.jsonl")" -ge 4 ] && break
		sleep 0.1
	done
	sed -n 4p "$W/on.jsonl" >"$W/container.jsonl"
	if [ "$rc" = 0 ] && [ -s "$W/cid" ]; then
		jcheck "container/client named by runtime and id" "$W/container.jsonl" \
			'.process.comm == "tls_get" and .process.container.runtime == "podman" and
			 .process.container.id == $id and (.explain | contains("podman container"))' \
			--arg id "$(cat "$W/cid")"
	else
		fail "$T/container" "podman run exit $rc: $(tail -2 "$W/podman.out" | tr '\n' ' ')"
	fi
fi

metrics_get "$NS_A" "$MPORT" >"$W/on.metrics"
v=$(mval "$W/on.metrics" 'tlsmon_process_attributions_total{result="hit"}')
if [ "${v:-0}" = "$HITS" ]; then
	pass "$T/metrics: $HITS handshakes attributed"
else
	fail "$T/metrics" "tlsmon_process_attributions_total{result=\"hit\"} = '${v:-absent}', want $HITS"
fi
if out=$(python3 tests/offline/metric_style.py "$W/on.metrics" 2>&1) &&
	{ ! command -v promtool >/dev/null || promtool check metrics <"$W/on.metrics" >/dev/null 2>&1; }
then
	pass "$T/metrics: naming and HELP rules (metric_style.py, promtool)"
else
	fail "$T/metrics style" "$out $(promtool check metrics <"$W/on.metrics" 2>&1 | head -3)"
fi
ip netns exec "$NS_A" curl -s --max-time 5 "http://127.0.0.1:$MPORT/endpoints" >"$W/endpoints.json"
if jq -e --arg srv "$IP4_A:443" '
	any(.servers[]; .server == $srv and .process.comm == "openssl" and .process.uid == 0) and
	any(.clients[]; .process.comm == "curl")' "$W/endpoints.json" >/dev/null 2>&1
then
	pass "$T/endpoints: server and client entries name their processes"
else
	fail "$T/endpoints" "$(jq -c '[.servers[]?, .clients[]? | {server, ja4, process}]' \
		"$W/endpoints.json" 2>&1 | head -c 400)"
fi
"$TLSMON" endpoints --socket "$W/on.sock" --format text >"$W/endpoints.txt" 2>&1
if grep -q "^  $IP4_A:443 .* process=openssl(pid [0-9]*)$" "$W/endpoints.txt" &&
	grep -q ' process=curl(pid [0-9]*)$' "$W/endpoints.txt"; then
	pass "$T/endpoints --format text: process on server and client lines"
else
	fail "$T/endpoints --format text" "$(head -c 400 "$W/endpoints.txt")"
fi
# The kernel side's own table, for later hooks (uprobes) to join on: socket -> owner. It is keyed
# by the socket's kernel address, which the next socket the host opens may reuse once this one is
# freed (on a busy host within milliseconds; other tests' connections to 443 replace the entry
# then), so it is read while a connection is open: a client whose stdin (a FIFO this shell
# holds) never ends keeps it open after its handshake.
owner_entries()
{
	local id
	found="" total=""
	while read -r id; do
		bpftool -j map show id "$id" 2>/dev/null | jq -e '.name == "tlsmon_sock_own"' >/dev/null ||
			continue
		bpftool -j map dump id "$id" >"$W/owners.json" 2>/dev/null
		total=$(jq length "$W/owners.json")
		found=$(jq --argjson srv "$1" \
			'[.[] | (.formatted.value // .value) | select(.pid? == $srv and .kind? == 2)] | length' \
			"$W/owners.json")
	done < <(grep -h '^map_id:' /proc/"$TM_PID"/fdinfo/* 2>/dev/null | awk '{print $2}' | sort -u)
}
tls_server "$NS_A" "$IP4_A:443" "$CH/good" "$W/s5.out" -4 -naccept 1 -www
SERVER=$TLS_SERVER_PID
mkfifo "$W/hold"
exec 7<>"$W/hold"
# (not t_bg: a job started with & inside a function reads /dev/null, not the function's stdin)
ip netns exec "$NS_B" openssl s_client -connect "$IP4_A:443" -servername "$SNI" \
	-CAfile "$CH/good/ca.pem" -tls1_2 <"$W/hold" >"$W/c5.out" 2>&1 &
HOLDER=$!
T_PIDS+=("$HOLDER")
found="" total=""
end=$((SECONDS + 5 * WAIT_SLACK))
while [ "$SECONDS" -lt "$end" ]; do
	owner_entries "$SERVER"
	[ "${found:-0}" -ge 1 ] && break
	sleep 0.2
done
if [ "${found:-0}" -ge 1 ]; then
	pass "$T/openssl/socket owner map holds the accepting server"
elif [ "${total:-0}" -ge 4096 ]; then
	skip "$T/openssl/socket owner map" "$total entries: churned by other connections to 443"
else
	fail "$T/openssl/socket owner map" "no entry with pid $SERVER, kind accept (${total:-?} entries)"
fi
kill "$HOLDER" 2>/dev/null
wait "$HOLDER" 2>/dev/null
exec 7>&-
wait_exit "$SERVER" 3

tm_stop "$TM_PID"

# Inbound only: the client connected while no tlsmon ran; the server accepts once one does.
cat "$CH/good/leaf.pem" "$CH/good/chain.pem" >"$W/fullchain.pem"
t_bg "$NS_A" python3 tests/live/process_helper.py server "$IP4_A" 443 "$W/fullchain.pem" \
	"$CH/good/leaf.key" "$W/ready" "$W/go"
PYSERVER=$T_BG_PID
tm_wait "$PYSERVER" test -e "$W/ready"
t_bg "$NS_B" python3 tests/live/process_helper.py client "$IP4_A" 443 "$SNI" "$W/connected" \
	"$W/go"
PYCLIENT=$T_BG_PID
if tm_wait "$PYCLIENT" test -e "$W/connected"; then
	start inbound
	ids=$(prog_ids "$TM_PID")
	touch "$W/go"
	wait "$PYCLIENT"
	rc=$?
	wait_exit "$PYSERVER" 3
	wait_file_grep "$W/inbound.jsonl" '"outcome"' 5
	if [ "$rc" = 0 ] && grep -q 'first-send tracepoint hooks' "$W/inbound.err"; then
		# Sockets are named at their first send: the client's ClientHello comes after
		# tlsmon started, so the client is named too.
		jcheck "inbound/accepting server is the process" "$W/inbound.jsonl" \
			'.peer_process.side == "server" and .peer_process.pid == $srv and
			 (.peer_process.comm | startswith("python")) and .process.side == "client" and
			 .process.pid == $cli' --argjson srv "$PYSERVER" --argjson cli "$PYCLIENT"
	elif [ "$rc" = 0 ]; then
		jcheck "inbound/accepting server is the process" "$W/inbound.jsonl" \
			'.process.side == "server" and .process.pid == $srv and
			 (.process.comm | startswith("python")) and (has("peer_process") | not) and
			 (.explain | startswith("server python"))' --argjson srv "$PYSERVER"
	else
		fail "$T/inbound" "client exit status $rc"
	fi
	# kill -9: the kernel unloads the programs with the process's last descriptor
	tm_stop "$TM_PID" KILL
	left=""
	for ((i = 0; i < 30; i++)); do
		left=""
		for id in $ids; do
			bpftool prog show id "$id" >/dev/null 2>&1 && left+="$id "
		done
		[ -z "$left" ] && break
		sleep 0.1
	done
	if [ -n "$ids" ] && [ -z "$left" ]; then
		pass "$T/inbound/kill -9: no program of the daemon left loaded"
	else
		fail "$T/inbound/kill -9" "programs ${ids:-none recorded}; still loaded: $left"
	fi
else
	fail "$T/inbound" "the client never connected"
fi

start off --no-process
n=$(owner_progs "$TM_PID")
tls_server "$NS_A" "$IP4_A:443" "$CH/good" "$W/s3.out" -4 -naccept 1 -www
SERVER=$TLS_SERVER_PID
tls_client "$NS_B" "$IP4_A:443" "$CH/good" "$SNI" "$W/c3.out" -4
wait_exit "$SERVER" 3
wait_file_grep "$W/off.jsonl" '"outcome"' 5
metrics_get "$NS_A" "$MPORT" >"$W/off.metrics"
if [ "$n" = 0 ] && ! grep -q 'attribution' "$W/off.err" &&
	! grep -q '^tlsmon_process_attributions_total' "$W/off.metrics"; then
	pass "$T/no-process: no socket-owner program loaded"
else
	fail "$T/no-process: no program" "$n programs; $(grep attribution "$W/off.err")"
fi
jcheck "no-process: no process in the record" "$W/off.jsonl" \
	'.outcome == "established" and (has("process") | not) and (.explain | startswith("handshake"))'
tm_stop "$TM_PID"
t_done
