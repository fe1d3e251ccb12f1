#!/usr/bin/env python3
"""Captures of on-path insertion attacks for tests/offline/insertion.sh (standard library only).

  insertion_helper.py OUTDIR REAL_DIR FAKE_DIR
      REAL_DIR and FAKE_DIR are chains of tests/fixtures/mkchains.sh. A real TLS 1.2 handshake
      (Python ssl over memory BIOs: client -> server with REAL_DIR's chain) gives the byte
      streams; each scenario writes OUTDIR/NAME.pcap of that connection with an attack mixed
      in, and prints one line "NAME EXPECT" where EXPECT says what the Linux receiver takes:
      real (the real handshake), fake_sni (the attacker's ClientHello bytes) or reset.
      OUTDIR/facts.json holds the real and fake SNI and the offsets the tests check.
"""
import json
import os
import ssl
import struct
import sys

CLIENT = (bytes([10, 0, 0, 1]), 40000)
SERVER = (bytes([10, 0, 0, 2]), 443)
ISN = {"c": 1000, "s": 500000}
MSS = 1400
T0 = 1700000000


def handshake(real_dir, sni):
    """Turns [(side, bytes)] of a real TLS 1.2 handshake plus a little application data."""
    sctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    sctx.maximum_version = ssl.TLSVersion.TLSv1_2
    sctx.set_ciphers("DEFAULT:@SECLEVEL=0")  # the fake chain may be a weak one
    chain = os.path.join(real_dir, "full.pem")
    with open(chain, "wb") as f:
        for n in ("leaf.pem", "chain.pem"):
            with open(os.path.join(real_dir, n), "rb") as g:
                f.write(g.read())
    sctx.load_cert_chain(chain, os.path.join(real_dir, "leaf.key"))
    cctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    cctx.check_hostname = False
    cctx.verify_mode = ssl.CERT_NONE
    cctx.maximum_version = ssl.TLSVersion.TLSv1_2
    bio = {k: (ssl.MemoryBIO(), ssl.MemoryBIO()) for k in "cs"}
    obj = {"c": cctx.wrap_bio(*bio["c"], server_hostname=sni),
           "s": sctx.wrap_bio(*bio["s"], server_side=True)}
    done = {"c": False, "s": False}
    turns = []
    side = "c"
    for _ in range(20):
        if not done[side]:
            try:
                obj[side].do_handshake()
                done[side] = True
            except ssl.SSLWantReadError:
                pass
        out = bio[side][1].read()
        if out:
            turns.append((side, out))
            bio["s" if side == "c" else "c"][0].write(out)
        if done["c"] and done["s"] and not bio["c"][0].pending and not bio["s"][0].pending:
            break
        side = "s" if side == "c" else "c"
    for side, msg in (("c", b"GET / HTTP/1.0\r\n\r\n"), ("s", b"HTTP/1.0 200 OK\r\n\r\n")):
        obj[side].write(msg)
        turns.append((side, bio[side][1].read()))
    return turns


