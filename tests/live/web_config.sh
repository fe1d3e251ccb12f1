#!/bin/bash
# `tlsmon run --web-config FILE`: /metrics over TLS with basic authentication and client
# certificates, scraped by curl and by a real Prometheus (needs root).
#
# Certificates are made here with openssl: a CA, a server certificate for 127.0.0.1, a client
# certificate from the CA, and one from a rogue CA. The password hash is bcrypt at cost 10
# (Python's crypt, as htpasswd -nBC 10 makes it). tlsmon runs in namespace B of a veth pair with
# /metrics on B's loopback; everything connects there.
#   config     a bad file is refused with FILE:LINE and the key; tlsmon exits 1
#   auth       TLS + basic_auth_users: 200 with the password; 401 with WWW-Authenticate
#              without it, with a wrong one, for an unknown user; plain HTTP gets 400
#   prometheus a real Prometheus scrapes with scheme https, tls_config.ca_file and basic_auth:
#              up == 1 through its HTTP API; a job with a wrong password has up == 0
#   stall      12 clients that send half a ClientHello and 12 that send nothing (16 slots):
#              GET /metrics over TLS still answers, every stalled connection is closed by its
#              deadline
#   clientcert RequireAndVerifyClientCert with min_version TLS13: the CA's client certificate
#              gets 200; none, the rogue CA's, the server's own (not for client auth) and
#              TLS 1.2 are refused
#   ifgiven    VerifyClientCertIfGiven: no certificate gets 200, the rogue CA's is refused
#   plainauth  basic_auth_users without tls_server_config: plain HTTP, 200 / 401, and a warning
#              at start that the passwords cross the network in clear
set -u

# shellcheck source=tests/lib_live.sh
. "$(dirname "${BASH_SOURCE[0]}")/../lib_live.sh"
HELPER=$ROOT/tests/live/http_abuse_helper.py
PHELPER=$ROOT/tests/live/dashboard_helper.py
MPORT=19893
PPORT=19091
T=web_config
URL=https://127.0.0.1:$MPORT

live_begin "$T" openssl ip curl jq python3 prometheus timeout
live_netns "$T" 61
C=$W/certs
PASSWORD='correct horse:battery'

mkdir -p "$C"
if ! (export OPENSSL_CONF=/dev/null
	ec_cert "$C" ca - && ec_cert "$C" rogue - &&
		ec_cert "$C" server ca subjectAltName=IP:127.0.0.1 extendedKeyUsage=serverAuth &&
		ec_cert "$C" client ca extendedKeyUsage=clientAuth &&
		ec_cert "$C" rogueclient rogue extendedKeyUsage=clientAuth) >"$W/certs.log" 2>&1; then
	fail "$T/certificates" "$(tail -2 "$W/certs.log" | tr '\n' ' ')"
	t_done
fi
bcrypt_hash "$T" "$PASSWORD"

# code ARGS...: the HTTP status curl got from B's /metrics (000: no HTTP answer).
code()
{
	ip netns exec "$NS_B" curl -s -o /dev/null -w '%{http_code}' --max-time 5 "$@" 2>/dev/null
}

# expect NAME WANT ARGS...: PASS when curl ARGS gets status WANT.
expect()
{
	local name=$1 want=$2 got
	shift 2
	got=$(code "$@")
	if [ "$got" = "$want" ]; then
		pass "$T/$name -> $want"
	else
		fail "$T/$name" "want $want, got $got"
	fi
}

# start TAG CONFIG: tlsmon with --web-config CONFIG (TM_PID); FAIL and exit when not serving.
start()
{
	if ! tm_start "$NS_B" "$W/$1.err" --metrics-addr "127.0.0.1:$MPORT" --socket "$W/$1.sock" \
		--web-config "$2" || ! grep -q "metrics on https://127.0.0.1:$MPORT/" "$W/$1.err"; then
		tm_fail_start "$T/$1/tlsmon start"
		t_done
	fi
	pass "$T/$1/tlsmon serves https ($(grep -m1 'over TLS' "$W/$1.err"))"
}

stop()
{
	tm_stop "$TM_PID"
	check "$T/$1/tlsmon exit 0 (status $TM_RC)" test "$TM_RC" = 0
}

# config: an unknown key, with its line; nothing attached, exit 1.
cat >"$W/bad.yml" <<EOF
# a typo on line 3
tls_server_config:
  cert_fil: server.pem
EOF
timeout -k 1 10 ip netns exec "$NS_B" "$TLSMON" run -i veth0 --metrics-addr "127.0.0.1:$MPORT" \
	--socket "$W/bad.sock" --web-config "$W/bad.yml" >/dev/null 2>"$W/bad.err"
