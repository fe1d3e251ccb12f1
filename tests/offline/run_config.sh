#!/bin/bash
# `tlsmon run`'s config file and what it does without attaching (issue 12): --print-config says
# every setting and where it came from (default, FILE:LINE, command line) and exits 0; flags
# override the file, --policy adds to it; unknown keys and bad values exit 2 naming FILE:LINE;
# deploy/tlsmon.conf has a key for every long option of run, each commented out at the value
# tlsmon uses by default; --list/--dry-run print the interface and hooks and exit 0.
set -u

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
cd "$ROOT" || exit 1
# shellcheck source=tests/lib.sh
. tests/lib.sh
T=run_config
t_offline "$T"

run()
{
	"$TLSMON" "$@" >"$W/out" 2>"$W/err"
	RC=$?
}

# line KEY: the --print-config line of KEY, spaces squeezed ("ports = 993 # command line").
line()
{
	grep "^$1 = " "$W/out" | tr -s ' '
}

# expect NAME GOT WANT
expect()
{
	if [ "$2" = "$3" ]; then
		pass "$T/$1"
	else
		fail "$T/$1" "got '$2', want '$3'"
	fi
}

# ---- sources and precedence ----
C=$W/tlsmon.conf
cat >"$C" <<EOF
# test config
interface = eth7
ports = 443,8443
log-all = yes   # every handshake
snaplen = 1500
policy = min_rsa_bits=3072
EOF
run run --config "$C" --print-config --ports 993 --policy min_dh_bits=3072
expect "print-config exit 0" "$RC" 0
expect "flag overrides the file" "$(line ports)" "ports = 993 # command line"
expect "the file's value and line" "$(line log-all)" "log-all = true # $C:4"
expect "-i absent: the file's interface" "$(line interface)" "interface = eth7 # $C:2"
expect "default" "$(line ingress)" "ingress = auto # default"
expect "policy: the file's first" "$(grep '^policy = ' "$W/out" | tr -s ' ' | tr '\n' '|')" \
	"policy = min_rsa_bits=3072 # $C:6|policy = min_dh_bits=3072 # command line|"
run run --config "$C" --print-config -i veth3 -i veth4
expect "-i replaces the file's interfaces" "$(grep '^interface = ' "$W/out" | tr -s ' ' |
	tr '\n' '|')" "interface = veth3 # command line|interface = veth4 # command line|"

# the output is a config file that gives the same settings
run run --config "$C" --print-config --ports 993 --log-mode 0600
cp "$W/out" "$W/printed.conf"
sed 's/ *#.*//' "$W/printed.conf" >"$W/values.1"
run run --config "$W/printed.conf" --print-config
sed 's/ *#.*//' "$W/out" >"$W/values.2"
if [ "$RC" = 0 ] && cmp -s "$W/values.1" "$W/values.2"; then
	pass "$T/--print-config output reads back as the same settings"
else
	fail "$T/--print-config read back" "exit $RC: $(diff "$W/values.1" "$W/values.2" | head -4 |
		tr '\n' ' ') $(cat "$W/err")"
fi

# ---- errors name FILE:LINE and exit 2 ----
# err_case NAME TEXT WANT: a config of TEXT is refused with WANT on stderr.
err_case()
{
	printf '%b' "$2" >"$W/bad.conf"
	run run --config "$W/bad.conf" --print-config
	if [ "$RC" = 2 ] && grep -qF -- "$3" "$W/err" && [ ! -s "$W/out" ]; then
		pass "$T/$1: exit 2, FILE:LINE and the reason"
	else
		fail "$T/$1" "exit $RC, stderr '$(cat "$W/err")'"
	fi
}
err_case "unknown key" '# c\n\nbogus = 1\n' "tlsmon: $W/bad.conf:3: unknown key 'bogus'"
err_case "bad value" 'ports = 443\nkeep-flagged = lots\n' \
	"tlsmon: $W/bad.conf:2: keep-flagged: expected 1..16777216"
