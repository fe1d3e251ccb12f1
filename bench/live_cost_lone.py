#!/usr/bin/env python3
"""Latency of lone handshakes: runs each given command (one injected flow on an idle veth),
watches the daemon's JSON log (--log-all) for the line it adds, and prints, per flow, the time
from the capture of the flow's last frame (its last event's ts) to the line's arrival in the
file, in ms. The file is polled every 0.1 ms, so that is the resolution.

Usage: live_cost_lone.py LOG TIMEOUT_S CMD_FILE   (CMD_FILE: one shell command a line)"""
import datetime
import json
import os
import subprocess
import sys
import time


def ts_of(s):
    return datetime.datetime.strptime(s, "%Y-%m-%dT%H:%M:%S.%fZ").replace(
        tzinfo=datetime.timezone.utc).timestamp()


def main():
    log, timeout, cmds = sys.argv[1], float(sys.argv[2]), open(sys.argv[3]).read().splitlines()
    for cmd in cmds:
        time.sleep(0.3)  # a quiet spell: the first frame wakes the reader
        size = os.path.getsize(log)
        # Polled while the injector runs: it exits some ms after its last frame (freeing its
        # templates), and the line is usually there before that.
        proc = subprocess.Popen(cmd, shell=True, stdout=subprocess.DEVNULL,
                                stderr=subprocess.DEVNULL)
        end = time.monotonic() + timeout
        seen = None
        while time.monotonic() < end:
            if os.path.getsize(log) > size:
                seen = time.time()
                break
            time.sleep(0.0001)
        proc.wait(timeout=10)
        if seen is None:
            print("none")
            continue
        time.sleep(0.05)  # the rest of the line
        with open(log, "rb") as f:
            f.seek(size)
            line = f.readline()
        try:
            last = max(ts_of(e["ts"]) for e in json.loads(line)["events"])
        except (ValueError, KeyError):
            print("none")
            continue
        print("%.3f" % ((seen - last) * 1000))


main()
