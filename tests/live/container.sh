#!/bin/bash
# The container image (deploy/container/Containerfile, FROM scratch around the static binary),
# built and run with podman (needs root). The container joins test namespace B
# (--network ns:/run/netns/B), where it watches veth0 while s_client there talks to s_server
# (weak chain) in namespace A.
#   image      `podman build` of the Containerfile succeeds; the image holds exactly one file,
#              /usr/bin/tlsmon, identical to build/tlsmon-static
#   caps       with --cap-drop all and only the capabilities below it attaches and serves
#              /metrics; the weak handshake is counted in /metrics and logged as JSON Lines on
#              the container's stdout (--log /dev/stdout), read back with `podman logs`
#   denied     without CAP_BPF it does not attach: exit 1 and a message about loading the BPF
#              programs (bpf(2) fails with ENOSYS there: the seccomp profile's default action)
# What the container needs on Debian 12 (podman 4.3, containers-common's seccomp profile):
#   --cap-add BPF,NET_ADMIN,PERFMON  load and attach (TC via netlink); the verifier wants PERFMON
#   --security-opt seccomp=FILE      the default profile, with bpf(2)/perf_event_open(2) allowed
#                                    to CAP_BPF/CAP_PERFMON (deploy/container/seccomp-bpf.jq);
#                                    Debian's allows them to CAP_SYS_ADMIN only (EPERM otherwise)
#   --runtime runc --cgroup-manager=cgroupfs, explicit --ulimit nofile/nproc: this machine's
#   hybrid cgroup layout (crun refuses it; runc needs the ulimits)
# The image and every container are named after this test's PID and removed by that name.
set -u

# shellcheck source=tests/lib_live.sh
. "$(dirname "${BASH_SOURCE[0]}")/../lib_live.sh"
T=container
STATIC=$ROOT/$BUILD/tlsmon-static
TAG=localhost/tlsmon-t-$$:test
CNAME=tlsmon-t-$$
PODMAN=(podman --runtime runc --cgroup-manager=cgroupfs)
RUN_OPTS=(--ulimit nofile=4096:4096 --ulimit nproc=1024:1024 --cap-drop all)
MPORT=19893
K='tlsmon_weak_findings_total{check="weak_signature",detail="md2WithRSAEncryption",side="server"}'

live_begin "$T" podman runc jq openssl ip ss curl python3 cmp
if [ ! -x "$STATIC" ]; then
	fail "$T" "$STATIC not built (make static)"
	t_done
fi

# shellcheck disable=SC2317 # run by the EXIT trap
c_cleanup()
{
	local n
	for n in "$CNAME" "$CNAME-nocap"; do
		"${PODMAN[@]}" rm -f -t 2 "$n" >/dev/null 2>&1
	done
	"${PODMAN[@]}" rmi -f "$TAG" >/dev/null 2>&1
	return 0
}
t_on_exit c_cleanup

# --layers=false: no intermediate images left behind, only the tagged one this test removes.
if ! "${PODMAN[@]}" build -q --layers=false -f deploy/container/Containerfile --build-arg "BIN=$BUILD/tlsmon-static" \
	-t "$TAG" . >"$W/build.log" 2>&1; then
	fail "$T/podman build" "$(tail -2 "$W/build.log" | tr '\n' ' ')"
	t_done
fi
pass "$T/podman build"

# The image's one layer: only the binary (directories aside), byte for byte the static one.
"${PODMAN[@]}" image save --format docker-archive -o "$W/image.tar" "$TAG" >/dev/null 2>&1
mkdir -p "$W/img" && tar -xf "$W/image.tar" -C "$W/img" 2>/dev/null
: >"$W/files"
for l in $(jq -r '.[0].Layers[]' "$W/img/manifest.json" 2>/dev/null); do
	mkdir -p "$W/layer" && tar -xf "$W/img/$l" -C "$W/layer" 2>/dev/null
	tar -tf "$W/img/$l" | grep -v '/$' >>"$W/files"
done
files=$(tr '\n' ' ' <"$W/files")
if [ "$files" = "usr/bin/tlsmon " ] && cmp -s "$W/layer/usr/bin/tlsmon" "$STATIC"; then
	pass "$T/image holds only /usr/bin/tlsmon = $BUILD/tlsmon-static"
else
	fail "$T/image holds only /usr/bin/tlsmon" "files: '$files'"
fi

