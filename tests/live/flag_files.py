"""Files as flags between a live test and the helper processes it starts: one side touches a
file, the other waits (at most a bounded time) for it to appear. Imported by the *_helper.py
scripts beside it (Python puts a script's own directory on its import path)."""
import os
import sys
import time


def wait_for(path, timeout=60):
    """Return once path exists; exit the helper with a message after timeout seconds."""
    deadline = time.monotonic() + timeout
    while not os.path.exists(path):
        if time.monotonic() > deadline:
            sys.exit(f"{os.path.basename(sys.argv[0])}: {path} never appeared")
        time.sleep(0.05)


def touch(path, text=""):
    """Create path (holding text), the flag another process waits for."""
    with open(path, "w", encoding="ascii") as f:
        f.write(text)
