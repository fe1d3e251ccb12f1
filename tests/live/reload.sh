#!/bin/bash
# SIGHUP reloads the trust store and --web-config besides the policy and the log (needs root).
# tlsmon watches veth0 in namespace A, where s_server serves the "big" chain to s_client in B;
# --trust-store first holds only the "good" chain's root, /metrics is HTTPS with basic auth.
#   before   the big chain's handshake has untrusted_chain; /metrics answers alice, not bob,
#            with the certificate CN=one
#   reload   the bundle gains the big root, web.yml names bob and certificate CN=two; SIGHUP:
#            "reloaded the trust store" and "reloaded --web-config" once each; the next big
#            handshake has no untrusted_chain; alice gets 401, bob 200, the certificate is two
#   broken   the bundle holds no certificate and web.yml does not parse; SIGHUP: one "keeping the
#            previous trust store: ..." and one "keeping the previous --web-config: ..." line;
#            the store and the users in use stay (no untrusted_chain, bob 200)
#   tlsoff   web.yml without tls_server_config: refused (HTTP <-> HTTPS needs a restart)
#   sigterm  exit 0
set -u

# shellcheck source=tests/lib_live.sh
. "$(dirname "${BASH_SOURCE[0]}")/../lib_live.sh"
MPORT=19861
T=reload
URL=https://127.0.0.1:$MPORT/metrics
PASSWORD='reload pass'

live_begin "$T" openssl ip curl jq python3 timeout
live_chains "$T" "$W/chains" good big
live_netns "$T" 73
C=$W/web
mkdir -p "$C"

if ! (export OPENSSL_CONF=/dev/null
	ec_cert "$C" webca - &&
		ec_cert "$C" one webca subjectAltName=IP:127.0.0.1 extendedKeyUsage=serverAuth &&
		ec_cert "$C" two webca subjectAltName=IP:127.0.0.1 extendedKeyUsage=serverAuth) \
	>"$W/certs.log" 2>&1; then
	fail "$T/certificates" "$(tail -2 "$W/certs.log" | tr '\n' ' ')"
	t_done
fi
bcrypt_hash "$T" "$PASSWORD"

# web_yml CERT USER: the web config serving CERT with USER's password.
web_yml()
{
	printf 'tls_server_config:\n  cert_file: %s.pem\n  key_file: %s.key\nbasic_auth_users:\n  %s: %s\n' \
		"$1" "$1" "$2" "'$HASH'" >"$C/web.yml.new" && mv "$C/web.yml.new" "$C/web.yml"
}

# code USER: the HTTP status A's /metrics gives USER (000: no HTTP answer).
code()
{
	ip netns exec "$NS_A" curl -s -o /dev/null -w '%{http_code}' --max-time 5 \
		--cacert "$C/webca.pem" -u "$1:$PASSWORD" "$URL" 2>/dev/null
}

# served_cn: the CN of the certificate /metrics presents.
served_cn()
{
	ip netns exec "$NS_A" timeout -k 1 5 openssl s_client -connect "127.0.0.1:$MPORT" \
		</dev/null 2>/dev/null | sed -n 's/^subject=.*CN *= *\([a-z]*\).*/\1/p' | head -1
}

# big_handshake N: one verifying s_client to the big chain's server; waits until the log holds
# N handshakes for its SNI; prints the checks of the last one's findings.
big_handshake()
{
	local n=$1 i
	tls_client "$NS_B" "$IP4_A:443" "$CH/big" "$(cat "$CH/big/sni")" "$W/client.$n" -4 \
		"${SEC0_CLIENT[@]}"
	for ((i = 0; i < 50 * WAIT_SLACK; i++)); do
		[ "$(jq -c --arg s "$(cat "$CH/big/sni")" 'select(.sni == $s)' "$W/log.jsonl" 2>/dev/null |
			grep -c .)" -ge "$n" ] && break
		sleep 0.1
	done
	jq -r --arg s "$(cat "$CH/big/sni")" 'select(.sni == $s) | [.findings[].check] | join(",")' \
		"$W/log.jsonl" 2>/dev/null | sed -n "${n}p"
}

