#!/bin/bash
# shellcheck disable=SC2016 # jq programs are single-quoted
# TLS libraries' own verdicts (uprobes on OpenSSL, user/host/tlslib_*): real clients in namespace
# B (10.200.57.2) connect to openssl s_server in namespace A (.1, port 443, TLS 1.2 so the chain
# is visible on the wire too); `tlsmon run` in A logs every handshake. Each record must carry the
# client's library verdict (client_verdict) with the right code and depth, and explain cites it:
#   weak_s_client   weak chain (MD5-signed intermediate), s_client -verify_return_error: rejected,
#                   X509_V_ERR_CA_MD_TOO_WEAK (68) at the depth s_client's callback read, and
#                   the alert libssl's table names is the one on the wire (bad_certificate 42)
#   weak_curl       the same chain, curl --cacert: 68 at depth 0; curl has no verify callback
#                   and never reads the depth: it is read from the X509_STORE_CTX libssl asks
#                   the error of, where the library's own depth getter's code says it is
#   weak_python     python3's ssl module, a second libssl user: 68, depth 0 the same way
#   good_curl       good chain: accepted, code 0
#   expired_curl    an expired leaf: X509_V_ERR_CERT_HAS_EXPIRED (10), certificate_expired(45)
#   unknown_root    good chain against another root: X509_V_ERR_SELF_SIGNED_CERT_IN_CHAIN (19)
#                   at depth 2 (the root the server sent)
#   curl_k          weak chain, curl -k (verify mode none): ignored, finding unverified_peer
#   mtls_server     mutual TLS, the server refuses the client's chain (another root): the
#                   server's library verdict is server_verdict
#   tls13_short     TLS 1.3 (chain encrypted), a client that exits at once: still its verdict
#   explain_tree    `tlsmon explain` prints the library's verdict in the tree
#   metrics         tlsmon_tls_library_verdicts_total and the unverified_peer finding counted
#   off             --no-uprobes: nothing of the uprobe object loaded, no verdict line
#   container_copy  a process in a root of its own (chroot, with copies of libcrypto/libssl:
#                   other inodes than the host's) running before tlsmon starts: its copies are
#                   found through /proc/PID/root and attached; a client there gets its verdict
#   podman          the same in a podman container (--rootfs: another copy, a mount namespace
#                   of its own), idle before tlsmon starts; a client run with `podman exec`
#   netns           two namespaces with the same addresses: a verdict of the other one's
#                   connection (same 4-tuple) is not joined to a handshake on A's wire
#   nolib           no library to attach to: one log line, and tlsmon runs on (the static binary,
#                   in a mount namespace that hides /usr/lib/x86_64-linux-gnu)
set -u

# shellcheck source=tests/lib_live.sh
. "$(dirname "${BASH_SOURCE[0]}")/../lib_live.sh"
MPORT=19857
T=tlslib

live_begin "$T" openssl curl jq python3 bpftool unshare timeout
live_chains "$T" "$W/chains" weak good
live_netns "$T" 57

# An expired leaf for good.test, issued by the good chain's intermediate.
if ! python3 - "$CH/good" "$W/expired" >"$W/expired.log" 2>&1 <<'PY'
import datetime, os, sys
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID
src, out = sys.argv[1], sys.argv[2]
os.makedirs(out, exist_ok=True)
ca_key = serialization.load_pem_private_key(open(f"{src}/int.key", "rb").read(), None)
ca = x509.load_pem_x509_certificate(open(f"{src}/int.pem", "rb").read())
key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
now = datetime.datetime.now(datetime.timezone.utc)
cert = (x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "good.test")]))
        .issuer_name(ca.subject).public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(days=30))
        .not_valid_after(now - datetime.timedelta(days=2))
        .add_extension(x509.SubjectAlternativeName([x509.DNSName("good.test")]), False)
        .sign(ca_key, hashes.SHA256()))