rc=$?
if [ "$rc" = 1 ] && grep -qF "$W/bad.yml:3: unknown key tls_server_config.cert_fil" "$W/bad.err"
then
	pass "$T/config/unknown key refused with file:line, exit 1"
else
	fail "$T/config/unknown key" "exit $rc: $(head -2 "$W/bad.err" | tr '\n' ' ')"
fi

# auth: relative paths are read from the file's directory.
cat >"$C/web.yml" <<EOF
tls_server_config:
  cert_file: server.pem
  key_file: server.key
basic_auth_users:
  prometheus: '$HASH'
EOF
start auth "$C/web.yml"
CA=(--cacert "$C/ca.pem")
expect "auth/with the password" 200 "${CA[@]}" -u "prometheus:$PASSWORD" "$URL/metrics"
if ip netns exec "$NS_B" curl -sf --max-time 5 "${CA[@]}" -u "prometheus:$PASSWORD" \
	"$URL/metrics" | grep -q '^tlsmon_build_info'; then
	pass "$T/auth/the body is the registry"
else
	fail "$T/auth/body" "no tlsmon_build_info in the scrape"
fi
expect "auth/no credentials" 401 "${CA[@]}" "$URL/metrics"
expect "auth/wrong password" 401 "${CA[@]}" -u "prometheus:wrong" "$URL/metrics"
expect "auth/unknown user" 401 "${CA[@]}" -u "nobody:$PASSWORD" "$URL/"
if ip netns exec "$NS_B" curl -s -D - -o /dev/null --max-time 5 "${CA[@]}" "$URL/metrics" |
	grep -qi '^WWW-Authenticate: Basic realm='; then
	pass "$T/auth/401 carries WWW-Authenticate: Basic"
else
	fail "$T/auth/WWW-Authenticate" "missing from the 401"
fi
expect "auth/plain HTTP to the TLS port" 400 "http://127.0.0.1:$MPORT/metrics"

# prometheus: a job with the password, a job with a wrong one.
mkdir -p "$W/prom/data"
printf '%s' "$PASSWORD" >"$W/prom/pw"
printf 'wrong' >"$W/prom/badpw"
cat >"$W/prom/prometheus.yml" <<EOF
global:
  scrape_interval: 1s
  scrape_timeout: 1s
scrape_configs:
  - job_name: tlsmon
    scheme: https
    tls_config:
      ca_file: $C/ca.pem
    basic_auth:
      username: prometheus
      password_file: $W/prom/pw
    static_configs:
      - targets: ['127.0.0.1:$MPORT']
  - job_name: tlsmon_wrong_password
    scheme: https
    tls_config:
      ca_file: $C/ca.pem
    basic_auth:
      username: prometheus
      password_file: $W/prom/badpw
    static_configs:
      - targets: ['127.0.0.1:$MPORT']
EOF
t_bg "$NS_B" prometheus --config.file="$W/prom/prometheus.yml" \
	--storage.tsdb.path="$W/prom/data" --web.listen-address="127.0.0.1:$PPORT" \
	--log.level=warn >"$W/prom.log" 2>&1
PROM_PID=$T_BG_PID
PURL=http://127.0.0.1:$PPORT
if ip netns exec "$NS_B" python3 "$PHELPER" wait "$PURL" 'up{job="tlsmon"} == 1' 20 &&
	ip netns exec "$NS_B" python3 "$PHELPER" wait "$PURL" \
		'tlsmon_build_info{job="tlsmon"}' 5; then
	pass "$T/prometheus/scrapes over https with basic_auth: up == 1"
else
	fail "$T/prometheus" "no successful scrape in 20 s: $(tail -2 "$W/prom.log" | tr '\n' ' ')"
fi
if ip netns exec "$NS_B" python3 "$PHELPER" wait "$PURL" \
	'up{job="tlsmon_wrong_password"} == 0' 10; then
	pass "$T/prometheus/wrong password: up == 0"
else
	fail "$T/prometheus/wrong password" "no failed scrape recorded in 10 s"
fi
t_kill "$PROM_PID"

# stall: stalled handshakes take the slots; a scrape still gets through.
timeout -k 1 12 ip netns exec "$NS_B" python3 "$HELPER" tlshalf 127.0.0.1 "$MPORT" 12 8 \
	>"$W/half.json" 2>"$W/half.pyerr" &
HALF=$!
t_track $HALF
timeout -k 1 12 ip netns exec "$NS_B" python3 "$HELPER" idle 127.0.0.1 "$MPORT" 12 8 \
	>"$W/idle.json" 2>"$W/idle.pyerr" &
