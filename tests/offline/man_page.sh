#!/bin/bash
# man/tlsmon.8 against the binary, so the two cannot drift apart:
#   render     groff -ww (every warning) and `man --warnings -l` print nothing on stderr
#   version    .TH names the version in VERSION
#   commands   every command of `tlsmon --help` has its own .SS section
#   options    every option printed by `tlsmon COMMAND --help` is in the page, and every option
#              in the page is printed by some command's --help or accepted by `tlsmon OPTION`
#              (none documented that is gone)
set -u

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
cd "$ROOT" || exit 1
# shellcheck source=tests/lib.sh
. tests/lib.sh
BUILD=${BUILD:-build}
TLSMON=$ROOT/$BUILD/tlsmon
PAGE=man/tlsmon.8
T=man_page

require_cmd "$T" groff man
if [ ! -x "$TLSMON" ] || [ ! -f "$PAGE" ]; then
	fail "$T" "$TLSMON or $PAGE missing"
	t_done
fi
t_tmpdir || exit 1
W=$T_TMP

groff -ww -z -man -Tutf8 "$PAGE" 2>"$W/groff.err"
if [ -s "$W/groff.err" ]; then
	fail "$T/groff -ww" "$(head -3 "$W/groff.err" | tr '\n' ' ')"
else
	pass "$T/groff -ww renders without warnings"
fi
MANWIDTH=80 LC_ALL=C.UTF-8 man --warnings -l "$PAGE" >"$W/man.txt" 2>"$W/man.err"
if [ -s "$W/man.err" ] || ! grep -q 'EXIT STATUS' "$W/man.txt"; then
	fail "$T/man -l" "$(head -3 "$W/man.err" | tr '\n' ' ')"
else
	pass "$T/man -l renders without warnings"
fi

want=$(cat VERSION)
if grep -q "^\.TH TLSMON 8 \"[^\"]*\" \"tlsmon $want\"" "$PAGE"; then
	pass "$T/.TH names version $want"
else
	fail "$T/.TH names version $want" "$(grep '^\.TH' "$PAGE")"
fi

# The page's text with roff escapes for minus and font changes undone: options read as typed.
sed -e 's/\\-/-/g' -e 's/\\f[BIRP]//g' -e 's/\\(aq/'"'"'/g' "$PAGE" >"$W/page.txt"

# Commands: the indented words of the "commands:" block of the top-level usage.
"$TLSMON" --help | awk '/^commands:/ { on = 1; next } on && /^$/ { exit } on { print $1 }' \
	>"$W/commands"
if [ ! -s "$W/commands" ]; then
	fail "$T/commands" "no commands found in tlsmon --help"
	t_done
fi
missing=""
: >"$W/help_opts"
while read -r c; do
	grep -q "^\.SS \"tlsmon $c\\b" "$W/page.txt" || missing+=" $c"
	"$TLSMON" "$c" --help 2>&1 | grep -oE '(^|[^a-z0-9-])--?[a-z][a-z0-9-]*' |
		sed 's/^[^-]*//' | grep -vxE -- '--?' >>"$W/help_opts"
done <"$W/commands"
if [ -z "$missing" ]; then
	pass "$T/every command has a section ($(wc -l <"$W/commands"))"
else
	fail "$T/every command has a section" "missing:$missing"
fi

sort -u "$W/help_opts" -o "$W/help_opts"
missing=""
while read -r o; do
	grep -qE -- "(^|[^a-z0-9-])$o([^a-z0-9-]|$)" "$W/page.txt" || missing+=" $o"
done <"$W/help_opts"
n=$(wc -l <"$W/help_opts")
if [ -z "$missing" ] && [ "$n" -ge 10 ]; then
	pass "$T/every option of every --help is documented ($n)"
else
	fail "$T/every option of every --help is documented" "missing:${missing:- (only $n options found)}"
fi

stale=""
while read -r o; do
	grep -qxF -- "$o" "$W/help_opts" && continue
	# Top-level options (tlsmon --version) count when the binary accepts them.
	"$TLSMON" "$o" >/dev/null 2>&1 || stale+=" $o"
done < <(grep -oE -- '(^|[^a-z0-9-])--[a-z][a-z0-9-]*' "$W/page.txt" | sed 's/^[^-]*//' | sort -u)
if [ -z "$stale" ]; then
	pass "$T/no option documented that no --help prints"
else
	fail "$T/no option documented that no --help prints" "$stale"
fi
t_done
