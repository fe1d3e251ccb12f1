#!/usr/bin/env python3
"""Regenerate the seed corpora in tests/fuzz/corpus/ from ../shared/pcaps (read, never copied):
handshake message bodies and certificates cut out with tshark, byte streams and frame sequences in
each target's input format, and small pcap/pcapng files generated with build/tools/pcapgen or
written here. Deterministic; run from the repository root after `make`.

usage: tests/fuzz/mkcorpus.py [--pcaps DIR] [--out DIR] [--pcapgen PATH]
"""
import argparse
import json
import os
import shutil
import struct
import subprocess
import sys
import tempfile

LT_ETHERNET, LT_RAW, LT_SLL, LT_SLL2 = 1, 101, 113, 276


def tshark_json(path, display_filter):
    out = subprocess.run(["tshark", "-r", path, "-Y", display_filter, "-T", "json", "-x"],
                         check=True, capture_output=True).stdout
    # tshark repeats keys within one object: keep every pair.
    return json.loads(out, object_pairs_hook=lambda pairs: pairs)


def raw_fields(node, wanted, found):
    """Collect the hex of every `wanted`_raw field, in document order."""
    if isinstance(node, list) and node and all(isinstance(x, tuple) for x in node):
        for key, value in node:
            if key == wanted + "_raw":
                for item in (value if isinstance(value[0], list) else [value]):
                    found.append(bytes.fromhex(item[0]))
            raw_fields(value, wanted, found)
    elif isinstance(node, list):
        for x in node:
            raw_fields(x, wanted, found)
    return found


def handshake_messages(path):
    """(type, body) of every plaintext handshake message tshark decodes (reassembled)."""
    msgs = []
    for m in raw_fields(tshark_json(path, "tls.handshake"), "tls.handshake", []):
        if len(m) >= 4 and int.from_bytes(m[1:4], "big") == len(m) - 4:
            msgs.append((m[0], m[4:]))
    return msgs


def certificates(path):
    return raw_fields(tshark_json(path, "tls.handshake.certificate"),
                      "tls.handshake.certificate", [])


def read_pcap(path):
    """(linktype, [(ts_sec, ts_usec, frame)]) of a classic little-endian pcap."""
    with open(path, "rb") as f:
        data = f.read()
    magic, = struct.unpack_from("<I", data, 0)
    assert magic in (0xa1b2c3d4, 0xa1b23c4d), path
    linktype = struct.unpack_from("<I", data, 20)[0] & 0xffff
    frames, off = [], 24
    while off + 16 <= len(data):
        sec, usec, caplen, _ = struct.unpack_from("<IIII", data, off)
        frames.append((sec, usec, data[off + 16:off + 16 + caplen]))
        off += 16 + caplen
    return linktype, frames


def tcp_packets(path):
    """[(src_port, dst_port, flags, seq, payload)] of the TCP frames, in capture order."""
    out = subprocess.run(["tshark", "-r", path, "-Y", "tcp", "-T", "fields", "-e", "tcp.srcport",
                          "-e", "tcp.dstport", "-e", "tcp.flags", "-e", "tcp.seq_raw",
                          "-e", "tcp.payload"], check=True, capture_output=True, text=True).stdout
    pkts = []
    for line in out.splitlines():
        f = line.split("\t")
        f += [""] * (5 - len(f))
        pkts.append((int(f[0]), int(f[1]), int(f[2], 16), int(f[3]), bytes.fromhex(f[4])))
    return pkts


def server_port(pkts):
    for sp, dp, flags, _, _ in pkts:
        if flags & 0x12 == 0x02:
            return dp
    return min(pkts[0][0], pkts[0][1])


def streams(pkts, limit):
    """Client and server byte streams of the first connection (retransmissions dropped)."""
    sport = server_port(pkts)
    cport = next(p[0] if p[1] == sport else p[1] for p in pkts)
    out, seen = {0: b"", 1: b""}, set()
    for sp, dp, _, seq, payload in pkts:
        if not payload or {sp, dp} != {sport, cport} or (sp, seq) in seen:
            continue
        seen.add((sp, seq))
        d = 1 if sp == sport else 0
        out[d] = (out[d] + payload)[:limit]
    return out[0], out[1]


def parse_segments(data):
    """Split a fuzz_segments input into its header and [ctl, delta, payload] segments."""
    head, off, segs = data[:9], 9, []
    while off + 5 <= len(data):
        ctl, delta, n = struct.unpack(">BhH", data[off:off + 5])
        segs.append([ctl, delta, data[off + 5:off + 5 + n]])
        off += 5 + n
    return head, segs


