#!/usr/bin/env python3
"""Cut TCP packets into IP fragments, as a sender with a small MTU (or an attacker) would.

Library: frag_v4(ip_packet, size) and frag_v6(ip_packet, size, ext=0) return the fragments of one
IPv4/IPv6 packet (bytes from the IP header on); ext6(ip_packet, n) inserts n destination-options
headers into an IPv6 packet. CLI: rewrite a classic Ethernet pcap, fragmenting every TCP packet
whose payload exceeds --min-payload (tests/offline/ipfrag.sh):

  ipfrag.py IN.pcap OUT.pcap [--size N] [--min-payload N] [--reverse] [--overlap] [--dup]
  ipfrag.py IN.pcap OUT.pcap --ext N     (IPv6 packets get N extension headers instead)
"""
import argparse
import struct
import sys

IPPROTO_TCP = 6
IPPROTO_FRAGMENT = 44
IPPROTO_DSTOPTS = 60


def csum(b):
    if len(b) % 2:
        b += b"\0"
    s = sum(struct.unpack("!%dH" % (len(b) // 2), b))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return ~s & 0xFFFF


def frag_v4(pkt, size, ident=None):
    """RFC 791 3.2: each fragment repeats the header; offsets in 8-octet units, MF on all but the
    last. size is the data per fragment (rounded down to a multiple of 8)."""
    ihl = (pkt[0] & 0x0F) * 4
    tot = struct.unpack("!H", pkt[2:4])[0]
    hdr, data = bytearray(pkt[:ihl]), pkt[ihl:tot]
    if ident is not None:
        struct.pack_into("!H", hdr, 4, ident)
    size &= ~7
    out = []
    for off in range(0, len(data), size):
        piece = data[off : off + size]
        h = bytearray(hdr)
        more = off + size < len(data)
        struct.pack_into("!H", h, 2, ihl + len(piece))
        struct.pack_into("!H", h, 6, (off // 8) | (0x2000 if more else 0))
        struct.pack_into("!H", h, 10, 0)
        struct.pack_into("!H", h, 10, csum(bytes(h)))
        out.append(bytes(h) + piece)
    return out


def _v6_split(pkt):
    """(fixed header, unfragmentable extension headers, next header after them, the rest)."""
    nh, cur, last_nh_at = pkt[6], 40, 6
    while nh in (0, 43):  # hop-by-hop, routing: unfragmentable (RFC 8200 4.5)
        hlen = (pkt[cur + 1] + 1) * 8
        last_nh_at, nh, cur = cur, pkt[cur], cur + hlen
    return pkt[:cur], last_nh_at, nh


def frag_v6(pkt, size, ident=0x1234567):
    """RFC 8200 4.5: the unfragmentable part, a fragment header, then a slice of the rest."""
    plen = struct.unpack("!H", pkt[4:6])[0]
    pkt = pkt[: 40 + plen]
    unfrag, nh_at, nh = _v6_split(pkt)
    rest = pkt[len(unfrag) :]
    size &= ~7
    out = []
    for off in range(0, len(rest), size):
        piece = rest[off : off + size]
        more = off + size < len(rest)
        u = bytearray(unfrag)
        u[nh_at] = IPPROTO_FRAGMENT
        fh = struct.pack("!BBHI", nh, 0, off | (1 if more else 0), ident)
        struct.pack_into("!H", u, 4, len(u) - 40 + 8 + len(piece))
        out.append(bytes(u) + fh + piece)
    return out


def ext6(pkt, n):
    """Insert n 8-byte destination-options headers (PadN) after the fixed IPv6 header."""
    nh = pkt[6]
    exts = b""
    for i in range(n):
        nxt = IPPROTO_DSTOPTS if i < n - 1 else nh
        exts += bytes([nxt, 0, 1, 4, 0, 0, 0, 0])
    h = bytearray(pkt[:40])
    h[6] = IPPROTO_DSTOPTS if n else nh
    struct.pack_into("!H", h, 4, struct.unpack("!H", pkt[4:6])[0] + len(exts))
    return bytes(h) + exts + pkt[40:]


def tcp_payload_len(ip):
    if ip[0] >> 4 == 4:
        ihl = (ip[0] & 0x0F) * 4
        if ip[9] != IPPROTO_TCP or struct.unpack("!H", ip[6:8])[0] & 0x3FFF:
            return -1
        tot = struct.unpack("!H", ip[2:4])[0]
        return tot - ihl - (ip[ihl + 12] >> 4) * 4
    if ip[0] >> 4 == 6 and ip[6] == IPPROTO_TCP:
        return struct.unpack("!H", ip[4:6])[0] - (ip[40 + 12] >> 4) * 4
    return -1


def fragment(ip, a, ident):
    frags = frag_v4(ip, a.size, ident) if ip[0] >> 4 == 4 else frag_v6(ip, a.size, ident)
    if a.overlap and len(frags) > 1:
        # the second fragment also covers the last 8 bytes of the first: Linux drops the datagram
        f = bytearray(frags[1])
        if ip[0] >> 4 == 4:
            ihl = (f[0] & 0x0F) * 4
            first = frags[0][ihl:]
            fo = struct.unpack("!H", f[6:8])[0]
            f = f[:ihl] + first[-8:] + f[ihl:]
            struct.pack_into("!H", f, 2, len(f))
            struct.pack_into("!H", f, 6, (fo & 0xE000) | ((fo & 0x1FFF) - 1))
            struct.pack_into("!H", f, 10, 0)
            struct.pack_into("!H", f, 10, csum(bytes(f[:ihl])))
        else:
            fh = len(_v6_split(ip)[0])
            first = frags[0][fh + 8 :]
            off = struct.unpack("!H", f[fh + 2 : fh + 4])[0]
            f = f[: fh + 8] + first[-8:] + f[fh + 8 :]
            struct.pack_into("!H", f, fh + 2, ((off & 0xFFF8) - 8) | (off & 1))
            struct.pack_into("!H", f, 4, len(f) - 40)
        frags[1] = bytes(f)
    if a.dup:
        frags = frags[:1] + frags
    if a.reverse:
        frags.reverse()
    return frags


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("inp")
    p.add_argument("out")
    p.add_argument("--size", type=int, default=256, help="data bytes per fragment")
    p.add_argument("--min-payload", type=int, default=100)
    p.add_argument("--reverse", action="store_true", help="send each packet's fragments last first")
    p.add_argument("--overlap", action="store_true", help="make the second fragment overlap the first")
    p.add_argument("--dup", action="store_true", help="send the first fragment twice")
    p.add_argument("--ext", type=int, default=0,
                   help="instead of fragmenting, put N destination-options headers in IPv6 packets")
    a = p.parse_args()
    d = open(a.inp, "rb").read()
    magic = struct.unpack("<I", d[:4])[0]
    e = "<" if magic in (0xA1B2C3D4, 0xA1B23C4D) else ">"
    if struct.unpack(e + "I", d[20:24])[0] != 1:
        sys.exit("ipfrag.py: only Ethernet pcaps")
    out, off, ident, n = [d[:24]], 24, 0x4000, 0
    while off + 16 <= len(d):
        ts, tu, cl, wl = struct.unpack(e + "IIII", d[off : off + 16])
        frame = d[off + 16 : off + 16 + cl]
        off += 16 + cl
        et = struct.unpack("!H", frame[12:14])[0] if len(frame) >= 14 else 0
        ip = frame[14:]
        if a.ext and et == 0x86DD and cl == wl and tcp_payload_len(ip) >= 0:
            n += 1
            fr = frame[:14] + ext6(ip[: 40 + struct.unpack("!H", ip[4:6])[0]], a.ext)
            out.append(struct.pack(e + "IIII", ts, tu, len(fr), len(fr)) + fr)
        elif a.ext:
            out.append(d[off - 16 - cl : off])
        elif et in (0x0800, 0x86DD) and cl == wl and tcp_payload_len(ip) > a.min_payload:
            ident += 1
            n += 1
            for f in fragment(ip, a, ident):
                fr = frame[:14] + f
                out.append(struct.pack(e + "IIII", ts, tu, len(fr), len(fr)) + fr)
        else:
            out.append(d[off - 16 - cl : off])
    open(a.out, "wb").write(b"".join(out))
    print("ipfrag.py: %d packets rewritten" % n, file=sys.stderr)


if __name__ == "__main__":
    main()