jq -f deploy/container/seccomp-bpf.jq /usr/share/containers/seccomp.json >"$W/seccomp.json" ||
	{ fail "$T/seccomp profile" "jq failed"; t_done; }

live_chains "$T" "$W/chains" weak
live_netns "$T" 63

# Without CAP_BPF: refused, and the message says what is needed.
"${PODMAN[@]}" run --name "$CNAME-nocap" "${RUN_OPTS[@]}" --cap-add NET_ADMIN,PERFMON \
	--security-opt "seccomp=$W/seccomp.json" --network "ns:/run/netns/$NS_B" "$TAG" \
	run -i veth0 --metrics-addr "127.0.0.1:$MPORT" >"$W/nocap.out" 2>&1
rc=$?
tcx=$(ip netns exec "$NS_B" python3 tests/live/tcx_query.py veth0 2>&1 | tr '\n' ' ')
if [ "$rc" -eq 1 ] && grep -q 'BPF programs' "$W/nocap.out" && [ "$tcx" = "ingress egress " ]; then
	pass "$T/without CAP_BPF: refused (exit $rc), nothing attached"
else
	fail "$T/without CAP_BPF: refused" "exit $rc, TCX $tcx: $(tail -1 "$W/nocap.out")"
fi

if ! "${PODMAN[@]}" run -d --name "$CNAME" "${RUN_OPTS[@]}" --cap-add BPF,NET_ADMIN,PERFMON \
	--security-opt "seccomp=$W/seccomp.json" --network "ns:/run/netns/$NS_B" "$TAG" \
	run -i veth0 --metrics-addr "127.0.0.1:$MPORT" --log /dev/stdout --log-all \
	>"$W/run.out" 2>&1; then
	fail "$T/podman run" "$(tail -2 "$W/run.out" | tr '\n' ' ')"
	t_done
fi
up()
{
	metrics_get "$NS_B" "$MPORT" 1 2>/dev/null | grep -q '^tlsmon_build_info'
}
for ((i = 0; i < 100; i++)); do
	up && break
	[ "$("${PODMAN[@]}" inspect -f '{{.State.Running}}' "$CNAME" 2>/dev/null)" = true ] || break
	sleep 0.1
done
if ! up; then
	fail "$T/attached, /metrics up" "$("${PODMAN[@]}" logs "$CNAME" 2>&1 | tail -2 | tr '\n' ' ')"
	t_done
fi
pass "$T/attached in the container, /metrics up"

tls_once 4 "$CH/weak" "$W/server.out" "$W/client.out" "${SEC0_SERVER[@]}" -- "${SEC0_CLIENT[@]}"
for ((i = 0; i < 50; i++)); do
	metrics_get "$NS_B" "$MPORT" 2 >"$W/metrics" 2>/dev/null
	grep -qF "$K 1" "$W/metrics" && break
	sleep 0.1
done
if grep -qF "$K 1" "$W/metrics"; then
	pass "$T/weak handshake counted in /metrics"
else
	fail "$T/weak handshake counted in /metrics" "no '$K 1' (client rc $TLS_RC)"
fi

sni=$(cat "$CH/weak/sni")
for ((i = 0; i < 50; i++)); do
	"${PODMAN[@]}" logs "$CNAME" 2>/dev/null | grep '^{' >"$W/log.jsonl"
	[ -s "$W/log.jsonl" ] && break
	sleep 0.1
done
if jq -e --arg sni "$sni" -s 'length == 1 and .[0].sni == $sni and .[0].outcome == "alert" and
	any(.[0].findings[]; .check == "weak_signature")' "$W/log.jsonl" >/dev/null 2>&1; then
	pass "$T/handshake logged as JSON on the container's stdout"
else
	fail "$T/handshake logged as JSON on stdout" "$(head -c 300 "$W/log.jsonl")"
fi

"${PODMAN[@]}" stop -t 5 "$CNAME" >/dev/null 2>&1
st=$("${PODMAN[@]}" inspect -f '{{.State.ExitCode}}' "$CNAME" 2>/dev/null)
tcx=$(ip netns exec "$NS_B" python3 tests/live/tcx_query.py veth0 2>&1 | tr '\n' ' ')
if [ "$st" = 0 ] && [ "$tcx" = "ingress egress " ] &&
	! ip -n "$NS_B" link show veth0 | grep -q 'xdp'; then
	pass "$T/podman stop: exit 0, nothing left attached"
else
	fail "$T/podman stop" "exit '$st', TCX: $tcx"
fi
t_done
