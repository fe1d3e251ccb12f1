#!/usr/bin/env python3
"""Misbehaving HTTP clients for tests/live/privileges.sh (bounded in count and time).

  http_abuse_helper.py slow HOST PORT N SECONDS   N clients, each sends one byte per second of a
                                                  request that never ends
  http_abuse_helper.py idle HOST PORT N SECONDS   N clients that connect and send nothing
  http_abuse_helper.py tlshalf HOST PORT N SECONDS  N clients that send the first half of a TLS
                                                  ClientHello, then nothing (a stalled handshake)
  http_abuse_helper.py big HOST PORT SIZE         one request with a SIZE-byte header

slow/idle/tlshalf print one JSON object once every connection is closed or SECONDS have passed:
  connected      connections that were established
  closed_fast    closed by the server within 1 s of connecting (refused: no free slot)
  max_open       longest a connection stayed open before the server closed it (seconds)
  open_at_end    connections the server had not closed after SECONDS
big prints the reply's status code, or "closed" when the server closed without one.
"""
import json
import selectors
import socket
import ssl
import sys
import time

REQUEST = b"GET /metrics HTTP/1.1\r\nHost: x\r\nX-Slow: " + b"a" * 4000


def client_hello():
    """The bytes of a real ClientHello, from Python's TLS client on memory BIOs."""
    ctx = ssl.create_default_context()
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    incoming, outgoing = ssl.MemoryBIO(), ssl.MemoryBIO()
    obj = ctx.wrap_bio(incoming, outgoing, server_hostname="localhost")
    try:
        obj.do_handshake()
    except ssl.SSLWantReadError:
        pass
    return outgoing.read()


def crowd(host, port, n, seconds, slow, first=b""):
    sel = selectors.DefaultSelector()
    conns = []
    t0 = time.monotonic()
    for _ in range(n):
        s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        s.settimeout(2)
        try:
            s.connect((host, port))
        except OSError:
            s.close()
            continue
        if first:
            s.sendall(first)
        s.setblocking(False)
        c = {"sock": s, "t": time.monotonic(), "sent": 0, "closed": None}
        conns.append(c)
        sel.register(s, selectors.EVENT_READ, c)
    next_byte = t0
    while time.monotonic() - t0 < seconds:
        now = time.monotonic()
        if slow and now >= next_byte:
            for c in conns:
                if c["closed"] is not None or c["sent"] >= len(REQUEST):
                    continue
                try:
                    c["sock"].send(REQUEST[c["sent"]:c["sent"] + 1])
                    c["sent"] += 1
                except OSError:
                    close(sel, c)
            next_byte += 1.0
        if all(c["closed"] is not None for c in conns):
            break
        for key, _ in sel.select(timeout=0.1):
            c = key.data
            try:
                data = c["sock"].recv(65536)
            except BlockingIOError:
                continue
            except OSError:
                data = b""
            if not data:
                close(sel, c)
    times = [c["closed"] - c["t"] for c in conns if c["closed"] is not None]
    out = {
        "connected": len(conns),
        "closed_fast": sum(1 for t in times if t < 1.0),
        "max_open": round(max(times), 2) if times else 0,
        "open_at_end": sum(1 for c in conns if c["closed"] is None),
    }
    for c in conns:
        if c["closed"] is None:
            c["sock"].close()
    print(json.dumps(out))


def close(sel, c):
    c["closed"] = time.monotonic()
    sel.unregister(c["sock"])
    c["sock"].close()


def big(host, port, size):
    s = socket.create_connection((host, port), timeout=7)
    req = b"GET /metrics HTTP/1.1\r\nHost: x\r\nX-Big: " + b"b" * size + b"\r\n\r\n"
    try:
        s.sendall(req)
    except OSError:
        pass  # the server may answer and close before reading all of it
    data = b""
    try:
        while len(data) < 64:
            b = s.recv(4096)
            if not b:
                break
            data += b
    except OSError:
        pass
    s.close()
    parts = data.split(b" ", 2)
    if len(parts) >= 2 and parts[0].startswith(b"HTTP/"):
        print(parts[1].decode("ascii", "replace"))
    else:
        print("closed")


def main():
    mode, host, port = sys.argv[1], sys.argv[2], int(sys.argv[3])
    if mode in ("slow", "idle"):
        crowd(host, port, int(sys.argv[4]), float(sys.argv[5]), mode == "slow")
    elif mode == "tlshalf":
        hello = client_hello()
        crowd(host, port, int(sys.argv[4]), float(sys.argv[5]), False, hello[:len(hello) // 2])
    elif mode == "big":
        big(host, port, int(sys.argv[4]))
    else:
        sys.exit("unknown mode " + mode)


if __name__ == "__main__":
    main()
