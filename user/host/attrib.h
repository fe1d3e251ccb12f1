/* Process attribution: owner records in (from the socket hooks), handshakes out with the local
 * processes at their ends. The names the hooks cannot give (exe path, cgroup) are read from
 * /proc as each record arrives, never when the handshake is reported: by then a short-lived
 * client may be gone, and its pid taken by another process. Does no BPF: the daemon feeds it
 * from user/host/owner_bpf.c, the tests directly. */
#ifndef TLSMON_HOST_ATTRIB_H
#define TLSMON_HOST_ATTRIB_H

#include <stdint.h>

#include "host/owners.h"
#include "host/proc_names.h"
#include "verdict/hs.h"
#include "tlsmon_host.h"

#define ATTRIB_DEFAULT_OWNERS 4096 /* records awaiting their handshake */
#define ATTRIB_DEFAULT_PROCS 1024 /* cached /proc names, one per pid */
#define ATTRIB_PROC_TTL_NS (30ull * 1000000000) /* a process may exec another binary */

struct attrib_stats {
	/* per handshake: at least one end attributed / none local / an end whose 4-tuple several
	 * namespaces hold, none attributed */
	uint64_t hit, miss, ambiguous;
	/* owner records whose names were those of the pid's previous record (not merged again) */
	uint64_t names_reused;
	/* owner records by the kernel's names: sent with the record; left out (the pid's names
	 * held here with the same identity); left out but no longer held here (the names are
	 * /proc's alone, and the kernel side is told to send them again) */
	uint64_t names_sent, names_omitted, names_missing;
};

/* The names of pid, which the kernel side left out of records while they were held here, are
 * held no more: the kernel side must send them again (delete its entry of tlsmon_names_sent). */
typedef void (*attrib_forget_fn)(void *ctx, uint32_t pid);

struct attrib;

/* proc_root: "/proc" (tests give another tree); NULL: names from the kernel's records only
 * (where /proc shows another pid namespace than the hooks record). */
struct attrib *attrib__new(const char *proc_root, uint32_t max_owners, uint32_t max_procs);
void attrib__free(struct attrib *a);

/* Who to tell when names are let go (user/host/owner_bpf.c's owner_bpf__forget_names); none
 * by default. */
void attrib__set_forget(struct attrib *a, attrib_forget_fn fn, void *ctx);

/* An owner record from the hooks, at now_ns (CLOCK_MONOTONIC, for the name cache). Names come
 * from /proc when it shows the process, else from what the kernel side took: with the record,
 * or, when the kernel left them out, with the pid's last record of the same identity. */
void attrib__on_owner(struct attrib *a, const struct tlsmon_owner_event *ev, uint64_t now_ns);

/* Fill hs->process (and hs->peer_process) from the records of its connection's ends, which it
 * consumes. */
void attrib__handshake(struct attrib *a, struct handshake *hs);

const struct attrib_stats *attrib__stats(const struct attrib *a);
const struct owner_stats *attrib__owner_stats(const struct attrib *a);
const struct proc_cache_stats *attrib__proc_stats(const struct attrib *a);

#endif
