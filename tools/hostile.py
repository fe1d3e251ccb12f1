#!/usr/bin/env python3
"""Hostile traffic for tlsmon's live tests (tests/live/hostile.sh). Standard library only.

Run every command inside a network namespace the test created; traffic goes only to the address
given with --dst (the sink in the other namespace). Every loop is bounded in count and in time.

  sink      TCP listener (namespace A): reads and discards; when the first bytes name a canned
            reply or a TLS mode in the SNI (see MARKERS), it answers with that
  tls       a full TLS handshake with the sink (Python ssl client), SNI given; --sport binds
  slowhello a full TLS handshake whose ClientHello goes out one byte per TCP segment
  lie       one connection with lying length fields (record, handshake, ClientHello inner)
  random    random bytes on the port; --after-hello: after a valid ClientHello record
  canned    a ClientHello naming a canned server flight (big16m, chain1000), read the reply
  flood     raw Ethernet frames (AF_PACKET): per source port a SYN and a handshake-looking
            first segment, sent to the sink's IP with a destination MAC nobody owns, so the
            receiving kernel's IP layer drops them (no RST) after the tc hook saw them
  spoof     raw frames: per flow a SYN, a whole ClientHello and an RST from a spoofed source in
            --src-net (a /16) to --dst, an address that need not be the sink's (not local to
            the watching host); the SNI may hold escape bytes (--sni 'a\x1b[2Jb')
  wrap      raw frames of one connection whose sequence numbers wrap past 2^32 (ClientHello
            split across the wrap, one segment out of order), then FIN
  logfind   summarise the last --log line with a given SNI (exit 1 if none)
  logvalid  check that every --log line is a JSON object
"""
import argparse
import errno
import os
import random
import resource
import selectors
import socket
import ssl
import struct
import sys
import time

MARKERS = {
    b"resp-big16m.": "big16m",
    b"resp-chain1000.": "chain1000",
    b".tls.hostile.test": "tls",
}
SINK_KEEP = 64 * 1024  # bytes per connection kept for marker search
FLOOD_MAX = 60000  # frames per command, whatever the arguments say


def die(msg):
    print("hostile: " + msg, file=sys.stderr)
    sys.exit(2)


# ---- TLS byte builders (RFC 5246 6.2.1 records, 7.4 handshake messages) ----

def u8(v):
    return struct.pack("!B", v)


def u16(v):
    return struct.pack("!H", v)


def u24(v):
    return struct.pack("!I", v)[1:]


def record(ct, body, ver=0x0303):
    return u8(ct) + u16(ver) + u16(len(body)) + body


def hs_msg(t, body, claim=None):
    return u8(t) + u24(len(body) if claim is None else claim) + body


def records_of(ct, data, size=16384, ver=0x0303):
    return b"".join(record(ct, data[i:i + size], ver) for i in range(0, len(data), size))


def server_hello():
    body = u16(0x0303) + os.urandom(32) + u8(0) + u16(0xC02F) + u8(0)
    return hs_msg(2, body)


def tls_client_ctx(tls12=False):
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    if tls12:
        ctx.maximum_version = ssl.TLSVersion.TLSv1_2
    return ctx


class BioClient:
    """ssl over memory BIOs, so the caller decides how bytes go on the wire."""

    def __init__(self, sni, tls12=False):
        self.inc, self.out = ssl.MemoryBIO(), ssl.MemoryBIO()
        self.obj = tls_client_ctx(tls12).wrap_bio(self.inc, self.out, server_hostname=sni)
        self.done = False

    def step(self, data=b""):
        """Feed bytes from the peer; returns bytes to send."""
        if data:
            self.inc.write(data)
        if not self.done:
            try:
                self.obj.do_handshake()
                self.done = True
            except ssl.SSLWantReadError:
                pass
        return self.out.read()


def hello_bytes(sni, tls12=False):
    return BioClient(sni, tls12).step()


def canned_flight(name):
    if name == "big16m":
        # A Certificate message claiming 2^24 - 1 bytes (RFC 5246 7.4.2 uint24 length), then
        # ~96 KiB of it, then the server stops sending.
        body = u24(0xFFFFFC) + os.urandom(6 * 16384 - 8)
        cert = hs_msg(11, body, claim=0xFFFFFF)
        return records_of(22, server_hello()) + records_of(22, cert)
    if name == "chain1000":
        # 1,000 tiny DER-looking entries (a SEQUENCE header and junk), then ServerHelloDone.
        entries = b"".join(u24(22) + b"\x30\x14" + os.urandom(20) for _ in range(1000))
        cert = hs_msg(11, u24(len(entries)) + entries)
        return records_of(22, server_hello() + cert + hs_msg(14, b""))
    return b""


