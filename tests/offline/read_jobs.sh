#!/bin/bash
# `tlsmon read -j N` and `--sort ts` (user/cmd/read_parallel.c): on every capture in
# ../shared/pcaps and on a 20,000-handshake bench/hsgen capture made from their turns, -j 2 and
# -j 3 print the same lines as the one-worker path (as a set), --sort ts prints the same bytes for
# any -j, in start-time order; --flagged, --local-net and --stats per worker; IP fragments in
# order and reversed reach their flow's worker; usage errors. Ends
# with a `bench:` line: 2 workers against 1 on hsgen captures (noisy on a shared machine).
set -u

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
cd "$ROOT" || exit 1
# shellcheck source=tests/lib.sh
. tests/lib.sh
t_offline read_jobs jq
HSGEN=$(realpath -m "$BUILD/bench/hsgen")
PCAPS=$ROOT/../shared/pcaps
HANDSHAKES=20000

# usage errors exit 2 and say why
usage_case()
{
	local name=$1 want=$2 out rc
	shift 2
	out=$("$TLSMON" read "$@" 2>&1 >/dev/null)
	rc=$?
	if [ "$rc" -eq 2 ] && grep -q -- "$want" <<<"$out"; then
		pass "$name"
	else
		fail "$name" "exit $rc, stderr: $out"
	fi
}
usage_case read_jobs_zero "expected 1..64" -j 0 x.pcap
usage_case read_jobs_too_many "expected 1..64" --jobs 65 x.pcap
usage_case read_jobs_sort_key "expected ts" --sort size x.pcap
usage_case read_jobs_refuses_metrics "JSON Lines output only" -j 2 --metrics x.pcap
usage_case read_jobs_refuses_summary "JSON Lines output only" --sort ts --summary x.pcap
if "$TLSMON" read --help | grep -q -- "--jobs N" && "$TLSMON" read --help | grep -q -- "--sort KEY"; then
	pass read_jobs_help
else
	fail read_jobs_help "-j/--sort missing from read --help"
fi

# same_runs NAME FILE...: -j 2 and -j 3 against the one-worker path (sorted lines), --sort ts the
# same bytes for -j 1 and -j 3, sorted by "ts", and the same lines as the plain output.
same_runs()
{
	local name=$1 why=
	shift
	"$TLSMON" read "$@" >"$W/one" 2>"$W/one.err" || why="-j 1 failed: $(head -2 "$W/one.err")"
	for j in 2 3; do
		[ -n "$why" ] && break
		"$TLSMON" read -j "$j" "$@" >"$W/par" 2>"$W/par.err" || why="-j $j failed"
		cmp -s <(sort "$W/one") <(sort "$W/par") || why="-j $j lines differ from -j 1"
		cmp -s "$W/one.err" "$W/par.err" || why="-j $j stderr differs: $(head -2 "$W/par.err")"
	done
	if [ -z "$why" ]; then
		"$TLSMON" read -j 1 --sort ts "$@" >"$W/s1" && "$TLSMON" read -j 3 --sort ts "$@" >"$W/s3" ||
			why="--sort ts failed"
	fi
	[ -z "$why" ] && ! cmp -s "$W/s1" "$W/s3" && why="--sort ts: -j 1 and -j 3 bytes differ"
	[ -z "$why" ] && ! cmp -s <(sort "$W/one") <(sort "$W/s1") && why="--sort ts lost or added lines"
	# "ts" is the start time in RFC 3339 (fixed width, so it sorts as text)
	[ -z "$why" ] && ! jq -r .ts "$W/s1" | sort -c 2>/dev/null && why="--sort ts not in ts order"
	if [ -n "$why" ]; then
		fail "$name" "$why"
		return 1
	fi
	return 0
}

if [ ! -d "$PCAPS" ]; then
	skip read_jobs_shared "../shared/pcaps missing"
