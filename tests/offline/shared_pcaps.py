#!/usr/bin/env python3
"""Compare `tlsmon read` on every capture in ../shared/pcaps with the tshark ground truth beside it.

For each capture: tlsmon must read it without error, and for every TLS stream tshark dissected,
the handshake tlsmon reports for the same client/server must agree on the negotiated version,
cipher suite and, certificate by certificate in chain order, SHA-256, signature OID, key type and
key bits. Prints one PASS/FAIL/SKIP line per capture.
"""
import json
import os
import subprocess
import sys

# Post-quantum keys tshark 4.0 leaves unnamed: tlsmon names the parameter set (FIPS 204).
PQ_KEYS = {"2.16.840.1.101.3.4.3.17": "ML-DSA-44", "2.16.840.1.101.3.4.3.18": "ML-DSA-65",
           "2.16.840.1.101.3.4.3.19": "ML-DSA-87"}
KEY_TYPES = {
    "rsaEncryption": "RSA",
    "id-ecPublicKey": "EC",
    "id-dsa": "DSA",
    "dsaEncryption": "DSA",
    "id-Ed25519": "Ed25519",
    "rsassa-pss": "RSA-PSS",
}
VERSIONS = {
    "SSL 2.0": "SSLv2",
    "SSL 3.0": "SSLv3",
    "TLS 1.0": "TLS1.0",
    "TLS 1.1": "TLS1.1",
    "TLS 1.2": "TLS1.2",
    "TLS 1.3": "TLS1.3",
}


def endpoint(ep, ip_version):
    if ip_version == 6:
        return "[%s]:%d" % (ep["ip"], ep["port"])
    return "%s:%d" % (ep["ip"], ep["port"])


def compare_stream(stream, hs, problems):
    name = "%s->%s" % (hs["client"], hs["server"])
    want_version = VERSIONS.get(stream.get("negotiated_version") or "", None)
    if want_version and hs.get("version") != want_version:
        problems.append("%s: version %s, tshark %s" % (name, hs.get("version"), want_version))
    want_cipher = stream.get("cipher_suite_name")
    if want_cipher and hs.get("cipher") != want_cipher:
        problems.append("%s: cipher %s, tshark %s" % (name, hs.get("cipher"), want_cipher))
    server_msgs = [m for m in stream.get("certificate_messages", []) if m["sender"] == "server"]
    if not server_msgs:
        return
    want = server_msgs[0]["certificates"]
    got = hs.get("certificates", [])
    if len(got) != len(want):
        problems.append("%s: %d certificates, tshark %d" % (name, len(got), len(want)))
        return
    for i, (g, w) in enumerate(zip(got, want)):
        if g.get("sha256") != w["sha256"]:
            problems.append("%s: cert %d sha256 differs" % (name, i))
            continue
        if g.get("signature_oid") != w["signature_algorithm_oid"]:
            problems.append("%s: cert %d signature_oid %s, tshark %s"
                            % (name, i, g.get("signature_oid"), w["signature_algorithm_oid"]))
        want_key = KEY_TYPES.get(w.get("public_key_algorithm_name"),
                                 PQ_KEYS.get(w.get("public_key_algorithm_oid"),
                                             w.get("public_key_algorithm_oid")))
        if g.get("key_type") != want_key:
            problems.append("%s: cert %d key_type %s, tshark %s"
                            % (name, i, g.get("key_type"), want_key))
        if w.get("public_key_bits") is not None and g.get("key_bits") != w["public_key_bits"]:
            problems.append("%s: cert %d key_bits %s, tshark %s"
                            % (name, i, g.get("key_bits"), w["public_key_bits"]))


ZEEK_VERSIONS = {"SSLv3": "SSLv3", "TLSv10": "TLS1.0", "TLSv11": "TLS1.1", "TLSv12": "TLS1.2",
                 "TLSv13": "TLS1.3"}


