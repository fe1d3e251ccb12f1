#!/usr/bin/env python3
"""tlsmon_handshake_duration_seconds against the JSON lines of the same handshakes.

usage: histogram_helper.py METRICS JSONL
Each handshake's duration is recomputed from its JSON: from the client's ClientHello event, else
the first event, else "ts" (the flow's first frame), to "ts" + duration_us (the decision). Per
outcome, _count must equal the number of handshakes, each bucket the number at or under its
bound, the buckets must be cumulative and +Inf equal to _count. Prints what differs (or how many
handshakes) and exits 1 on any difference.
"""
import datetime as dt
import json
import re
import sys


def usec(s):
    d = dt.datetime.strptime(s[:26], "%Y-%m-%dT%H:%M:%S.%f")
    return round(d.replace(tzinfo=dt.timezone.utc).timestamp() * 1e6)


def durations(path):
    out = {}
    for line in open(path):
        h = json.loads(line)
        evs = h.get("events") or []
        start = usec(evs[0]["ts"]) if evs else usec(h["ts"])
        for e in evs:
            if e["from"] == "client" and e["what"] in ("ClientHello", "SSLv2 ClientHello"):
                start = usec(e["ts"])
                break
        out.setdefault(h["outcome"], []).append(max(0, usec(h["ts"]) + h["duration_us"] - start))
    return out


def histogram(path):
    got = {}
    pat = re.compile(r'tlsmon_handshake_duration_seconds_(bucket|count)'
                     r'\{outcome="(\w+)"(?:,le="([^"]+)")?\} (\d+)$')
    for line in open(path):
        m = pat.match(line)
        if m:
            got.setdefault(m[2], {})[m[3] or "count"] = int(m[4])
    return got


def main():
    want, got, bad = durations(sys.argv[2]), histogram(sys.argv[1]), []
    for o in sorted(set(want) - set(got)):
        bad.append(f"{o}: no series")
    for o, s in got.items():
        ds, prev = want.get(o, []), 0
        if s.get("count") != len(ds):
            bad.append(f"{o}: _count {s.get('count')}, {len(ds)} handshakes")
        for le, v in s.items():
            if le == "count":
                continue
            if v < prev:
                bad.append(f"{o}: le={le} {v} < {prev} (not cumulative)")
            prev = v
            n = len(ds) if le == "+Inf" else sum(1 for x in ds if x <= float(le) * 1e6)
            if v != n:
                bad.append(f"{o}: le={le} {v}, want {n}")
        if s.get("+Inf") != s.get("count"):
            bad.append(f"{o}: +Inf {s.get('+Inf')} != _count {s.get('count')}")
    print("; ".join(bad[:5]) if bad else f"{sum(map(len, want.values()))} handshakes")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
