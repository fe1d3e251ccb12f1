#!/usr/bin/env python3
"""A pcap of N TLS 1.2 handshakes to one server address, for the endpoint-table tests
(tests/offline/endpoints.sh). Standard library only.

Connection i: its own client port, a ClientHello whose SNI is h<i>.<domain> and whose cipher list
ends with one suite code that differs per class (i % --classes, so the JA4 differs), then the
server's ServerHello (ECDHE_RSA_WITH_AES_128_GCM_SHA256), Certificate (the DER files given, leaf
first), ServerKeyExchange (x25519) and ServerHelloDone, then FIN both ways.

  endpoints_pcap.py OUT.pcap N CLASSES CERT.der...
  endpoints_pcap.py --tls13-group HEX OUT.pcap N CLASSES
      TLS 1.3 instead: the ServerHello selects TLS_AES_128_GCM_SHA256 and key_share group HEX
      (e.g. 0x11ec, X25519MLKEM768, which the local OpenSSL cannot negotiate), then
      ChangeCipherSpec and one encrypted record: no certificate in the clear.
"""
import struct
import sys
import time

SERVER = bytes([10, 0, 0, 1])
CLIENT = bytes([10, 0, 0, 2])


def u16(v):
    return struct.pack("!H", v)


def u24(v):
    return struct.pack("!I", v)[1:]


def hs_msg(t, body):
    return bytes([t]) + u24(len(body)) + body


def record(body):
    return b"\x16\x03\x03" + u16(len(body)) + body


def client_hello(sni, extra_suite, group=None):
    suites = ([0x1301] if group else []) + [0xC02F, 0xC030, 0x009C, extra_suite]
    name = sni.encode()
    sni_ext = u16(len(name) + 3) + b"\x00" + u16(len(name)) + name
    groups = u16(2) + u16(0x001D)
    exts = (u16(0) + u16(len(sni_ext)) + sni_ext
            + u16(10) + u16(len(groups)) + groups
            + u16(11) + u16(2) + b"\x01\x00")
    if group:
        share = u16(group) + u16(32) + bytes(32)
        exts += (u16(43) + u16(3) + b"\x02\x03\x04"
                 + u16(51) + u16(len(share) + 2) + u16(len(share)) + share)
    body = (b"\x03\x03" + bytes(32) + b"\x00"
            + u16(2 * len(suites)) + b"".join(u16(s) for s in suites)
            + b"\x01\x00" + u16(len(exts)) + exts)
    return record(hs_msg(1, body))


def server_flight(ders):
    sh = b"\x03\x03" + bytes(range(32)) + b"\x00" + u16(0xC02F) + b"\x00" + u16(0)
    certs = b"".join(u24(len(d)) + d for d in ders)
    cert = u24(len(certs)) + certs
    # RFC 8422 5.4: named_curve(3), x25519, a 32-byte point, then a TLS 1.2 signature
    ske = b"\x03" + u16(0x001D) + b"\x20" + bytes(32) + u16(0x0401) + u16(256) + bytes(256)
    return record(hs_msg(2, sh) + hs_msg(11, cert) + hs_msg(12, ske) + hs_msg(14, b""))


def server_flight13(group):
    # RFC 8446 4.1.3 and 4.2.8: supported_versions and the selected key_share
    share = u16(group) + u16(32) + bytes(32)
    exts = u16(43) + u16(2) + u16(0x0304) + u16(51) + u16(len(share)) + share
    sh = (b"\x03\x03" + bytes(range(32)) + b"\x00" + u16(0x1301) + b"\x00"
          + u16(len(exts)) + exts)
    return (record(hs_msg(2, sh)) + b"\x14\x03\x03\x00\x01\x01"
            + b"\x17\x03\x03" + u16(64) + bytes(64))


def csum(b):
    if len(b) % 2:
        b += b"\x00"
    s = sum(struct.unpack("!%dH" % (len(b) // 2), b))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return ~s & 0xFFFF


def frame(src, dst, sport, dport, seq, ack, flags, payload=b""):
    tcp = struct.pack("!HHIIBBHHH", sport, dport, seq, ack, 5 << 4, flags, 65535, 0, 0)
    pseudo = src + dst + struct.pack("!BBH", 0, 6, len(tcp) + len(payload))
    tcp = tcp[:16] + u16(csum(pseudo + tcp + payload)) + tcp[18:]
    ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(tcp) + len(payload), 0, 0x4000, 64, 6,
                     0, src, dst)
    ip = ip[:10] + u16(csum(ip)) + ip[12:]
    eth = b"\x02\x00\x00\x00\x00\x01\x02\x00\x00\x00\x00\x02\x08\x00"
    return eth + ip + tcp + payload


def segments(data, mss=1448):
    return [data[i:i + mss] for i in range(0, len(data), mss)] or [b""]


def main():
    args = sys.argv[1:]
    group = None
    if args[:1] == ["--tls13-group"]:
        group = int(args[1], 16)
        args = args[2:]
    if len(args) < (3 if group else 4):
        sys.exit(__doc__)
    out, n, classes = args[0], int(args[1]), int(args[2])
    ders = [open(p, "rb").read() for p in args[3:]]
    flight = server_flight13(group) if group else server_flight(ders)
    # one suite code per class, none of them GREASE (RFC 8701), which JA4 leaves out
    codes = [c for c in range(0x2000, 0x2000 + classes + 64)
             if not ((c & 0x0F0F) == 0x0A0A and c >> 8 == c & 0xFF)][:classes]
    t = time.time()  # now: the certificates given were made before
    with open(out, "wb") as f:
        f.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 1))

        def put(pkt):
            nonlocal t
            t += 0.0001
            f.write(struct.pack("<IIII", int(t), int((t % 1) * 1e6), len(pkt), len(pkt)))
            f.write(pkt)

        for i in range(n):
            sport = 1024 + i % 60000
            cs, ss = 1000, 5000
            ch = client_hello("h%d.endpoints.test" % i, codes[i % classes], group)
            put(frame(CLIENT, SERVER, sport, 443, cs, 0, 0x02))
            put(frame(SERVER, CLIENT, 443, sport, ss, cs + 1, 0x12))
            cs += 1
            ss += 1
            put(frame(CLIENT, SERVER, sport, 443, cs, ss, 0x10))
            put(frame(CLIENT, SERVER, sport, 443, cs, ss, 0x18, ch))
            cs += len(ch)
            for seg in segments(flight):
                put(frame(SERVER, CLIENT, 443, sport, ss, cs, 0x18, seg))
                ss += len(seg)
            put(frame(CLIENT, SERVER, sport, 443, cs, ss, 0x11))
            put(frame(SERVER, CLIENT, 443, sport, ss, cs + 1, 0x11))
            put(frame(CLIENT, SERVER, sport, 443, cs + 1, ss + 1, 0x10))


if __name__ == "__main__":
    main()