open(f"{out}/leaf.pem", "wb").write(cert.public_bytes(serialization.Encoding.PEM))
open(f"{out}/leaf.key", "wb").write(key.private_bytes(serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8, serialization.NoEncryption()))
PY
then
	fail "$T/expired_chain" "$(tail -1 "$W/expired.log")"
	t_done
fi
cp "$CH/good/chain.pem" "$CH/good/ca.pem" "$W/expired/"

# A root with its own copies of the libraries, and a long-lived process in it (an idle s_server
# in B) that maps them when tlsmon starts.
RFS=$W/rootfs
LIBDIR=usr/lib/x86_64-linux-gnu
if [ -e "/$LIBDIR/libcrypto.so.3" ] && mkdir -p "$RFS/$LIBDIR" "$RFS/usr/bin" "$RFS/lib64" \
	"$RFS/usr/lib/ssl" "$RFS/dev" && ln -s usr/lib "$RFS/lib" &&
	cp /usr/bin/openssl "$RFS/usr/bin/" &&
	cp "/$LIBDIR/libcrypto.so.3" "/$LIBDIR/libssl.so.3" "/$LIBDIR/libc.so.6" "$RFS/$LIBDIR/" &&
	cp /lib64/ld-linux-x86-64.so.2 "$RFS/lib64/" && cp /usr/lib/ssl/openssl.cnf "$RFS/usr/lib/ssl/" &&
	cp -r "$CH/weak" "$RFS/weak"; then
	t_bg "$NS_B" chroot "$RFS" /usr/bin/openssl s_server -accept 127.0.0.1:4499 -nocert -www \
		</dev/null >"$W/rootfs_idle.log" 2>&1
	wait_port "$NS_B" 4499 5 || fail "$T/container_copy/idle" "$(tail -1 "$W/rootfs_idle.log")"
else
	RFS=
fi
# The same root copied again, as a podman container's (runc and cgroupfs: tests/live/container.sh).
PODMAN=(podman --runtime runc --cgroup-manager=cgroupfs)
PNAME=tlsmon-tlslib-$$
IN_CONTAINERS=2
if [ -n "$RFS" ] && command -v podman >/dev/null && command -v runc >/dev/null &&
	cp -a "$RFS" "$W/podroot" &&
	"${PODMAN[@]}" run -d --name "$PNAME" --ulimit nofile=4096:4096 --ulimit nproc=1024:1024 \
		--network "ns:/run/netns/$NS_B" --rootfs "$W/podroot" /usr/bin/openssl s_server \
		-accept 127.0.0.1:4498 -nocert -www >"$W/podman.log" 2>&1; then
	# shellcheck disable=SC2317 # run by the EXIT trap
	pod_cleanup()
	{
		"${PODMAN[@]}" rm -f -t 1 "$PNAME" >/dev/null 2>&1
		return 0
	}
	t_on_exit pod_cleanup
	wait_port "$NS_B" 4498 10 || fail "$T/podman/idle" "$(tail -1 "$W/podman.log")"
	IN_CONTAINERS=4
else
	PNAME=
fi

tm_start_ctl "$NS_A" "$W" tm --log-all --metrics-addr "127.0.0.1:$MPORT" ||
	{ tm_fail_start "$T/start"; t_done; }
if ! grep -q 'TLS-library verdicts from' "$TM_ERR"; then
	skip "$T" "uprobes did not attach here: $(grep 'TLS-library' "$TM_ERR" | head -1)"
	t_done
fi

# serve DIR [ARGS...]: s_server in A on 443 with DIR's chain, until the next serve.
SRV_PID=
serve()
{
	local d=$1
	shift
	[ -n "$SRV_PID" ] && t_kill "$SRV_PID"
	t_bg "$NS_A" openssl s_server -accept 443 -cert "$d/leaf.pem" -key "$d/leaf.key" \
		-cert_chain "$d/chain.pem" -www -cipher 'DEFAULT@SECLEVEL=0' "${@:--tls1_2}" \
		</dev/null >"$W/server.log" 2>&1
	SRV_PID=$T_BG_PID
	wait_port "$NS_A" 443 5
}

