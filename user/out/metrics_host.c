// SPDX-License-Identifier: GPL-2.0
/* tlsmon_process_* families: one HELP/TYPE each, labels from fixed sets. */
#include "out/metrics_host.h"

static void family(struct sbuf *b, const char *name, const char *help)
{
	sbuf__printf(b, "# HELP %s %s\n# TYPE %s counter\n", name, help, name);
}

static void labelled(struct sbuf *b, const char *name, const char *label, const char *value,
		     uint64_t v)
{
	sbuf__printf(b, "%s{%s=\"%s\"} %llu\n", name, label, value, (unsigned long long)v);
}

void metrics_host__render(struct sbuf *b, const struct attrib_stats *a,
			  const struct owner_stats *owners, const struct proc_cache_stats *procs,
			  uint64_t kernel_dropped)
{
	const char *n = "tlsmon_process_attributions_total";

	family(b, n, "Handshakes by process attribution: hit (a local process owns an end), miss "
		     "(no end is a local socket), ambiguous (several network namespaces hold the "
		     "same addresses and ports).");
	labelled(b, n, "result", "hit", a->hit);
	labelled(b, n, "result", "miss", a->miss);
	labelled(b, n, "result", "ambiguous", a->ambiguous);
	n = "tlsmon_process_owner_records_total";
	family(b, n, "Socket owner records from the connect and accept hooks: recorded, or "
		     "dropped by the kernel because their ring buffer was full.");
	labelled(b, n, "result", "recorded", owners->added + owners->replaced);
	labelled(b, n, "result", "dropped", kernel_dropped);
	n = "tlsmon_process_kernel_names_total";
	family(b, n, "Owner records by the process names the kernel took: sent with the record, "
		     "omitted (the names of an earlier record of the same process were held), or "
		     "missing (omitted, but no longer held: /proc's names alone, and the next record "
		     "of the process carries them).");
	labelled(b, n, "result", "sent", a->names_sent);
	labelled(b, n, "result", "omitted", a->names_omitted);
	labelled(b, n, "result", "missing", a->names_missing);
	n = "tlsmon_process_name_lookups_total";
	family(b, n, "Lookups of a process's executable and cgroup: cached, read from /proc, "
		     "gone (the process had exited; the kernel's names are used), or dropped (no "
		     "memory to keep them with the owner record; the kernel's names are used).");
	labelled(b, n, "result", "cached", procs->hits);
	labelled(b, n, "result", "read", procs->reads);
	labelled(b, n, "result", "gone", procs->gone);
	labelled(b, n, "result", "dropped", owners->names_dropped);
	n = "tlsmon_process_cache_evictions_total";
	family(b, n, "Entries evicted from the attribution's bounded tables before use: owner "
		     "records no handshake claimed, or cached process names.");
	labelled(b, n, "cache", "owners", owners->evicted);
	labelled(b, n, "cache", "names", procs->evictions);
}
