#!/usr/bin/env python3
"""A real TLS client over a TCP connection made of raw frames, for what a socket cannot send.

tests/live/kernel_visibility.sh runs it in namespace B against a real openssl s_server in A. It
speaks from an address B's kernel does not own (--src; A needs a static neighbour entry for it),
so B's stack drops the server's replies silently instead of resetting the connection, while this
program reads them from an AF_PACKET socket and keeps the TCP state itself (in order only: what
arrives out of order is answered with a duplicate ACK, and the server retransmits). The TLS is
Python's ssl over memory BIOs (tools/hostile.py BioClient), TLS 1.2, so the server's certificate
is plaintext on the wire. How the ClientHello goes out (--mode):

  frag      in IP fragments of --frag-size bytes (IPv4, or IPv6 with a fragment header)
  ext       every packet to the server with --ext IPv6 destination-options headers
  dups      its first 5 bytes, --dups more times the same 5 bytes, then the whole hello
  pause     its first --split bytes, then --pause-file is created and the rest waits until
            --resume-file exists (the test floods meanwhile), at most --max-pause seconds

Every loop is bounded in count and time. Prints one line: the handshake's result and the SNI.
"""
import argparse
import os
import random
import socket
import struct
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from hostile import BioClient  # noqa: E402
from ipfrag import csum, ext6, frag_v4, frag_v6  # noqa: E402

SYN, FIN, RST, PSH, ACK = 0x02, 0x01, 0x04, 0x08, 0x10
ETH_P_ALL = 0x0003
MSS = 1200  # what we announce and send at most per segment


class RawTCP:
    def __init__(self, a):
        self.fam = 6 if ":" in a.dst else 4
        af = socket.AF_INET6 if self.fam == 6 else socket.AF_INET
        self.src, self.dst = socket.inet_pton(af, a.src), socket.inet_pton(af, a.dst)
        self.sport, self.dport = a.sport, a.port
        self.ext = a.ext if a.mode == "ext" else 0
        self.sock = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(ETH_P_ALL))
        self.sock.bind((a.iface, 0))
        with open("/sys/class/net/%s/address" % a.iface) as f:
            self.mac = bytes.fromhex(f.read().strip().replace(":", ""))
        self.peer_mac = bytes.fromhex(a.dst_mac.replace(":", ""))
        self.snd_nxt = random.getrandbits(32)
        self.rcv_nxt = 0
        self.sent = 0

    def _tcp(self, seq, flags, payload, opts=b""):
        hl = 20 + len(opts)
        tcp = struct.pack("!HHIIBBHHH", self.sport, self.dport, seq & 0xFFFFFFFF,
                          self.rcv_nxt & 0xFFFFFFFF if flags & ACK else 0, (hl // 4) << 4,
                          flags, 65535, 0, 0) + opts + payload
        if self.fam == 4:
            pseudo = self.src + self.dst + struct.pack("!BBH", 0, 6, len(tcp))
        else:
            pseudo = self.src + self.dst + struct.pack("!IxxxB", len(tcp), 6)
        c = csum(pseudo + tcp)
        return tcp[:16] + struct.pack("!H", c) + tcp[18:]

    def ip(self, seq, flags, payload=b"", opts=b""):
        tcp = self._tcp(seq, flags, payload, opts)
        if self.fam == 4:
            h = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(tcp), random.getrandbits(16), 0,
                            64, 6, 0, self.src, self.dst)
            h = h[:10] + struct.pack("!H", csum(h)) + h[12:]
            return h + tcp
        h = struct.pack("!IHBB16s16s", 0x60000000, len(tcp), 6, 64, self.src, self.dst)
        return ext6(h + tcp, self.ext) if self.ext else h + tcp

    def send_ip(self, pkt):
        et = b"\x86\xdd" if self.fam == 6 else b"\x08\x00"
        self.sock.send(self.peer_mac + self.mac + et + pkt)
        self.sent += 1

    def send(self, flags, payload=b"", seq=None, opts=b""):
        self.send_ip(self.ip(self.snd_nxt if seq is None else seq, flags, payload, opts))

    def recv(self, secs):
        """The next TCP segment from the server: (seq, ack, flags, payload), or None."""
        end = time.monotonic() + secs
        while time.monotonic() < end:
            self.sock.settimeout(max(0.01, end - time.monotonic()))
            try:
                fr = self.sock.recv(70000)
            except socket.timeout:
                return None
            seg = self._parse(fr)
            if seg:
                return seg
        return None

    def _parse(self, fr):
        if len(fr) < 14 or fr[6:12] == self.mac:
            return None  # our own frames, seen on the way out
        et, ip = fr[12:14], fr[14:]
        if self.fam == 4 and et == b"\x08\x00" and len(ip) >= 20 and ip[9] == 6:
            if ip[12:16] != self.dst or ip[16:20] != self.src:
                return None
            tot = struct.unpack("!H", ip[2:4])[0]
            ip, l4 = ip[:tot], (ip[0] & 0x0F) * 4
        elif self.fam == 6 and et == b"\x86\xdd" and len(ip) >= 60 and ip[6] == 6:
            if ip[8:24] != self.dst or ip[24:40] != self.src:
                return None
            ip, l4 = ip[:40 + struct.unpack("!H", ip[4:6])[0]], 40
        else:
            return None
        t = ip[l4:]
        sp, dp, seq, ack, off, flags = struct.unpack("!HHIIBB", t[:14])
        if sp != self.dport or dp != self.sport:
            return None
        return seq, ack, flags, t[(off >> 4) * 4:]


