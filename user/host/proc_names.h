/* The names of a process that the socket hooks cannot take cheaply in the kernel: its
 * executable's path (/proc/PID/exe) and its cgroup (/proc/PID/cgroup, read as unit, container
 * and pod). Read when the owner record arrives, while the process most likely still runs, and
 * cached per pid, so a server accepting thousands of connections is read once. */
#ifndef TLSMON_HOST_PROC_NAMES_H
#define TLSMON_HOST_PROC_NAMES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "host/cgroup_path.h"
#include "tlsmon_host.h"

struct proc_names {
	char exe[HS_EXE_LEN]; /* "" when unreadable (gone, or another user's without ptrace) */
	char cgroup[HS_CGROUP_LEN]; /* the most telling path of /proc/PID/cgroup, "" if unread */
	struct cgroup_owner owner;
};

/* From the text of /proc/PID/cgroup ("ID:CONTROLLERS:PATH" lines: v1 hierarchies, the hybrid
 * layout's name=systemd and unified ones, or v2's single "0::PATH"), the path that tells most
 * (a container over a unit over anything else; on a tie the v2 line, then name=systemd). Returns
 * 0, or -EINVAL when no line parses. */
int proc_names__pick_cgroup(const char *text, size_t len, struct proc_names *out);

/* Read exe and cgroup of pid under proc_root ("/proc"). Returns 0 when the cgroup file was read
 * (exe may still be ""), -ENOENT when the process is gone, or another -errno. */
int proc_names__read(const char *proc_root, uint32_t pid, struct proc_names *out);

/* The same names from what the socket hooks took in the kernel (struct tlsmon_owner_event):
 * for a process that is gone by the time its record is read, or hidden (ProtectProc=invisible)
 * or not readable (another user's, without CAP_SYS_PTRACE). The executable's path is within its
 * mount; the cgroup is the unified or memory-controller path, whichever tells more. Reads
 * no further than ev->names_len (which the caller checked against the record's size). */
void proc_names__from_kernel(const struct tlsmon_owner_event *ev, struct proc_names *out);

/* Whether /proc here shows the kernel's pids (the init pid namespace): the hooks record those,
 * and in a container with its own pid namespace (a Kubernetes pod without hostPID) /proc/PID
 * would name some other process. */
bool proc_names__host_pids(void);

struct proc_cache_stats {
	uint64_t hits, reads, gone, evictions;
};

struct proc_cache;

/* slots: a power of two; an entry lives ttl_ns after its read. */
struct proc_cache *proc_cache__new(const char *proc_root, uint32_t slots, uint64_t ttl_ns);
void proc_cache__free(struct proc_cache *c);

/* The names of pid at now_ns: cached, else read now. gen tells the process's states apart (its
 * identity: start time, exec count, cgroups): an entry of the same pid read at another gen is
 * read again, so an exec or a move is seen at once, not after the entry's ttl. NULL when the
 * process is gone and was not cached at this gen. The result is valid until the next call. */
const struct proc_names *proc_cache__get(struct proc_cache *c, uint32_t pid, uint64_t gen,
					 uint64_t now_ns);

const struct proc_cache_stats *proc_cache__stats(const struct proc_cache *c);

#endif
