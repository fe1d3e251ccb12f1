#!/usr/bin/env python3
"""Send every frame of classic pcap files (Ethernet) out of one interface through an AF_PACKET
socket, as they are, in file order: tcpreplay for tests/live/encap.sh (standard library only).

  pcap_inject.py IFACE GAP_US FILE...

Run it inside the network namespace that holds IFACE. Bounded by the files' sizes; exits 1 on a
file that is not a classic pcap or a frame the interface refuses."""
import socket
import struct
import sys
import time


def frames(path):
    with open(path, "rb") as f:
        data = f.read()
    if len(data) < 24:
        sys.exit("%s: not a pcap file" % path)
    magic = struct.unpack("<I", data[:4])[0]
    if magic in (0xA1B2C3D4, 0xA1B23C4D):
        endian = "<"
    elif magic in (0xD4C3B2A1, 0x4D3CB2A1):
        endian = ">"
    else:
        sys.exit("%s: not a classic pcap file" % path)
    if struct.unpack(endian + "I", data[20:24])[0] != 1:
        sys.exit("%s: link type is not Ethernet" % path)
    off = 24
    while off + 16 <= len(data):
        caplen = struct.unpack(endian + "I", data[off + 8:off + 12])[0]
        off += 16
        if off + caplen > len(data):
            sys.exit("%s: truncated frame" % path)
        yield data[off:off + caplen]
        off += caplen


def main():
    if len(sys.argv) < 4:
        sys.exit(__doc__)
    iface, gap = sys.argv[1], int(sys.argv[2]) / 1e6
    s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
    s.bind((iface, 0))
    n = 0
    for path in sys.argv[3:]:
        for fr in frames(path):
            s.send(fr)
            n += 1
            if gap:
                time.sleep(gap)
    print("pcap_inject: %d frames sent on %s" % (n, iface))


main()
