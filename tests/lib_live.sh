# shellcheck shell=bash disable=SC2034 # variables set here are used by the sourcing scripts
# Shared helpers for the live tests in tests/live/ (source it; bash only). It lives outside
# tests/live/ because tests/run.sh runs every tests/live/*.sh as a test.
#
# Sourcing sets ROOT (the repository), changes into it, sources tests/lib.sh and sets BUILD and
# TLSMON (the binary under test), SEC0_SERVER and SEC0_CLIENT.
#
#   live_begin NAME CMD...              SKIP unless root, CMDs and tlsmon are there; W = temp dir
#   live_chains NAME DIR CHAIN...       tests/fixtures/mkchains.sh into DIR (CH), or FAIL and exit
#   live_netns NAME X                   netns_setup X, or FAIL and exit
#   tm_spawn NS ERR ARGS...             `tlsmon run -i veth0 ARGS...` in NS (TM_PID, TM_ERR);
#                                       after live_chains, --trust-store the chains' roots
#   tm_wait PID CMD...                  poll CMD until it succeeds, PID exits, or 30 s pass
#   tm_start NS ERR ARGS...             tm_spawn, then wait for the "metrics on http" line
#   tm_start_ctl NS DIR TAG ARGS...     tm_spawn with --socket and --log, wait for the socket
#   tm_fail_start NAME [WHAT]           FAIL NAME with TM_ERR's last lines; kill TM_PID
#   tm_stop PID [SIG]                   SIG (TERM), 5 s, then KILL; TM_RC = status or "hung"
#   metrics_get NS PORT [SECONDS]       GET /metrics on 127.0.0.1:PORT inside NS, to stdout
#   metrics_closed NS PORT OUT          scrape into OUT once every kernel flow started is closed
#   mval FILE 'name{labels}'            a sample's value from a scrape, empty if absent
#   tls_server NS HOST:PORT DIR OUT ARGS...   openssl s_server with DIR's chain (TLS_SERVER_PID)
#   tls_client NS HOST:PORT DIR SNI OUT ARGS...   one verifying openssl s_client GET
#   tls_once FAM DIR SRV-OUT CLI-OUT [SRV-ARGS...] [-- CLI-ARGS...]   one handshake B -> A (TLS_RC)
#   caps_dropped / status_field NAME / expect_status CASE NAME VALUE   TM_PID's capabilities
#   prom_start NS DIR RULES MPORT PPORT   a Prometheus in NS scraping 127.0.0.1:MPORT (T_BG_PID)
#   ec_cert DIR NAME CA [EXT...]         EC P-256 DIR/NAME.{key,pem} signed by DIR/CA (- = a CA)
#   bcrypt_hash NAME PASSWORD            HASH = PASSWORD's bcrypt hash, or FAIL NAME and exit

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT" || exit 1
# shellcheck source=tests/lib.sh
. tests/lib.sh
BUILD=${BUILD:-build}
TLSMON=$ROOT/$BUILD/tlsmon

# Options for both sides of a handshake over a chain from mkchains.sh, as tests/fixtures/capture.sh
# --verify uses them: security level 0, so OpenSSL itself accepts the weak chain, and a client
# that verifies at -auth_level 2, so the weak chain ends in its fatal alert 42.
SEC0_SERVER=(-cipher 'DEFAULT@SECLEVEL=0')
SEC0_CLIENT=(-cipher 'DEFAULT@SECLEVEL=0' -auth_level 2)

live_begin()
{
	local name=$1
	shift
	require_root "$name"
	require_cmd "$name" "$@"
	if [ ! -x "$TLSMON" ]; then
		skip "$name" "$TLSMON not built"
		exit 0
	fi
	t_tmpdir || exit 1
	W=$T_TMP
}

live_chains()
{
	local name=$1 dir=$2
	shift 2
	CH=$dir
	if ! tests/fixtures/mkchains.sh "$dir" "$@" >"$dir.log" 2>&1; then
		fail "$name/mkchains" "$(tail -1 "$dir.log")"
		t_done
	fi
}

live_netns()
{
	netns_setup "$2" || {
		fail "$1/netns" "namespace setup failed"
		t_done
	}
}