# hup TAG REGEX: SIGHUP, then wait until stderr holds REGEX TAG's count of times (bounded).
hup()
{
	kill -HUP "$TM_PID"
	wait_file_grep "$W/tm.err" "$1" 10
}

cp "$CH/good/ca.pem" "$W/trust.pem"
web_yml one alice
if ! tm_start "$NS_A" "$W/tm.err" --metrics-addr "127.0.0.1:$MPORT" --log "$W/log.jsonl" \
	--log-all --trust-store "$W/trust.pem" --web-config "$C/web.yml"; then
	tm_fail_start "$T/start"
	t_done
fi
if ! tls_server "$NS_A" "$IP4_A:443" "$CH/big" "$W/server.out" -4 -www "${SEC0_SERVER[@]}"; then
	fail "$T/server" "s_server did not listen: $(tail -1 "$W/server.out")"
	t_done
fi

# before
checks=$(big_handshake 1)
check "$T/before/untrusted_chain without the big root ($checks)" grep -qw untrusted_chain <<<"$checks"
check "$T/before/alice 200" test "$(code alice)" = 200
check "$T/before/bob 401" test "$(code bob)" = 401
check "$T/before/certificate one" test "$(served_cn)" = one

# reload
cat "$CH/good/ca.pem" "$CH/big/ca.pem" >"$W/trust.pem"
web_yml two bob
hup 'reloaded --web-config'
check "$T/reload/trust store line" test "$(grep -c 'SIGHUP: reloaded the trust store' "$W/tm.err")" = 1
check "$T/reload/web config line" test "$(grep -c 'SIGHUP: reloaded --web-config' "$W/tm.err")" = 1
checks=$(big_handshake 2)
if [ -n "$(jq -r 'select(.sni != null) | .sni' "$W/log.jsonl" | sed -n 2p)" ] &&
	! grep -qw untrusted_chain <<<"$checks"; then
	pass "$T/reload/no untrusted_chain with the big root (${checks:-no findings})"
else
	fail "$T/reload/untrusted_chain" "findings: '$checks'"
fi
check "$T/reload/alice 401" test "$(code alice)" = 401
check "$T/reload/bob 200" test "$(code bob)" = 200
check "$T/reload/certificate two" test "$(served_cn)" = two

# broken
echo 'not a certificate' >"$W/trust.pem"
printf 'tls_server_config:\n  cert_fil: two.pem\n' >"$C/web.yml"
hup 'keeping the previous --web-config'
n=$(grep -c 'SIGHUP: keeping the previous trust store: ' "$W/tm.err")
check "$T/broken/one trust store line ($n: $(grep -m1 'keeping the previous trust' "$W/tm.err"))" \
	test "$n" = 1
n=$(grep -c 'SIGHUP: keeping the previous --web-config: ' "$W/tm.err")
check "$T/broken/one web config line ($n: $(grep -m1 'keeping the previous --web' "$W/tm.err"))" \
	test "$n" = 1
checks=$(big_handshake 3)
if [ -n "$(jq -r '.sni' "$W/log.jsonl" | sed -n 3p)" ] && ! grep -qw untrusted_chain <<<"$checks"
then
	pass "$T/broken/the reloaded store stays"
else
	fail "$T/broken/store" "findings: '$checks'"
fi
check "$T/broken/bob still 200" test "$(code bob)" = 200

# tlsoff
printf 'basic_auth_users:\n  bob: %s\n' "'$HASH'" >"$C/web.yml"
hup 'needs a restart'
check "$T/tlsoff/refused, HTTPS kept" test "$(code bob)" = 200

t_kill "$TLS_SERVER_PID"
tm_stop "$TM_PID"
check "$T/sigterm exit 0 ($TM_RC)" test "$TM_RC" = 0
t_done
