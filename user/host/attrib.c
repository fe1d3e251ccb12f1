// SPDX-License-Identifier: GPL-2.0
/* Owner records -> the owner table (with their /proc names), handshakes -> struct hs_process. */
#include "host/attrib.h"
#include "host/cgroup_path.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct attrib {
	struct owner_table *owners;
	struct proc_cache *procs;
	struct attrib_stats stats;
};

struct attrib *attrib__new(const char *proc_root, uint32_t max_owners, uint32_t max_procs)
{
	struct attrib *a = calloc(1, sizeof(*a));

	if (!a)
		return NULL;
	a->owners = owner_table__new(max_owners);
	if (proc_root)
		a->procs = proc_cache__new(proc_root, max_procs, ATTRIB_PROC_TTL_NS);
	if (!a->owners || (proc_root && !a->procs)) {
		attrib__free(a);
		return NULL;
	}
	return a;
}

void attrib__free(struct attrib *a)
{
	if (!a)
		return;
	owner_table__free(a->owners);
	proc_cache__free(a->procs);
	free(a);
}

static bool kernel_cgroup_tells_more(const struct proc_names *kernel, const struct proc_names *proc)
{
	int k = cgroup_owner__score(&kernel->owner), p = cgroup_owner__score(&proc->owner);

	if (k != p)
		return k > p;
	return strlen(kernel->cgroup) > 1 && strlen(proc->cgroup) <= 1;
}

void attrib__on_owner(struct attrib *a, const struct tlsmon_owner_event *ev, uint64_t now_ns)
{
	const struct proc_names *names = a->procs ? proc_cache__get(a->procs, ev->o.pid, now_ns) :
						    NULL;
	struct owner_entry e = { .rec = ev->o, .has_names = true };
	struct proc_names kernel;

	proc_names__from_kernel(ev, &kernel);
	e.names = names ? *names : kernel;
	/* /proc/PID/exe is unreadable without ptrace rights over the process */
	if (!e.names.exe[0])
		memcpy(e.names.exe, kernel.exe, sizeof(kernel.exe));
	/* /proc tells the cgroup as it is when the record is read, the kernel's record as it was
	 * at the connect: a client that has exited by then (or moved) reads as the root "/". The
	 * one that tells more wins; /proc's on a tie, as its path is never cut short. */
	if (names && kernel_cgroup_tells_more(&kernel, &e.names)) {
		memcpy(e.names.cgroup, kernel.cgroup, sizeof(kernel.cgroup));
		e.names.owner = kernel.owner;
	}
	owner_table__add(a->owners, &e);
}

/* Kernel strings are NUL-terminated when they fit; a full buffer is not. */
static void copy_kstr(char *dst, size_t size, const char *src, size_t src_size)
{
	size_t n = strnlen(src, src_size);

	snprintf(dst, size, "%.*s", (int)n, src);
}

/* Names are the process's to choose (prctl(PR_SET_NAME), file and cgroup names): control
 * characters would end up in text outputs (explain, pcapng comments, endpoint lines) as is. */
static void scrub(char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			*s = '?';
}

static void fill(struct hs_process *p, const struct owner_entry *e, bool server_end)
{
	const struct proc_names *n = &e->names;

	memset(p, 0, sizeof(*p));
	p->present = true;
	p->server_end = server_end;
	p->pid = e->rec.pid;
	p->tid = e->rec.tid;
	p->uid = e->rec.uid;
	p->netns = e->rec.netns;
	copy_kstr(p->comm, sizeof(p->comm), e->rec.comm, sizeof(e->rec.comm));
	if (e->has_names && n->exe[0])
		snprintf(p->exe, sizeof(p->exe), "%s", n->exe);
	else
		copy_kstr(p->exe, sizeof(p->exe), e->rec.exe_name, sizeof(e->rec.exe_name));
	scrub(p->comm);
	scrub(p->exe);
	if (!e->has_names)
		return;
	snprintf(p->cgroup, sizeof(p->cgroup), "%s", n->cgroup);
	scrub(p->cgroup);
	snprintf(p->unit, sizeof(p->unit), "%s", n->owner.unit);
	scrub(p->unit);
	snprintf(p->container_runtime, sizeof(p->container_runtime), "%s", n->owner.runtime);
	snprintf(p->container_id, sizeof(p->container_id), "%s", n->owner.container_id);
	snprintf(p->pod_uid, sizeof(p->pod_uid), "%s", n->owner.pod_uid);
}

void attrib__handshake(struct attrib *a, struct handshake *hs)
{
	struct owner_entry client, server;
	int c, s;

	c = owner_table__take(a->owners, hs->family, hs->client_addr, hs->client_port,
			      hs->server_addr, hs->server_port, TLSMON_OWNER_CONNECT, &client);
	s = owner_table__take(a->owners, hs->family, hs->server_addr, hs->server_port,
			      hs->client_addr, hs->client_port, TLSMON_OWNER_ACCEPT, &server);
	if (c == 1) {
		fill(&hs->process, &client, false);
		if (s == 1)
			fill(&hs->peer_process, &server, true);
	} else if (s == 1) {
		fill(&hs->process, &server, true);
	}
	hs->ends_ambiguous = (uint8_t)((c < 0 ? 1u << HS_SIDE_CLIENT : 0) |
				       (s < 0 ? 1u << HS_SIDE_SERVER : 0));
	if (c == 1 || s == 1)
		a->stats.hit++;
	else if (c < 0 || s < 0)
		a->stats.ambiguous++;
	else
		a->stats.miss++;
}

const struct attrib_stats *attrib__stats(const struct attrib *a)
{
	return &a->stats;
}

const struct owner_stats *attrib__owner_stats(const struct attrib *a)
{
	return owner_table__stats(a->owners);
}

const struct proc_cache_stats *attrib__proc_stats(const struct attrib *a)
{
	static const struct proc_cache_stats none;

	return a->procs ? proc_cache__stats(a->procs) : &none;
}
