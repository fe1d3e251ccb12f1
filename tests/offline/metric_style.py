#!/usr/bin/env python3
"""The naming and HELP rules every tlsmon metric follows, checked on an exposition.

usage: metric_style.py METRICS
  names     tlsmon_ or process_ prefix, snake_case; counters end in _total and nothing else
            does; base units only (bytes, seconds: no milli/micro/kilo..., no ms/us/kb); the
            unit is the last word, before _total on counters ("copied_bytes_total", never
            "bytes_copied_total")
  HELP      one sentence: starts with a capital letter, ends with a period, no line breaks; a
            metric in bytes or seconds says "bytes" or "seconds" in it
  renames   a metric whose HELP starts with "Deprecated" is exempt from the unit-order rule, and
            must name its replacement (tlsmon_...), which must be in the same exposition
Prints one line per violation (or how many metrics were checked) and exits 1 on any.
"""
import re
import sys

BAD_UNITS = r"(milli|micro|nano|kilo|mega|giga)\w*|ms|us|ns|kb|mb|gb|kib|mib|gib|percent"


def families(path):
    fam = {}
    for line in open(path):
        m = re.match(r"# (HELP|TYPE) (\S+) ?(.*)$", line.rstrip("\n"))
        if m:
            fam.setdefault(m[2], {})[m[1]] = m[3]
    return fam


def check(name, f, all_names):
    out = []
    help_, type_ = f.get("HELP", ""), f.get("TYPE", "")
    deprecated = help_.startswith("Deprecated")
    words = name.split("_")
    if not re.fullmatch(r"(tlsmon|process)_[a-z0-9_]+", name):
        out.append("not snake_case with a tlsmon_ or process_ prefix")
    if (type_ == "counter") != name.endswith("_total"):
        out.append(f"{type_} {'without' if type_ == 'counter' else 'with'} _total")
    if any(re.fullmatch(BAD_UNITS, w) for w in words):
        out.append("not in base units")
    body = words[:-1] if words[-1] == "total" else words
    for unit in ("bytes", "seconds"):
        if unit in body[:-1] and not deprecated:
            out.append(f"'{unit}' is not the last word (before _total)")
        if body[-1] == unit and unit not in help_:
            out.append(f"HELP does not say '{unit}'")
    if not re.fullmatch(r"[A-Z][^\n]*\.", help_):
        out.append(f"HELP is not one sentence with a capital and a period: '{help_}'")
    if deprecated:
        new = re.findall(r"\b(tlsmon_[a-z0-9_]+)", help_)
        if not new or new[0] not in all_names:
            out.append("deprecated, but its replacement is not named or not exposed")
    return out


def main():
    fam = families(sys.argv[1])
    bad = [f"{n}: {msg}" for n, f in sorted(fam.items()) for msg in check(n, f, fam)]
    print("\n".join(bad) if bad else f"{len(fam)} metrics follow the rules")
    return 1 if bad or not fam else 0


if __name__ == "__main__":
    sys.exit(main())