def csum16(data):
    if len(data) % 2:
        data += b"\0"
    s = sum(struct.unpack("!%dH" % (len(data) // 2), data))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return s


class Pcap:
    def __init__(self):
        self.frames = []
        self.seq = dict(ISN)
        self.t = 0

    def seg(self, side, flags, seq=None, data=b"", csum="good", urg=0, ack=True):
        """One frame from side ("c"/"s"); seq defaults to the side's next byte."""
        src, dst = (CLIENT, SERVER) if side == "c" else (SERVER, CLIENT)
        peer = "s" if side == "c" else "c"
        if seq is None:
            seq = self.seq[side]
        fl = {"S": 0x02, "A": 0x10, "F": 0x01, "R": 0x04, "P": 0x08, "U": 0x20}
        bits = sum(fl[c] for c in flags) | (0x10 if ack and "S" not in flags else 0)
        if flags == "SA":
            bits = 0x12
        acknum = self.seq[peer] if bits & 0x10 else 0
        tcp = struct.pack("!HHIIBBHHH", src[1], dst[1], seq & 0xFFFFFFFF, acknum & 0xFFFFFFFF,
                          5 << 4, bits, 65535, 0, urg) + data
        pseudo = src[0] + dst[0] + struct.pack("!BBH", 0, 6, len(tcp))
        good = 0xFFFF - csum16(pseudo + tcp)
        if csum == "good":
            ck = good
        elif csum == "partial":
            ck = csum16(pseudo)  # what Linux leaves for the NIC (CHECKSUM_PARTIAL)
        else:
            ck = (good + 0x1234) & 0xFFFF  # wrong, and not the partial pattern
        tcp = tcp[:16] + struct.pack("!H", ck) + tcp[18:]
        ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(tcp), 1, 0x4000, 64, 6, 0,
                         src[0], dst[0])
        ip = ip[:10] + struct.pack("!H", 0xFFFF - csum16(ip)) + ip[12:]
        eth = b"\x02\0\0\0\0\x02" + b"\x02\0\0\0\0\x01" + b"\x08\x00"
        self.t += 1000
        self.frames.append((self.t, eth + ip + tcp))
        return seq

    def send(self, side, data, csum="good", acked=True):
        """data from side at its next byte, in MSS segments, each acknowledged."""
        for i in range(0, len(data), MSS):
            self.seg(side, "PA", data=data[i:i + MSS], csum=csum)
            self.seq[side] += len(data[i:i + MSS])
            if acked:
                self.seg("s" if side == "c" else "c", "A")

    def open(self, csum_c="good"):
        self.seg("c", "S", seq=self.seq["c"], csum=csum_c, ack=False)
        self.seq["c"] += 1
        self.seg("s", "SA", seq=self.seq["s"])
        self.seq["s"] += 1
        self.seg("c", "A", csum=csum_c)

    def close(self, csum_c="good"):
        self.seg("c", "FA", csum=csum_c)
        self.seq["c"] += 1
        self.seg("s", "FA")
        self.seq["s"] += 1
        self.seg("c", "A", csum=csum_c)

    def write(self, path):
        with open(path, "wb") as f:
            f.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 1))
            for t, fr in self.frames:
                f.write(struct.pack("<IIII", T0 + t // 1000000, t % 1000000, len(fr), len(fr)))
                f.write(fr)


def conversation(turns, hooks, csum_c="good"):
    """The connection; hooks[i](pcap) replaces the sending of turn i (default: send it)."""
    p = Pcap()
    p.open(csum_c)
    for i, (side, data) in enumerate(turns):
        if i in hooks:
            hooks[i](p, side, data)
        else:
            p.send(side, data, csum=csum_c if side == "c" else "good")
    p.close(csum_c)
    return p


def main():
    outdir, real_dir, fake_dir = sys.argv[1:4]
    with open(os.path.join(real_dir, "sni")) as f:
        sni = f.read().strip()
    fake_sni = "x" * len(sni)  # same length: the fake hello's bytes line up with the real one
    turns = handshake(real_dir, sni)
    fake_turns = handshake(fake_dir, sni)
    ch = turns[0][1]
    k = ch.index(sni.encode())
    fake_ch = ch.replace(sni.encode(), fake_sni.encode())
    srv = turns[1][1]
    fake_srv = fake_turns[1][1]
    os.makedirs(outdir, exist_ok=True)
    facts = {"sni": sni, "fake_sni": fake_sni, "sni_offset": k}

    def c0(p, seq_off, data, flags="PA", **kw):
        return p.seg("c", flags, seq=ISN["c"] + 1 + seq_off, data=data, **kw)

    def after(p, side, data, extra):
        p.send(side, data)
        extra(p)

    scen = {}
    scen["baseline"] = ("real", {})
    # Insertion: the attacker's copy comes first with a bad checksum; the host drops it.
    scen["csum_fake_hello"] = ("real", {0: lambda p, s, d: (c0(p, 0, fake_ch, csum="bad"),
                                                            p.send(s, d))})
    scen["csum_junk_byte"] = ("real", {0: lambda p, s, d: (c0(p, 0, b"\x00", csum="bad"),
                                                           p.send(s, d))})
    scen["csum_fake_flight"] = ("real", {1: lambda p, s, d: (
        [p.seg("s", "PA", seq=p.seq["s"] + i, data=fake_srv[i:i + MSS], csum="bad")
         for i in range(0, len(fake_srv), MSS)], p.send(s, d))})
    # The same fake hello with a good checksum, then the real one at the same sequence
    # numbers: the host keeps the first in-order copy (the control: the checksum decides).
    scen["good_csum_fake_hello"] = ("fake_sni", {0: lambda p, s, d: (
        c0(p, 0, fake_ch), p.send(s, d))})

    # Overlaps out of order (tcp_data_queue_ofo): bytes [0, 20) come last.
    def ooo(first, second):
        def hook(p, s, d):
            for off, data in (first, second):
                c0(p, off, data[off:])
            c0(p, 0, d[:20])
            p.seq["c"] += len(d)
            p.seg("s", "A")
        return hook
    scen["ooo_same_start_longer"] = ("real", {0: lambda p, s, d: (
        c0(p, 20, fake_ch[20:k + len(sni)]), c0(p, 20, d[20:]), c0(p, 0, d[:20]),
        p.seq.__setitem__("c", p.seq["c"] + len(d)), p.seg("s", "A"))})
    scen["ooo_lower_start_real"] = ("real", {0: ooo((k - 5, fake_ch), (20, ch))})
    scen["ooo_lower_start_fake"] = ("fake_sni", {0: ooo((k - 5, ch), (20, fake_ch))})
    # One urgent byte inside the hello: the socket takes it out (SO_OOBINLINE off).
    scen["urgent_byte"] = ("real", {0: lambda p, s, d: (
        c0(p, 0, d[:k] + b"U" + d[k:], flags="PAU", urg=k + 1), p.seq.__setitem__("c", p.seq["c"] + len(d) + 1),
        p.seg("s", "A"))})
    # Resets the host does not take, and one it does (the control: the test can tell).
    scen["rst_bad_csum"] = ("real", {1: lambda p, s, d: (
        p.seg("s", "RA", csum="bad"), p.send(s, d))})
    scen["rst_out_of_window"] = ("real", {1: lambda p, s, d: (
        p.seg("s", "RA", seq=p.seq["s"] + 100000), p.send(s, d))})
    scen["rst_exact"] = ("reset", {1: lambda p, s, d: (p.seg("s", "RA"), p.send(s, d))})
    # A spoofed SYN with a new ISN mid-handshake: answered with a challenge ACK only.
    scen["syn_new_isn"] = ("real", {1: lambda p, s, d: (
        p.seg("c", "S", seq=77777, ack=False), p.send(s, d))})
    # Checksums left to the NIC (a capture on the sending host): unverifiable, still data.
    scen["offloaded_client"] = ("real", "partial")
    # A hello whose only copy has a bad checksum, acknowledged by the server: it had the bytes.
    scen["bad_csum_acked"] = ("real", {0: lambda p, s, d: p.send(s, d, csum="bad")})

    for name, (expect, hooks) in scen.items():
        if hooks == "partial":
            p = conversation(turns, {}, csum_c="partial")
        else:
            p = conversation(turns, hooks)
        p.write(os.path.join(outdir, name + ".pcap"))
        print(name, expect)
    with open(os.path.join(outdir, "facts.json"), "w") as f:
        json.dump(facts, f)


if __name__ == "__main__":
    main()
