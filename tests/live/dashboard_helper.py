#!/usr/bin/env python3
"""Checks for tests/live/dashboard.sh against a running Prometheus (its HTTP API).

  dashboard_helper.py wait URL QUERY SECONDS
      exit 0 once the instant QUERY returns a non-empty result, 1 after SECONDS
  dashboard_helper.py check URL DASHBOARD RULES RATE_INTERVAL JOB
      print PASS/FAIL lines: the dashboard's structure, its variables' label_values() queries,
      every panel expression (variables substituted) returning data, the alert rules loaded
      healthy, and every tlsmon_* metric the dashboard and the rules name present in Prometheus
"""
import json
import re
import sys
import time
import urllib.parse
import urllib.request

T = "dashboard"
failed = 0


def result(ok, name, why=""):
    global failed
    if ok:
        print("PASS %s/%s" % (T, name))
    else:
        failed += 1
        print("FAIL %s/%s: %s" % (T, name, why))


def api(url, path, **params):
    q = urllib.parse.urlencode(params, doseq=True)
    with urllib.request.urlopen("%s%s?%s" % (url, path, q), timeout=5) as r:
        body = json.load(r)
    if body.get("status") != "success":
        raise RuntimeError("%s: %s" % (path, body.get("error")))
    return body["data"]


def query(url, expr):
    return api(url, "/api/v1/query", query=expr)["result"]


def wait(url, expr, secs):
    end = time.monotonic() + float(secs)
    while time.monotonic() < end:
        try:
            if query(url, expr):
                return 0
        except (OSError, RuntimeError):
            pass  # not up yet, or the series not scraped yet
        time.sleep(0.25)
    return 1


def panels_of(dash):
    for p in dash.get("panels", []):
        yield p
        yield from p.get("panels", [])  # a collapsed row keeps its panels inside


def check_structure(dash):
    tvars = {v["name"]: v for v in dash.get("templating", {}).get("list", [])}
    ds = tvars.get("datasource", {})
    result(36 <= dash.get("schemaVersion", 0) <= 41,
           "schemaVersion %s" % dash.get("schemaVersion"), "want a Grafana 10/11 schema (36-41)")
    result(ds.get("type") == "datasource" and ds.get("query") == "prometheus",
           "datasource variable (Prometheus)", "no `datasource` variable of type prometheus")
    ids, bad = [], []
    for p in panels_of(dash):
        ids.append(p.get("id"))
        if "gridPos" not in p:
            bad.append("%s: no gridPos" % p.get("title"))
        if p.get("type") == "row":
            continue
        if not p.get("targets"):
            bad.append("%s: no query" % p.get("title"))
        for o in [p] + p.get("targets", []):
            if o.get("datasource", {}).get("uid") != "${datasource}":
                bad.append("%s: datasource is not ${datasource}" % p.get("title"))
    result(len(ids) == len(set(ids)), "panel ids unique", "duplicate ids in %s" % ids)
    result(not bad, "panels have gridPos, queries, datasource ${datasource}", "; ".join(bad))
    return tvars


def subst(expr, values):
    for k, v in values.items():
        expr = expr.replace("${%s}" % k, v)
        expr = re.sub(r"\$%s\b" % re.escape(k), lambda m: v, expr)
    return expr


def label_values(url, q, values):
    """Grafana's label_values(SELECTOR, LABEL) through /api/v1/series."""
    m = re.fullmatch(r"\s*label_values\((.*),\s*(\w+)\)\s*", subst(q, values))
    if not m:
        raise RuntimeError("not a label_values() query: %s" % q)
    series = api(url, "/api/v1/series", **{"match[]": m.group(1)})
    return sorted({s[m.group(2)] for s in series if m.group(2) in s})


def check(url, dash_path, rules_path, rate_interval, job):
    dash = json.load(open(dash_path))
    tvars = check_structure(dash)
    values = {"__rate_interval": rate_interval, "__interval": rate_interval, "job": job}
    # Each query variable in order, with the earlier ones substituted; a multi-value variable
    # with "All" takes its allValue, as Grafana does.
    for name, v in tvars.items():
        if v.get("type") != "query":
            continue
        q = v.get("query")
        q = q.get("query") if isinstance(q, dict) else q
        try:
            got = label_values(url, q, values)
        except (OSError, RuntimeError) as e:
            result(False, "variable $%s" % name, str(e))
            continue
        result(bool(got), "variable $%s = label_values -> %s" % (name, got), "no values")
        if name == "job":
            result(job in got, "variable $job offers %s" % job, "got %s" % got)
        elif name not in values:
            values[name] = v.get("allValue") if v.get("includeAll") else (got[0] if got else "")
    names = set()
    for p in panels_of(dash):
        for t in p.get("targets", []):
            expr = subst(t.get("expr", ""), values)
            names.update(re.findall(r"\btlsmon_[a-z_]+", expr))
            label = "%s [%s]: %s" % (p.get("title"), t.get("refId"), expr)
            if "$" in expr:
                result(False, label, "variable left unsubstituted")
                continue
            try:
                res = query(url, expr)
            except (OSError, RuntimeError) as e:
                result(False, label, str(e))
                continue
            result(len(res) > 0, "%s -> %d series" % (label, len(res)), "empty result")

    want = 0
    text = open(rules_path).read()
    want = len(re.findall(r"^\s*- alert:", text, re.M))
    names.update(re.findall(r"\btlsmon_[a-z_]+", text))
    rules, unhealthy = [], []
    end = time.monotonic() + 10
    while True:
        groups = api(url, "/api/v1/rules")["groups"]
        rules = [r for g in groups for r in g["rules"] if r.get("type") == "alerting"]
        unhealthy = ["%s: %s %s" % (r["name"], r.get("health"), r.get("lastError", ""))
                     for r in rules if r.get("health") != "ok"]
        if (len(rules) == want and not unhealthy) or time.monotonic() > end:
            break
        time.sleep(0.5)  # health stays "unknown" until the first evaluation
    result(len(rules) == want and want > 0, "rules loaded: %d alerting rules" % len(rules),
           "want %d from %s" % (want, rules_path))
    result(not unhealthy, "rules healthy", "; ".join(unhealthy))

    have = set(api(url, "/api/v1/label/__name__/values"))
    missing = sorted(names - have)
    result(not missing, "all %d tlsmon metrics of the dashboard and the rules are scraped" %
           len(names), "absent: %s" % " ".join(missing))
    return 1 if failed else 0


def main(argv):
    if len(argv) == 5 and argv[1] == "wait":
        return wait(argv[2], argv[3], argv[4])
    if len(argv) == 7 and argv[1] == "check":
        return check(*argv[2:7])
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv))
