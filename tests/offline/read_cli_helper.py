#!/usr/bin/env python3
"""Helpers for tests/offline/read_cli.sh (standard library only).

  jsonlines FILE        every line of FILE is strict UTF-8 and one JSON object; prints the count
  hello OUT             write a TLS 1.2 ClientHello record whose SNI and ALPN protocol names hold
                        quotes, backslashes, control bytes, valid and invalid UTF-8
  checkhello FILE       FILE is tlsmon's output for that ClientHello: one JSON object whose sni
                        and alpn_offered decode to exactly those bytes (each byte outside valid
                        UTF-8 as the code point of the byte), with the escapes JSON requires
  emptypcap OUT         a classic pcap of the global header only
  emptypcapng OUT       a pcapng of a section header and one interface description, no packets
Exit status 0 when the check holds; otherwise a reason on stderr and 1.
"""
import codecs
import json
import re
import struct
import sys

# Quotes, backslash, NUL and other C0 controls, DEL, lone continuation/lead bytes, an overlong
# encoding, a UTF-16 surrogate, a code point above U+10FFFF, valid 2- and 4-byte sequences, and
# a sequence cut short by the end of the name.
SNI = (b'a"b\\c\x00\x01\x1f\x7f\n\t\r.' + b"\xff\xfe\x80" + b"\xc3(" + "é".encode() +
       b"\xed\xa0\x80" + b"\xc0\xaf" + b"\xf4\x90\x80\x80" + "\U0001F512".encode() + b"\xe2\x82")
ALPN = [b'h"2', b"\\\x00\xff", "ü".encode() + b"\x80"]


def per_byte(err):
    # Each byte that is not part of a valid UTF-8 sequence stands for itself (U+0000..U+00FF).
    return chr(err.object[err.start]), err.start + 1


codecs.register_error("tlsmon_per_byte", per_byte)


def expect(b):
    return b.decode("utf-8", "tlsmon_per_byte")


def lines_of(path):
    with open(path, "rb") as f:
        data = f.read()
    if data and not data.endswith(b"\n"):
        raise ValueError("output does not end with a newline")
    return data.split(b"\n")[:-1] if data else []


def cmd_jsonlines(path):
    n = 0
    for i, raw in enumerate(lines_of(path), 1):
        try:
            obj = json.loads(raw.decode("utf-8", "strict"))
        except (UnicodeDecodeError, ValueError) as e:
            sys.stderr.write("line %d: %s: %r\n" % (i, e, raw[:120]))
            return 1
        if not isinstance(obj, dict):
            sys.stderr.write("line %d: not an object\n" % i)
            return 1
        n += 1
    print(n)
    return 0


def vec(n, b):
    return len(b).to_bytes(n, "big") + b


def cmd_hello(out):
    sni = vec(2, b"\x00" + vec(2, SNI))  # RFC 6066 3: ServerNameList of one host_name
    alpn = vec(2, b"".join(vec(1, p) for p in ALPN))  # RFC 7301 3.1
    groups = vec(2, b"\x00\x1d\x00\x17")
    exts = (struct.pack(">H", 0) + vec(2, sni) + struct.pack(">H", 16) + vec(2, alpn) +
            struct.pack(">H", 10) + vec(2, groups) + struct.pack(">H", 11) + vec(2, b"\x01\x00"))
    body = (b"\x03\x03" + bytes(range(32)) + vec(1, b"") +
            vec(2, b"\xc0\x2f\xc0\x30\x00\x9c\x00\x2f") + vec(1, b"\x00") + vec(2, exts))
    hs = b"\x01" + vec(3, body)
    with open(out, "wb") as f:
        f.write(b"\x16\x03\x01" + vec(2, hs))
    return 0


def fail(msg):
    sys.stderr.write(msg + "\n")
    return 1


def cmd_checkhello(path):
    lines = lines_of(path)
    if len(lines) != 1:
        return fail("want one line, got %d" % len(lines))
    raw = lines[0]
    try:
        text = raw.decode("utf-8", "strict")
    except UnicodeDecodeError as e:
        return fail("output is not valid UTF-8: %s" % e)
    if re.search(r"[\x00-\x1f]", text):
        return fail("raw control character in the output line")
    try:
        obj = json.loads(text)
    except ValueError as e:
        return fail("not JSON: %s: %r" % (e, text[:300]))
    if obj.get("sni") != expect(SNI):
        return fail("sni %r, want %r" % (obj.get("sni"), expect(SNI)))
    want_alpn = [expect(p) for p in ALPN]
    if obj.get("alpn_offered") != want_alpn:
        return fail("alpn_offered %r, want %r" % (obj.get("alpn_offered"), want_alpn))
    # The escapes themselves: \" and \\ (RFC 8259 7), \u00XX for bytes that are not UTF-8.
    m = re.search(r'"sni":("(?:[^"\\]|\\.)*")', text)
    if not m:
        return fail("no sni string in %r" % text[:300])
    s = m.group(1)
    for esc in ('\\"', "\\\\", "\\u0000", "\\u0001", "\\u001f", "\\u00ff", "\\u00fe",
                "\\u0080", "\\u00c3(", "\\u00ed\\u00a0\\u0080", "\\u00c0\\u00af",
                "\\u00f4\\u0090\\u0080\\u0080", "\\u00e2\\u0082\""):
        if esc.lower() not in s.lower():
            return fail("sni %s lacks %s" % (s, esc))
    if "é" not in s or "\U0001F512" not in s:
        return fail("valid UTF-8 in the sni was not kept as is: %s" % s)
    return 0


def cmd_emptypcap(out):
    with open(out, "wb") as f:
        f.write(struct.pack("<IHHiIII", 0xa1b2c3d4, 2, 4, 0, 0, 65535, 1))
    return 0


def cmd_emptypcapng(out):
    shb_body = struct.pack("<IHHq", 0x1a2b3c4d, 1, 0, -1)
    shb = struct.pack("<II", 0x0a0d0d0a, 12 + len(shb_body)) + shb_body + \
        struct.pack("<I", 12 + len(shb_body))
    idb_body = struct.pack("<HHI", 1, 0, 65535)
    idb = struct.pack("<II", 1, 12 + len(idb_body)) + idb_body + \
        struct.pack("<I", 12 + len(idb_body))
    with open(out, "wb") as f:
        f.write(shb + idb)
    return 0


def main(argv):
    cmds = {"jsonlines": cmd_jsonlines, "hello": cmd_hello, "checkhello": cmd_checkhello,
            "emptypcap": cmd_emptypcap, "emptypcapng": cmd_emptypcapng}
    if len(argv) == 3 and argv[1] in cmds:
        return cmds[argv[1]](argv[2])
    sys.stderr.write(__doc__)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv))