else
	n=0 bad=0 lines=0
	for f in "$PCAPS"/*.pcap "$PCAPS"/*.pcapng; do
		[ -e "$f" ] || continue
		n=$((n + 1))
		same_runs "read_jobs_shared_$(basename "$f")" "$f" || bad=$((bad + 1))
		lines=$((lines + $(wc -l <"$W/one")))
	done
	if [ "$n" -gt 0 ] && [ "$bad" -eq 0 ] && [ "$lines" -gt 0 ]; then
		pass "read_jobs_shared ($n captures, $lines handshakes)"
	elif [ "$n" -eq 0 ]; then
		skip read_jobs_shared "no captures in ../shared/pcaps"
	fi
	mapfile -t all < <(ls "$PCAPS"/*.pcap "$PCAPS"/*.pcapng 2>/dev/null)
	same_runs read_jobs_shared_all_files "${all[@]}" && pass "read_jobs_shared_all_files (${#all[@]} files in one run)"
	same_runs read_jobs_flagged --flagged "${all[@]}" && pass read_jobs_flagged
	same_runs read_jobs_local_net --local-net 10.0.0.0/8 "${all[@]}" &&
		if grep -q '"not_local":true' "$W/one"; then
			pass read_jobs_local_net
		else
			fail read_jobs_local_net "no line was marked not_local: the case tests nothing"
		fi
	# --stats: one block per worker; their frames add up to the one engine's
	f=$PCAPS/zeek_ssl-v3.pcap
	one=$("$TLSMON" read --stats "$f" 2>&1 >/dev/null | sed -n 's/.*: frames=\([0-9]*\) .*/\1/p')
	sum=$("$TLSMON" read -j 2 --stats "$f" 2>&1 >/dev/null |
		sed -n 's/.*\[worker [12]\/2\]: frames=\([0-9]*\) .*/\1/p' | paste -sd+ | bc)
	if [ -n "$one" ] && [ "$one" -gt 0 ] && [ "$one" = "$sum" ]; then
		pass "read_jobs_stats (frames $one = sum over 2 workers)"
	else
		fail read_jobs_stats "one engine frames=$one, workers' sum=$sum"
	fi
fi

# IP fragments reach their flow's worker (net/shard_frags.h): real captures cut into 256-byte
# fragments by tools/ipfrag.py, in order and last first with a duplicate; -j 2/3 as -j 1.
frag_case()
{
	local t=read_jobs_fragments n=0 cap mode opts
	if [ ! -d "$PCAPS" ] || ! command -v python3 >/dev/null; then
		skip $t "needs ../shared/pcaps and python3"
		return
	fi
	for cap in arkime_badcurveball sv_ldap-starttls zeek_tls-expired-cert; do
		for mode in inorder reverse; do
			opts=()
			[ $mode = reverse ] && opts=(--reverse --dup)
			python3 tools/ipfrag.py "$PCAPS/$cap.pcap" "$W/frag-$cap-$mode.pcap" --size 256 \
				"${opts[@]}" >/dev/null 2>&1 || { fail $t "tools/ipfrag.py failed on $cap"; return; }
			same_runs "$t/$cap/$mode" "$W/frag-$cap-$mode.pcap" || return
			n=$((n + $(wc -l <"$W/one")))
		done
	done
	# the case tests something only when fragments were there and handshakes came out of them
	if [ "$n" -gt 0 ] && "$TLSMON" read --stats "$W/frag-zeek_tls-expired-cert-reverse.pcap" 2>&1 >/dev/null |
		grep -q 'reassembled=[1-9]'; then
		pass "$t ($n handshakes from fragments, 3 captures in order and reversed)"
	else
		fail $t "no handshake or no reassembled datagram ($n handshakes)"
	fi
}
frag_case

# Resumed handshakes on other workers than their full one: one full TLS 1.2 handshake, then
# eight abbreviated ones a minute later from other ports (tests/fixtures/tls12_resume.py, as
# tests/offline/resumption.sh builds them); every one names the full one's chain with -j 3 too.
resume_case()
{
	local t=read_jobs_resumed now turns files=() p
	now=$(date +%s)
	if ! command -v mergecap >/dev/null || ! command -v openssl >/dev/null ||
		! command -v python3 >/dev/null || [ ! -x "$BUILD/tools/pcapgen" ]; then
		skip $t "needs mergecap, openssl, python3 and $BUILD/tools/pcapgen"
		return
	fi
	openssl req -x509 -newkey rsa:2048 -nodes -subj "/CN=resume.example" -days 30 \
		-keyout "$W/key.pem" -out "$W/cert.pem" >/dev/null 2>&1 &&
		openssl x509 -in "$W/cert.pem" -outform DER -out "$W/cert.der" || {
		fail $t "openssl could not make a certificate"
		return
	}
	for p in 40000 40001 40002 40003 40004 40005 40006 40007 40008; do
		if [ $p = 40000 ]; then
			turns=$(python3 tests/fixtures/tls12_resume.py "$W/r$p" full --cert "$W/cert.der")
		else
			turns=$(python3 tests/fixtures/tls12_resume.py "$W/r$p" resume --ticket)
		fi
		# shellcheck disable=SC2086 # turns is a list of arguments
		"$BUILD/tools/pcapgen" -o "$W/r$p.pcap" --client "10.0.0.1:$p" \
			--start-time $((p == 40000 ? now : now + 60 + p - 40000)) $turns 2>/dev/null ||
			{ fail $t "pcapgen failed"; return; }
		files+=("$W/r$p.pcap")
	done
	mergecap -w "$W/resumed.pcap" "${files[@]}" || { fail $t "mergecap failed"; return; }
	same_runs $t "$W/resumed.pcap" || return
	# The case tests something only when some resumed flows were on another worker than the full
	# one. Each run draws its own shard seed, so all nine flows land on one of three workers in
	# about one run of 6,561 (3 / 3^9): up to five runs are made, and every one must name the
	# full chain, however its flows were dealt.
	local try per n
	for try in 1 2 3 4 5; do
		"$TLSMON" read -j 3 --stats "$W/resumed.pcap" >"$W/resumed.out" 2>"$W/resumed.stats"
		per=$(sed -n 's/^  handshakes=//p' "$W/resumed.stats" | sort -n | tail -1)
		n=$(jq -s '[.[] | select(.resumed and .chain_from.leaf_sha256 != null)] | length' \
			"$W/resumed.out")
		if [ "$n" != 8 ] || [ -z "$per" ]; then
			fail $t "run $try: $n of 8 resumed name the full chain (most on one worker: ${per:-none})"
			return
		fi
		if [ "$per" -lt 9 ]; then
			pass "$t (8 of 8 name the full chain; at most $per of 9 handshakes on one worker; run $try)"
			return
		fi
	done
	fail $t "all 9 handshakes on one worker in 5 runs (each run should draw its own shard seed)"
}
resume_case