# shellcheck disable=SC2317 # called through record
in_b()
{
	timeout -k 2 10 ip netns exec "$NS_B" "$@"
}

# record CASE CMD...: run the client CMD in B, then wait (5 s at most) for the log to grow by
# one handshake; REC is that record.
NREC=0
record()
{
	local c=$1 i
	shift
	"$@" >"$W/$c.client" 2>&1
	for ((i = 0; i < 50; i++)); do
		[ "$(wc -l <"$LOG")" -gt "$NREC" ] && break
		sleep 0.1
	done
	REC=$(sed -n "$((NREC + 1))p" "$LOG")
	NREC=$(wc -l <"$LOG")
	printf '%s\n' "$REC" >"$W/$c.json"
}

# jexp CASE NAME JQ-EXPR: PASS if the expression holds for REC.
jexp()
{
	if [ -n "$REC" ] && jq -e "$3" <<<"$REC" >/dev/null 2>&1; then
		pass "$T/$1/$2"
	else
		fail "$T/$1/$2" "$(jq -c '{client_verdict, explain, findings: [.findings[]?.check]}' \
			<<<"${REC:-null}" 2>&1 | head -c 600)"
	fi
}

# shellcheck disable=SC2317 # called through record
curl_b()
{
	in_b curl -s -o /dev/null --max-time 8 --resolve "$1:443:$IP4_A" "${@:2}" "https://$1/"
}

serve "$CH/weak" || { fail "$T/serve" "s_server did not listen"; t_done; }
record weak_s_client sh -c "printf 'GET / HTTP/1.0\r\n\r\n' | timeout 10 ip netns exec $NS_B \
	openssl s_client -connect $IP4_A:443 -servername weak.test -CAfile $CH/weak/ca.pem \
	-verify_return_error"
jexp weak_s_client verdict '.client_verdict | .library == "OpenSSL" and .result == "rejected"
	and .code == 68 and .code_name == "X509_V_ERR_CA_MD_TOO_WEAK" and .depth == 0
	and .verify_mode == "peer" and .alert.code == 42 and .comm == "openssl"'
jexp weak_s_client alert_matches_wire '.alert.sender == "client" and .alert.code == 42'
jexp weak_s_client explain '.explain | test("openssl \\(pid [0-9]+\\) rejected certificate #1 \\(depth 0\\): CA signature digest algorithm too weak \\(X509_V_ERR_CA_MD_TOO_WEAK, 68\\); it sent fatal alert bad_certificate\\(42\\)")'
jexp weak_s_client no_disagreement '.explain | test("disagree|wire shows") | not'

record weak_curl curl_b weak.test --cacert "$CH/weak/ca.pem"
jexp weak_curl verdict '.client_verdict | .result == "rejected" and .code == 68 and .depth == 0
	and .comm == "curl" and .alert.description == "bad_certificate"'
jexp weak_curl explain '.explain | test("curl \\(pid [0-9]+\\) rejected certificate #1 \\(depth 0\\): CA signature digest algorithm too weak")'

record weak_python in_b python3 -c "
import socket, ssl
c = ssl.create_default_context(cafile='$CH/weak/ca.pem')
try:
    c.wrap_socket(socket.create_connection(('$IP4_A', 443), timeout=5), server_hostname='weak.test')
except ssl.SSLError as e:
    print(e)
"
jexp weak_python verdict '.client_verdict | .result == "rejected" and .code == 68 and .depth == 0
	and .comm == "python3" and (.verify_mode | startswith("peer"))'

record curl_k curl_b weak.test -k
jexp curl_k verdict '.client_verdict | .result == "ignored" and .verify_mode == "none"
	and .alert == null'
jexp curl_k unverified_peer '[.findings[] | select(.check == "unverified_peer" and .side == "client")] | length == 1'
jexp curl_k explain '.explain | test("curl \\(pid [0-9]+\\) went on without verifying \\(verify mode none\\).*\\(unverified_peer\\)")'

if [ -z "$RFS" ]; then
	skip "$T/container_copy" "no /$LIBDIR/libcrypto.so.3 to copy into a root of its own"
