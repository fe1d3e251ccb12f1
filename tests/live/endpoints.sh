#!/bin/bash
# Certificate expiry and the endpoint tables live (needs root): `tlsmon run -i veth0` in
# namespace B (--max-endpoints 100, expires_soon enabled), openssl s_server in A.
#   expiry     a verifying s_client handshake with the "soon" chain (leaf valid for 10 days):
#              expires_soon on the leaf in the log; its exact notAfter in
#              tlsmon_cert_earliest_not_after_timestamp_seconds and in
#              tlsmon_endpoint_cert_not_after_timestamp_seconds{sni="soon.test",...}, on
#              /endpoints and in `tlsmon endpoints`; `promtool check metrics` clean
#   inventory  `tlsmon inventory` validates against the CycloneDX 1.6 schema (cbom_validate.js)
#   alert      Debian's prometheus in B scrapes it with deploy/prometheus/tlsmon-rules.yml and
#              fires TlsmonCertificateExpiresSoon
#   bound      300 handshakes with distinct SNIs (Python's ssl, in B) to a good-chain s_server:
#              the server table holds 100, 201 evicted and counted, one info series per entry
set -u

# shellcheck source=tests/lib_live.sh
. "$(dirname "${BASH_SOURCE[0]}")/../lib_live.sh"
MPORT=19879
PPORT=19090
T=endpoints_live
RULES=$ROOT/deploy/prometheus/tlsmon-rules.yml
HELPER=$ROOT/tests/live/dashboard_helper.py

live_begin "$T" openssl ip curl python3 prometheus promtool timeout jq node
live_chains "$T" "$W/chains" soon good
live_netns "$T" 71
PURL=http://127.0.0.1:$PPORT
NOT_AFTER=$(date -u -d "$(openssl x509 -in "$CH/soon/leaf.pem" -noout -enddate | cut -d= -f2)" +%s)
NOT_AFTER_STR=$(date -u -d "@$NOT_AFTER" +%Y-%m-%dT%H:%M:%SZ)

if ! tm_start_ctl "$NS_B" "$W" tm --metrics-addr "127.0.0.1:$MPORT" --max-endpoints 100 \
	--policy expires_soon.enabled=true; then
	tm_fail_start "$T/tlsmon start"
	t_done
fi
pass "$T/tlsmon run on $NS_B veth0, --max-endpoints 100"

tls_once 4 "$CH/soon" "$W/soon.server" "$W/soon.client"
check "$T/expiry: handshake with the 10-day leaf verified (s_client exit $TLS_RC)" \
	test "$TLS_RC" = 0
tm_wait "$TM_PID" grep -q '"sni":"soon.test"' "$LOG"
check "$T/expiry: expires_soon on the leaf in the log" \
	test "$(jq -r 'select(.sni == "soon.test") | .findings[] |
		select(.check == "expires_soon") | .detail' "$LOG")" = leaf

metrics_get "$NS_B" "$MPORT" >"$W/m1.prom"
check "$T/expiry: earliest not_after gauge = $NOT_AFTER" \
	test "$(mval "$W/m1.prom" tlsmon_cert_earliest_not_after_timestamp_seconds)" = "$NOT_AFTER"
check "$T/expiry: per-endpoint gauge = $NOT_AFTER" \
	test "$(mval "$W/m1.prom" "tlsmon_endpoint_cert_not_after_timestamp_seconds{sni=\"soon.test\",server=\"$IP4_A:443\"}")" \
	= "$NOT_AFTER"
if promtool check metrics <"$W/m1.prom" >"$W/promtool.out" 2>&1; then
	pass "$T/promtool check metrics"
else
	fail "$T/promtool check metrics" "$(head -3 "$W/promtool.out" | tr '\n' ' ')"
fi
ip netns exec "$NS_B" curl -s --max-time 5 "http://127.0.0.1:$MPORT/endpoints" >"$W/ep.json"
check "$T/expiry: /endpoints has the leaf's notAfter $NOT_AFTER_STR" \
	test "$(jq -r '.servers[] | select(.sni == "soon.test") | .chain.leaf.not_after' \
		"$W/ep.json")" = "$NOT_AFTER_STR"
