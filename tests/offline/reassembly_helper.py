#!/usr/bin/env python3
"""Helpers for tests/offline/reassembly_cases.sh (standard library only).

  turns FOLLOW_TXT OUTDIR SERVER_PORT
      Split `tshark -qz follow,tcp,raw,0` output into turn files OUTDIR/tNN_c / tNN_s (one per
      run of consecutive data from the same side) and the whole streams OUTDIR/client.bin and
      OUTDIR/server.bin. Prints the pcapgen turn arguments (c:tNN_c s:tNN_s ...) on one line.
  certrange STREAM
      Print "START END": the byte range, in the server byte stream, of the TLS records that
      carry the Certificate handshake message (type 11). Exit 1 if there is none.
  holes PCAP SERVER_PORT START END
      Relative to the server's ISN (from its SYN-ACK), print the number of server bytes in
      [START, END) that no frame of PCAP carries, then the total number of missing bytes below
      the highest byte sent. Exit 0 if some byte of [START, END) is missing, else 1.
"""
import os
import struct
import sys


def cmd_turns(follow, outdir, server_port):
    with open(follow, encoding="ascii", errors="replace") as f:
        lines = f.read().split("\n")
    nodes = {}
    data = []
    in_data = False
    for ln in lines:
        if ln.startswith("Node 0: ") or ln.startswith("Node 1: "):
            nodes[int(ln[5])] = int(ln.rsplit(":", 1)[1])
            if ln.startswith("Node 1: "):
                in_data = True
            continue
        if in_data:
            if ln.startswith("====="):
                break
            if ln.strip():
                data.append(ln)
    if len(nodes) != 2 or server_port not in nodes.values():
        sys.exit("follow output: nodes %r do not include server port %d" % (nodes, server_port))
    # Lines of node 0 have no indent, node 1's start with a tab.
    server_node = 1 if nodes[1] == server_port else 0
    turns = []
    for ln in data:
        side = "s" if (ln.startswith("\t") == (server_node == 1)) else "c"
        b = bytes.fromhex(ln.strip())
        if turns and turns[-1][0] == side:
            turns[-1][1].extend(b)
        else:
            turns.append([side, bytearray(b)])
    os.makedirs(outdir, exist_ok=True)
    args = []
    streams = {"c": bytearray(), "s": bytearray()}
    for i, (side, b) in enumerate(turns):
        name = "t%02d_%s" % (i, side)
        with open(os.path.join(outdir, name), "wb") as f:
            f.write(b)
        streams[side] += b
        args.append("%s:%s" % (side, name))
    for side, fname in (("c", "client.bin"), ("s", "server.bin")):
        with open(os.path.join(outdir, fname), "wb") as f:
            f.write(streams[side])
    print(" ".join(args))


def cmd_certrange(stream):
    with open(stream, "rb") as f:
        s = f.read()
    # Walk the cleartext handshake records; map handshake-stream offsets back to stream offsets.
    off = 0
    hs = bytearray()
    hs_pos = []  # stream offset of the record holding each handshake byte
    while off + 5 <= len(s):
        ctype, _, rlen = struct.unpack(">BHH", s[off:off + 5])
        if ctype != 22:
            break
        for _ in range(rlen):
            hs_pos.append(off)
        hs += s[off + 5:off + 5 + rlen]
        off += 5 + rlen
    p = 0
    while p + 4 <= len(hs):
        mtype = hs[p]
        mlen = int.from_bytes(hs[p + 1:p + 4], "big")
        if mtype == 11 and p + 4 + mlen <= len(hs):
            last = hs_pos[p + 4 + mlen - 1]
            rlen = struct.unpack(">H", s[last + 3:last + 5])[0]
            print(hs_pos[p], last + 5 + rlen)
            return 0
        p += 4 + mlen
    return 1


def pcap_frames(path):
    with open(path, "rb") as f:
        d = f.read()
    magic = struct.unpack("<I", d[:4])[0]
    if magic in (0xa1b2c3d4, 0xa1b23c4d):
        e = "<"
    elif magic in (0xd4c3b2a1, 0x4d3cb2a1):
        e = ">"
    else:
        sys.exit("%s: not a classic pcap" % path)
    off = 24
    while off + 16 <= len(d):
        incl = struct.unpack(e + "I", d[off + 8:off + 12])[0]
        yield d[off + 16:off + 16 + incl]
        off += 16 + incl


def tcp_segments(path):
    """(sport, dport, seq, flags, payload) of each Ethernet/IPv4-or-IPv6/TCP frame."""
    for fr in pcap_frames(path):
        et = struct.unpack(">H", fr[12:14])[0]
        if et == 0x0800:
            ihl = (fr[14] & 0x0f) * 4
            tot = struct.unpack(">H", fr[16:18])[0]
            if fr[23] != 6:
                continue
            tcp = fr[14 + ihl:14 + tot]
        elif et == 0x86dd:
            plen = struct.unpack(">H", fr[18:20])[0]
            if fr[20] != 6:
                continue
            tcp = fr[54:54 + plen]
        else:
            continue
        sport, dport, seq = struct.unpack(">HHI", tcp[:8])
        doff = (tcp[12] >> 4) * 4
        yield sport, dport, seq, tcp[13], tcp[doff:]


def cmd_holes(pcap, server_port, start, end):
    isn = None
    have = set()
    top = 0
    segs = []
    for sport, _, seq, flags, payload in tcp_segments(pcap):
        if sport != server_port:
            continue
        if flags & 0x02:
            isn = seq
        elif payload:
            segs.append((seq, len(payload)))
    if isn is None:
        sys.exit("%s: no SYN-ACK from port %d" % (pcap, server_port))
    for seq, n in segs:
        rel = (seq - isn - 1) & 0xffffffff
        have.update(range(rel, rel + n))
        top = max(top, rel + n)
    missing_in = sum(1 for i in range(start, end) if i not in have)
    missing = sum(1 for i in range(top) if i not in have)
    print(missing_in, missing)
    return 0 if missing_in else 1


def main(argv):
    if len(argv) == 5 and argv[1] == "turns":
        return cmd_turns(argv[2], argv[3], int(argv[4]))
    if len(argv) == 3 and argv[1] == "certrange":
        return cmd_certrange(argv[2])
    if len(argv) == 6 and argv[1] == "holes":
        return cmd_holes(argv[2], int(argv[3]), int(argv[4]), int(argv[5]))
    sys.stderr.write(__doc__)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv))
