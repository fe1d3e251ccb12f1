#!/bin/bash
# shellcheck disable=SC2016 # jq programs are single-quoted
# The `tlsmon read` command line, on the captures in ../shared/pcaps and a few made here:
# --flagged, --summary, --policy, --policy-file, bad options, unreadable inputs, JSON validity
# (including hostile SNI/ALPN bytes in a ClientHello built here), empty captures, --help.
set -u

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
cd "$ROOT" || exit 1
# shellcheck source=tests/lib.sh
. tests/lib.sh
t_offline read_cli python3 jq
PCAPGEN=$(realpath -m "$BUILD/tools/pcapgen")
HELPER=$ROOT/tests/offline/read_cli_helper.py
PCAPS=$ROOT/../shared/pcaps

# expect NAME GOT WANT
expect()
{
	if [ "$2" = "$3" ]; then
		pass "$1"
	else
		fail "$1" "got '$2', want '$3'"
	fi
}

# run OUTFILE ERRFILE ARGS...: tlsmon ARGS; the exit status is left in RC.
run()
{
	local out=$1 err=$2
	shift 2
	"$TLSMON" "$@" >"$out" 2>"$err"
	RC=$?
}

# ---- help ----
for args in "--help" "-h" "read --help" "read -h" "policy --help"; do
	# shellcheck disable=SC2086 # args is a word list
	run "$W/help.out" "$W/help.err" $args
	if [ "$RC" -eq 0 ] && grep -qi '^usage:' "$W/help.out"; then
		pass "help_$(tr ' -' '_' <<<"$args" | tr -s _ | sed 's/^_//')"
	else
		fail "help_$(tr ' -' '_' <<<"$args" | tr -s _ | sed 's/^_//')" \
			"exit $RC, stdout '$(head -c 80 "$W/help.out")'"
	fi
done
run "$W/help.out" "$W/help.err" read --help
if grep -q -- '--flagged' "$W/help.out" && grep -q -- '--policy-file' "$W/help.out"; then
	pass help_read_lists_options
else
	fail help_read_lists_options "read --help does not describe --flagged/--policy-file"
fi
run "$W/x.out" "$W/x.err" read --no-such-option "$W/x"
expect usage_error_exit_2 "$RC" 2

# ---- empty captures ----
python3 "$HELPER" emptypcap "$W/empty.pcap"
python3 "$HELPER" emptypcapng "$W/empty.pcapng"
for f in empty.pcap empty.pcapng; do
	run "$W/e.out" "$W/e.err" read "$W/$f"
	if [ "$RC" -eq 0 ] && [ ! -s "$W/e.out" ]; then
		pass "read_${f/./_}_prints_nothing"
	else
		fail "read_${f/./_}_prints_nothing" "exit $RC, $(wc -c <"$W/e.out") bytes of output"
	fi
done

# ---- hostile bytes in SNI / ALPN ----
if [ -x "$PCAPGEN" ]; then
	python3 "$HELPER" hello "$W/hello.bin"
	if (cd "$W" && "$PCAPGEN" -o "$W/hello.pcap" c:hello.bin 2>/dev/null); then
		run "$W/hello.out" "$W/hello.err" read "$W/hello.pcap"
		if [ "$RC" -ne 0 ]; then
			fail json_escape_sni_alpn "exit $RC: $(tail -1 "$W/hello.err")"
		elif msg=$(python3 "$HELPER" checkhello "$W/hello.out" 2>&1); then
			pass json_escape_sni_alpn
		else
			fail json_escape_sni_alpn "$msg"
		fi
	else
		fail json_escape_sni_alpn "pcapgen failed"
	fi
else
	skip json_escape_sni_alpn "$PCAPGEN not built"
fi

