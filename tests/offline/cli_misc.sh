#!/bin/bash
# shellcheck disable=SC2162 # "run read ..." runs `tlsmon read`, not the shell builtin
# The command line around the subcommands (issue 12): -V/--version, `help COMMAND`, every
# subcommand's --help lists every flag its option table has (read from user/cmd/*.c), usage
# errors exit 2 in every subcommand, --policy-file names a missing file once, and `tlsmon read`
# of gzip-compressed captures and of stdin gives the same JSON as the plain file.
set -u

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
cd "$ROOT" || exit 1
# shellcheck source=tests/lib.sh
. tests/lib.sh
PCAPS=$ROOT/../shared/pcaps
T=cli_misc
t_offline "$T" gzip cmp

# run ARGS...: tlsmon ARGS with stdout in $W/out, stderr in $W/err, status in RC.
run()
{
	"$TLSMON" "$@" >"$W/out" 2>"$W/err"
	RC=$?
}

# ---- version ----
for v in -V --version version; do
	run "$v"
	if [ "$RC" = 0 ] && [ "$(sed -n 1p "$W/out")" = "tlsmon $(cat VERSION)" ] &&
		grep -Eq '^libbpf [0-9]+\.[0-9]+' "$W/out" && grep -q '^OpenSSL [0-9]' "$W/out"; then
		pass "$T/version $v"
	else
		fail "$T/version $v" "exit $RC: $(tr '\n' '|' <"$W/out")"
	fi
done
run version extra
check "$T/version extra argument exits 2" test "$RC" = 2

# ---- help COMMAND is COMMAND --help ----
run --help
cp "$W/out" "$W/top.help"
for c in run read dump explain policy version; do
	run help "$c"
	cp "$W/out" "$W/help.$c"
	rc1=$RC
	run "$c" --help
	if [ "$rc1" = 0 ] && [ "$RC" = 0 ] && [ -s "$W/out" ] && cmp -s "$W/out" "$W/help.$c" &&
		! cmp -s "$W/out" "$W/top.help" && grep -q "^usage: tlsmon $c" "$W/out"; then
		pass "$T/help $c = $c --help"
	else
		fail "$T/help $c" "exit $rc1/$RC, first line '$(head -1 "$W/help.$c")'"
	fi
done
run help nope
check "$T/help of an unknown command exits 2" test "$RC" = 2

# ---- every flag of a subcommand's option table is in its --help ----
# flags CMD: the long options its source accepts; read's test hooks are not for users.
flags()
{
	local src=user/cmd/$1.c
	[ "$1" = run ] && src=user/cmd/run_opts.c
	{
		grep -o '{ "[a-z-]*", \(no\|required\)_argument' "$src" | cut -d'"' -f2
		grep -o '"--[a-z-]*"' "$src" | sed 's/^"--//; s/"$//'
	} | grep -v -x -e serve-dump -e keep-flagged -e keep-bytes -e help | sort -u |
		sed 's/^/--/'
	# read's hooks share names with run's real options: only read hides them
	if [ "$1" = run ]; then
		printf -- '--keep-flagged\n--keep-bytes\n'
	fi
}
for c in run read dump explain policy; do
	missing=""
	n=0
	for f in $(flags "$c"); do
		n=$((n + 1))
		grep -q -- "$f\b" "$W/help.$c" || missing+="$f "
	done
	if [ "$n" -gt 0 ] && [ -z "$missing" ]; then
		pass "$T/$c --help lists its $n flags"
	else
		fail "$T/$c --help lists its flags" "missing: ${missing:-no flags found}"
	fi
done