# ---- sink ----

class Conn:
    __slots__ = ("sock", "buf", "mode", "tls", "inc", "outb", "out", "t0", "shut")

    def __init__(self, sock):
        self.sock, self.buf, self.mode, self.tls = sock, b"", None, None
        self.inc = self.outb = None
        self.out = b""
        self.t0 = time.monotonic()
        self.shut = False


def sink(a):
    try:
        resource.setrlimit(resource.RLIMIT_NOFILE, (65536, 65536))
    except (ValueError, OSError):
        pass
    ctxs = {}
    for name in ("normal", "hugeext", "manysan"):
        crt = os.path.join(a.certdir, name + ".pem")
        key = os.path.join(a.certdir, name + ".key")
        if os.path.exists(crt):
            c = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            c.load_cert_chain(crt, key)
            ctxs[name] = c
    ls = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    ls.bind((a.addr, a.port))
    ls.listen(4096)
    ls.setblocking(False)
    sel = selectors.DefaultSelector()
    sel.register(ls, selectors.EVENT_READ, None)
    conns = {}
    end = time.monotonic() + a.duration

    def close(c):
        sel.unregister(c.sock)
        conns.pop(c.sock.fileno(), None)
        c.sock.close()

    def want(c):
        sel.modify(c.sock, selectors.EVENT_READ | (selectors.EVENT_WRITE if c.out else 0), c)

    def choose(c):
        for m, mode in MARKERS.items():
            if m in c.buf:
                c.mode = mode
        if c.mode == "tls":
            cert = "normal"
            for n in ("hugeext", "manysan"):
                if (n + ".").encode() in c.buf and n in ctxs:
                    cert = n
            c.inc, c.outb = ssl.MemoryBIO(), ssl.MemoryBIO()
            c.tls = ctxs[cert].wrap_bio(c.inc, c.outb, server_side=True)
            c.inc.write(c.buf)
        elif c.mode:
            c.out += canned_flight(c.mode)
            c.shut = True

    def pump_tls(c):
        try:
            c.tls.do_handshake()
            while True:
                if not c.tls.read(16384):
                    break
        except ssl.SSLWantReadError:
            pass
        except (ssl.SSLError, OSError):
            c.mode = "broken"
        c.out += c.outb.read()

    while time.monotonic() < end:
        for key, ev in sel.select(timeout=0.5):
            if key.data is None:
                for _ in range(256):
                    try:
                        s, _ = ls.accept()
                    except (BlockingIOError, InterruptedError):
                        break
                    except OSError as e:
                        if e.errno in (errno.EMFILE, errno.ENFILE):
                            break
                        raise
                    if len(conns) >= a.max_conns:
                        s.close()
                        continue
                    s.setblocking(False)
                    c = Conn(s)
                    conns[s.fileno()] = c
                    sel.register(s, selectors.EVENT_READ, c)
                continue
            c = key.data
            if ev & selectors.EVENT_READ:
                try:
                    d = c.sock.recv(65536)
                except (BlockingIOError, InterruptedError):
                    d = None
                except OSError:
                    d = b""
                if d == b"":
                    close(c)
                    continue
                if d:
                    if c.mode is None and len(c.buf) < SINK_KEEP:
                        c.buf += d[:SINK_KEEP - len(c.buf)]
                        choose(c)
                    elif c.mode == "tls" and c.tls is not None:
                        c.inc.write(d)
                    if c.mode == "tls" and c.tls is not None:
                        pump_tls(c)
            if c.out:
                try:
                    n = c.sock.send(c.out)
                    c.out = c.out[n:]
                except (BlockingIOError, InterruptedError):
                    pass
                except OSError:
                    close(c)
                    continue
                if not c.out and c.shut:
                    try:
                        c.sock.shutdown(socket.SHUT_WR)
                    except OSError:
                        pass
                    c.shut = False
            want(c)
    return 0


# ---- TCP clients ----