def send_hello(t, a, ch):
    """The ClientHello, the way --mode says; returns False if it could not be sent."""
    if a.mode == "frag":
        pkt = t.ip(t.snd_nxt, ACK | PSH, ch)
        frags = frag_v4(pkt, a.frag_size) if t.fam == 4 else \
            frag_v6(pkt, a.frag_size, random.getrandbits(32))
        for f in frags:
            t.send_ip(f)
        print("rawtls: ClientHello (%d bytes) in %d IPv%d fragments" % (len(ch), len(frags), t.fam))
    elif a.mode == "dups":
        for _ in range(1 + min(a.dups, 5000)):
            t.send(ACK | PSH, ch[:5])
        time.sleep(0.05)
        t.send(ACK | PSH, ch)
        print("rawtls: 5-byte segment sent %d times, then the ClientHello (%d bytes)" %
              (1 + a.dups, len(ch)))
    elif a.mode == "pause":
        t.send(ACK | PSH, ch[:a.split])
        open(a.pause_file, "w").close()
        end = time.monotonic() + a.max_pause
        while not os.path.exists(a.resume_file) and time.monotonic() < end:
            # keep the connection alive and our view of it current
            seg = t.recv(0.1)
            if seg and seg[3]:
                return False  # the server cannot answer half a hello
        t.send(ACK | PSH, ch[a.split:], seq=t.snd_nxt + a.split)
        print("rawtls: ClientHello %d bytes, then %d after %.1f s" %
              (a.split, len(ch) - a.split, a.max_pause - (end - time.monotonic())))
    else:
        t.send(ACK | PSH, ch)
        print("rawtls: ClientHello (%d bytes), %d extension headers" % (len(ch), t.ext))
    t.snd_nxt += len(ch)
    return True


def run(a):
    t = RawTCP(a)
    bio = BioClient(a.sni, tls12=True)
    t.send(SYN, opts=struct.pack("!BBH", 2, 4, MSS))
    for _ in range(50):
        seg = t.recv(0.2)
        if seg and seg[2] & SYN and seg[2] & ACK:
            break
    else:
        print("rawtls: no SYN-ACK")
        return 1
    t.snd_nxt += 1
    t.rcv_nxt = seg[0] + 1
    t.send(ACK)
    if not send_hello(t, a, bio.step()):
        print("rawtls: the server answered a partial hello")
        return 1
    end = time.monotonic() + 10
    while not bio.done and time.monotonic() < end:
        seg = t.recv(0.5)
        if not seg:
            continue
        seq, _, flags, data = seg
        if flags & RST:
            break
        if data and seq == t.rcv_nxt:
            t.rcv_nxt += len(data)
            out = bio.step(data)
            for i in range(0, len(out), MSS):
                t.send(ACK | PSH, out[i:i + MSS])
                t.snd_nxt += len(out[i:i + MSS])
        if data or flags & FIN:
            t.send(ACK)
    done = bio.done
    t.send(RST | ACK)
    print("rawtls: sni=%s handshake %s, client port %d, %d frames sent" %
          (a.sni, "done" if done else "NOT done", a.sport, t.sent))
    return 0 if done else 1


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--iface", default="veth0")
    p.add_argument("--src", required=True, help="an address this namespace does not own")
    p.add_argument("--dst", required=True)
    p.add_argument("--dst-mac", required=True)
    p.add_argument("--port", type=int, default=443)
    p.add_argument("--sport", type=int, default=0)
    p.add_argument("--sni", required=True)
    p.add_argument("--mode", choices=["frag", "ext", "dups", "pause", "plain"], default="plain")
    p.add_argument("--frag-size", type=int, default=128)
    p.add_argument("--ext", type=int, default=5)
    p.add_argument("--dups", type=int, default=1200)
    p.add_argument("--split", type=int, default=100)
    p.add_argument("--pause-file")
    p.add_argument("--resume-file")
    p.add_argument("--max-pause", type=float, default=30)
    a = p.parse_args()
    if not a.sport:
        a.sport = random.randint(20000, 60000)
    return run(a)


if __name__ == "__main__":
    sys.exit(main())