else
	if grep -q "TLS-library verdicts from $((IN_CONTAINERS + 2)) library file(s) ($IN_CONTAINERS found through running processes" "$TM_ERR"; then
		pass "$T/container_copy/attached"
	else
		fail "$T/container_copy/attached" "$(grep 'TLS-library' "$TM_ERR")"
	fi
	record container_copy sh -c "printf 'GET / HTTP/1.0\r\n\r\n' | timeout 10 ip netns exec \
		$NS_B chroot $RFS /usr/bin/openssl s_client -connect $IP4_A:443 -CAfile /weak/ca.pem \
		-verify_return_error"
	jexp container_copy verdict '.client_verdict | .result == "rejected" and .code == 68
		and .comm == "openssl"'
fi
if [ -z "$PNAME" ]; then
	skip "$T/podman" "no podman/runc, or the container did not start: $(tail -1 "$W/podman.log" 2>/dev/null)"
else
	record podman sh -c "printf 'GET / HTTP/1.0\r\n\r\n' | timeout 20 ${PODMAN[*]} exec -i \
		$PNAME /usr/bin/openssl s_client -connect $IP4_A:443 -CAfile /weak/ca.pem \
		-verify_return_error"
	jexp podman verdict '.client_verdict | .result == "rejected" and .code == 68
		and .comm == "openssl"'
fi

# Two namespaces with the same addresses and ports: a second pair C/D (10.200.57.1/.2 again,
# unseen by tlsmon). A curl in D against a server in C leaves a verdict of C/D's connection;
# then a client in B without a hooked library (tls_get, static) makes the same 4-tuple on A's
# wire (both namespaces' ephemeral range is one port). Its record must not carry D's verdict.
if ! cc -O2 -static -o "$W/tls_get" tests/live/tls_get.c -lssl -lcrypto >"$W/cc.log" 2>&1; then
	skip "$T/netns" "no static OpenSSL to build tls_get: $(tail -1 "$W/cc.log")"
else
	SAVE_A=$NS_A SAVE_B=$NS_B
	if netns_setup 57; then
		NS_C=$NS_A NS_D=$NS_B
		NS_A=$SAVE_A NS_B=$SAVE_B
		t_bg "$NS_C" openssl s_server -accept 443 -cert "$CH/good/leaf.pem" \
			-key "$CH/good/leaf.key" -cert_chain "$CH/good/chain.pem" -www -tls1_2 \
			</dev/null >"$W/decoy_server.log" 2>&1
		wait_port "$NS_C" 443 5 || fail "$T/netns/decoy_server" "$(tail -1 "$W/decoy_server.log")"
		ip netns exec "$NS_B" sysctl -qw net.ipv4.ip_local_port_range="41000 41000"
		ip netns exec "$NS_D" sysctl -qw net.ipv4.ip_local_port_range="41000 41000"
		timeout -k 2 10 ip netns exec "$NS_D" curl -s -o /dev/null --max-time 8 \
			--resolve "good.test:443:$IP4_A" --cacert "$CH/weak/ca.pem" https://good.test/
		sleep 0.5 # its verdict is in the daemon's table before B's handshake is judged
		record netns_static in_b "$W/tls_get" "$IP4_A" 443 weak.test
		jexp netns_static same_tuple '.client | endswith(":41000")'
		jexp netns_static no_foreign_verdict '.client_verdict == null'
		metrics_get "$NS_A" "$MPORT" >"$W/metrics_netns.txt"
		v=$(mval "$W/metrics_netns.txt" tlsmon_tls_library_join_ambiguous_total)
		if [ "${v:-0}" -ge 1 ]; then
			pass "$T/netns/ambiguous_counted"
		else
			fail "$T/netns/ambiguous_counted" "tlsmon_tls_library_join_ambiguous_total '${v:-absent}'"
		fi
		ip netns exec "$NS_B" sysctl -qw net.ipv4.ip_local_port_range="32768 60999"
	else
		NS_A=$SAVE_A NS_B=$SAVE_B
		fail "$T/netns/setup" "the second pair of namespaces"
	fi