# ---- the shared captures ----
FILES=()
for f in "$PCAPS"/*.pcap "$PCAPS"/*.pcapng; do
	[ -f "$f" ] && FILES+=("$f")
done
if [ ${#FILES[@]} -eq 0 ]; then
	skip shared_pcaps "no captures in $PCAPS"
	t_done
fi

# Every line of every capture's output is one JSON object.
bad=0
total=0
for f in "${FILES[@]}"; do
	run "$W/one.out" "$W/one.err" read "$f"
	if [ "$RC" -ne 0 ]; then
		fail "json_lines_$(basename "$f")" "exit $RC: $(tail -1 "$W/one.err")"
		bad=$((bad + 1))
		continue
	fi
	if ! n=$(python3 "$HELPER" jsonlines "$W/one.out" 2>&1); then
		fail "json_lines_$(basename "$f")" "$n"
		bad=$((bad + 1))
		continue
	fi
	total=$((total + n))
done
[ "$bad" -eq 0 ] && pass "json_lines_every_shared_capture (${#FILES[@]} files)"

run "$W/all.out" "$W/all.err" read "${FILES[@]}"
expect read_all_exit_0 "$RC" 0
all=$(jq -s length "$W/all.out" 2>/dev/null)
expect read_all_same_as_one_by_one "$all" "$total"
if [ "${all:-0}" -ge 10 ]; then
	pass read_all_handshakes
else
	fail read_all_handshakes "only ${all:-0} handshakes from ${#FILES[@]} captures"
fi

# --flagged: exactly the handshakes that have findings, unchanged.
run "$W/flagged.out" "$W/flagged.err" read --flagged "${FILES[@]}"
expect flagged_exit_0 "$RC" 0
nflag=$(jq -s 'map(select(.findings | length > 0)) | length' "$W/all.out")
expect flagged_count "$(jq -s length "$W/flagged.out")" "$nflag"
if [ "$nflag" -gt 0 ] && [ "$nflag" -lt "$all" ]; then
	pass flagged_is_a_proper_subset
else
	fail flagged_is_a_proper_subset "$nflag of $all handshakes have findings"
fi
expect flagged_all_have_findings \
	"$(jq -s 'all(.findings | length > 0)' "$W/flagged.out")" true
expect flagged_same_objects \
	"$(jq -cs 'map(select(.findings | length > 0))' "$W/all.out" | md5sum)" \
	"$(jq -cs . "$W/flagged.out" | md5sum)"

# --summary: the JSON lines, then a table whose totals agree with them.
run "$W/sum.out" "$W/sum.err" read --summary "${FILES[@]}"
expect summary_exit_0 "$RC" 0
grep '^{' "$W/sum.out" >"$W/sum.json"
grep -v '^{' "$W/sum.out" >"$W/sum.table"
expect summary_json_unchanged "$(md5sum <"$W/sum.json")" "$(md5sum <"$W/all.out")"
hdr=$(grep -m1 -E '^version[[:space:]]' "$W/sum.table")
if [ -z "$hdr" ]; then
	fail summary_table "no 'version ... total' header in: $(head -c 300 "$W/sum.table")"
else
	read -r -a cols <<<"$hdr"
	# Rows are "VERSION N N ... N"; "(no hello)" holds two words.
	row()
	{
		awk -v v="$1" '{ name = $1; if ($1 == "(no") name = "(no hello)"; if (name == v) {
			$1 = ""; if (v == "(no hello)") $2 = ""; print; exit } }' "$W/sum.table" | xargs
	}
	read -r -a tot <<<"$(row total)"
	if [ ${#tot[@]} -ne $((${#cols[@]} - 1)) ]; then
		fail summary_total_row "header '${hdr}', total row '${tot[*]:-}'"
	else
		ok=1
		for ((i = 1; i < ${#cols[@]}; i++)); do
			o=${cols[$i]}
			if [ "$o" = total ]; then
				want=$all
			else
				want=$(jq -s --arg o "$o" 'map(select(.outcome == $o)) | length' "$W/all.out")
			fi
			if [ "${tot[$((i - 1))]}" != "$want" ]; then
				fail "summary_total_$o" "table ${tot[$((i - 1))]}, JSON lines $want"
				ok=0
			fi
		done
		[ "$ok" -eq 1 ] && pass "summary_totals_per_outcome (${cols[*]:1})"
		for o in established alert aborted reset incomplete; do
			printf '%s\n' "${cols[@]}" | grep -qx "$o" || fail "summary_column_$o" "missing"
		done
	fi
	# Per version: a row per version seen, equal to the JSON counts.
	ok=1
	while read -r v n; do
		[ "$v" = null ] && v='(no hello)'
		read -r -a r <<<"$(row "$v")"
		if [ "${r[-1]:-}" != "$n" ]; then
			fail "summary_version_$v" "table '${r[*]:-}', JSON lines $n"
			ok=0
		fi
	done < <(jq -rs 'group_by(.version)[] | "\(.[0].version) \(length)"' "$W/all.out")
	[ "$ok" -eq 1 ] && pass summary_rows_per_version
	# Findings by check: handshakes with at least one finding of that check.
	ok=1
	nchecks=0
	while read -r c n; do
		nchecks=$((nchecks + 1))
		got=$(awk -v c="$c" '$1 == c && NF == 2 { print $2; exit }' "$W/sum.table")
		if [ "$got" != "$n" ]; then
			fail "summary_findings_$c" "table '${got}', JSON lines $n"
			ok=0
		fi
	done < <(jq -rs '[.[] | [.findings[].check] | unique[]] | group_by(.)[] |
		"\(.[0]) \(length)"' "$W/all.out")
	[ "$ok" -eq 1 ] && [ "$nchecks" -gt 0 ] && pass "summary_findings_by_check ($nchecks checks)"
	expect summary_handshake_count \
		"$(sed -n 's/^Handshakes: \([0-9]*\) (\([0-9]*\) flagged).*/\1 \2/p' "$W/sum.table")" \
		"$all $nflag"
