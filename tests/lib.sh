# shellcheck shell=bash disable=SC2034 # variables set here are used by the sourcing scripts
# Shared helpers for the shell tests (source it; bash only).
#
#   pass NAME / fail NAME [REASON] / skip NAME REASON   print the result lines tests/run.sh counts
#   t_done                                              exit 1 if any fail was printed, else 0
#   require_root NAME                                   print SKIP and exit 0 unless root
#   require_cmd NAME CMD...                             print SKIP and exit 0 if a command is missing
#   netns_setup [X]                                     two namespaces joined by a veth pair
#   t_bg NS CMD...                                      run CMD in NS in the background, recorded
#   t_track PID / t_tmpdir / t_on_exit CMD              things the EXIT trap cleans up
#   wait_exit PID SECONDS                               bounded wait for a process to end
#   t_kill PID                                          TERM, 2 s, KILL; reap it
#   wait_port NS PORT [SECONDS]                         wait until something listens on TCP PORT
#   t_offline NAME [CMD...]                             an offline test's start: BUILD, TLSMON, W
#
# Sourcing installs an EXIT trap (and turns INT/TERM into exit) that kills the recorded PIDs,
# deletes the namespaces and temporary directories this script created, and runs t_on_exit hooks.
# Scripts that need their own cleanup add it with t_on_exit instead of replacing the trap.

T_PREFIX="tlsmon-t-$$-"
T_NETNS=()
T_PIDS=()
T_TMPDIRS=()
T_HOOKS=()
T_FAILED=0
T_NS_SEQ=0

pass()
{
	printf 'PASS %s\n' "$1"
}

