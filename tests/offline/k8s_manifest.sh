#!/bin/bash
# The Kubernetes manifests in deploy/kubernetes/, offline (no cluster).
#
# `kubectl create --dry-run=client` asks the API server for its resource list even in dry-run,
# so without a cluster it cannot run. What kubectl does offline instead:
#   kubectl label --local -f DIR      parses every document (YAML, apiVersion, kind, name)
#   kubectl set image --local         decodes the DaemonSet into kubectl's own Go types (apps/v1)
#   kubectl set selector --local      the same for the Service (core/v1)
# A typed decode rejects wrong types; unknown or misspelled fields it drops silently, so each
# input leaf must come back unchanged in the typed output (a lost leaf is a field the API does
# not have). Then python3 checks what a cluster needs: hostNetwork, the three capabilities and
# nothing else, not privileged, no privilege escalation, read-only root, resources, probes on
# /metrics at the port tlsmon listens on, `--log -`, tolerations for every node, a headless
# Service with prometheus.io annotations selecting the pods, and every flag is one
# `tlsmon run --help` lists.
set -u
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=tests/lib.sh
. "$HERE/../lib.sh"
BUILD=${BUILD:-build}
K8S=${K8S:-deploy/kubernetes}
T=k8s_manifest

require_cmd "$T" kubectl python3
python3 -c 'import yaml' 2>/dev/null || { skip "$T" "python3-yaml not installed"; exit 0; }
t_tmpdir || exit 1
# No kubeconfig, no cluster: only what works offline may pass.
kc()
{
	env -u KUBECONFIG HOME="$T_TMP" kubectl "$@"
}

if kc label --local -f "$K8S" -o name tlsmon.test/parsed=yes >"$T_TMP/names" 2>"$T_TMP/err"; then
	pass "$T/kubectl parses $(tr '\n' ' ' <"$T_TMP/names")"
else
	fail "$T/kubectl label --local" "$(head -3 "$T_TMP/err" | tr '\n' ' ')"
fi

# One file per object, for the typed decodes.
python3 - "$K8S" "$T_TMP" <<'EOF' || fail "$T/split" "could not split $K8S"
import glob
import sys
import yaml

src, out = sys.argv[1:3]
for path in sorted(glob.glob(src + "/*.yaml")):
    for doc in yaml.safe_load_all(open(path)):
        if doc:
            yaml.safe_dump(doc, open("%s/obj-%s.yaml" % (out, doc["kind"]), "w"))
EOF

typed() # KIND KUBECTL-ARGS...: decode one object into kubectl's types; output as JSON
{
	local kind=$1
	shift
	if [ ! -f "$T_TMP/obj-$kind.yaml" ]; then
		fail "$T/typed $kind" "no $kind in $K8S"
		return
	fi
	if kc "$@" --local -f "$T_TMP/obj-$kind.yaml" -o json >"$T_TMP/typed-$kind.json" \
		2>"$T_TMP/err-$kind" && [ -s "$T_TMP/typed-$kind.json" ]; then
		pass "$T/kubectl decodes the $kind into its types"
	else
		fail "$T/kubectl typed $kind" "$(head -3 "$T_TMP/err-$kind" | tr '\n' ' ' | cut -c1-300)"
	fi
}
# kubectl prints nothing when `set` changes nothing: a marker image it must write (put back
# before the comparison).
typed DaemonSet set image tlsmon=typed-check
typed Service set selector app.kubernetes.io/name=tlsmon

"$BUILD/tlsmon" run --help >"$T_TMP/run-help" 2>&1

python3 - "$T_TMP" "$T" <<'EOF' || T_FAILED=$((T_FAILED + 1))
import json
import os
import re
import sys
import yaml

tmp, t = sys.argv[1:3]
failed = 0


def result(ok, name, why=""):
    global failed
    if not ok:
        failed += 1
    print(("PASS %s/%s" % (t, name)) if ok else ("FAIL %s/%s: %s" % (t, name, why)))


def load(kind):
    p = "%s/obj-%s.yaml" % (tmp, kind)
    return yaml.safe_load(open(p)) if os.path.exists(p) else {}


def leaves(o, path=()):
    if isinstance(o, dict):
        for k, v in o.items():
            yield from leaves(v, path + (k,))
    elif isinstance(o, list):
        for i, v in enumerate(o):
            yield from leaves(v, path + (i,))
    else:
        yield path, o


def get(o, path):
    for part in path:
        try:
            o = o[part]
        except (KeyError, IndexError, TypeError):
            return KeyError
    return o


# Every leaf survives kubectl's typed decode: a dropped one is a field the API does not know.
for kind in ("DaemonSet", "Service"):
    p = "%s/typed-%s.json" % (tmp, kind)
    if not os.path.exists(p) or not os.path.getsize(p):
        continue
    typed = json.load(open(p))
    for c in typed.get("spec", {}).get("template", {}).get("spec", {}).get("containers", []):
        if c.get("image") == "typed-check":
            c["image"] = load(kind)["spec"]["template"]["spec"]["containers"][0]["image"]
    lost = ["%s=%r (typed: %r)" % (".".join(map(str, k)), v, get(typed, k))
            for k, v in leaves(load(kind)) if get(typed, k) != v]
    result(not lost, "%s: every field is a known API field" % kind, "; ".join(lost[:5]))