def connect(a, nodelay=False):
    src = ("", getattr(a, "sport", 0) or 0)
    s = socket.create_connection((a.dst, a.port), timeout=5, source_address=src)
    if nodelay:
        s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    return s


def recv_some(s, limit, secs):
    """Read until EOF, limit bytes or secs seconds."""
    got, end = 0, time.monotonic() + secs
    while got < limit and time.monotonic() < end:
        s.settimeout(max(0.05, end - time.monotonic()))
        try:
            d = s.recv(65536)
        except socket.timeout:
            break
        except OSError:
            break
        if not d:
            break
        got += len(d)
    return got


def handshake_over(s, bio, secs):
    """Drive a BioClient's handshake over socket s after its first flight was sent."""
    end = time.monotonic() + secs
    while not bio.done and time.monotonic() < end:
        s.settimeout(max(0.05, end - time.monotonic()))
        try:
            d = s.recv(65536)
        except socket.timeout:
            break
        if not d:
            break
        try:
            out = bio.step(d)
        except ssl.SSLError as e:
            print("hostile: tls error: %s" % e, file=sys.stderr)
            return False
        if out:
            s.sendall(out)
    if bio.done:
        try:
            bio.obj.write(b"GET / HTTP/1.0\r\n\r\n")
            bio.obj.unwrap()
        except (ssl.SSLWantReadError, ssl.SSLError):
            pass
        out = bio.out.read()
        if out:
            s.sendall(out)
    return bio.done


def cmd_tls(a):
    s = connect(a)
    port = s.getsockname()[1]
    bio = BioClient(a.sni, a.tls12)
    s.sendall(bio.step())
    ok = handshake_over(s, bio, 10)
    s.close()
    print("tls %s: handshake %s, client port %d" % (a.sni, "done" if ok else "NOT done", port))
    return 0 if ok else 1


def cmd_slowhello(a):
    bio = BioClient(a.sni, a.tls12)
    ch = bio.step()
    n = min(len(ch), 4096)
    s = connect(a, nodelay=True)
    port = s.getsockname()[1]
    t0 = time.monotonic()
    if a.first:
        # Only the first a.first bytes alone (e.g. a record header cut short), then the rest.
        s.send(ch[:a.first])
        time.sleep(0.05)
        s.sendall(ch[a.first:])
        ok = handshake_over(s, bio, 10)
        s.close()
        print("slowhello %s: first %d bytes in their own segment, then %d; handshake %s, "
              "client port %d" % (a.sni, a.first, len(ch) - a.first, "done" if ok else "NOT done",
                                  port))
        return 0 if ok else 1
    for i in range(n):
        if time.monotonic() - t0 > a.max_secs:
            break
        s.send(ch[i:i + 1])
        time.sleep(a.gap)
    sent = i + 1
    ok = sent == len(ch) and handshake_over(s, bio, 10)
    s.close()
    print("slowhello %s: %d of %d ClientHello bytes sent one per segment in %.1f s, "
          "handshake %s, client port %d" % (a.sni, sent, len(ch), time.monotonic() - t0,
                                            "done" if ok else "NOT done", port))
    return 0 if ok else 1


def lie_bytes(kind, sni):
    ch = hello_bytes(sni, tls12=True)
    body = ch[5:]  # the handshake message(s) inside the first record
    if kind == "rec_len_high":
        # A valid record, then a header claiming 65535 bytes (RFC 8446 5.1: at most 2^14+2048).
        return ch + b"\x16\x03\x03\xff\xff" + os.urandom(300)
    if kind == "rec_len_low":
        # The record claims 40 bytes; the ClientHello inside is longer: the rest of it is then
        # read as record headers.
        return b"\x16\x03\x01" + u16(40) + body
    if kind == "hs_len_low":
        # The handshake header claims 40 bytes of a longer ClientHello in a correct record.
        return ch[:5] + b"\x01" + u24(40) + body[4:]
    if kind == "hs_len_high":
        # The handshake header claims 1 MiB, over the 512 KiB message limit: E2BIG.
        return ch[:5] + b"\x01" + u24(1 << 20) + body[4:]
    if kind == "ch_inner":
        # session_id length 255 (RFC 5246 7.4.1.2: at most 32) where the ClientHello has 32.
        m = bytearray(body)
        m[4 + 2 + 32] = 0xFF
        return ch[:5] + bytes(m)
    if kind == "ext_len":
        # The extensions block claims 0xffff bytes.
        m = bytearray(body)
        off = 4 + 2 + 32
        off += 1 + m[off]
        off += 2 + (m[off] << 8 | m[off + 1])
        off += 1 + m[off]
        m[off:off + 2] = b"\xff\xff"
        return ch[:5] + bytes(m)
    die("unknown lie " + kind)