"$TLSMON" endpoints --socket "$SOCK" >"$W/ctl.json"
check "$T/expiry: tlsmon endpoints has it too" \
	test "$(jq -r '.servers[] | select(.sni == "soon.test") | .chain.earliest_not_after' \
		"$W/ctl.json")" = "$NOT_AFTER_STR"

"$TLSMON" inventory --socket "$SOCK" >"$W/inv.cdx.json"
if NODE_PATH=$ROOT/build/npm/node_modules node tests/offline/cbom_validate.js \
	"$W/inv.cdx.json" >"$W/inv.out" 2>&1; then
	pass "$T/inventory: tlsmon inventory of the live run is a valid CycloneDX 1.6 CBOM"
else
	fail "$T/inventory" "$(head -3 "$W/inv.out" | tr '\n' ' ') (make deps installs the validator)"
fi
check "$T/inventory: the 10-day leaf's notValidAfter" \
	test "$(jq -r '.components[] | select(.cryptoProperties.certificateProperties.subjectName ==
		"CN=soon.test") | .cryptoProperties.certificateProperties.notValidAfter' \
		"$W/inv.cdx.json")" = "$NOT_AFTER_STR"

prom_start "$NS_B" "$W/prom" "$RULES" "$MPORT" "$PPORT"
PROM_PID=$T_BG_PID
if ip netns exec "$NS_B" python3 "$HELPER" wait "$PURL" \
	'ALERTS{alertname="TlsmonCertificateExpiresSoon",alertstate="firing",job="tlsmon"}' 30; then
	pass "$T/alert: prometheus fires TlsmonCertificateExpiresSoon"
else
	fail "$T/alert" "not firing in 30 s: $(tail -2 "$W/prom.log" | tr '\n' ' ')"
fi
t_kill "$PROM_PID"

# --- the bound, live: 300 SNIs into 100 entries ---
if tls_server "$NS_A" "$IP4_A:443" "$CH/good" "$W/good.server" -4 -www; then
	ip netns exec "$NS_B" timeout 60 python3 - "$IP4_A" 300 >"$W/py.out" 2>&1 <<'EOF'
import socket
import ssl
import sys

ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
ctx.check_hostname = False
ctx.verify_mode = ssl.CERT_NONE
ctx.maximum_version = ssl.TLSVersion.TLSv1_2
ok = 0
for i in range(int(sys.argv[2])):
    with socket.create_connection((sys.argv[1], 443), timeout=5) as s:
        with ctx.wrap_socket(s, server_hostname="h%d.bound.test" % i) as t:
            t.sendall(b"GET / HTTP/1.0\r\n\r\n")
            t.recv(100)
            ok += 1
print(ok)
EOF
	check "$T/bound: 300 handshakes made" test "$(tail -1 "$W/py.out")" = 300
else
	fail "$T/bound: s_server" "did not listen"
fi
t_kill "$TLS_SERVER_PID"
tm_wait "$TM_PID" sh -c "\"$TLSMON\" endpoints --socket \"$SOCK\" | jq -e '.servers[0].sni == \"h299.bound.test\"' >/dev/null"
metrics_get "$NS_B" "$MPORT" >"$W/m2.prom"
check "$T/bound: 100 server entries" \
	test "$(mval "$W/m2.prom" 'tlsmon_endpoints{kind="server"}')" = 100
check "$T/bound: 201 evictions counted" \
	test "$(mval "$W/m2.prom" 'tlsmon_endpoints_evicted_total{kind="server"}')" = 201
check "$T/bound: one tlsmon_endpoint_info per entry" \
	test "$(grep -c '^tlsmon_endpoint_info{' "$W/m2.prom")" = 100
check "$T/bound: the 100 most recent SNIs kept" \
	test "$("$TLSMON" endpoints --socket "$SOCK" | jq -r '[.servers[].sni] | .[0] + " " + .[99]')" \
	= "h299.bound.test h200.bound.test"

tm_stop "$TM_PID"
check "$T/tlsmon exit 0 (status $TM_RC)" test "$TM_RC" = 0
t_done