# hsgen captures from the turns of real handshakes (tshark splits them): a mix of three chains,
# and one where every leaf is distinct (certificate analysis dominates, as on a busy host).
HS_OK=1
if [ ! -d "$PCAPS" ]; then
	skip read_jobs_hsgen "../shared/pcaps missing"
	HS_OK=0
elif [ ! -x "$HSGEN" ]; then
	skip read_jobs_hsgen "$HSGEN not built (make $BUILD/bench/hsgen)"
	HS_OK=0
elif ! command -v tshark >/dev/null; then
	skip read_jobs_hsgen "tshark not installed (bench/extract_turns.sh needs it)"
	HS_OK=0
fi
if [ "$HS_OK" = 1 ]; then
	sets=()
	for c in arkime_openssl-ssl3 zeek_tls-expired-cert sv_bypass-depth-disabled; do
		bash bench/extract_turns.sh "$PCAPS/$c.pcap" "$W/turns-$c" 4 >/dev/null 2>&1 &&
			sets+=("$W/turns-$c")
	done
	if [ ${#sets[@]} -ne 3 ] ||
		! "$HSGEN" -o "$W/mix.pcap" -n $HANDSHAKES "${sets[@]}" >/dev/null 2>&1 ||
		! "$HSGEN" -o "$W/distinct.pcap" -n $HANDSHAKES --distinct-certs \
			--certs-out "$W/distinct.der" "${sets[0]}" >/dev/null 2>&1; then
		fail read_jobs_hsgen "could not make the hsgen captures"
		HS_OK=0
	fi
fi
if [ "$HS_OK" = 1 ]; then
	for c in mix distinct; do
		if same_runs "read_jobs_hsgen_$c" "$W/$c.pcap"; then
			got=$(wc -l <"$W/s3")
			if [ "$got" -eq $HANDSHAKES ]; then
				pass "read_jobs_hsgen_$c ($got handshakes, -j 1 = -j 2 = -j 3)"
			else
				fail "read_jobs_hsgen_$c" "$got lines, expected $HANDSHAKES"
			fi
		fi
	done
	# Best of 3 wall-clock runs, interleaved so a burst of load from elsewhere hits both; and
	# the CPU time of the last runs: with two idle cores the ratio cannot pass 2 / cpu_ratio.
	for c in mix distinct; do
		best1= best2= cpu1= cpu2=
		for _ in 1 2 3; do
			for j in 1 2; do
				t0=${EPOCHREALTIME//[!0-9]/}
				cpu=$( { TIMEFORMAT='%U %S'; time "$TLSMON" read -j $j "$W/$c.pcap" >/dev/null 2>&1; } 2>&1 |
					awk 'END { printf "%d", ($1 + $2) * 1000 }')
				t=$((${EPOCHREALTIME//[!0-9]/} - t0))
				if [ $j = 1 ]; then
					cpu1=$cpu
					[ -z "$best1" ] || [ "$t" -lt "$best1" ] && best1=$t
				else
					cpu2=$cpu
					[ -z "$best2" ] || [ "$t" -lt "$best2" ] && best2=$t
				fi
			done
		done
		printf 'bench: read_jobs_%s %.0f handshakes/s ratio=%s vs -j 1 (%.0f handshakes/s); cpu -j 2 / -j 1 = %s ms / %s ms; %d cores, load %s: noisy on a shared machine, goal 1.8\n' \
			"$c" "$(bc -l <<<"$HANDSHAKES * 1000000 / $best2")" \
			"$(bc -l <<<"scale=2; $best1 / $best2")" "$(bc -l <<<"$HANDSHAKES * 1000000 / $best1")" \
			"$cpu2" "$cpu1" "$(nproc)" "$(cut -d' ' -f1 /proc/loadavg)"
	done
fi
t_done
