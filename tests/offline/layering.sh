#!/usr/bin/env bash
# The layout of user/ (../shared/DESIGN.md): stages in pipeline order, and a file may include
# headers of its own folder, of the folders above it, and include/, never of a folder below it.
# Also: no source or test file over 800 lines (past that, split by responsibility).
set -u
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
. "$HERE/../lib.sh"
cd "$HERE/../.." || exit 1

ORDER=(util capture net tls x509 verdict host out daemon cmd)
rank()
{
	local i
	for i in "${!ORDER[@]}"; do
		[ "${ORDER[$i]}" = "$1" ] && { echo "$i"; return; }
	done
	echo -1
}

bad=""
for dir in user/*/; do
	dir=${dir%/}
	stage=${dir#user/}
	r=$(rank "$stage")
	if [ "$r" -lt 0 ]; then
		bad+=" $dir(not a stage)"
		continue
	fi
	[ -s "$dir/README.md" ] || bad+=" $dir(no README.md)"
	while IFS=: read -r file inc; do
		target=${inc%%/*}
		tr=$(rank "$target")
		[ "$tr" -ge 0 ] || continue
		[ "$tr" -le "$r" ] || bad+=" $file->$inc"
	done < <(grep -Ho '^#include "[a-z0-9_]*/[^"]*"' "$dir"/*.[ch] | sed 's/#include "//; s/"$//')
done
stray=$(find user -maxdepth 1 -type f -name '*.[ch]')
[ -z "$stray" ] || bad+=" $(echo "$stray" | tr '\n' ' ')(outside a stage folder)"
if [ -z "$bad" ]; then pass layering_includes_point_down; else fail layering_includes_point_down "$bad"; fi

long=""
while read -r n f; do
	[ "$f" = total ] && continue
	[ "$n" -le 800 ] || long+=" $f($n)"
done < <(git ls-files 'user/*.[ch]' 'bpf/*.[ch]' 'include/*.h' 'tools/*.[ch]' 'tools/*.py' 'bench/*.[ch]' \
	'tests/*.[ch]' 'tests/*.sh' 'tests/*.py' 2>/dev/null | xargs wc -l)
if [ -z "$long" ]; then pass layering_files_under_800_lines; else fail layering_files_under_800_lines "$long"; fi
t_done