fail()
{
	if [ $# -ge 2 ] && [ -n "$2" ]; then
		printf 'FAIL %s: %s\n' "$1" "$2"
	else
		printf 'FAIL %s\n' "$1"
	fi
	T_FAILED=$((T_FAILED + 1))
}

skip()
{
	printf 'SKIP %s: %s\n' "$1" "$2"
}

# check NAME CMD...: PASS if CMD succeeds, else FAIL.
check()
{
	local name=$1
	shift
	if "$@"; then
		pass "$name"
	else
		fail "$name"
	fi
}

t_done()
{
	[ "$T_FAILED" -eq 0 ] && exit 0
	exit 1
}

require_root()
{
	if [ "$(id -u)" -ne 0 ]; then
		skip "$1" "requires root (network namespaces)"
		exit 0
	fi
}

require_cmd()
{
	local name=$1 c
	shift
	for c in "$@"; do
		if ! command -v "$c" >/dev/null 2>&1; then
			skip "$name" "$c not installed"
			exit 0
		fi
	done
}

t_track()
{
	T_PIDS+=("$1")
}

t_on_exit()
{
	T_HOOKS+=("$1")
}

# t_tmpdir: make a temporary directory removed on exit; its path is in T_TMP.
t_tmpdir()
{
	T_TMP=$(mktemp -d "${TMPDIR:-/tmp}/tlsmon-t.XXXXXX") || return 1
	T_TMPDIRS+=("$T_TMP")
}

# t_offline NAME [CMD...]: the start of a test run from the repository's root: SKIP unless every
# CMD is installed, FAIL unless tlsmon is built. Sets BUILD, TLSMON (absolute, for any BUILD) and
# W (a temporary directory removed on exit).
t_offline()
{
	local name=$1
	shift
	BUILD=${BUILD:-build}
	TLSMON=$(realpath -m "$BUILD/tlsmon")
	[ $# -eq 0 ] || require_cmd "$name" "$@"
	if [ ! -x "$TLSMON" ]; then
		fail "$name" "$TLSMON not built"
		t_done
	fi
	t_tmpdir || exit 1
	W=$T_TMP
}

# wait_exit PID SECONDS: poll every 0.1 s, at most SECONDS, until PID is gone; 1 if it is not.
wait_exit()
{
	local pid=$1 secs=$2 i
	for ((i = 0; i < secs * 10; i++)); do
		kill -0 "$pid" 2>/dev/null || return 0
		sleep 0.1
	done
	return 1
}

# Kill a process by PID: TERM, up to 2 s of grace, then KILL; reap it if it is our child.
t_kill()
{
	local pid=$1
	kill -0 "$pid" 2>/dev/null || { wait "$pid" 2>/dev/null; return 0; }
	kill -TERM "$pid" 2>/dev/null
	wait_exit "$pid" 2 || true
	kill -0 "$pid" 2>/dev/null && kill -KILL "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
	return 0
}

t_cleanup()
{
	local rc=$? i pid ns
	trap - EXIT INT TERM
	for ((i = ${#T_HOOKS[@]} - 1; i >= 0; i--)); do
		eval "${T_HOOKS[$i]}" || true
	done
	for pid in "${T_PIDS[@]}"; do
		t_kill "$pid"
	done
	for ns in "${T_NETNS[@]}"; do
		# Anything still inside one of our namespaces was started by this test.
		for pid in $(ip netns pids "$ns" 2>/dev/null); do
			kill -KILL "$pid" 2>/dev/null
		done
		ip netns del "$ns" 2>/dev/null
	done
	for i in "${T_TMPDIRS[@]}"; do
		[ -n "$i" ] && rm -rf -- "$i"
	done
	exit "$rc"
}

trap t_cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# netns_setup [X]: create namespaces NS_A and NS_B joined by a veth pair (each end is "veth0" in
# its namespace), with lo up, IPv4 10.200.X.1/24 (A) and 10.200.X.2/24 (B), IPv6 fd00:200:X::1/64
# and ::2/64 without duplicate address detection. X defaults to 1; the addresses only need to be
# unique within one call because each pair lives in its own namespaces.
# Sets NS_A NS_B IF_A IF_B IP4_A IP4_B IP6_A IP6_B.
netns_setup()
{
	local x=${1:-1} a b
	T_NS_SEQ=$((T_NS_SEQ + 1))
	a="${T_PREFIX}${T_NS_SEQ}a"
	b="${T_PREFIX}${T_NS_SEQ}b"
	ip netns add "$a" || return 1
	T_NETNS+=("$a")
	ip netns add "$b" || return 1
	T_NETNS+=("$b")
	ip -n "$a" link add name veth0 type veth peer name veth0 netns "$b" || return 1
	NS_A=$a
	NS_B=$b
	IF_A=veth0
	IF_B=veth0
	IP4_A=10.200.$x.1
	IP4_B=10.200.$x.2
	IP6_A=fd00:200:$x::1
	IP6_B=fd00:200:$x::2
	ip -n "$a" link set lo up &&
		ip -n "$b" link set lo up &&
		ip -n "$a" addr add "$IP4_A/24" dev veth0 &&
		ip -n "$b" addr add "$IP4_B/24" dev veth0 &&
		ip -n "$a" -6 addr add "$IP6_A/64" dev veth0 nodad &&
		ip -n "$b" -6 addr add "$IP6_B/64" dev veth0 nodad &&
		ip -n "$a" link set veth0 up &&
		ip -n "$b" link set veth0 up || return 1
}

# t_bg NS CMD...: start CMD inside NS in the background; its PID (ip netns exec execs the command,
# so it is the command's own PID) is recorded in T_PIDS and left in T_BG_PID.
t_bg()
{
	local ns=$1
	shift
	ip netns exec "$ns" "$@" &
	T_BG_PID=$!
	T_PIDS+=("$T_BG_PID")
}

# The SECONDS a wait is given are what the step takes on a quiet machine; a wait returns as soon
# as its condition holds, so the bound is stretched WAIT_SLACK times for a busy CI machine (2
# cores, BPF verification and OpenSSL key generation competing) at no cost to a passing run.
WAIT_SLACK=${WAIT_SLACK:-3}

# wait_port NS PORT [SECONDS]: poll (every 0.1 s, at most SECONDS, default 5) until a TCP socket
# listens on PORT inside NS. Looks with ss instead of connecting, so a one-shot server
# (s_server -naccept 1) does not waste its only accept on the probe.
wait_port()
{
	local ns=$1 port=$2 secs=${3:-5} i
	for ((i = 0; i < secs * 10 * WAIT_SLACK; i++)); do
		if [ -n "$(ip netns exec "$ns" ss -Hltn "sport = :$port" 2>/dev/null)" ]; then
			return 0
		fi
		sleep 0.1
	done
	return 1
}

# wait_file_grep FILE REGEX [SECONDS]: bounded wait until FILE contains REGEX.
wait_file_grep()
{
	local file=$1 re=$2 secs=${3:-5} i
	for ((i = 0; i < secs * 10 * WAIT_SLACK; i++)); do
		grep -q -- "$re" "$file" 2>/dev/null && return 0
		sleep 0.1
	done
	return 1
}
