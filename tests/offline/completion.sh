#!/bin/bash
# deploy/completion/tlsmon.bash, sourced into this bash and driven through COMP_WORDS/COMP_CWORD
# as bash itself calls it, against $BUILD/tlsmon: commands, each command's options (from its
# --help), interface names for -i, choices for --ingress and --format, policy keys for --policy,
# nothing for a value without choices (--ports), files for the operands of read and explain.
set -u

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
cd "$ROOT" || exit 1
# shellcheck source=tests/lib.sh
. tests/lib.sh
T=completion
t_offline "$T"
# shellcheck source=deploy/completion/tlsmon.bash
. deploy/completion/tlsmon.bash

if complete -p tlsmon 2>/dev/null | grep -q -- '-F _tlsmon'; then
	pass "$T/registered for tlsmon"
else
	fail "$T/registered for tlsmon" "$(complete -p tlsmon 2>&1)"
fi

# expect NAME WANT WORD...: complete the last WORD (the cursor's) and compare the sorted
# candidates, space separated, with WANT.
expect()
{
	local name=$1 want=$2 got
	shift 2
	COMP_WORDS=("$TLSMON" "$@")
	COMP_CWORD=$(($# ))
	COMP_LINE="${COMP_WORDS[*]}"
	COMP_POINT=${#COMP_LINE}
	COMPREPLY=()
	_tlsmon "${COMP_WORDS[0]}" "${COMP_WORDS[COMP_CWORD]}" "${COMP_WORDS[COMP_CWORD - 1]}"
	got=$(printf '%s\n' "${COMPREPLY[@]}" | sort | tr '\n' ' ')
	got=${got% }
	if [ "$got" = "$want" ]; then
		pass "$T/$name"
	else
		fail "$T/$name" "want '$want', got '$got'"
	fi
}

expect "commands r*" "read run" r
expect "commands" "--help --version dump endpoints explain help inventory policy read run version" ""
expect "run --po" "--policy --policy-file --ports" run --po
expect "run --log*" "--log --log-all --log-group --log-mode" run --log
expect "read --s*" "--sort --stats --summary" read --s
expect "read --sort" "ts" read --sort ""
expect "read -j (no choices)" "" read -j ""
expect "dump --format" "pcap pcapng" dump --format ""
expect "endpoints --format" "json text" endpoints --format ""
expect "inventory --format" "cyclonedx json" inventory --format ""
expect "run --ingress x*" "xdp xdp-generic" run --ingress x
expect "run --ports (no choices)" "" run --ports ""
expect "run --policy weak_key.*" "weak_key.enabled= weak_key.severity=" run --policy weak_key.
expect "policy --policy min_r*" "min_rsa_bits=" policy --policy min_r
ifaces=$(find /sys/class/net -mindepth 1 -maxdepth 1 -printf '%f\n' | sort | tr '\n' ' ')
expect "run -i (interfaces)" "${ifaces% }" run -i ""
ifaces=$(find /sys/class/net -mindepth 1 -maxdepth 1 -name 'l*' -printf '%f\n' | sort | tr '\n' ' ')
expect "run --interface l* (interfaces)" "${ifaces% }" run --metrics-addr 127.0.0.1:9 --interface l

touch "$W/cap1.pcap" "$W/cap2.pcapng" "$W/other.jsonl"
expect "read FILE" "$W/cap1.pcap $W/cap2.pcapng" read --flagged "$W/cap"
expect "explain FILE" "$W/other.jsonl" explain "$W/o"
expect "dump operand (none)" "" dump "$W/cap"

# Every option `run --help` prints is offered after `run --`.
want=$("$TLSMON" run --help | grep -oE -- '(^|[ ,])--[a-z][a-z0-9-]*' | sed 's/^[ ,]*//' | sort -u |
	tr '\n' ' ')
expect "run -- (every long option)" "${want% }" run --
t_done
