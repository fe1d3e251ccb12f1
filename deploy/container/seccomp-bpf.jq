# jq filter: a container runtime's default seccomp profile, with bpf(2) allowed to CAP_BPF and
# perf_event_open(2) to CAP_PERFMON (both still to CAP_SYS_ADMIN), as newer profiles have it.
# Debian 12's containers-common allows them to CAP_SYS_ADMIN only, so tlsmon with the three
# capabilities it needs gets EPERM from bpf(2). Everything else in the profile is unchanged.
#   jq -f deploy/container/seccomp-bpf.jq /usr/share/containers/seccomp.json >tlsmon-seccomp.json
#   podman run --security-opt seccomp=tlsmon-seccomp.json ...
def without($n): .names -= $n;
def allow($name; $caps):
	{ names: [$name], action: "SCMP_ACT_ALLOW", args: [], comment: "tlsmon",
	  includes: { caps: $caps }, excludes: {} };

.syscalls |= (map(without(["bpf", "perf_event_open"]) | select(.names | length > 0))
	+ [allow("bpf"; ["CAP_BPF"]), allow("bpf"; ["CAP_SYS_ADMIN"]),
	   allow("perf_event_open"; ["CAP_PERFMON"]), allow("perf_event_open"; ["CAP_SYS_ADMIN"])])