# tm_spawn NS ERR ARGS...: the daemon's stdout is dropped (it logs to --log or stderr). After
# live_chains, the roots of the test chains are its --trust-store (unless ARGS give one): the
# host trusts the test PKI as the verifying clients do, so untrusted_chain flags only what a test
# makes untrusted on purpose.
tm_spawn()
{
	local ns=$1 trust=()
	TM_ERR=$2
	shift 2
	if [ -n "${CH:-}" ] && ! printf '%s
' "$@" | grep -qxF -- --trust-store &&
		cat "$CH"/*/ca.pem >"$CH/trust.pem" 2>/dev/null; then
		trust=(--trust-store "$CH/trust.pem")
	fi
	t_bg "$ns" "$TLSMON" run -i veth0 "${trust[@]}" "$@" >/dev/null 2>"$TM_ERR"
	TM_PID=$T_BG_PID
}

# tm_wait PID CMD...: CMD's stderr is dropped; the first polls may come before the daemon has
# created the files CMD reads. 30 s, because a start verifies three BPF programs (about 1 s of
# CPU here) and a busy machine stretched that past 10 s (resumption.sh: "tlsmon not ready" once
# in 8 runs beside two busy loops); a wait that succeeds costs no more.
tm_wait()
{
	local pid=$1 i
	shift
	for ((i = 0; i < 300; i++)); do
		"$@" 2>/dev/null && return 0
		kill -0 "$pid" 2>/dev/null || return 1
		sleep 0.1
	done
	return 1
}

tm_start()
{
	tm_spawn "$@"
	tm_wait "$TM_PID" grep -q 'metrics on http' "$TM_ERR"
}

# tm_start_ctl NS DIR TAG ARGS...: tm_spawn with stderr DIR/TAG.err, --socket DIR/TAG.sock and
# --log DIR/TAG.jsonl (SOCK, LOG), then wait for the "control socket" line.
tm_start_ctl()
{
	local ns=$1 dir=$2 tag=$3
	shift 3
	SOCK=$dir/$tag.sock
	LOG=$dir/$tag.jsonl
	tm_spawn "$ns" "$dir/$tag.err" --socket "$SOCK" --log "$LOG" "$@"
	tm_wait "$TM_PID" grep -q '^tlsmon: control socket' "$TM_ERR"
}

tm_fail_start()
{
	fail "$1" "${2:-tlsmon not ready}: $(tail -2 "$TM_ERR" | tr '\n' ' ')"
	t_kill "$TM_PID"
}

tm_stop()
{
	local pid=$1
	kill "-${2:-TERM}" "$pid" 2>/dev/null
	if wait_exit "$pid" 5; then
		wait "$pid" 2>/dev/null
		TM_RC=$?
	else
		kill -KILL "$pid" 2>/dev/null
		wait "$pid" 2>/dev/null
		TM_RC=hung
	fi
}

metrics_get()
{
	ip netns exec "$1" curl -s --max-time "${3:-5}" "http://127.0.0.1:$2/metrics"
}

# metrics_closed NS PORT OUT: scrape /metrics into OUT until the kernel has closed every flow it
# started (both FINs or an RST went through the hooks), at most 5 s; returns 1 if that never
# happens. Ending the processes is not enough: the last FIN may still be on its way to the
# other namespace's hook, and a copy made after the scrape would go unmeasured.
metrics_closed()
{
	local i s c
	for ((i = 0; i < 50; i++)); do
		metrics_get "$1" "$2" >"$3"
		s=$(mval "$3" 'tlsmon_kernel_flows_total{result="started"}')
		c=$(mval "$3" 'tlsmon_kernel_flows_total{result="closed"}')
		[ -n "$s" ] && [ "${c:-0}" -ge "$s" ] && return 0
		sleep 0.1
	done
	return 1
}

mval()
{
	awk -v k="$2" '$1 == k { print $2; exit }' "$1"
}

# tls_server NS HOST:PORT DIR OUT ARGS...: in the background, -tls1_2, stdin /dev/null, stdout
# and stderr to OUT; ARGS add to or qualify those (-4, -naccept 1, -www, -cipher ...). Returns 1
# if nothing listens on PORT within 5 s.
tls_server()
{
	local ns=$1 addr=$2 d=$3 out=$4
	shift 4
	t_bg "$ns" openssl s_server -accept "$addr" -cert "$d/leaf.pem" -key "$d/leaf.key" \
		-cert_chain "$d/chain.pem" -tls1_2 "$@" </dev/null >"$out" 2>&1
	TLS_SERVER_PID=$T_BG_PID
	wait_port "$ns" "${addr##*:}" 5
}

# tls_client NS HOST:PORT DIR SNI OUT ARGS...: verifies against DIR/ca.pem, -tls1_2, at most 10 s;
# returns s_client's exit status.
tls_client()
{
	local ns=$1 addr=$2 d=$3 sni=$4 out=$5
	shift 5
	printf 'GET / HTTP/1.0\r\n\r\n' | timeout -k 2 10 ip netns exec "$ns" openssl s_client \
		-connect "$addr" -servername "$sni" -CAfile "$d/ca.pem" -tls1_2 -verify 9 \
		-verify_return_error "$@" >"$out" 2>&1
}

# tls_once FAM DIR SRV-OUT CLI-OUT [SRV-ARGS...] [-- CLI-ARGS...]: a one-shot s_server (-naccept 1
# -www) in NS_A on port 443 of IP4_A or IP6_A (FAM 4 or 6), a client from NS_B for DIR/sni; then
# up to 3 s for the server to finish. TLS_RC is the client's exit status, or "listen" when the
# server never listened.
tls_once()
{
	local fam=$1 d=$2 sout=$3 cout=$4 host=$IP4_A sargs=()
	shift 4
	while [ $# -gt 0 ] && [ "$1" != -- ]; do
		sargs+=("$1")
		shift
	done
	[ $# -gt 0 ] && shift
	[ "$fam" = 6 ] && host="[$IP6_A]"
	TLS_RC=listen
	if tls_server "$NS_A" "$host:443" "$d" "$sout" "-$fam" -naccept 1 -www "${sargs[@]}"; then
		tls_client "$NS_B" "$host:443" "$d" "$(cat "$d/sni")" "$cout" "-$fam" "$@"
		TLS_RC=$?
		wait_exit "$TLS_SERVER_PID" 3
	fi
	t_kill "$TLS_SERVER_PID"
}

# The daemon's capabilities once it dropped them: CAP_BPF alone (bit 39).
CAP_BPF_ONLY=0000008000000000

# caps_dropped: TM_PID's effective set is CAP_BPF alone (for tm_wait).
# shellcheck disable=SC2317 # called through tm_wait
caps_dropped()
{
	[ "$(status_field CapEff)" = "$CAP_BPF_ONLY" ]
}

# status_field NAME: TM_PID's /proc/PID/status value (tabs squeezed to single spaces).
status_field()
{
	awk -v k="$1:" '$1 == k { $1 = ""; sub(/^ /, ""); print; exit }' "/proc/$TM_PID/status" \
		2>/dev/null
}

# expect_status CASE NAME VALUE: PASS/FAIL "$T/CASE/status NAME VALUE" on TM_PID's status.
expect_status()
{
	local v
	v=$(status_field "$2")
	if [ "$v" = "$3" ]; then
		pass "$T/$1/status $2 $3"
	else
		fail "$T/$1/status $2" "want '$3', got '${v:-absent}'"
	fi
}

# prom_start NS DIR RULES MPORT PPORT: Debian's prometheus (config and storage in DIR, its log in
# DIR.log) in NS, scraping tlsmon's /metrics on 127.0.0.1:MPORT every second (job "tlsmon") and
# evaluating RULES as often; its API on 127.0.0.1:PPORT. Sets T_BG_PID.
prom_start()
{
	local ns=$1 dir=$2 rules=$3 mport=$4 pport=$5
	mkdir -p "$dir/data"
	cat >"$dir/prometheus.yml" <<EOF
global:
  scrape_interval: 1s
  scrape_timeout: 1s
  evaluation_interval: 1s
rule_files:
  - $rules
scrape_configs:
  - job_name: tlsmon
    static_configs:
      - targets: ['127.0.0.1:$mport']
EOF
	t_bg "$ns" prometheus --config.file="$dir/prometheus.yml" \
		--storage.tsdb.path="$dir/data" --web.listen-address="127.0.0.1:$pport" \
		--log.level=warn >"$dir.log" 2>&1
}

# ec_cert DIR NAME CA [EXTENSION...]: an EC P-256 key and certificate DIR/NAME.key, DIR/NAME.pem,
# valid 2 days, signed by DIR/CA.{pem,key} with the given extensions (openssl x509 -extfile
# lines), or, when CA is "-", a self-signed CA. For the /metrics endpoint's own TLS, not the
# monitored chains (tests/fixtures/mkchains.sh).
ec_cert()
{
	local d=$1 n=$2 ca=$3
	shift 3
	if [ "$ca" = - ]; then
		openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 \
			-subj "/CN=$n" -keyout "$d/$n.key" -out "$d/$n.pem" \
			-addext basicConstraints=critical,CA:TRUE -addext keyUsage=critical,keyCertSign
	else
		printf '%s\n' "$@" >"$d/$n.ext"
		openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj "/CN=$n" \
			-keyout "$d/$n.key" -out "$d/$n.csr" &&
			openssl x509 -req -in "$d/$n.csr" -CA "$d/$ca.pem" -CAkey "$d/$ca.key" \
				-CAcreateserial -days 2 -extfile "$d/$n.ext" -out "$d/$n.pem"
	fi
}

# bcrypt_hash NAME PASSWORD: HASH = a bcrypt ($2b$, cost 10) hash of PASSWORD, as a web
# config's basic_auth_users holds it; FAIL NAME/bcrypt hash and exit if python3 cannot make one.
bcrypt_hash()
{
	HASH=$(python3 -W ignore -c 'import crypt, sys
print(crypt.crypt(sys.argv[1], crypt.mksalt(crypt.METHOD_BLOWFISH, rounds=1 << 10)))' "$2")
	if [[ $HASH != \$2b\$10\$* ]]; then
		fail "$1/bcrypt hash" "python3 crypt gave '$HASH'"
		t_done
	fi
}