err_case "bad metrics-addr" 'metrics-addr = nonsense\n' "$W/bad.conf:1: metrics-addr: expected HOST:PORT"
err_case "not key = value" 'ports\n' "tlsmon: $W/bad.conf:1: expected 'key = value'"
err_case "bad policy" 'policy = min_rsa_bits=lots\n' "$W/bad.conf:1: policy: min_rsa_bits=lots: invalid value"
err_case "command-line-only key" 'print-config = true\n' "$W/bad.conf:1: unknown key 'print-config'"
run run --config "$W/nonexistent.conf" --print-config
if [ "$RC" = 2 ] && grep -qF "tlsmon: --config $W/nonexistent.conf: No such file" "$W/err"; then
	pass "$T/missing --config: exit 2, named"
else
	fail "$T/missing --config" "exit $RC: $(cat "$W/err")"
fi
run run --config /dev/null --print-config
if [ "$RC" = 0 ] && [ "$(grep -c '# default' "$W/out")" -ge 19 ] &&
	! grep -q '# command line\|# /' "$W/out"; then
	pass "$T/--config /dev/null: every setting a default"
else
	fail "$T/--config /dev/null" "exit $RC: $(grep -v '# default' "$W/out" | head -3)"
fi

# ---- deploy/tlsmon.conf ----
# Every long option of run (from --help, less those of the command line only) is a key in it.
run run --help
missing=""
for o in $(grep -o -- '--[a-z][a-z-]*' "$W/out" | sort -u); do
	case $o in
	--config | --print-config | --list | --dry-run | --help | --hold-bytes) continue ;;
	esac
	grep -Eq "^# ?${o#--} =" deploy/tlsmon.conf || missing+="$o "
done
if [ -z "$missing" ]; then
	pass "$T/deploy/tlsmon.conf has every option of run as a key"
else
	fail "$T/deploy/tlsmon.conf keys" "missing $missing"
fi
run run --config deploy/tlsmon.conf --print-config
if [ "$RC" = 0 ] && ! grep -q 'tlsmon.conf:' "$W/out"; then
	pass "$T/deploy/tlsmon.conf as shipped sets nothing"
else
	fail "$T/deploy/tlsmon.conf as shipped" "exit $RC: $(grep 'tlsmon.conf:' "$W/out" | head -2)"
fi
# Uncommented ("#key = value" lines), it sets every key to the value tlsmon uses anyway.
sed 's/^#\([a-z-]* =\)/\1/' deploy/tlsmon.conf >"$W/uncommented.conf"
run run --config "$W/uncommented.conf" --print-config
sed 's/ *#.*//' "$W/out" >"$W/uncommented.values"
n=$(grep -c 'uncommented.conf:' "$W/out")
run run --config /dev/null --print-config
sed 's/ *#.*//' "$W/out" >"$W/default.values"
if [ "$n" -ge 19 ] && cmp -s "$W/uncommented.values" "$W/default.values"; then
	pass "$T/deploy/tlsmon.conf: $n keys commented out at their defaults"
else
	fail "$T/deploy/tlsmon.conf defaults" "$n keys; $(diff "$W/default.values" \
		"$W/uncommented.values" | grep '^[<>]' | head -4 | tr '\n' ' ')"
fi

# ---- --list / --dry-run: no attaching, no privileges needed ----
for l in --list --dry-run; do
	run run --config /dev/null -i lo "$l"
	expect "$l -i lo" "$RC:$(cat "$W/out")" "0:lo ingress none egress tc"
done
run run --config /dev/null -i lo -i no-such-if0 --list
if [ "$RC" = 1 ] && grep -q '^tlsmon: no-such-if0: no such interface' "$W/err" &&
	[ "$(cat "$W/out")" = "lo ingress none egress tc" ]; then
	pass "$T/--list of a missing interface: named, exit 1"
else
	fail "$T/--list of a missing interface" "exit $RC: $(cat "$W/err")"
fi
t_done
