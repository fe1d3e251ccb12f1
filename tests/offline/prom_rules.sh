#!/bin/bash
# The Prometheus alert rules in deploy/prometheus/: `promtool check rules` and `promtool test rules`
# pass, every alert has a severity, a summary, a description and a `for:`, the unit tests hold a
# case where each alert fires and one where it does not, and every tlsmon_* metric the rules name
# is one tlsmon exports (`tlsmon read --metrics`, plus the kernel counters and the daemon-only
# samples, which only `tlsmon run` serves: tests/live/dashboard.sh checks those against a live
# scrape).
set -u
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=tests/lib.sh
. "$HERE/../lib.sh"
BUILD=${BUILD:-build}
PCAPS=${PCAPS:-../shared/pcaps}
RULES=${RULES:-deploy/prometheus/tlsmon-rules.yml}
RTEST=${RTEST:-deploy/prometheus/tlsmon-rules.test.yml}
T=prom_rules

require_cmd "$T" promtool python3
python3 -c 'import yaml' 2>/dev/null || { skip "$T" "python3-yaml not installed"; exit 0; }
t_tmpdir || exit 1

if promtool check rules "$RULES" >"$T_TMP/check" 2>&1; then
	pass "$T/promtool check rules: $(grep -o '[0-9]* rules found' "$T_TMP/check")"
else
	fail "$T/promtool check rules" "$(tail -3 "$T_TMP/check" | tr '\n' ' ')"
fi
# promtool resolves rule_files relative to the test file; RULES may be a copy elsewhere (the
# test of this test points it at a broken one), so run on a copy of both side by side.
cp "$RULES" "$T_TMP/tlsmon-rules.yml" && cp "$RTEST" "$T_TMP/tlsmon-rules.test.yml" || exit 1
if promtool test rules "$T_TMP/tlsmon-rules.test.yml" >"$T_TMP/test" 2>&1; then
	pass "$T/promtool test rules"
else
	fail "$T/promtool test rules" "$(grep -m3 -E 'FAILED|alertname|error' "$T_TMP/test" |
		tr '\n' ' ' | cut -c1-400)"
fi

# The names tlsmon exports: the registry of a read, the kernel counter list, and the samples
# only the daemon adds (out/metrics.c).
{
	"$BUILD/tlsmon" read --metrics "$PCAPS"/*.pcap* 2>/dev/null | sed -n 's/^# TYPE \([^ ]*\) .*/\1/p'
	sed -n 's/.*TLSMON_COUNTER([A-Z_0-9]*, "\([a-z_]*\)".*/tlsmon_\1/p' include/tlsmon_counters.h
	grep -o 'header(b, "tlsmon_[a-z_]*"' user/out/metrics.c | sed 's/.*"\(.*\)"/\1/'
} | sort -u >"$T_TMP/exported"
if grep -q '^tlsmon_handshakes_total$' "$T_TMP/exported" &&
	grep -q '^tlsmon_ringbuf_dropped_total$' "$T_TMP/exported"; then
	pass "$T/exported metric names: $(wc -l <"$T_TMP/exported")"
else
	fail "$T/exported metric names" "could not list them (is $BUILD/tlsmon built?)"
fi

python3 - "$RULES" "$RTEST" "$T_TMP/exported" "$T" <<'EOF'
import re
import sys
import yaml

rules_path, test_path, exported_path, t = sys.argv[1:5]
rules = yaml.safe_load(open(rules_path))
tests = yaml.safe_load(open(test_path))
exported = set(open(exported_path).read().split())


def result(ok, name, why=""):
    print(("PASS %s/%s" % (t, name)) if ok else ("FAIL %s/%s: %s" % (t, name, why)))


fires, quiet = set(), set()
for group in tests.get("tests", []):
    for case in group.get("alert_rule_test", []):
        (fires if case.get("exp_alerts") else quiet).add(case["alertname"])

alerts = [r for g in rules["groups"] for r in g["rules"] if "alert" in r]
result(len(alerts) > 0, "alerts defined", "no alert in %s" % rules_path)
for r in alerts:
    a = r["alert"]
    sev = r.get("labels", {}).get("severity")
    ann = r.get("annotations", {})
    names = set(re.findall(r"\btlsmon_[a-z_]+", r["expr"]))
    bad = []
    if sev not in ("critical", "warning", "info"):
        bad.append("severity label %r is not critical, warning or info" % sev)
    bad += ["no %s annotation" % k for k in ("summary", "description") if not ann.get(k)]
    if "for" not in r:
        bad.append("no `for:`")
    if a not in fires:
        bad.append("no test case expects it to fire")
    if a not in quiet:
        bad.append("no test case expects it quiet")
    if names - exported:
        bad.append("not exported by tlsmon: %s" % " ".join(sorted(names - exported)))
    result(not bad, "%s (%s, for %s, fires and quiet cases, %s)" %
           (a, sev, r.get("for"), " ".join(sorted(names)) or "up"), "; ".join(bad))
EOF
t_done
