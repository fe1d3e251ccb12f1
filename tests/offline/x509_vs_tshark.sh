#!/bin/sh
# Compare x509__analyze (through tools/x509dump) with tshark's ground truth for every capture in
# ../shared/pcaps: tshark extracts the certificate DERs, x509dump analyses them, and each field is
# checked against the capture's .tshark.json. Prints one PASS/FAIL/SKIP line per capture and exits
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
import glob, json, os, subprocess, sys

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
        "subject_cn", "subject", "issuer", "san", "error"]


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
    if res.returncode != 0:
        errs.append("x509dump exited %d" % res.returncode)
    for sha in sorted(set(want) ^ set(got)):
        errs.append("%s only in %s" % (sha[:12], "tshark" if sha in want else "ours"))
    for sha in sorted(set(want) & set(got)):
        check(want[sha], got[sha], errs)
    if errs:
        failed += 1
        print("FAIL x509_vs_tshark %s" % name)
        for e in errs:
            print("  " + e)
    else:
        print("PASS x509_vs_tshark %s (%d certificates)" % (name, len(want)))
sys.exit(1 if failed else 0)
EOF
rc=$?
exit $rc