fi

serve "$CH/good" || fail "$T/serve_good" "s_server did not listen"
record good_curl curl_b good.test --cacert "$CH/good/ca.pem"
jexp good_curl verdict '.client_verdict | .result == "accepted" and .code == 0 and .alert == null'
jexp good_curl explain '.explain | test("curl \\(pid [0-9]+\\) verified the server.s chain with OpenSSL")'
jexp good_curl no_unverified '[.findings[] | select(.check == "unverified_peer")] | length == 0'

record unknown_root curl_b good.test --cacert "$CH/weak/ca.pem"
jexp unknown_root verdict '.client_verdict | .result == "rejected" and .code == 19 and .depth == 2
	and .code_name == "X509_V_ERR_SELF_SIGNED_CERT_IN_CHAIN" and .alert.description == "unknown_ca"'

serve "$W/expired" || fail "$T/serve_expired" "s_server did not listen"
record expired_curl curl_b good.test --cacert "$CH/good/ca.pem"
jexp expired_curl verdict '.client_verdict | .result == "rejected" and .code == 10 and .depth == 0
	and .code_name == "X509_V_ERR_CERT_HAS_EXPIRED" and .alert.code == 45'
jexp expired_curl wire_agrees '[.findings[] | select(.check == "expired")] | length >= 1'
jexp expired_curl explain '.explain | test("certificate has expired \\(X509_V_ERR_CERT_HAS_EXPIRED, 10\\); it sent fatal alert certificate_expired\\(45\\)")'

# Mutual TLS: the server's library judges the client's chain (server_verdict).
serve "$CH/weak" -tls1_2 -Verify 2 -CAfile "$CH/weak/ca.pem" -verify_return_error ||
	fail "$T/serve_mtls" "s_server did not listen"
record mtls_server sh -c "printf 'GET / HTTP/1.0\r\n\r\n' | timeout 10 ip netns exec $NS_B \
	openssl s_client -connect $IP4_A:443 -cipher DEFAULT@SECLEVEL=0 -cert $CH/good/leaf.pem \
	-key $CH/good/leaf.key -cert_chain $CH/good/chain.pem -CAfile $CH/weak/ca.pem"
jexp mtls_server verdict '.server_verdict | .result == "rejected" and .comm == "openssl"
	and .code == 19 and .alert.description == "unknown_ca"'
jexp mtls_server explain '.explain | test("openssl \\(pid [0-9]+\\) rejected certificate #3 \\(depth 2\\): self-signed certificate in certificate chain")'

serve "$CH/weak" -tls1_3 || fail "$T/serve_tls13" "s_server did not listen"
record tls13_short sh -c "timeout 10 ip netns exec $NS_B openssl s_client -connect $IP4_A:443 \
	-CAfile $CH/weak/ca.pem -verify_return_error </dev/null"
jexp tls13_short verdict '.version == "TLS1.3" and .client_verdict.code == 68
	and .client_verdict.result == "rejected"'

if "$TLSMON" explain "$LOG" 2>&1 | grep -q "^|- client's library: OpenSSL rejected certificate has expired (X509_V_ERR_CERT_HAS_EXPIRED, 10) at depth 0, verify mode peer, curl pid [0-9]"; then
	pass "$T/explain_tree"
else
	fail "$T/explain_tree" "$("$TLSMON" explain "$LOG" 2>&1 | grep "library" | head -2 | tr '\n' ' ')"
fi

metrics_get "$NS_A" "$MPORT" >"$W/metrics.txt"
v=$(mval "$W/metrics.txt" 'tlsmon_tls_library_verdicts_total{result="rejected"}')
if [ "${v:-0}" -ge 6 ]; then pass "$T/metrics/rejected"; else fail "$T/metrics/rejected" "got '${v:-absent}', want >= 6"; fi
v=$(mval "$W/metrics.txt" 'tlsmon_tls_library_verdicts_total{result="accepted"}')
if [ "${v:-0}" -ge 1 ]; then pass "$T/metrics/accepted"; else fail "$T/metrics/accepted" "got '${v:-absent}'"; fi
if grep -q '^tlsmon_weak_findings_total{check="unverified_peer"' "$W/metrics.txt"; then
	pass "$T/metrics/unverified_peer"