def cmd_lie(a):
    data = lie_bytes(a.kind, a.sni)
    s = connect(a)
    s.sendall(data)
    recv_some(s, 1 << 20, 0.3)
    s.close()
    print("lie %s: %d bytes sent" % (a.kind, len(data)))
    return 0


def cmd_random(a):
    rnd = random.Random(a.seed)
    data = bytearray(rnd.getrandbits(8) for _ in range(min(a.size, 1 << 20)))
    # Keep the start from looking like a record header (content types 20..24), so the case is
    # "no TLS at all" rather than "TLS that breaks"; --after-hello tests the latter.
    if 20 <= data[0] <= 24:
        data[0] = 0
    if a.after_hello:
        # Garbage after a valid ClientHello record, free of content-type bytes (20..24) so no
        # false record header appears in it; then a valid fatal alert record, which a parser
        # that lost sync must find again (RFC 5246 7.2: level 2, handshake_failure 40).
        data = bytes(b if not 20 <= b <= 24 else b ^ 0x80 for b in data)
        data = hello_bytes(a.sni, tls12=True) + data + record(21, b"\x02\x28")
    s = connect(a)
    s.sendall(bytes(data))
    recv_some(s, 1 << 20, 0.3)
    s.close()
    print("random: %d bytes sent%s" % (len(data), " after a ClientHello" if a.after_hello else ""))
    return 0


def cmd_canned(a):
    s = connect(a)
    s.sendall(hello_bytes("resp-%s.hostile.test" % a.name, tls12=True))
    got = recv_some(s, 32 << 20, 5)
    s.close()
    print("canned %s: received %d bytes of the server flight" % (a.name, got))
    return 0 if got else 1


# ---- raw frames (AF_PACKET) ----