def compare_zeek(pcap_dir, stem, handshakes, problems):
    """Zeek's ssl.log baselines: where a line names a flow tlsmon reported, the certificate chain
    fingerprints (SHA-256), version and cipher must agree. Combined logs hold other captures'
    flows too; those lines match nothing and are passed over."""
    for fn in sorted(os.listdir(pcap_dir)):
        if not (fn.startswith(stem + ".zeek-") and fn.endswith("ssl.log")):
            continue
        fields = None
        for line in open(os.path.join(pcap_dir, fn), errors="replace"):
            line = line.rstrip("\n")
            if line.startswith("#fields"):
                fields = line.split("\t")[1:]
                continue
            if line.startswith("#") or not fields:
                continue
            row = dict(zip(fields, line.split("\t")))
            def ep(h, p):
                return ("[%s]:%s" % (h, p)) if ":" in h else ("%s:%s" % (h, p))
            c = ep(row["id.orig_h"], row["id.orig_p"])
            s = ep(row["id.resp_h"], row["id.resp_p"])
            match = [h for h in handshakes if h["client"] == c and h["server"] == s]
            if not match:
                continue
            hs = match[0]
            fps = row.get("cert_chain_fps", "-")
            if fps not in ("-", "(empty)"):
                got = [x.get("sha256") for x in hs.get("certificates", [])]
                if got != fps.split(","):
                    problems.append("%s: chain %s, zeek %s" % (fn, got, fps.split(",")))
            want_v = ZEEK_VERSIONS.get(row.get("version", "-"))
            if want_v and hs.get("version") != want_v:
                problems.append("%s: version %s, zeek %s" % (fn, hs.get("version"), want_v))
            if row.get("cipher", "-") not in ("-",) and hs.get("cipher") != row["cipher"]:
                problems.append("%s: cipher %s, zeek %s" % (fn, hs.get("cipher"), row["cipher"]))


def check_capture(tlsmon, pcap, truth_path):
    res = subprocess.run([tlsmon, "read", pcap], capture_output=True, timeout=120)
    if res.returncode != 0:
        return ["tlsmon exited %d: %s" % (res.returncode, res.stderr.decode(errors="replace")[:300])]
    if res.stderr.strip():
        return ["tlsmon wrote to stderr: %s" % res.stderr.decode(errors="replace")[:300]]
    handshakes = []
    for line in res.stdout.decode("utf-8").splitlines():
        handshakes.append(json.loads(line))  # must be valid JSON whatever the packets held
    problems = []
    pcap_dir = os.path.dirname(pcap)
    compare_zeek(pcap_dir, os.path.basename(truth_path).rsplit(".tshark.json", 1)[0], handshakes,
                 problems)
    if not os.path.exists(truth_path):
        return problems
    truth = json.load(open(truth_path))
    for stream in truth.get("streams", []):
        if not stream.get("server_hello") and not stream.get("certificate_messages"):
            continue
        v = stream.get("ip_version", 4)
        c, s = endpoint(stream["client"], v), endpoint(stream["server"], v)
        match = [h for h in handshakes if {h["client"], h["server"]} == {c, s}]
        if not match:
            problems.append("no handshake reported for %s -> %s" % (c, s))
            continue
        compare_stream(stream, match[0], problems)
    return problems


def main():
    tlsmon = os.path.join(os.environ.get("BUILD", "build"), "tlsmon")
    pcaps_dir = os.environ.get("PCAPS", os.path.join("..", "shared", "pcaps"))
    if not os.path.isdir(pcaps_dir):
        print("SKIP shared_pcaps: %s not found" % pcaps_dir)
        return 0
    failed = 0
    for fn in sorted(os.listdir(pcaps_dir)):
        if not fn.endswith((".pcap", ".pcapng")):
            continue
        stem = fn.rsplit(".", 1)[0]
        problems = check_capture(tlsmon, os.path.join(pcaps_dir, fn),
                                 os.path.join(pcaps_dir, stem + ".tshark.json"))
        if problems:
            failed += 1
            print("FAIL shared_pcap_%s" % stem)
            for p in problems:
                print("    " + p)
        else:
            print("PASS shared_pcap_%s" % stem)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