IDLE=$!
t_track $IDLE
sleep 1.5
ok=0
for _ in 1 2; do
	[ "$(code --max-time 2 "${CA[@]}" -u "prometheus:$PASSWORD" "$URL/metrics")" = 200 ] &&
		ok=$((ok + 1))
	sleep 0.5
done
if [ "$ok" = 2 ]; then
	pass "$T/stall/GET /metrics over TLS answers during 24 stalled handshakes (2 of 2)"
else
	fail "$T/stall/GET /metrics during stalled handshakes" "$ok of 2 within 2 s"
fi
wait $HALF
wait $IDLE
for f in half idle; do
	r=$(cat "$W/$f.json")
	if jq -e '.connected == 12 and .open_at_end == 0 and .max_open <= 6.5' <<<"$r" \
		>/dev/null 2>&1; then
		pass "$T/stall/$f: every connection closed within 6.5 s ($r)"
	else
		fail "$T/stall/$f" "want 12 connected, all closed within 6.5 s: '$r' \
$(head -c 200 "$W/$f.pyerr")"
	fi
done
r=$(jq -s '.[0].closed_fast + .[1].closed_fast' "$W/half.json" "$W/idle.json" 2>/dev/null)
check "$T/stall/past 16 slots the oldest gave way at once ($r closed within 1 s)" \
	test "${r:-0}" -ge 8
expect "stall/afterwards" 200 "${CA[@]}" -u "prometheus:$PASSWORD" "$URL/metrics"
stop auth

# clientcert: client certificates required, TLS 1.3 only.
cat >"$W/cc.yml" <<EOF
tls_server_config:
  cert_file: $C/server.pem
  key_file: $C/server.key
  client_ca_file: $C/ca.pem
  client_auth_type: RequireAndVerifyClientCert
  min_version: TLS13
EOF
start clientcert "$W/cc.yml"
expect "clientcert/the CA's client certificate" 200 "${CA[@]}" --cert "$C/client.pem" \
	--key "$C/client.key" "$URL/metrics"
expect "clientcert/no client certificate" 000 "${CA[@]}" "$URL/metrics"
expect "clientcert/the rogue CA's" 000 "${CA[@]}" --cert "$C/rogueclient.pem" \
	--key "$C/rogueclient.key" "$URL/metrics"
expect "clientcert/the server's certificate (not for client auth)" 000 "${CA[@]}" \
	--cert "$C/server.pem" --key "$C/server.key" "$URL/metrics"
expect "clientcert/TLS 1.2 under min_version TLS13" 000 --tls-max 1.2 "${CA[@]}" \
	--cert "$C/client.pem" --key "$C/client.key" "$URL/metrics"
stop clientcert

# ifgiven: a certificate is optional, but verified when given.
sed -e 's/RequireAndVerifyClientCert/VerifyClientCertIfGiven/' -e '/min_version/d' \
	"$W/cc.yml" >"$W/ifgiven.yml"
start ifgiven "$W/ifgiven.yml"
expect "ifgiven/no client certificate" 200 "${CA[@]}" "$URL/metrics"
expect "ifgiven/the rogue CA's" 000 "${CA[@]}" --cert "$C/rogueclient.pem" \
	--key "$C/rogueclient.key" "$URL/metrics"
expect "ifgiven/TLS 1.2 by default" 200 --tls-max 1.2 "${CA[@]}" "$URL/metrics"
stop ifgiven

# plainauth: as exporter-toolkit, users without TLS keys serve plain HTTP with basic auth.
printf 'basic_auth_users:\n  prometheus: %s\n' "'$HASH'" >"$W/plain.yml"
if ! tm_start "$NS_B" "$W/plain.err" --metrics-addr "127.0.0.1:$MPORT" --socket "$W/plain.sock" \
	--web-config "$W/plain.yml" || ! grep -q "metrics on http://127.0.0.1:$MPORT/" "$W/plain.err"
then
	tm_fail_start "$T/plainauth/tlsmon start"
	t_done
fi
if grep -q 'passwords cross the network in clear' "$W/plain.err"; then
	pass "$T/plainauth/warns that passwords cross the network in clear"
else
	fail "$T/plainauth/warning" "$(head -3 "$W/plain.err" | tr '\n' ' ')"
fi
PURL_M=http://127.0.0.1:$MPORT/metrics
expect "plainauth/with the password" 200 -u "prometheus:$PASSWORD" "$PURL_M"
expect "plainauth/no credentials" 401 "$PURL_M"
stop plainauth
t_done