else
	fail "$T/metrics/unverified_peer" "no tlsmon_weak_findings_total series for it"
fi
if python3 tests/offline/metric_style.py "$W/metrics.txt" >"$W/style.out" 2>&1; then
	pass "$T/metrics/style"
else
	fail "$T/metrics/style" "$(grep -v '^ok' "$W/style.out" | head -3 | tr '\n' ' ')"
fi
if ! command -v promtool >/dev/null; then
	skip "$T/metrics/promtool" "promtool not installed"
elif promtool check metrics <"$W/metrics.txt" >"$W/promtool.out" 2>&1; then
	pass "$T/metrics/promtool"
else
	fail "$T/metrics/promtool" "$(head -3 "$W/promtool.out" | tr '\n' ' ')"
fi
tm_stop "$TM_PID"
t_kill "$SRV_PID"

# --no-uprobes: the daemon holds no program of the uprobe object.
tm_start_ctl "$NS_A" "$W" off --no-uprobes --metrics-addr "127.0.0.1:$MPORT" ||
	{ tm_fail_start "$T/off/start"; t_done; }
# (the program fds' ids from fdinfo: bpftool here may lack the pid column)
progs=""
for fi in /proc/"$TM_PID"/fdinfo/*; do
	id=$(awk '$1 == "prog_id:" { print $2 }' "$fi" 2>/dev/null)
	[ -n "$id" ] && progs+="$(bpftool prog show id "$id" -j 2>/dev/null | jq -r .name) "
done
if [ -n "$progs" ] && ! grep -qE 'verify_enter|verify_exit|error_ctx_enter|error_exit|depth_exit|mode_arg2_enter|tcp_sendmsg' <<<"$progs" &&
	! grep -q 'TLS-library' "$TM_ERR"; then
	pass "$T/off/nothing_loaded"
else
	fail "$T/off/nothing_loaded" "programs: '$progs'; $(grep 'TLS-library' "$TM_ERR")"
fi
if metrics_get "$NS_A" "$MPORT" | grep -q tlsmon_tls_library; then
	fail "$T/off/no_metrics" "tlsmon_tls_library_* served with --no-uprobes"
else
	pass "$T/off/no_metrics"
fi
tm_stop "$TM_PID"

# No OpenSSL to attach to (its directory hidden in a mount namespace; the static binary needs
# none): one line, and it runs on.
STATIC=$ROOT/$BUILD/tlsmon-static
if [ ! -x "$STATIC" ]; then
	skip "$T/nolib/one_line_and_runs" "$STATIC not built (make static)"
else
	t_bg "$NS_A" unshare -m sh -c "mount -t tmpfs none /usr/lib/x86_64-linux-gnu &&
		exec $STATIC run -i veth0 --socket $W/nolib.sock --metrics-addr 127.0.0.1:$MPORT" \
		>/dev/null 2>"$W/nolib.err"
	TM_PID=$T_BG_PID
	TM_ERR=$W/nolib.err
	# Other processes of the host (earlier tests' servers, the system's) still map the hidden
	# files, and tlsmon finds those through /proc: then every file it has came that way.
	if tm_wait "$TM_PID" grep -q 'metrics on http' "$TM_ERR" &&
		[ "$(grep -c 'TLS-library' "$TM_ERR")" = 1 ] &&
		{ grep -q 'TLS-library verdicts off: no TLS library' "$TM_ERR" ||
			grep -Eq 'TLS-library verdicts from ([0-9]+) library file\(s\) \(\1 found through running processes' "$TM_ERR"; }; then
		pass "$T/nolib/one_line_and_runs"
	else
		fail "$T/nolib/one_line_and_runs" "$(tail -3 "$TM_ERR" | tr '\n' ' ')"
	fi
	tm_stop "$TM_PID"
fi
t_done