ns, sa, ds, svc = load("Namespace"), load("ServiceAccount"), load("DaemonSet"), load("Service")
name_ns = ns.get("metadata", {}).get("name")
result(bool(name_ns), "Namespace %s" % name_ns, "no Namespace object")
for o in (sa, ds, svc):
    result(o.get("metadata", {}).get("namespace") == name_ns,
           "%s in namespace %s" % (o.get("kind"), name_ns),
           "namespace %r" % o.get("metadata", {}).get("namespace"))

spec = ds.get("spec", {})
pod = spec.get("template", {}).get("spec", {})
plabels = spec.get("template", {}).get("metadata", {}).get("labels", {})
sel = spec.get("selector", {}).get("matchLabels", {})
result(sel and all(plabels.get(k) == v for k, v in sel.items()),
       "DaemonSet selector matches its pod labels", "%s vs %s" % (sel, plabels))
result(pod.get("hostNetwork") is True, "hostNetwork: true", "%r" % pod.get("hostNetwork"))
result(pod.get("serviceAccountName") == sa.get("metadata", {}).get("name"),
       "serviceAccountName is the ServiceAccount", "%r" % pod.get("serviceAccountName"))
result(any(x.get("operator") == "Exists" and not x.get("key") and not x.get("effect")
           for x in pod.get("tolerations", [])),
       "tolerates every taint (operator: Exists)", "%r" % pod.get("tolerations"))
ctrs = pod.get("containers", [])
result(len(ctrs) == 1, "one container", "%d" % len(ctrs))
c = ctrs[0] if ctrs else {}
sc = c.get("securityContext", {})
caps = sc.get("capabilities", {})
result(sorted(caps.get("add", [])) == ["BPF", "NET_ADMIN", "PERFMON"],
       "capabilities add exactly BPF NET_ADMIN PERFMON", "%r" % caps.get("add"))
result(caps.get("drop") == ["ALL"], "capabilities drop ALL", "%r" % caps.get("drop"))
result(not sc.get("privileged") and not pod.get("securityContext", {}).get("privileged"),
       "not privileged", "privileged: true")
result(sc.get("allowPrivilegeEscalation") is False, "allowPrivilegeEscalation: false",
       "%r" % sc.get("allowPrivilegeEscalation"))
result(sc.get("readOnlyRootFilesystem") is True, "readOnlyRootFilesystem: true",
       "%r" % sc.get("readOnlyRootFilesystem"))
res = c.get("resources", {})
missing = ["%s.%s" % (a, b) for a in ("requests", "limits") for b in ("cpu", "memory")
           if not res.get(a, {}).get(b)]
result(not missing, "resources requests and limits (cpu, memory)", "missing " + " ".join(missing))
result(c.get("image", "").startswith("tlsmon:"), "image %s" % c.get("image"), "not tlsmon:*")

args = c.get("args", [])
env = {e["name"]: e for e in c.get("env", [])}
result("--log" in args and args[args.index("--log") + 1:][:1] == ["-"], "--log - (stdout)",
       "args %r" % args)
addr = args[args.index("--metrics-addr") + 1] if "--metrics-addr" in args else ""
mport = addr.rsplit(":", 1)[-1]
refs = re.findall(r"\$\((\w+)\)", addr)
result(mport.isdigit() and all(r in env for r in refs),
       "--metrics-addr %s (port %s, variables from env)" % (addr, mport), "args %r" % args)
helptext = open(tmp + "/run-help").read()
unknown = [a for a in args if a.startswith("--") and not re.search(r"%s\b" % re.escape(a), helptext)]
result(args[:1] == ["run"] and not unknown, "args: run and flags `tlsmon run --help` lists",
       "unknown %r" % unknown)
ports = {p.get("name"): p.get("containerPort") for p in c.get("ports", [])}
for probe in ("livenessProbe", "readinessProbe"):
    g = c.get(probe, {}).get("httpGet", {})
    port = ports.get(g.get("port"), g.get("port"))
    result(g.get("path") == "/metrics" and str(port) == mport,
           "%s GET /metrics on port %s" % (probe, port), "%r" % c.get(probe))
mounts = {m["mountPath"] for m in c.get("volumeMounts", [])}
result("/run/tlsmon" in mounts, "writable /run/tlsmon for the control socket",
       "read-only root and no volume at /run/tlsmon")

sspec = svc.get("spec", {})
ann = svc.get("metadata", {}).get("annotations", {})
result(sspec.get("clusterIP") == "None", "Service headless", "%r" % sspec.get("clusterIP"))
result(sspec.get("selector") and all(plabels.get(k) == v for k, v in sspec["selector"].items()),
       "Service selects the pods", "%r" % sspec.get("selector"))
result(ann.get("prometheus.io/scrape") == "true" and ann.get("prometheus.io/port") == mport,
       "prometheus.io/scrape true, port %s" % ann.get("prometheus.io/port"), "%r" % ann)
result(any(str(ports.get(p.get("targetPort"), p.get("targetPort"))) == mport
           for p in sspec.get("ports", [])), "Service targets the metrics port",
       "%r" % sspec.get("ports"))
sys.exit(1 if failed else 0)
EOF
t_done