# ---- usage errors exit 2, everywhere ----
usage_cases=(
	""
	"nope"
	"run --bogus"
	"run --metrics-addr nonsense"
	"run --ports 0"
	"run --ports 443,,444"
	"run --ingress sideways"
	"run --keep-bytes 1"
	"run --ring-bytes 1T"
	"run --log-mode 0777"
	"run --log-group no-such-group-tlsmon"
	"run --socket-group no-such-group-tlsmon"
	"run --user no-such-user-tlsmon"
	"run --policy nonsense"
	"run --policy-file /nonexistent/policy.conf"
	"run --config /nonexistent/tlsmon.conf"
	"run --config /dev/null extra"
	"read"
	"read --bogus x.pcap"
	"read --max-flows lots x.pcap"
	"read --policy bogus=1 x.pcap"
	"dump --bogus"
	"dump --since forever"
	"dump --format tar"
	"dump extra"
	"explain"
	"explain --bogus x.jsonl"
	"policy --bogus"
	"policy --policy"
	"policy --policy min_rsa_bits=lots"
	"policy --policy-file /nonexistent/policy.conf"
)
bad=""
for args in "${usage_cases[@]}"; do
	# shellcheck disable=SC2086 # args is a word list
	run $args
	[ "$RC" = 2 ] || bad+="'tlsmon $args' exit $RC; "
done
if [ -z "$bad" ]; then
	pass "$T/${#usage_cases[@]} usage errors exit 2"
else
	fail "$T/usage errors exit 2" "$bad"
fi

# ---- a missing --policy-file is named once ----
for c in policy read run; do
	run "$c" --policy-file /nonexistent/policy.conf x.pcap
	[ "$c" = read ] || run "$c" --policy-file /nonexistent/policy.conf
	if [ "$(grep -o /nonexistent/policy.conf "$W/err" | wc -l)" = 1 ] &&
		grep -q 'No such file' "$W/err"; then
		pass "$T/$c --policy-file missing: path named once"
	else
		fail "$T/$c --policy-file missing" "$(cat "$W/err")"
	fi
done

# ---- read: gzip and stdin give the plain file's JSON ----
n=0
bad=""
for f in "$PCAPS"/zeek_tls-1.2-handshake-failure.pcap "$PCAPS"/*.pcapng; do
	[ -r "$f" ] || continue
	n=$((n + 1))
	b=$(basename "$f")
	gzip -c "$f" >"$W/$b.gz"
	"$TLSMON" read "$f" >"$W/plain.jsonl" 2>/dev/null
	"$TLSMON" read "$W/$b.gz" >"$W/gz.jsonl" 2>/dev/null || bad+="$b.gz (exit $?) "
	"$TLSMON" read - <"$f" >"$W/stdin.jsonl" 2>/dev/null || bad+="- <$b (exit $?) "
	gzip -c "$f" | "$TLSMON" read - >"$W/stdin-gz.jsonl" 2>/dev/null || bad+="gzip | - "
	for o in gz stdin stdin-gz; do
		cmp -s "$W/plain.jsonl" "$W/$o.jsonl" || bad+="$b: $o differs "
	done
	[ -s "$W/plain.jsonl" ] || bad+="$b: no handshake "
done
if [ "$n" -eq 0 ] && [ ! -d "$PCAPS" ]; then
	skip "$T/read .gz and stdin" "$PCAPS not found (the shared captures sit beside the clone)"
elif [ "$n" -ge 2 ] && [ -z "$bad" ]; then
	pass "$T/read .gz, - and gzip | read - equal the plain read ($n captures)"
else
	fail "$T/read .gz and stdin" "${bad:-no captures in $PCAPS}"
fi
# A capture of our own (the shared ones may be absent): 4 KB of client bytes, so the gzip is
# longer than the 100 bytes kept.
head -c 4096 /dev/urandom >"$W/hello.bin"
"$ROOT/$BUILD/tools/pcapgen" -o "$W/own.pcap" c:"$W/hello.bin" >/dev/null 2>&1
gzip -c "$W/own.pcap" | head -c 100 >"$W/cut.gz"
run read "$W/cut.gz"
if [ "$RC" = 1 ] && grep -q 'corrupt or truncated gzip data' "$W/err"; then
	pass "$T/read of a truncated .gz: named, exit 1"
else
	fail "$T/read of a truncated .gz" "exit $RC: $(cat "$W/err")"
fi
run read - </dev/null
if [ "$RC" = 1 ] && grep -q '^tlsmon: -: not a pcap or pcapng file' "$W/err"; then
	pass "$T/read - of empty stdin: not a capture, exit 1"
else
	fail "$T/read - of empty stdin" "exit $RC: $(cat "$W/err")"
fi
t_done