fi

# ---- policy ----
count_check()
{
	jq -s --arg c "$1" '[.[].findings[] | select(.check == $c)] | length' "$2"
}
others()
{
	jq -cs --arg c "$1" '[.[].findings[] | select(.check != $c)]' "$2" | md5sum
}
n_ws=$(count_check weak_signature "$W/all.out")
if [ "$n_ws" -gt 0 ]; then
	run "$W/p.out" "$W/p.err" read --policy weak_signature.enabled=false "${FILES[@]}"
	if [ "$RC" -eq 0 ] && [ "$(count_check weak_signature "$W/p.out")" = 0 ] &&
		[ "$(others weak_signature "$W/p.out")" = "$(others weak_signature "$W/all.out")" ] &&
		[ "$(jq -s length "$W/p.out")" = "$all" ]; then
		pass policy_weak_signature_disabled
	else
		fail policy_weak_signature_disabled "exit $RC, $(count_check weak_signature \
			"$W/p.out") weak_signature findings left (of $n_ws), $(jq -s length "$W/p.out") lines"
	fi
else
	fail policy_weak_signature_disabled "no weak_signature findings by default"
fi

# A policy file: comments, blank lines, spaces around '='; two settings.
n_key=$(count_check weak_key "$W/all.out")
n_proto=$(count_check weak_protocol "$W/all.out")
cat >"$W/policy.conf" <<'EOF'
# test policy

weak_key.enabled = false
   weak_protocol.severity=low
EOF
run "$W/pf.out" "$W/pf.err" read --policy-file "$W/policy.conf" "${FILES[@]}"
if [ "$RC" -eq 0 ] && [ "$n_key" -gt 0 ] && [ "$n_proto" -gt 0 ] &&
	[ "$(count_check weak_key "$W/pf.out")" = 0 ] &&
	[ "$(jq -s '[.[].findings[] | select(.check == "weak_protocol") | .severity] |
		unique' -c "$W/pf.out")" = '["low"]' ] &&
	[ "$(count_check weak_protocol "$W/pf.out")" = "$n_proto" ] &&
	[ "$(count_check weak_signature "$W/pf.out")" = "$n_ws" ]; then
	pass policy_file
else
	fail policy_file "exit $RC: $(head -1 "$W/pf.err"); weak_key $n_key -> $(count_check \
		weak_key "$W/pf.out"), weak_protocol severities $(jq -sc '[.[].findings[] |
		select(.check == "weak_protocol") | .severity] | unique' "$W/pf.out")"
