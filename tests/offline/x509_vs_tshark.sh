#!/bin/sh
# Compare x509__analyze (through tools/x509dump) with tshark's ground truth for every capture in
# ../shared/pcaps: tshark extracts the certificate DERs, x509dump analyses them, and each field is
# checked against the capture's .tshark.json (sha1 too). Each certificate's subjectAltName count is
# compared with the GeneralNames tshark dissects (-T json): san_count must equal it, and every name
# must be kept unless the cap was hit. Prints one PASS/FAIL/SKIP line per capture and exits
# non-zero if any capture failed.
set -u

ROOT=$(cd "$(dirname "$0")/../.." && pwd)
BUILD=${BUILD:-build}
case $BUILD in /*) ;; *) BUILD=$ROOT/$BUILD ;; esac
TOOL=$BUILD/tools/x509dump
PCAPS=${PCAPS:-$ROOT/../shared/pcaps}

for dep in tshark python3; do
	if ! command -v "$dep" >/dev/null 2>&1; then
		echo "SKIP x509_vs_tshark: $dep not installed"
		exit 0
	fi
done
if [ ! -x "$TOOL" ]; then
	echo "FAIL x509_vs_tshark: $TOOL not built"
	exit 1
fi
if [ ! -d "$PCAPS" ]; then
	echo "SKIP x509_vs_tshark: no captures in $PCAPS"
	exit 0
fi

TMP=$(mktemp -d "${TMPDIR:-/tmp}/x509_vs_tshark.XXXXXX") || exit 1
trap 'rm -rf "$TMP"' EXIT INT TERM

python3 - "$TOOL" "$PCAPS" "$TMP" <<'EOF'
import glob, hashlib, json, os, subprocess, sys

tool, pcaps, tmp = sys.argv[1:4]

# tshark and tlsmon both name curves by their SEC 2 / TLS group names (not OpenSSL's
# prime256v1): the same name as key_exchange.group.
CURVES = {}
KEYS = {"rsaEncryption": "RSA", "id-ecPublicKey": "EC", "id-dsa": "DSA",
        "id-Ed25519": "Ed25519", "id-Ed448": "Ed448", "rsassa-pss": "RSA-PSS"}
# The hash inside each signature algorithm (RFC 3279 2.2, RFC 4055 5, RFC 5758 3.2); the OIW
# sha1WithRSASignature still appears in old self-signed certificates.
HASHES = {"1.2.840.113549.1.1.2": "md2", "1.2.840.113549.1.1.3": "md4",
          "1.2.840.113549.1.1.4": "md5", "1.2.840.113549.1.1.5": "sha1", "1.3.14.3.2.29": "sha1",
          "1.2.840.113549.1.1.11": "sha256", "1.2.840.113549.1.1.12": "sha384",
          "1.2.840.113549.1.1.13": "sha512", "1.2.840.113549.1.1.14": "sha224",
          "1.2.840.10040.4.3": "sha1", "1.2.840.10045.4.1": "sha1",
          "1.2.840.10045.4.3.2": "sha256", "1.2.840.10045.4.3.3": "sha384",
          "1.2.840.10045.4.3.4": "sha512"}
# Unknown to OpenSSL 3.0 and tshark 4.0: named by tlsmon's own table (x509/der_pq.c) after
# FIPS 204, with no separate hash, and the key's bits are 8 * its fixed public key bytes.
PQ_ALGS = {"2.16.840.1.101.3.4.3.17": ("ML-DSA-44", 1312)}
COLS = ["file", "sha256", "parsed", "sig_oid", "sig_name", "sig_hash", "key_type", "key_bits",
        "curve", "not_before", "not_after", "self_issued", "self_signed", "is_ca", "serial",
        "subject_cn", "subject", "issuer", "san", "error", "sha1", "san_count", "san_truncated", "san_kept"]


def extract(truth, pcap, outdir):
    cmd = ["tshark", "-n", "-r", pcap]
    for pref in truth.get("tshark_prefs", []):
        cmd += ["-o", pref]
    for d in truth.get("decode_as", []):
        cmd += ["-d", d]
    cmd += ["-Y", "tls.handshake.certificate", "-T", "fields",
            "-e", "tls.handshake.certificate"]
    out = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                         check=True, text=True).stdout
    files = []
    for line in out.split():
        for h in line.split(","):
            h = h.replace(":", "").strip()
            if not h:
                continue
            path = os.path.join(outdir, "%d.der" % len(files))
            with open(path, "wb") as f:
                f.write(bytes.fromhex(h))
            files.append(path)
    return files


def tshark_cmd(truth, pcap):
    cmd = ["tshark", "-n", "-r", pcap]
    for pref in truth.get("tshark_prefs", []):
        cmd += ["-o", pref]
    for d in truth.get("decode_as", []):
        cmd += ["-d", d]
    return cmd + ["-Y", "tls.handshake.certificate"]


# tshark -T json repeats keys (one "x509ce.GeneralName" per name): read objects as lists of
# (key, value) pairs so that none is lost.
def count_general_names(node):
    n = 0
    for item in node if isinstance(node, list) else []:
        if isinstance(item, tuple):
            n += item[0] == "x509ce.GeneralName"
            n += count_general_names(item[1])
        else:
            n += count_general_names(item)
    return n


def san_names(node):
    """GeneralNames in the subjectAltName extension (2.5.29.17) below node; 0 without one."""
    if not isinstance(node, list):
        return 0
    if node and isinstance(node[0], tuple):
        if ("x509af.extension.id", "2.5.29.17") in node:
            return count_general_names(node)
        children = [v for _, v in node]
    else:
        children = node
    for c in children:
        n = san_names(c)
        if n:
            return n
    return 0


def tshark_san_counts(truth, pcap):
    """sha256 -> how many GeneralNames tshark dissects in the certificate's subjectAltName."""
    out = subprocess.run(tshark_cmd(truth, pcap) + ["-T", "json"], stdout=subprocess.PIPE,
                         stderr=subprocess.DEVNULL, check=True).stdout
    counts = {}

    def walk(node):
        der = None
        for item in node if isinstance(node, list) else []:
            if not isinstance(item, tuple):
                walk(item)
            elif item[0] == "tls.handshake.certificate" and isinstance(item[1], str):
                der = bytes.fromhex(item[1].replace(":", ""))
            elif item[0] == "tls.handshake.certificate_tree" and der is not None:
                counts[hashlib.sha256(der).hexdigest()] = san_names(item[1])
                der = None
            else:
                walk(item[1])

    walk(json.loads(out or b"[]", object_pairs_hook=list))
    return counts


def check_san(sha, got, n_tshark, errs):
    """Every GeneralName counted; all of them kept unless a cap (4,096 names, 64 KB) was hit."""
    if int(got["san_count"]) != n_tshark:
        errs.append("%s san_count: ours %s, tshark %d" % (sha[:12], got["san_count"], n_tshark))
    if got["san_truncated"] == "0" and int(got["san_kept"]) != n_tshark:
        errs.append("%s san: %s kept of tshark's %d, not truncated" %
                    (sha[:12], got["san_kept"], n_tshark))
    if got["san_truncated"] == "1" and n_tshark <= 4096 and len(got["san"]) < 60000:
        errs.append("%s san_truncated under both caps" % sha[:12])


def check(want, got, errs):
    sha = want["sha256"]

    def same(field, ours, theirs):
        if ours != theirs:
            errs.append("%s %s: ours %r, tshark %r" % (sha[:12], field, ours, theirs))

    same("parsed", got["parsed"], "1")
    same("der_length", os.path.getsize(got["file"]), want["der_length"])
    oid = want["signature_algorithm_oid"]
    same("sig_oid", got["sig_oid"], oid)
    if oid in HASHES:
        same("sig_hash", got["sig_hash"], HASHES[oid])
    if oid in PQ_ALGS:
        same("sig_name", got["sig_name"], PQ_ALGS[oid][0])
        same("sig_hash", got["sig_hash"], "-")
    kname = want.get("public_key_algorithm_name")
    koid = want.get("public_key_algorithm_oid")
    if koid in PQ_ALGS:
        same("key_type", got["key_type"], PQ_ALGS[koid][0])
        same("key_bits", int(got["key_bits"]), 8 * PQ_ALGS[koid][1])
    else:
        same("key_type", got["key_type"], KEYS.get(kname, koid))
        same("key_bits", int(got["key_bits"]), want.get("public_key_bits") or 0)
    if kname == "id-ecPublicKey" and want.get("ec_curve_name"):
        same("curve", got["curve"], CURVES.get(want["ec_curve_name"], want["ec_curve_name"]))
    same("not_before", got["not_before"], want["not_before"])
    same("not_after", got["not_after"], want["not_after"])
    same("serial", got["serial"], want["serial"])
    same("self_issued", got["self_issued"], "1" if want["self_issued"] else "0")
    same("subject_cn", got["subject_cn"], want.get("subject_cn") or "-")
    if want.get("sha1"):
        same("sha1", got["sha1"], want["sha1"])


def why_no_certs(truth):
    versions = {s.get("negotiated_version") for s in truth["streams"]}
    if versions and all(v and "1.3" in v for v in versions):
        return "TLS 1.3, certificates are encrypted"
    if not any(s.get("server_hello") for s in truth["streams"]):
        return "no ServerHello, no certificate sent"
    return "tshark 4.0 did not reassemble the certificate (e.g. tiny handshake fragments)"


failed = 0
for jpath in sorted(glob.glob(os.path.join(pcaps, "*.tshark.json"))):
    with open(jpath) as f:
        truth = json.load(f)
    name = os.path.basename(jpath)[: -len(".tshark.json")]
    pcap = os.path.join(pcaps, truth["file"])
    want = {}
    for s in truth["streams"]:
        for m in s.get("certificate_messages", []):
            for c in m["certificates"]:
                want[c["sha256"]] = c
    outdir = os.path.join(tmp, name)
    os.mkdir(outdir)
    try:
        files = extract(truth, pcap, outdir)
    except (subprocess.CalledProcessError, ValueError) as e:
        print("FAIL x509_vs_tshark %s: tshark extraction: %s" % (name, e))
        failed += 1
        continue
    if not files and not want:
        print("SKIP x509_vs_tshark %s: %s" % (name, why_no_certs(truth)))
        continue
    res = subprocess.run([tool] + files, stdout=subprocess.PIPE, text=True)
    got = {}
    for line in res.stdout.splitlines():
        row = dict(zip(COLS, line.split("\t")))
        got[row["sha256"]] = row
    errs = []
    n_san = 0
    if res.returncode != 0:
        errs.append("x509dump exited %d" % res.returncode)
    for sha in sorted(set(want) ^ set(got)):
        errs.append("%s only in %s" % (sha[:12], "tshark" if sha in want else "ours"))
    for sha in sorted(set(want) & set(got)):
        check(want[sha], got[sha], errs)
    try:
        sans = tshark_san_counts(truth, pcap)
    except (subprocess.CalledProcessError, ValueError) as e:
        errs.append("tshark -T json: %s" % e)
        sans = {}
    for sha in sorted(set(sans) & set(got)):
        check_san(sha, got[sha], sans[sha], errs)
        n_san += 1
    if errs:
        failed += 1
        print("FAIL x509_vs_tshark %s" % name)
        for e in errs:
            print("  " + e)
    else:
        print("PASS x509_vs_tshark %s (%d certificates, %d SAN counts)" % (name, len(want),
                                                                          n_san))
sys.exit(1 if failed else 0)
EOF
rc=$?
exit $rc
