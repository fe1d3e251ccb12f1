#!/bin/bash
# shellcheck disable=SC2016 # jq programs are single-quoted
# The leaf checks on real handshakes (needs root): openssl s_server in one namespace serves a leaf
# for names.test and *.names.test, valid 825 days (long_validity); openssl s_client in the other
# asks for
#   cover      www.names.test, verifying the host name -> established, no name_mismatch
#   mismatch   other.test without checking names      -> established, name_mismatch
#   refused    other.test with -verify_hostname       -> the client's fatal alert, which explain
#                                                        puts down to name_mismatch
#   nosni      no SNI (-noservername)                 -> established, missing_sni (info)
# tlsmon on the client's veth0 must log each with those findings and count them in
# tlsmon_weak_findings_total.
set -u

# shellcheck source=tests/lib_live.sh
. "$(dirname "${BASH_SOURCE[0]}")/../lib_live.sh"
MPORT=19983
T=cert_names

live_begin "$T" openssl ip ss curl jq timeout
live_netns "$T" 83

# The chain, in the layout tls_server reads (leaf.pem, leaf.key, chain.pem, ca.pem).
C=$W/chain
mkdir -p "$C"
if ! {
	openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 3650 \
		-keyout "$C/root.key" -out "$C/ca.pem" -subj "/CN=Names Root" \
		-addext basicConstraints=critical,CA:TRUE &&
		openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
			-keyout "$C/leaf.key" -out "$C/leaf.csr" -subj "/CN=names.test" &&
		printf 'subjectAltName = DNS:names.test,DNS:*.names.test\n' >"$C/leaf.ext" &&
		openssl x509 -req -in "$C/leaf.csr" -CA "$C/ca.pem" -CAkey "$C/root.key" \
			-CAcreateserial -days 825 -extfile "$C/leaf.ext" -out "$C/leaf.pem" &&
		cp "$C/ca.pem" "$C/chain.pem"
} >"$W/openssl.log" 2>&1; then
	fail "$T/certificates" "openssl: $(tail -2 "$W/openssl.log" | tr '\n' ' ')"
	t_done
fi

if ! tm_start "$NS_B" "$W/tm.err" --metrics-addr "127.0.0.1:$MPORT" --log "$W/log.jsonl" \
	--log-all; then
	tm_fail_start "$T/start"
	t_done
fi

# one TAG WANT-RC CLIENT-ARGS...: a one-shot s_server, then s_client with CLIENT-ARGS; WANT-RC 0
# for a finished handshake, 1 for one the client refused
one()
{
	local tag=$1 want=$2 rc=listen
	shift 2
	if tls_server "$NS_A" "$IP4_A:443" "$C" "$W/$tag.server" -4 -naccept 1 -www; then
		printf 'GET / HTTP/1.0\r\n\r\n' | timeout -k 2 10 ip netns exec "$NS_B" openssl \
			s_client -connect "$IP4_A:443" -CAfile "$C/ca.pem" -tls1_2 -verify 9 \
			-verify_return_error "$@" >"$W/$tag.client" 2>&1
		rc=$?
		wait_exit "$TLS_SERVER_PID" 3
	fi
	t_kill "$TLS_SERVER_PID"
	if [ "$rc" = "$want" ]; then
		pass "$T/$tag: s_client $* exit $rc"
	else
		fail "$T/$tag" "s_client exit $rc, want $want: $(tail -3 "$W/$tag.client" | tr '\n' ' ')"
	fi
}

one cover 0 -servername www.names.test -verify_hostname www.names.test
one mismatch 0 -servername other.test
one refused 1 -servername other.test -verify_hostname other.test
one nosni 0 -noservername

tm_wait "$TM_PID" test "$(grep -c . "$W/log.jsonl" 2>/dev/null)" -ge 4
metrics_get "$NS_B" "$MPORT" >"$W/m"
tm_stop "$TM_PID"

# logged SELECTOR WANT: outcome and the leaf checks of the handshake the selector picks
checks='[.outcome, [.findings[] | select(.check | test("name_mismatch|missing_sni|long_validity")) | [.check, .severity, .detail]]]'
logged()
{
	local got
	got=$(jq -c "select($1) | $checks" "$W/log.jsonl" 2>/dev/null | head -1)
	if [ "$got" = "$2" ]; then
		pass "$T/log $1: $got"
	else
		fail "$T/log $1" "got '${got:-nothing}', want $2 (log: $(head -c 600 "$W/log.jsonl"))"
	fi
}
logged '.sni == "www.names.test"' '["established",[["long_validity","medium","leaf"]]]'
logged '.sni == "other.test" and .outcome == "established"' \
	'["established",[["name_mismatch","medium","not_covered"],["long_validity","medium","leaf"]]]'
logged '.sni == "other.test" and .outcome == "alert"' \
	'["alert",[["name_mismatch","medium","not_covered"],["long_validity","medium","leaf"]]]'
logged '.sni == null' '["established",[["missing_sni","info","no_sni"],["long_validity","medium","leaf"]]]'

got=$(jq -r 'select(.sni == "other.test" and .outcome == "alert") | .explain' "$W/log.jsonl" 2>/dev/null)
case $got in
*"client sent fatal alert"*"most likely cause: certificate #1 (leaf, CN=names.test) does not cover the SNI \"other.test\""*)
	pass "$T/explain: $got" ;;
*) fail "$T/explain" "got '${got:-nothing}'" ;;
esac

# the server-side series (side="server", or no side label where findings have no side)
for s in 'name_mismatch not_covered 2' 'missing_sni no_sni 1' 'long_validity leaf 4'; do
	# shellcheck disable=SC2086 # s is CHECK DETAIL COUNT
	set -- $s
	k="tlsmon_weak_findings_total{check=\"$1\",detail=\"$2\""
	v=$(mval "$W/m" "$k}")
	[ -n "$v" ] || v=$(mval "$W/m" "$k,side=\"server\"}")
	check "$T/metric $k} = ${v:-absent}" test "${v:-0}" = "$3"
done
[ "$TM_RC" = 0 ] && pass "$T/sigterm: exit 0" || fail "$T/sigterm" "exit $TM_RC"
t_done
