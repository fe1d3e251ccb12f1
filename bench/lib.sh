# shellcheck shell=bash disable=SC2034 # variables set here are used by the sourcing scripts
# Shared helpers for the bench scripts (source it; bash). Builds on tests/lib.sh, whose EXIT trap
# kills the recorded PIDs and deletes the namespaces and temporary directories a script made.
#
#   bench NAME VALUE UNIT [RATIO BASELINE]   print a "bench: ..." result line
#   median / best_min / best_max            of numbers on stdin, one a line
#   ratio A B                               A/B with 3 decimals
#   bench_assets                            real chains, a real TLS 1.2 capture and its turns
#   tlsmon_start NS LOG ARGS...             `tlsmon run` in NS, waits until it serves /metrics
#   scrape NS FILE                          /metrics of the daemon in NS into FILE
#   metric_sum FILE NAME                    sum of every sample of metric NAME in FILE
#   settle NS FILE METRIC [SECONDS]         scrape until METRIC stops changing
#   bench_require NAME [CMD...]             root and the commands, or skip (exit 0)
#   bench_workdir                           W: a temporary directory removed on exit
#   bench_chains                            CHAIN_PCAPS, CHAIN_TURNDIRS of the good, weak, big chains
#   replay_server X                         namespaces (netns_setup X), the recorded handshake
#                                           served on IP4_A:443 by tools/replay
#   inject_templates NAME [PCAP...]         SRC and $W/keep: templates tools/inject replays