def join_segments(head, segs, limit):
    out = bytearray(head)
    for ctl, delta, payload in segs:
        seg = struct.pack(">BhH", ctl, delta, len(payload)) + payload
        if len(out) + len(seg) > limit:
            break
        out += seg
    return bytes(out)


BAD_CSUM, URG = 128, 4 | 8  # fuzz_segments.c: ctl bit 7, and FIN with RST


def chaos_inputs(seed):
    """Reassembly chaos on one real connection (issue 17): what an on-path attacker sends."""
    head, segs = parse_segments(seed)
    flip = lambda b: bytes(x ^ 0x55 for x in b)
    data = [i for i, sg in enumerate(segs) if sg[2] and not sg[0] & 2]
    out = {}
    # A bad-checksum copy with other bytes before every data segment.
    v = []
    for i, sg in enumerate(segs):
        if i in data:
            v.append([sg[0] | BAD_CSUM, sg[1], flip(sg[2])])
        v.append(sg)
    out["chaos_csum_insert"] = v
    # Out of order: a forged tail first, then a lower-starting real copy, then the head.
    v = list(segs)
    for i in reversed(data[:4]):
        ctl, delta, p = segs[i]
        if len(p) < 40:
            continue
        v[i:i + 1] = [[ctl, delta + 30, flip(p[30:])], [ctl, delta + 10, p[10:]],
                      [ctl, delta + 10, flip(p[10:20])], [ctl, delta, p]]
    out["chaos_overlap"] = v
    # Urgent bytes inside data, RSTs and SYNs out of window or with bad checksums.
    v = []
    for i, sg in enumerate(segs):
        if i in data[:3]:
            p = sg[2]
            v.append([(sg[0] & ~(4 | 8)) | URG, sg[1], p[:len(p) // 2] + b"U" + p[len(p) // 2:]])
            v.append([sg[0] & 1 | 16 | 8, 30000, b""])
            v.append([sg[0] & 1 | 16 | 8 | BAD_CSUM, 0, b""])
            v.append([0 | 2, 12345, b""])
            continue
        v.append(sg)
    out["chaos_urg_rst_syn"] = v
    # Spoofed data far ahead of the stream, before the real segments.
    v = [sg for sg in segs if sg[0] & 2]
    v += [[0 | 16, 1400 * k, bytes([k]) * 1400] for k in range(1, 16)]
    v += [sg for sg in segs if not sg[0] & 2]
    out["chaos_ooo_flood"] = v
    return {k: join_segments(head, segs_, 30000) for k, segs_ in out.items()}


def segments_input(pkts, limit):
    """fuzz_segments format (see tests/fuzz/fuzz_segments.c) for the first connection."""
    sport = server_port(pkts)
    cport = next(p[0] if p[1] == sport else p[1] for p in pkts)
    isn = [None, None]
    for sp, dp, flags, seq, payload in pkts:
        d = 1 if sp == sport else 0
        if isn[d] is None:
            isn[d] = seq if flags & 0x02 else (seq - 1) & 0xffffffff
    isn = [x or 1 for x in isn]
    data = bytearray(struct.pack(">BII", 0, isn[0], isn[1]))
    nxt = [isn[0] + 1, isn[1] + 1]
    for sp, dp, flags, seq, payload in pkts:
        if {sp, dp} != {sport, cport}:
            continue
        d = 1 if sp == sport else 0
        base = isn[d] if flags & 0x02 else nxt[d]
        delta = (seq - base + 2**31) % 2**32 - 2**31
        if not -32768 <= delta < 32768:
            delta = 0
        ctl = d | (2 if flags & 0x02 else 0) | (4 if flags & 0x01 else 0) | \
            (8 if flags & 0x04 else 0) | (16 if flags & 0x10 else 0)
        seg = struct.pack(">BhH", ctl, delta, len(payload)) + payload
        if len(data) + len(seg) > limit:
            break
        data += seg
        end = base + delta + len(payload) + (1 if flags & 0x03 else 0)
        if (end - nxt[d]) % 2**32 < 2**31:
            nxt[d] = end & 0xffffffff
    return bytes(data)


def to_linktype(frame, src_lt, dst_lt):
    """Re-frame an Ethernet or raw-IP frame as raw IP, SLL or SLL2."""
    if src_lt == LT_ETHERNET:
        proto, ip = frame[12:14], frame[14:]
    else:
        proto, ip = (b"\x86\xdd" if frame[0] >> 4 == 6 else b"\x08\x00"), frame
    if dst_lt == LT_RAW:
        return ip
    if dst_lt == LT_SLL:
        return struct.pack(">HHH", 0, 1, 6) + b"\x02\x00\x00\x00\x00\x01\x00\x00" + proto + ip
    if dst_lt == LT_SLL2:
        return proto + b"\x00\x00" + struct.pack(">I", 2) + struct.pack(">HBB", 1, 0, 6) + \
            b"\x02\x00\x00\x00\x00\x01\x00\x00" + ip
    return frame


def stream_input(frames, src_lt, dst_lt, limit, flags=0):
    """fuzz_stream format (see tests/fuzz/fuzz_stream.c)."""
    index = {LT_ETHERNET: 0, LT_RAW: 1, LT_SLL: 2, LT_SLL2: 3}[dst_lt]
    data = bytearray([index | flags])
    for _, _, frame in frames:
        fr = to_linktype(frame, src_lt, dst_lt)
        if len(data) + 2 + len(fr) > limit:
            break
        data += struct.pack(">H", len(fr)) + fr
    return bytes(data)


def record(ct, payload, version=0x0303):
    return struct.pack(">BHH", ct, version, len(payload)) + payload


def hs(t, body):
    return bytes([t]) + len(body).to_bytes(3, "big") + body


def pcapng(frames, linktype=LT_ETHERNET):
    """A minimal pcapng: SHB, one IDB with nanosecond timestamps, EPBs with a comment."""
    def block(btype, body):
        body += b"\x00" * (-len(body) % 4)
        n = len(body) + 12
        return struct.pack("<II", btype, n) + body + struct.pack("<I", n)

    def opt(code, value):
        return struct.pack("<HH", code, len(value)) + value + b"\x00" * (-len(value) % 4)

    out = block(0x0a0d0d0a, struct.pack("<IHHq", 0x1a2b3c4d, 1, 0, -1))
    out += block(1, struct.pack("<HHI", linktype, 0, 262144) + opt(9, b"\x09") + opt(0, b""))
    for i, (sec, usec, frame) in enumerate(frames):
        ts = (sec * 1000000 + usec) * 1000 + i
        body = struct.pack("<IIIII", 0, ts >> 32, ts & 0xffffffff, len(frame), len(frame))
        body += frame + b"\x00" * (-len(frame) % 4) + opt(1, b"frame %d" % i) + opt(0, b"")
        out += block(6, body)
    return out


def pcap_be_ns(frames, linktype=LT_ETHERNET):
    """Classic pcap, big-endian, nanosecond magic."""
    out = struct.pack(">IHHiIII", 0xa1b23c4d, 2, 4, 0, 0, 65535, linktype)
    for sec, usec, frame in frames:
        out += struct.pack(">IIII", sec, usec * 1000, len(frame), len(frame)) + frame
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--pcaps", default="../shared/pcaps")
    ap.add_argument("--out", default="tests/fuzz/corpus")
    ap.add_argument("--pcapgen", default="build/tools/pcapgen")
    a = ap.parse_args()
    P = lambda name: os.path.join(a.pcaps, name)
    corpus = {}

    def put(target, name, data):
        corpus.setdefault(target, {})[name] = data

    # tls_msg: selector byte (0 ClientHello, 1 SSLv2 ClientHello, 2 ServerHello, 3 Certificate,
    # 4 ServerKeyExchange, 5 CertificateRequest), the version (and key exchange) for the last
    # two, then the body.
    kx_ecdhe, kx_dhe = 3, 2
    for name, label in [("zeek_tls1.2.pcap", "tls12"), ("zeek_hrr.pcap", "tls13_hrr"),
                        ("zeek_ssl-v3.pcap", "ssl3"), ("zeek_tls-conn-with-extensions.pcap", "ext"),
                        ("arkime_badcurveball.pcap", "curveball"),
                        ("zeek_certificate-request-failed.pcap", "certreq"),
                        ("arkime_ssl-selfsign.pcap", "selfsign")]:
        version = 0x0303
        taken = set()
        for t, body in handshake_messages(P(name)):
            if t in taken and t != 2:
                continue
            taken.add(t)
            if t == 1:
                put("tls_msg", f"ch_{label}", b"\x00\x03\x03\x00" + body)
            elif t == 2:
                version = int.from_bytes(body[:2], "big")
                put("tls_msg", f"sh_{label}_{len(taken)}", b"\x02\x03\x03\x00" + body)
            elif t == 11 and len(body) < 6000:
                put("tls_msg", f"cert_{label}", b"\x03\x03\x03\x00" + body)
            elif t == 12:
                kx = kx_ecdhe if body[:1] == b"\x03" else kx_dhe
                put("tls_msg", f"ske_{label}", bytes([4, version >> 8, version & 0xff, kx]) + body)
            elif t == 13:
                put("tls_msg", f"certreq_{label}", bytes([5, version >> 8, version & 0xff, 0]) + body)
    # The SSLv2-compatible ClientHello: the record after its 2-byte header.
    c2s, _ = streams(tcp_packets(P("sv_sslv2-tls-upgrade-01.pcap")), 4096)
    if c2s and c2s[0] & 0x80:
        n = ((c2s[0] & 0x7f) << 8) | c2s[1]
        put("tls_msg", "sslv2_ch", b"\x01\x00\x02\x00" + c2s[2:2 + n])
        put("tls_record", "sslv2_hello", b"\x00\x01\x00" + c2s[:2 + n])

    # x509: single DER certificates with different keys, signatures and oddities.
    for name, label in [("zeek_tls1.2.pcap", "rsa_chain"), ("arkime_badcurveball.pcap", "ec_explicit"),
                        ("zeek_ml-dsa-44-cert.pcap", "mldsa"), ("sv_tls-pre-1970.pcap", "pre1970"),
                        ("zeek_cert-no-cn.pcap", "no_cn"), ("arkime_ssl-selfsign.pcap", "selfsign"),
                        ("zeek_tls-expired-cert.pcap", "expired"), ("zeek_ssl-v3.pcap", "ssl3")]:
        for i, der in enumerate(certificates(P(name))[:2]):
            if len(der) <= 8192:
                put("x509", f"{label}_{i}", der)

    # tls_record: chunking seed, flags, then one direction's stream.
    for name, label in [("zeek_tls1.2.pcap", "tls12"), ("zeek_hrr.pcap", "tls13_hrr"),
                        ("zeek_tls-fragmented-handshake.pcap", "fragmented"),
                        ("zeek_tls-early-alert.pcap", "early_alert")]:
        c2s, s2c = streams(tcp_packets(P(name)), 12000)
        put("tls_record", f"{label}_client", b"\x12\x34\x00" + c2s)
        put("tls_record", f"{label}_server", b"\x56\x78\x04" + s2c)

    # segments: the TCP segments of one connection.
    for name, label in [("zeek_tls1.2.pcap", "tls12"), ("zeek_hrr.pcap", "tls13_hrr"),
                        ("zeek_tls-1.2-handshake-failure.pcap", "failure"),
                        ("sv_tls-client-hello-frag-01.pcap", "ch_frag"),
                        ("zeek_ssl-v3.pcap", "ssl3")]:
        put("segments", label, segments_input(tcp_packets(P(name)), 24000))
    for label, data in chaos_inputs(segments_input(tcp_packets(P("zeek_tls1.2.pcap")),
                                                   24000)).items():
        put("segments", label, data)

    # stream: frames of whole captures, in each linktype the target offers.
    lt, frames = read_pcap(P("zeek_tls1.2.pcap"))
    for dst, label in [(LT_ETHERNET, "eth"), (LT_RAW, "raw"), (LT_SLL, "sll"), (LT_SLL2, "sll2")]:
        put("stream", f"tls12_{label}", stream_input(frames, lt, dst, 24000, 8 if dst == LT_SLL else 0))
    for name, label in [("zeek_tls-1.2-handshake-failure.pcap", "failure"),
                        ("sv_tls-pre-1970.pcap", "pre1970_raw"), ("zeek_hrr.pcap", "hrr"),
                        ("arkime_openssl-ssl3.pcap", "ssl3")]:
        lt, frames = read_pcap(P(name))
        put("stream", label, stream_input(frames, lt, lt, 24000))

    # pcap: generated captures of real handshake bytes, plus pcapng and big-endian ns files.
    msgs = handshake_messages(P("zeek_tls1.2.pcap"))
    client = record(22, hs(*msgs[0]))
    server = record(22, b"".join(hs(t, b) for t, b in msgs[1:4] if t in (2, 11, 14)))
    tmp = tempfile.mkdtemp()
    try:
        c, s = os.path.join(tmp, "c"), os.path.join(tmp, "s")
        open(c, "wb").write(client)
        open(s, "wb").write(server)
        for label, args in [("v4_mss536", ["--mss", "536"]),
                            ("v6_reorder", ["--server", "[fd00::2]:443", "--client", "[fd00::1]:40000",
                                            "--mss", "700", "--reorder", "3", "--retransmit", "20"]),
                            ("rst_overlap", ["--rst-server", "--overlap", "--retransmit", "30",
                                             "--mss", "400"]),
                            ("encap_mpls_vxlan", ["--mss", "700", "--encap", "mpls:5/vxlan:9"]),
                            ("encap_4deep", ["--mss", "900", "--encap",
                                             "pppoe:3/ipip6/gre-all:4/geneve:8"])]:
            out = os.path.join(tmp, label + ".pcap")
            subprocess.run([a.pcapgen, "-o", out] + args + ["c:" + c, "s:" + s], check=True)
            put("pcap", label, open(out, "rb").read())
            if label == "v4_mss536":
                put("stream", "pcapgen_v4", stream_input(read_pcap(out)[1], LT_ETHERNET, LT_ETHERNET, 24000))
    finally:
        shutil.rmtree(tmp)
    lt, frames = read_pcap(P("zeek_tls-1.2-handshake-failure.pcap"))
    put("pcap", "pcapng_ns", pcapng(frames[:6]))
    put("pcap", "classic_be_ns", pcap_be_ns(frames[:6]))

    # json: bytes a hostile SNI or certificate name may hold.
    for label, data in [("ascii", b"www.example.com"), ("quotes", b'a"b\\c/d\x00e\x1f\x7f'),
                        ("utf8", "caf\u00e9 \u2028 \U0001f512 \u65e5\u672c".encode()),
                        ("invalid_utf8", b"\xc0\xaf\xed\xa0\x80\xf4\x90\x80\x80\xe2\x82\xff"),
                        ("truncated_seq", b"ok\xe2\x82")]:
        put("json", label, data)

    # policy: the defaults as `tlsmon policy` prints them, and hand-written variants.
    out = subprocess.run([os.path.join(os.path.dirname(a.pcapgen), "..", "tlsmon"), "policy"],
                         capture_output=True).stdout
    if out:
        put("policy", "defaults", out)
    put("policy", "overrides", b"# strict\nmin_rsa_bits = 3072\nweak_hashes = md5, sha1\n"
        b"weak_cipher.enabled=false\r\nweak_signature.severity = critical\n\n  expired.severity=low\n")
    put("policy", "bad_line", b"min_dh_bits = 99999999999999999999\nnot a line\n")

    # ctl: byte 0 picks the request (0) or reply (1) parser; the line follows.
    for label, data in [("req_dump", b"\0DUMP"), ("req_since_pcapng", b"\0DUMP since=3600 format=pcapng"),
                        ("req_format_first", b"\0DUMP format=pcap since=0"),
                        ("reply_ok", b"\1OK frames=12 handshakes=2 pcap_bytes=4096 json_bytes=812 "
                         b"format=pcapng"),
                        ("reply_err", b"\1ERR busy: too many pending replies")]:
        put("ctl", label, data)

    # web_config: the exporter-toolkit file as an operator writes it, and a refused one.
    put("web_config", "tls_auth", b"---\n# tlsmon\ntls_server_config:\n  cert_file: tlsmon.pem\n"
        b"  key_file: '/etc/tlsmon/tlsmon.key'\n  client_ca_file: \"ca.pem\"\n"
        b"  client_auth_type: RequireAndVerifyClientCert\n  min_version: TLS13\n"
        b"basic_auth_users:\n  prom: $2y$10$X0h1gDsPszWURQaxFh.zoubFi6DXncSjhoQNJgRrnGs7EsimhC7zG\n")
    put("web_config", "refused", b"tls_server_config: {}\nhttp_server_config:\n  http2: false\n")

    # basic_auth: a scrape's header block with the right password, and malformed credentials.
    put("basic_auth", "right", b"GET /metrics HTTP/1.1\r\nHost: h\r\n"
        b"Authorization: Basic cHJvbTpwYTpzcyB3MHJk\r\nAccept: */*\r\n\r\n")
    put("basic_auth", "malformed", b"GET / HTTP/1.1\r\nauthorization:basic cHJvbQ=\n\n")

    shutil.rmtree(a.out, ignore_errors=True)
    total = 0
    for target, files in sorted(corpus.items()):
        d = os.path.join(a.out, target)
        os.makedirs(d)
        for name, data in sorted(files.items()):
            open(os.path.join(d, name), "wb").write(data)
            total += len(data)
        print(f"{target}: {len(files)} files")
    print(f"total {total} bytes")


if __name__ == "__main__":
    sys.exit(main())
