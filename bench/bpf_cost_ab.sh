#!/bin/bash
# Two builds of the kernel filter timed against each other: bench/bpf_cost of build A, then of
# build B, then A again, ... (interleaved, so load from other jobs hits both alike). Each run has
# its own empty-program baseline; the table shows, per class and hook, the median of each build's
# ratio to that baseline with its range over the runs, and the median ns difference of the pairs.
#
# Usage: bench/bpf_cost_ab.sh DIR_A DIR_B [PAIRS [REPEATS [ROUNDS]]]   (root)
#        DIR_x holds bpf_cost and empty.bpf.o (cp build/bench/{bpf_cost,empty.bpf.o} DIR_x before
#        changing bpf/); PAIRS runs of each (default 8), bpf_cost -n REPEATS -r ROUNDS
#        (default 300000, 3). Prints `bench: bpf_ab_<hook>_<class> ...` lines and a table.
set -u
A=${1:?usage: bpf_cost_ab.sh DIR_A DIR_B [PAIRS [REPEATS [ROUNDS]]]}
B=${2:?usage: bpf_cost_ab.sh DIR_A DIR_B [PAIRS [REPEATS [ROUNDS]]]}
PAIRS=${3:-8}
REPEATS=${4:-300000}
ROUNDS=${5:-3}
out=$(mktemp -d /tmp/tlsmon-bpfab.XXXXXX) || exit 1
trap 'rm -rf "$out"' EXIT

for ((i = 0; i < PAIRS; i++)); do
	for side in A B; do
		dir=$A
		[ $side = B ] && dir=$B
		# ratio lines only; "A 3 xdp_tcp_other 25.5 1.19" per class and hook
		"$dir/bpf_cost" -e "$dir/empty.bpf.o" -n "$REPEATS" -r "$ROUNDS" 2>"$out/err" |
			awk -v s=$side -v i="$i" '/^bench: bpf_(xdp|tc_in|tc_out)_/ && /ratio=/ {
				n = substr($2, 5); r = $5; sub(/ratio=/, "", r)
				print s, i, n, $3, r }' >>"$out/runs" || exit 1
		if [ -s "$out/err" ]; then
			cat "$out/err" >&2
		fi
	done
done

echo "bpf_cost A/B: $PAIRS interleaved runs each, $REPEATS repeats, best of $ROUNDS rounds per run"
echo "A = $A, B = $B; load average $(cut -d' ' -f1-3 /proc/loadavg)"
python3 - "$out/runs" <<'EOF'
import sys, statistics as st
runs = {}
for line in open(sys.argv[1]):
    side, i, name, ns, r = line.split()
    runs.setdefault(name, {}).setdefault(side, {})[int(i)] = (float(ns), float(r))
print(f"  {'class/hook':24} {'A ratio med [min-max]':24} {'B ratio med [min-max]':24} "
      f"{'B-A ns med [min-max]':24}")
for name, s in runs.items():
    a, b = s.get("A", {}), s.get("B", {})
    if not a or not b:
        continue
    ra = [v[1] for v in a.values()]
    rb = [v[1] for v in b.values()]
    d = [b[i][0] - a[i][0] for i in a if i in b]
    fa = f"{st.median(ra):.2f} [{min(ra):.2f}-{max(ra):.2f}]"
    fb = f"{st.median(rb):.2f} [{min(rb):.2f}-{max(rb):.2f}]"
    fd = f"{st.median(d):+.1f} [{min(d):+.1f}..{max(d):+.1f}]"
    print(f"  {name:24} {fa:24} {fb:24} {fd:24}")
for name, s in runs.items():
    a, b = s.get("A", {}), s.get("B", {})
    if a and b:
        print(f"bench: bpf_ab_{name} {st.median([v[1] for v in b.values()]):.2f} x_empty "
              f"ratio={st.median([v[1] for v in b.values()]) / st.median([v[1] for v in a.values()]):.3f} vs A")
EOF
