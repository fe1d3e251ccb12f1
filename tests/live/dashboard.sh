#!/bin/bash
# The Grafana dashboard (deploy/grafana/tlsmon.json) and the alert rules
# (deploy/prometheus/tlsmon-rules.yml) against a real Prometheus scraping a real tlsmon (needs root).
#
# In namespace B of a veth pair: `tlsmon run -i veth0` with /metrics on 127.0.0.1:MPORT, and
# Debian's prometheus (own config and storage in a temp dir, 127.0.0.1:PPORT, scrape and rule
# evaluation every 1 s, job "tlsmon", the rules loaded). Both listen on B's own loopback, so
# nothing collides with the host's ports. Two handshakes from B to an openssl s_server in A:
#   good  good chain, established
#   weak  weak chain (md2/md5/SHA-1 signatures, RSA-1024), rejected by the verifying client with
#         fatal alert 42: a failed handshake, weak findings, a TLS alert
# Once Prometheus has scraped them, tests/live/dashboard_helper.py evaluates every PromQL
# expression of the dashboard through /api/v1/query ($job=tlsmon, $instance=All (.*),
# $__rate_interval=10s; the variables' own label_values() queries through /api/v1/series) and
# wants each to return data, checks /api/v1/rules reports every alert rule healthy, and that every
# tlsmon_* metric the dashboard and the rules name was scraped.
set -u

# shellcheck source=tests/lib_live.sh
. "$(dirname "${BASH_SOURCE[0]}")/../lib_live.sh"
MPORT=19879
PPORT=19090
T=dashboard
DASH=${DASH:-$ROOT/deploy/grafana/tlsmon.json}
RULES=${RULES:-$ROOT/deploy/prometheus/tlsmon-rules.yml}
HELPER=$ROOT/tests/live/dashboard_helper.py

live_begin "$T" openssl ip ss curl python3 prometheus timeout
live_chains "$T" "$W/chains" weak good
live_netns "$T" 23
PURL=http://127.0.0.1:$PPORT

ph()
{
	ip netns exec "$NS_B" python3 "$HELPER" "$@"
}

if ! tm_start "$NS_B" "$W/tlsmon.err" --metrics-addr "127.0.0.1:$MPORT" --socket "$W/tm.sock" \
	--log "$W/tm.jsonl" --log-all; then
	tm_fail_start "$T/tlsmon start"
	t_done
fi
pass "$T/tlsmon run on $NS_B veth0, metrics on 127.0.0.1:$MPORT"

prom_start "$NS_B" "$W/prom" "$RULES" "$MPORT" "$PPORT"
PROM_PID=$T_BG_PID
if ph wait "$PURL" 'up{job="tlsmon"} == 1' 20; then
	pass "$T/prometheus scrapes tlsmon"
else
	fail "$T/prometheus" "no successful scrape in 20 s: $(tail -2 "$W/prom.log" | tr '\n' ' ')"
	t_done
fi

tls_once 4 "$CH/good" "$W/good.server" "$W/good.client" "${SEC0_SERVER[@]}" -- \
	"${SEC0_CLIENT[@]}"
check "$T/good handshake verified (s_client exit $TLS_RC)" test "$TLS_RC" = 0
tls_once 4 "$CH/weak" "$W/weak.server" "$W/weak.client" "${SEC0_SERVER[@]}" -- \
	"${SEC0_CLIENT[@]}"
if [ "$TLS_RC" != 0 ] && grep -q 'verify error' "$W/weak.client"; then
	pass "$T/weak handshake rejected by the client"
else
	fail "$T/weak handshake" "s_client exit $TLS_RC; expected a verify error"
fi

# Scraped: both outcomes, the findings and the alert of the weak chain.
if ph wait "$PURL" 'tlsmon_handshakes_total{outcome="established"} > 0' 10 &&
	ph wait "$PURL" 'tlsmon_handshakes_total{outcome="alert"} > 0' 5 &&
	ph wait "$PURL" 'tlsmon_weak_findings_total > 0' 5 &&
	ph wait "$PURL" 'tlsmon_alerts_total{description="bad_certificate"} > 0' 5; then
	pass "$T/prometheus has the handshakes"
else
	fail "$T/prometheus handshakes" "not scraped in time; tlsmon log: $(wc -l <"$W/tm.jsonl") records"
fi
# A rate over 10 s needs two samples in it: wait until each series the weak handshake created
# (the newest ones: tlsmon_handshakes_total shows every outcome from the start, at 0, so it
# alone says nothing) has them; a fixed pause is not enough when
# Prometheus itself runs late on a loaded machine.
for series in 'tlsmon_handshakes_total{outcome="alert"}' \
	'tlsmon_weak_findings_total{check="weak_signature"}' \
	'tlsmon_alerts_total{description="bad_certificate"}'; do
	ph wait "$PURL" "min(count_over_time($series[10s])) >= 2" 10 ||
		fail "$T/two scrapes" "$series has not two samples within 10 s"
done

# The helper prints its own PASS/FAIL lines; count its failures for t_done.
ph check "$PURL" "$DASH" "$RULES" 10s tlsmon || T_FAILED=$((T_FAILED + 1))

t_kill "$PROM_PID"
tm_stop "$TM_PID"
check "$T/tlsmon exit 0 (status $TM_RC)" test "$TM_RC" = 0
t_done
