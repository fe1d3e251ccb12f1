#!/bin/bash
# shellcheck disable=SC2016 # jq programs are single-quoted
# Mutual TLS, live (needs root): openssl s_server -Verify 1 asks for a client certificate, and
# s_client presents a weak one made here (self-signed, RSA-1024, SHA-1), over TLS 1.2 so that
# the client's chain is in plaintext. tlsmon on veth0 of the client's namespace must report it
# in client_certificates, judge it (findings with side "client"), summarise the server's
# CertificateRequest, and count the findings in tlsmon_weak_findings_total{...,side="client"}.
set -u

# shellcheck source=tests/lib_live.sh
. "$(dirname "${BASH_SOURCE[0]}")/../lib_live.sh"
MPORT=19973
T=mutual_tls

live_begin "$T" openssl ip ss curl jq promtool timeout
live_chains "$T" "$W/chains" good
live_netns "$T" 73

# The weak client certificate; security level 0 on both sides lets OpenSSL use it at all.
if ! openssl req -x509 -newkey rsa:1024 -sha1 -nodes -subj "/CN=weak-client-$$" -days 365 \
	-keyout "$W/client.key" -out "$W/client.pem" >"$W/req.log" 2>&1; then
	fail "$T/client certificate" "$(tail -2 "$W/req.log" | tr '\n' ' ')"
	t_done
fi
want_sha=$(openssl x509 -in "$W/client.pem" -outform DER | sha256sum | cut -d' ' -f1)

if ! tm_start "$NS_B" "$W/tm.err" --metrics-addr "127.0.0.1:$MPORT" --log "$W/log.jsonl" \
	--log-all; then
	tm_fail_start "$T/start"
	t_done
fi

tls_once 4 "$CH/good" "$W/server.out" "$W/client.out" -Verify 1 -CAfile "$W/client.pem" \
	-cipher 'DEFAULT@SECLEVEL=0' -- -cert "$W/client.pem" -key "$W/client.key" \
	-cipher 'DEFAULT@SECLEVEL=0'
if [ "$TLS_RC" = 0 ] && grep -q "CN *= *weak-client-$$" "$W/server.out"; then
	pass "$T/s_server got the client certificate"
else
	fail "$T/handshake" "client exit $TLS_RC: $(tail -3 "$W/client.out" "$W/server.out" |
		tr '\n' ' ')"
fi

tm_wait "$TM_PID" test "$(grep -c . "$W/log.jsonl" 2>/dev/null)" -ge 1
metrics_get "$NS_B" "$MPORT" >"$W/m"
tm_stop "$TM_PID"

# logged NAME JQ WANT: the first handshake's JQ, compact, is WANT
logged()
{
	local got
	got=$(jq -c "$2" "$W/log.jsonl" 2>/dev/null | head -1)
	if [ "$got" = "$3" ]; then
		pass "$T/$1: $got"
	else
		fail "$T/$1" "got '${got:-nothing}', want $3 (log: $(head -c 400 "$W/log.jsonl"))"
	fi
}
logged outcome '[.version, .outcome]' '["TLS1.2","established"]'
logged client_chain '[.client_certificates[] | [.position, .key_type, .key_bits,
	.signature_algorithm, .self_signed, .sha256]]' \
	"[[0,\"RSA\",1024,\"sha1WithRSAEncryption\",true,\"$want_sha\"]]"
logged client_findings '[.findings[] | select(.side == "client") | [.check, .position, .detail]]
	| sort' '[["self_signed",0,"leaf"],["weak_key",0,"RSA-1024"],["weak_signature",0,"sha1WithRSAEncryption"]]'
logged client_message '[.findings[] | select(.side == "client" and .check == "weak_key")
	| .message][0]' "\"client certificate #1 (leaf, CN=weak-client-$$) has a 1024-bit RSA key (minimum 2048)\""
# The server's chain is good: none of its findings is about a certificate.
logged server_side_clean '[.findings[] | select(.side == "server" and .position != null)] | length' 0
logged certificate_request '.certificate_request | [(.signature_algorithms | length > 0),
	.certificate_authorities, .certificate_authorities_total]' \
	"[true,[\"CN=weak-client-$$\"],1]"
logged explain_names_client '.explain | test("client certificate #1")' true

for s in 'tlsmon_weak_findings_total{check="weak_key",detail="RSA-1024",side="client"}' \
	'tlsmon_weak_findings_total{check="weak_signature",detail="sha1WithRSAEncryption",side="client"}' \
	'tlsmon_weak_findings_total{check="self_signed",detail="leaf",side="client"}'; do
	v=$(mval "$W/m" "$s")
	check "$T/metric $s = ${v:-absent}" test "${v:-0}" = 1
done
check "$T/metric no server-side weak_key or weak_signature series" \
	test -z "$(grep '^tlsmon_weak_findings_total{check="weak_\(key\|signature\)".*side="server"}' "$W/m")"
out=$(promtool check metrics <"$W/m" 2>&1)
check "$T/promtool check metrics" test $? -eq 0 -a -z "$out"
[ "$TM_RC" = 0 ] && pass "$T/sigterm: exit 0" || fail "$T/sigterm" "exit $TM_RC"
t_done