BENCH_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
# shellcheck source=tests/lib.sh
. "$BENCH_ROOT/tests/lib.sh"
BUILD=${BUILD:-build}
case $BUILD in /*) ;; *) BUILD=$BENCH_ROOT/$BUILD ;; esac
TLSMON=$BUILD/tlsmon
REPLAY=$BUILD/tools/replay
PCAPGEN=$BUILD/tools/pcapgen
BENCH_BIN=$BUILD/bench
# Work files shared by the scripts of one `make bench` (chains, capture, generated pcaps).
BENCH_WORK=${BENCH_WORK:-/tmp/tlsmon-bench}
METRICS_PORT=9879

bench()
{
	if [ $# -ge 5 ]; then
		printf 'bench: %s %s %s ratio=%s vs %s\n' "$1" "$2" "$3" "$4" "$5"
	else
		printf 'bench: %s %s %s\n' "$1" "$2" "$3"
	fi
}

median()
{
	sort -g | awk '{ a[NR] = $1 } END { if (NR) print a[int((NR + 1) / 2)] }'
}

best_min()
{
	sort -g | head -1
}

best_max()
{
	sort -g | tail -1
}

ratio()
{
	awk -v a="$1" -v b="$2" 'BEGIN { if (b + 0 > 0) printf "%.3f\n", a / b; else print "nan" }'
}

now_s()
{
	date +%s.%N
}

die()
{
	printf '%s: %s\n' "$(basename "$0")" "$*" >&2
	exit 1
}

# Real chains (mkchains.sh) and one real TLS 1.2 handshake per chain captured between
# namespaces (capture.sh, the client verifies: the weak chain ends in its fatal alert), made once
# per BENCH_WORK; then the turns, for replay and hsgen, in $BENCH_WORK/turns-CHAIN.
# Sets ASSET_PCAP, ASSET_CHAINS, ASSET_TURNDIR and TURNS (an array of c:FILE / s:FILE).
bench_assets()
{
	local chain=${1:-good}
	mkdir -p "$BENCH_WORK" || return 1
	ASSET_CHAINS=$BENCH_WORK/chains
	ASSET_PCAP=$BENCH_WORK/$chain.pcap
	ASSET_TURNDIR=$BENCH_WORK/turns-$chain
	if [ ! -s "$ASSET_CHAINS/$chain/leaf.pem" ]; then
		"$BENCH_ROOT/tests/fixtures/mkchains.sh" "$ASSET_CHAINS" "$chain" >/dev/null 2>&1 ||
			return 1
	fi
	if [ ! -s "$ASSET_PCAP" ]; then
		"$BENCH_ROOT/tests/fixtures/capture.sh" --chain "$chain" --chains "$ASSET_CHAINS" \
			--verify --out "$ASSET_PCAP" 2>/dev/null || return 1
	fi
	read -r -a TURNS <<<"$("$BENCH_ROOT/bench/extract_turns.sh" "$ASSET_PCAP" \
		"$ASSET_TURNDIR" 4)" || return 1
	[ ${#TURNS[@]} -ge 3 ]
}

# tlsmon_start NS LOG ARGS...: sets TM_PID.
tlsmon_start()
{
	local ns=$1 log=$2
	shift 2
	t_bg "$ns" "$TLSMON" run --metrics-addr "127.0.0.1:$METRICS_PORT" "$@" 2>"$log"
	TM_PID=$T_BG_PID
	wait_file_grep "$log" 'metrics on' 10 || {
		cat "$log" >&2
		return 1
	}
}

# tlsmon_stop: SIGTERM, bounded wait; says so when the daemon did not exit cleanly.
tlsmon_stop()
{
	local rc
	[ -n "${TM_PID:-}" ] || return 0
	kill -TERM "$TM_PID" 2>/dev/null
	wait_exit "$TM_PID" 5 || true
	kill -0 "$TM_PID" 2>/dev/null && kill -KILL "$TM_PID" 2>/dev/null
	wait "$TM_PID" 2>/dev/null
	rc=$?
	[ "$rc" -ne 0 ] && printf '%s: tlsmon run exited with status %d on SIGTERM\n' \
		"$(basename "$0")" "$rc" >&2
	TM_PID=
	return 0
}

scrape()
{
	ip netns exec "$1" curl -fsS --max-time 5 "http://127.0.0.1:$METRICS_PORT/metrics" >"$2"
}

metric_sum()
{
	awk -v m="$2" '$1 == m || index($1, m "{") == 1 { s += $NF } END { printf "%.0f\n", s }' "$1"
}

# settle NS FILE METRIC [SECONDS]: scrape the daemon in NS into FILE every 0.2 s until the sum
# of METRIC stops changing (at most SECONDS, default 5): it has read what was sent.
settle()
{
	local ns=$1 file=$2 metric=$3 secs=${4:-5} prev=-1 cur i
	for ((i = 0; i < secs * 5; i++)); do
		sleep 0.2
		scrape "$ns" "$file" || continue
		cur=$(metric_sum "$file" "$metric")
		[ "$cur" = "$prev" ] && return 0
		prev=$cur
	done
}

# cpu_ticks PID: utime + stime in clock ticks.
cpu_ticks()
{
	awk '{ print $14 + $15 }' "/proc/$1/stat" 2>/dev/null || echo 0
}

# bench_require NAME [CMD...]: skip the bench (exit 0) unless root and every CMD is installed.
bench_require()
{
	local name=$1
	shift
	require_root "$name"
	[ $# -eq 0 ] || require_cmd "$name" "$@"
}

bench_workdir()
{
	t_tmpdir || die "mktemp failed"
	W=$T_TMP
}

# bench_chains: bench_assets for the good, weak and big chains, in that order: their captures in
# CHAIN_PCAPS, their turns in CHAIN_TURNDIRS (the good chain's also in ASSET_TURNDIR, TURNS).
bench_chains()
{
	local ch
	CHAIN_PCAPS=() CHAIN_TURNDIRS=()
	for ch in big weak good; do
		bench_assets "$ch" || die "could not capture the $ch chain"
		CHAIN_PCAPS=("$ASSET_PCAP" "${CHAIN_PCAPS[@]}")
		CHAIN_TURNDIRS=("$ASSET_TURNDIR" "${CHAIN_TURNDIRS[@]}")
	done
}

# replay_server X: namespaces A and B (netns_setup X), and tools/replay in A serving the good
# chain's recorded handshake (bench_assets good first) on IP4_A:443 to many clients from B.
replay_server()
{
	netns_setup "$1" || die "namespace setup failed"
	# Wider ephemeral range for the client; the server closes first, so TIME_WAIT stays there.
	ip netns exec "$NS_B" sysctl -qw net.ipv4.ip_local_port_range="1024 65000"
	ip netns exec "$NS_A" sysctl -qw net.core.somaxconn=8192
	t_bg "$NS_A" "$REPLAY" server -l "$IP4_A:443" -d 900 "${TURNS[@]}"
	wait_port "$NS_A" 443 5 || die "replay server did not listen"
}

# inject_templates NAME [PCAP...]: the captures tools/inject takes its flows from (SRC: the
# three chains', then PCAP..., then ../shared/pcaps where present), and in $W/keep those whose
# rewritten copy is exactly one handshake to `tlsmon read`: flow k of the probe (client port
# 10000 + k) is the k-th usable template. Needs W and INJECT; inject -w's summary is left in
# $W/probe.err.
inject_templates()
{
	local name=$1 shared=$BENCH_ROOT/../shared/pcaps
	shift
	bench_chains
	SRC=("${CHAIN_PCAPS[@]}" "$@")
	if compgen -G "$shared/*.pcap" >/dev/null; then
		SRC+=("$shared"/*.pcap)
	else
		echo "$name: $shared missing: templates from the bench's own captures only"
	fi
	"$INJECT" --list "${SRC[@]}" 2>/dev/null | awk '$2 > 0 && $4 == "ok" { print $1 }' \
		>"$W/usable"
	"$INJECT" -w "$W/probe.pcap" "${SRC[@]}" 2>"$W/probe.err" >/dev/null ||
		die "inject -w failed"
	"$TLSMON" read "$W/probe.pcap" 2>/dev/null | jq -r '.client | sub(".*[]:]"; "")' |
		sort -n | uniq -c | awk '$1 == 1 { print $2 - 10000 }' >"$W/one"
	awk 'NR == FNR { one[$1] = 1; next } (FNR - 1) in one' "$W/one" "$W/usable" >"$W/keep"
}

# inject_sources NAME: the good chain's recorded handshake (bench_assets) and 2,000 hsgen
# handshakes with distinct leaf certificates ($W/distinct.pcap, their DER in $W/distinct.der),
# then inject_templates NAME over them: what inject_load.sh and workers_drain.sh replay.
inject_sources()
{
	bench_assets good || die "could not make the recorded handshake"
	"$BENCH_BIN/hsgen" -o "$W/distinct.pcap" -n 2000 --distinct-certs \
		--certs-out "$W/distinct.der" "$ASSET_TURNDIR" || die "hsgen failed"
	inject_templates "$1" "$W/distinct.pcap"
}

# inject_calibrate NAME NS LOG: with `tlsmon run --log LOG` watching the veth in NS, each template
# of $W/keep once at 1,000 flows/s (flow k = template k, client port 10000 + k) from NS_B's end,
# to DMAC. Templates the daemon's JSON log does not show exactly once are listed and left out of
# $W/keep, so that what follows measures load, not what `run` and `read` disagree on. The log is
# the only per-flow view; it can miss a handshake that tlsmon_handshakes_total counts (see
# bench/README.md), so this may leave out more than needed, never less. Sets INJECT_CAL_OUT (the
# injector's summary) and INJECT_CAL_COUNTED (tlsmon_handshakes_total after it). Needs W,
# INJECT, DMAC, SRC (inject_templates).
inject_calibrate()
{
	local name=$1 ns=$2 log=$3 n i
	n=$(wc -l <"$W/keep")
	cp "$W/keep" "$W/keep.read"
	INJECT_CAL_OUT=$(ip netns exec "$NS_B" nice -n 5 "$INJECT" -i "$IF_B" --dst-mac "$DMAC" \
		-c 64 -k "$W/keep" -f 0 -n "$n" -r 1000 -d $((n / 1000 + 3)) "${SRC[@]}" 2>/dev/null) ||
		echo "$name: calibration: ${INJECT_CAL_OUT:-failed}" >&2
	settle "$ns" "$W/cal.m" tlsmon_handshakes_total
	INJECT_CAL_COUNTED=$(metric_sum "$W/cal.m" tlsmon_handshakes_total)
	for ((i = 0; i < 50; i++)); do
		[ "$(wc -l <"$log")" -ge "$INJECT_CAL_COUNTED" ] && break
		sleep 0.1
	done
	jq -r '.client | sub(".*[]:]"; "")' "$log" | sort -n | uniq -c |
		awk '$1 == 1 { print $2 - 10000 }' >"$W/one.live"
	awk 'NR == FNR { one[$1] = 1; next } (FNR - 1) in one' "$W/one.live" "$W/keep.read" >"$W/keep"
	awk 'NR == FNR { one[$1] = 1; next } !((FNR - 1) in one) { print $1 }' "$W/one.live" \
		"$W/keep.read" >"$W/dropped"
	if [ -s "$W/dropped" ]; then
		"$INJECT" --list "${SRC[@]}" 2>/dev/null | awk 'NR == FNR { d[$1] = 1; next } $1 in d' \
			"$W/dropped" - | while read -r idx _ _ _ file; do
			echo "$name: left out: template $idx ($file): one handshake in \`tlsmon read\`," \
				"not logged once by \`tlsmon run --log\` at 1,000 flows/s"
		done
	fi
}

# cpu_ns PID: the CPU time of PID's live threads in ns, from the scheduler's own clock
# (/proc/PID/task/*/schedstat); /proc/PID/stat counts clock ticks (10 ms here), coarse for a run
# of a few hundred ms (35-45 ticks: one either way is 2-3 %).
cpu_ns()
{
	cat /proc/"$1"/task/*/schedstat 2>/dev/null | awk '{ s += $1 } END { printf "%.0f\n", s }'
}
