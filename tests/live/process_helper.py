#!/usr/bin/env python3
"""A TLS server and client whose TCP connection exists before tlsmon starts: for
tests/live/process.sh's inbound case, where only the accepting process can be attributed.

usage: process_helper.py server ADDR PORT CERTFILE KEYFILE READY GO
       process_helper.py client ADDR PORT SNI CONNECTED GO
The server listens (then touches READY) and accepts only once GO exists; the client connects
(then touches CONNECTED: the kernel completed the connection into the listen backlog) and starts
its handshake only once GO exists. Each waits at most 60 s for a file (GO comes after tlsmon's
start, which the test allows 30 s on a busy machine), does one handshake and exits 0.
"""
import socket
import ssl
import sys

from flag_files import touch, wait_for


def server(addr, port, cert, key, ready, go):
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(cert, key)
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        s.bind((addr, int(port)))
        s.listen(1)
        touch(ready)
        wait_for(go)
        s.settimeout(10)
        conn, _ = s.accept()
        with ctx.wrap_socket(conn, server_side=True) as tls:
            tls.sendall(b"hello\n")


def client(addr, port, sni, connected, go):
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE  # who connected is the point, not the chain
    with socket.create_connection((addr, int(port)), timeout=10) as s:
        touch(connected)
        wait_for(go)
        with ctx.wrap_socket(s, server_hostname=sni) as tls:
            tls.recv(16)


if __name__ == "__main__":
    if len(sys.argv) == 8 and sys.argv[1] == "server":
        server(*sys.argv[2:])
    elif len(sys.argv) == 7 and sys.argv[1] == "client":
        client(*sys.argv[2:])
    else:
        sys.exit(__doc__)