fi
# Repeated --policy, and a later one overrides the file.
run "$W/pr.out" "$W/pr.err" read --policy-file "$W/policy.conf" --policy weak_key.enabled=true \
	--policy weak_signature.enabled=false "${FILES[@]}"
if [ "$RC" -eq 0 ] && [ "$(count_check weak_key "$W/pr.out")" = "$n_key" ] &&
	[ "$(count_check weak_signature "$W/pr.out")" = 0 ]; then
	pass policy_repeated_and_over_file
else
	fail policy_repeated_and_over_file "exit $RC, weak_key $(count_check weak_key \
		"$W/pr.out") (want $n_key), weak_signature $(count_check weak_signature "$W/pr.out")"
fi
run "$W/pp.out" "$W/pp.err" policy --policy weak_signature.enabled=false
if [ "$RC" -eq 0 ] && grep -qE '^weak_signature\.enabled *= *false$' "$W/pp.out"; then
	pass policy_command_shows_override
else
	fail policy_command_shows_override "exit $RC"
fi

# Bad settings: exit 2, one line on stderr naming the problem, nothing on stdout.
bad_policy()
{
	local name=$1 word=$2
	shift 2
	run "$W/b.out" "$W/b.err" read "$@" "${FILES[0]}"
	if [ "$RC" -eq 2 ] && [ ! -s "$W/b.out" ] && [ "$(wc -l <"$W/b.err")" -eq 1 ] &&
		grep -qF -- "$word" "$W/b.err"; then
		pass "$name"
	else
		fail "$name" "exit $RC, $(wc -l <"$W/b.err") stderr lines: $(head -c 200 "$W/b.err"),
			$(wc -c <"$W/b.out") bytes on stdout"
	fi
}
bad_policy policy_bad_key no_such.check --policy no_such.check=true
bad_policy policy_bad_value maybe --policy weak_signature.enabled=maybe
bad_policy policy_no_equals weak_key.enabled --policy weak_key.enabled
printf 'weak_key.enabled = false\nbogus_key = 1\n' >"$W/bad.conf"
bad_policy policy_file_bad_key bogus_key --policy-file "$W/bad.conf"
bad_policy policy_file_missing "$W/nope.conf" --policy-file "$W/nope.conf"

# ---- unreadable inputs among good ones ----
good=$PCAPS/arkime_ssl-selfsign.pcap
[ -f "$good" ] || good=${FILES[0]}
run "$W/g.out" "$W/g.err" read "$good"
want=$(jq -s length "$W/g.out")
printf 'this is not a capture\n' >"$W/notpcap.txt"
: >"$W/zero.pcap"
for c in "missing:$W/no-such-file.pcap:No such file" "text:$W/notpcap.txt:not a pcap" \
	"zero_bytes:$W/zero.pcap:$W/zero.pcap"; do
	name=${c%%:*}
	rest=${c#*:}
	f=${rest%%:*}
	word=${rest#*:}
	run "$W/m.out" "$W/m.err" read "$f" "$good" "$f"
	got=$(jq -s length "$W/m.out" 2>/dev/null)
	if [ "$RC" -eq 1 ] && [ "$got" = "$want" ] && grep -qF -- "$f" "$W/m.err" &&
		grep -qF -- "$word" "$W/m.err" && [ "$(wc -l <"$W/m.err")" -le 2 ]; then
		pass "bad_input_$name"
	else
		fail "bad_input_$name" "exit $RC, $got of $want handshakes, stderr: $(head -c 200 \
			"$W/m.err")"
	fi
done

# A capture cut short in the middle of a packet: what came before is reported, no crash.
head -c $(($(stat -c %s "$good") - 7)) "$good" >"$W/cut.pcap"
run "$W/c.out" "$W/c.err" read "$W/cut.pcap"
if [ "$RC" -le 1 ] && python3 "$HELPER" jsonlines "$W/c.out" >/dev/null 2>&1; then
	pass truncated_capture
else
	fail truncated_capture "exit $RC: $(head -c 200 "$W/c.err")"
fi

t_done
