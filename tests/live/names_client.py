#!/usr/bin/env python3
"""A long-lived TLS client for tests/live/process_names.sh: several connections from one
process, then an exec into another program under the same pid.

usage: names_client.py [--cgroup-fd FD] ADDR PORT SNI N [PROGRAM ARG...]
With --cgroup-fd, moves itself into a cgroup first, writing its pid to FD (a cgroup.procs the
caller opened: `ip netns exec` mounts a sysfs of its own, without the cgroup trees). Makes N connections to
ADDR:PORT one after the other (a handshake without verification, a GET, the response read to
its end), then, when PROGRAM is given, execs it with the ARGs (the same pid). Exits 1 if a
connection fails.
"""
import os
import socket
import ssl
import sys


def main():
    args = sys.argv[1:]
    if args[0] == "--cgroup-fd":
        os.write(int(args[1]), str(os.getpid()).encode())
        args = args[2:]
    addr, port, sni, n = args[0], int(args[1]), args[2], int(args[3])
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    ctx.maximum_version = ssl.TLSVersion.TLSv1_2
    for _ in range(n):
        try:
            with socket.create_connection((addr, port), timeout=10) as raw:
                with ctx.wrap_socket(raw, server_hostname=sni) as tls:
                    tls.sendall(b"GET / HTTP/1.0\r\n\r\n")
                    while tls.recv(4096):
                        pass
        except OSError as e:
            sys.exit(f"names_client: {e}")
    if len(args) > 4:
        os.execv(args[4], args[4:])


if __name__ == "__main__":
    main()