def csum(b):
    if len(b) & 1:
        b += b"\0"
    s = sum(struct.unpack("!%dH" % (len(b) // 2), b))
    s = (s & 0xFFFF) + (s >> 16)
    s = (s & 0xFFFF) + (s >> 16)
    return ~s & 0xFFFF


SYN, FIN, RST, PSH, ACK = 0x02, 0x01, 0x04, 0x08, 0x10


class Raw:
    def __init__(self, a):
        self.sock = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
        self.sock.bind((a.iface, 0))
        with open("/sys/class/net/%s/address" % a.iface) as f:
            self.src_mac = bytes.fromhex(f.read().strip().replace(":", ""))
        # Locally administered unicast that no interface here owns: the receiver's stack marks
        # the frame PACKET_OTHERHOST and drops it in ip_rcv, after tc ingress saw it.
        self.dst_mac = bytes.fromhex("02000000beef")
        self.src = socket.inet_aton(a.src)
        self.dst = socket.inet_aton(a.dst)
        self.sent = 0

    def frame(self, sport, dport, seq, ack, flags, payload=b""):
        tcp = struct.pack("!HHIIBBHHH", sport, dport, seq & 0xFFFFFFFF, ack & 0xFFFFFFFF,
                          5 << 4, flags, 65535, 0, 0) + payload
        pseudo = self.src + self.dst + struct.pack("!BBH", 0, 6, len(tcp))
        c = csum(pseudo + tcp)
        tcp = tcp[:16] + u16(c) + tcp[18:]
        ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(tcp), random.getrandbits(16), 0x4000,
                         64, 6, 0, self.src, self.dst)
        ip = ip[:10] + u16(csum(ip)) + ip[12:]
        return self.dst_mac + self.src_mac + b"\x08\x00" + ip + tcp

    def send(self, fr):
        self.sock.send(fr)
        self.sent += 1
        if self.sent % 128 == 0:
            # Let the receiving backlog drain: frames lost there never reach the hook.
            time.sleep(0.001)


def cmd_flood(a):
    raw = Raw(a)
    count = min(a.count, FLOOD_MAX // 2)
    ch = hello_bytes("flood.hostile.test")
    # The first segment looks like a handshake: a record header and the start of a ClientHello,
    # padded to --size (the record length claims more, so userspace holds it waiting).
    first = ch[:min(len(ch), a.size)]
    if a.size > len(first):
        first += os.urandom(a.size - len(first))
    t0 = time.monotonic()
    n = 0
    for i in range(count):
        if time.monotonic() - t0 > a.max_secs:
            break
        sport = a.sport_base + i % a.sports
        isn = random.getrandbits(32)
        if not a.no_syn:
            raw.send(raw.frame(sport, a.port, isn, 0, SYN))
        raw.send(raw.frame(sport, a.port, isn + 1, 1, ACK | PSH, first))
        n += 1
    dt = time.monotonic() - t0
    print("flood: %d flows, %d frames (%d-byte first segments) in %.2f s" %
          (n, raw.sent, len(first), dt))
    return 0


def raw_client_hello(sni):
    """A minimal TLS 1.2 ClientHello (RFC 5246 7.4.1.2) with one server_name (RFC 6066 3), built
    by hand: Python's ssl refuses control bytes in a host name."""
    name = sni.encode("latin-1")
    sn = u8(0) + u16(len(name)) + name
    ext = u16(0) + u16(len(sn) + 2) + u16(len(sn)) + sn
    body = (u16(0x0303) + os.urandom(32) + u8(0) + u16(4) + u16(0xC02F) + u16(0x002F) +
            u8(1) + u8(0) + u16(len(ext)) + ext)
    return record(22, hs_msg(1, body), ver=0x0301)


def cmd_spoof(a):
    raw = Raw(a)
    count = min(a.count, FLOOD_MAX // 3)
    net = [int(x) for x in a.src_net.split(".")[:2]]
    ch = raw_client_hello(a.sni.encode().decode("unicode_escape"))
    t0 = time.monotonic()
    n = 0
    for i in range(count):
        if time.monotonic() - t0 > a.max_secs:
            break
        raw.src = bytes([net[0], net[1], (i >> 8) & 255, i & 255])
        sport = 1024 + i % 60000
        isn = random.getrandbits(32)
        raw.send(raw.frame(sport, a.port, isn, 0, SYN))
        raw.send(raw.frame(sport, a.port, isn + 1, 1, ACK | PSH, ch))
        raw.send(raw.frame(sport, a.port, isn + 1 + len(ch), 1, RST | ACK))
        n += 1
    print("spoof: %d flows from %s.0.0/16 to %s, %d frames in %.2f s" %
          (n, a.src_net, a.dst, raw.sent, time.monotonic() - t0))
    return 0


def cmd_wrap(a):
    raw = Raw(a)
    ch = hello_bytes(a.sni, tls12=True)
    isn = a.isn & 0xFFFFFFFF
    raw.send(raw.frame(a.sport, a.port, isn, 0, SYN))
    segs = []
    for off in range(0, len(ch), a.seg):
        segs.append((isn + 1 + off, ch[off:off + a.seg]))
    # Swap the segment that crosses (or starts after) 2^32 with its predecessor, so reassembly
    # must order segments across the wrap.
    k = next((i for i, (s, d) in enumerate(segs) if s + len(d) > 0xFFFFFFFF), 1)
    k = max(1, min(k, len(segs) - 1))
    segs[k - 1], segs[k] = segs[k], segs[k - 1]
    for seq, d in segs:
        raw.send(raw.frame(a.sport, a.port, seq, 1, ACK | PSH, d))
        time.sleep(0.002)
    raw.send(raw.frame(a.sport, a.port, isn + 1 + len(ch), 1, ACK | FIN))
    print("wrap %s: ISN %#x, %d-byte ClientHello in %d segments, last seq %#x" %
          (a.sni, isn, len(ch), len(segs), (isn + 1 + len(ch)) & 0xFFFFFFFF))
    return 0


def cmd_logfind(a):
    """Summarise the last JSON line of --log whose sni is --sni; exit 1 if there is none."""
    import json
    last, bad = None, 0
    try:
        with open(a.log, encoding="utf-8", errors="replace") as f:
            needle = json.dumps({"sni": a.sni})[1:-1].replace(" ", "")
            for line in f:
                if needle not in line:
                    continue
                try:
                    j = json.loads(line)
                except ValueError:
                    bad += 1
                    continue
                if j.get("sni") == a.sni:
                    last = j
    except OSError:
        pass
    if last is None:
        print("logfind: no handshake with sni %s (%d unparsable lines)" % (a.sni, bad))
        return 1
    certs = last.get("certificates") or []
    print("logfind: sni=%s version=%s outcome=%s certificates=%d certificates_total=%s "
          "events=%d%s" % (a.sni, last.get("version"), last.get("outcome"), len(certs),
                           last.get("certificates_total", len(certs)),
                           len(last.get("events") or []),
                           " unparsable_lines=%d" % bad if bad else ""))
    if a.field:
        v = last
        for k in a.field.split("."):
            v = v.get(k) if isinstance(v, dict) else (v[int(k)] if isinstance(v, list) and
                                                      k.isdigit() and int(k) < len(v) else None)
        print("logfind: %s=%s" % (a.field, json.dumps(v)[:200]))
    return 0


def cmd_logvalid(a):
    """Every line of --log is a JSON object; prints the count."""
    import json
    n = bad = 0
    with open(a.log, "rb") as f:
        for line in f:
            n += 1
            try:
                if not isinstance(json.loads(line.decode("utf-8")), dict):
                    bad += 1
            except (ValueError, UnicodeDecodeError):
                bad += 1
                if bad <= 3:
                    print("logvalid: line %d: %r" % (n, line[:160]))
    print("logvalid: %d lines, %d not valid JSON objects" % (n, bad))
    return 1 if bad or not n else 0


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    sub = p.add_subparsers(dest="cmd", required=True)

    def add(cmd_name, **kw):
        sp = sub.add_parser(cmd_name)
        sp.add_argument("--dst", required=cmd_name != "sink")
        sp.add_argument("--port", type=int, default=443)
        for k, v in kw.items():
            sp.add_argument("--" + k.replace("_", "-"), **v)
        return sp

    add("sink", addr=dict(required=True), certdir=dict(default="."),
        max_conns=dict(type=int, default=30000), duration=dict(type=float, default=170))
    add("tls", sni=dict(default="normal.tls.hostile.test"), tls12=dict(action="store_true"),
        sport=dict(type=int, default=0))
    add("slowhello", sni=dict(default="slow.tls.hostile.test"), tls12=dict(action="store_true"),
        gap=dict(type=float, default=0.002), max_secs=dict(type=float, default=10),
        first=dict(type=int, default=0))
    add("lie", kind=dict(required=True), sni=dict(default="lie.hostile.test"))
    add("random", size=dict(type=int, default=24576), seed=dict(type=int, default=6),
        after_hello=dict(action="store_true"), sni=dict(default="random.hostile.test"))
    add("canned", name=dict(required=True, choices=["big16m", "chain1000"]))
    raw_args = dict(iface=dict(default="veth0"), src=dict(required=True))
    add("flood", count=dict(type=int, default=20000), sport_base=dict(type=int, default=1100),
        sports=dict(type=int, default=20000), size=dict(type=int, default=200),
        no_syn=dict(action="store_true"), max_secs=dict(type=float, default=30), **raw_args)
    add("spoof", count=dict(type=int, default=1100), src_net=dict(default="198.18"),
        sni=dict(default="spoof.hostile.test"), max_secs=dict(type=float, default=20),
        iface=dict(default="veth0"), src=dict(default="198.18.0.1"))
    add("wrap", isn=dict(type=lambda s: int(s, 0), required=True), sport=dict(type=int,
        default=21500), seg=dict(type=int, default=40), sni=dict(default="wrap.hostile.test"),
        **raw_args)
    lf = sub.add_parser("logfind")
    lf.add_argument("--log", required=True)
    lf.add_argument("--sni", required=True)
    lf.add_argument("--field")
    lv = sub.add_parser("logvalid")
    lv.add_argument("--log", required=True)
    a = p.parse_args()
    fn = {"sink": sink, "tls": cmd_tls, "slowhello": cmd_slowhello, "lie": cmd_lie,
          "random": cmd_random, "canned": cmd_canned, "flood": cmd_flood, "spoof": cmd_spoof,
          "wrap": cmd_wrap,
          "logfind": cmd_logfind, "logvalid": cmd_logvalid}
    return fn[a.cmd](a)


if __name__ == "__main__":
    sys.exit(main())
