#!/usr/bin/env python3
"""The two connections of tests/live/done_neighbour.sh, from the client's namespace.

usage: done_neighbour_helper.py sink ADDR PORT READY
       done_neighbour_helper.py client SERVER LOCAL BULK_PORT BULK_CPORT TLS_PORT TLS_CPORT CAFILE
                                SNI DIR
sink: listens (then touches READY), accepts one connection and reads it to its end.
client: connects the TLS connection from TLS_CPORT (touches DIR/connected) and waits for
DIR/go (tlsmon started after this connection's SYN: its ClientHello will be a mid-stream
pickup); connects the bulk connection from BULK_CPORT, sends 256 KiB of zeros (not TLS) and
touches DIR/bulk_sent; sends 16 KiB every 20 ms until DIR/bulk_done appears (the kernel counted
that flow done, which it does when a packet finds the entry marked so), then 64 KiB more; then
makes the TLS handshake, verifying the chain, writes the cipher to DIR/tls_ok, and closes both.
Each wait is at most 60 s.
"""
import os
import socket
import ssl
import sys
import time

from flag_files import touch, wait_for


def connect(server, port, local, cport):
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind((local, cport))
    s.settimeout(30)
    s.connect((server, port))
    return s


def sink(addr, port, ready):
    srv = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    srv.bind((addr, port))
    srv.listen(1)
    srv.settimeout(60)
    touch(ready)
    conn, _ = srv.accept()
    conn.settimeout(60)
    while conn.recv(65536):
        pass
    conn.close()


def client(server, local, bulk_port, bulk_cport, tls_port, tls_cport, cafile, sni, d):
    tls_sock = connect(server, tls_port, local, tls_cport)
    touch(os.path.join(d, "connected"))
    wait_for(os.path.join(d, "go"))
    bulk = connect(server, bulk_port, local, bulk_cport)
    bulk.sendall(bytes(256 * 1024))
    touch(os.path.join(d, "bulk_sent"))
    # the kernel counts a flow done when a packet finds it so: keep sending until it has
    deadline = time.monotonic() + 60
    while not os.path.exists(os.path.join(d, "bulk_done")):
        if time.monotonic() > deadline:
            sys.exit("done_neighbour_helper: bulk_done never appeared")
        bulk.sendall(bytes(16 * 1024))
        time.sleep(0.02)
    bulk.sendall(bytes(64 * 1024))
    ctx = ssl.create_default_context(cafile=cafile)
    ctx.maximum_version = ssl.TLSVersion.TLSv1_2
    tls = ctx.wrap_socket(tls_sock, server_hostname=sni)
    touch(os.path.join(d, "tls_ok"), tls.cipher()[0])
    tls.close()
    bulk.close()


def main():
    if len(sys.argv) == 5 and sys.argv[1] == "sink":
        sink(sys.argv[2], int(sys.argv[3]), sys.argv[4])
    elif len(sys.argv) == 11 and sys.argv[1] == "client":
        a = sys.argv[2:]
        client(a[0], a[1], int(a[2]), int(a[3]), int(a[4]), int(a[5]), a[6], a[7], a[8])
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main()
