// SPDX-License-Identifier: GPL-2.0
/* Owner records -> the owner table (with their /proc names), handshakes -> struct hs_process. */
#include "host/attrib.h"
#include "host/cgroup_path.h"
#include "util/str_copy.h"

#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* What a pid's last record with names merged to (the kernel's names with /proc's): the next
 * record of the same pid carrying the same kernel names, while /proc's cache holds the same
 * read, merges to the same names, without parsing the kernel's lists and cgroup paths again (a
 * server accepting thousands of connections, a client making them). Only a byte-for-byte equal
 * record reuses them, so a pid taken by another process, an exec or a move is merged afresh.
 *
 * A slot with a key holds the names the kernel side last sent for the pid, and their identity:
 * the kernel leaves the names out of the pid's next records of the same identity
 * (TLSMON_OWNER_NAMES_OMITTED), which take them from here. A slot that lets a pid's key go
 * says so (forget()), so the kernel sends that pid's names again. */
struct merged {
	uint32_t pid;
	struct tlsmon_owner_identity id; /* with cgroup_id, of the record the key is from */
	uint64_t cgroup_id;
	const struct proc_names *proc; /* the /proc cache's entry merged with, NULL: none */
	uint64_t proc_reads; /* the cache's read count then: an entry changes only at a read */
	uint8_t *key; /* the record's names as from_kernel() reads them (merged_key()); NULL: empty */
	size_t key_len;
	struct owner_names *names; /* a reference; NULL: not merged (no memory) */
};

/* Direct-mapped by pid. A pid whose slot another takes gets its names from the kernel again
 * (a delete in the kernel's table, then one record with names): more slots than pids that
 * make connections at once. */
#define ATTRIB_MERGED_SLOTS 512
#define KEY_HDR (TLSMON_EXE_NAME_LEN + 8) /* exe_name, then count, truncated, names_len */

struct attrib {
	struct owner_table *owners;
	struct proc_cache *procs;
	struct merged *merged; /* ATTRIB_MERGED_SLOTS; NULL when there was no memory */
	attrib_forget_fn forget;
	void *forget_ctx;
	struct attrib_stats stats;
};

_Static_assert(offsetof(struct tlsmon_owner_event, names) ==
		       offsetof(struct tlsmon_owner_event, count) + 8,
	       "count, truncated and names_len are the 8 bytes before names");

struct attrib *attrib__new(const char *proc_root, uint32_t max_owners, uint32_t max_procs)
{
	struct attrib *a = calloc(1, sizeof(*a));

	if (!a)
		return NULL;
	a->owners = owner_table__new(max_owners);
	a->merged = calloc(ATTRIB_MERGED_SLOTS, sizeof(*a->merged));
	if (proc_root)
		a->procs = proc_cache__new(proc_root, max_procs, ATTRIB_PROC_TTL_NS);
	if (!a->owners || (proc_root && !a->procs)) {
		attrib__free(a);
		return NULL;
	}
	return a;
}

void attrib__set_forget(struct attrib *a, attrib_forget_fn fn, void *ctx)
{
	a->forget = fn;
	a->forget_ctx = ctx;
}

void attrib__free(struct attrib *a)
{
	if (!a)
		return;
	owner_table__free(a->owners);
	proc_cache__free(a->procs);
	for (size_t i = 0; a->merged && i < ATTRIB_MERGED_SLOTS; i++) {
		free(a->merged[i].key);
		owner_names__put(a->merged[i].names);
	}
	free(a->merged);
	free(a);
}

static bool kernel_cgroup_tells_more(const struct proc_names *kernel, const struct proc_names *proc)
{
	int k = cgroup_owner__score(&kernel->owner), p = cgroup_owner__score(&proc->owner);

	if (k != p)
		return k > p;
	return strlen(kernel->cgroup) > 1 && strlen(proc->cgroup) <= 1;
}

/* Whether ev's names are those m was merged from (ev->names_len checked by the caller). */
static bool same_key(const struct merged *m, const struct tlsmon_owner_event *ev)
{
	return m->key && m->key_len == KEY_HDR + (size_t)ev->names_len &&
	       !memcmp(m->key, ev->o.exe_name, TLSMON_EXE_NAME_LEN) &&
	       !memcmp(m->key + TLSMON_EXE_NAME_LEN, ev->count, 8) &&
	       !memcmp(m->key + KEY_HDR, ev->names, ev->names_len);
}

static bool same_identity(const struct merged *m, const struct tlsmon_owner_event *ev)
{
	return m->id.start_ns == ev->id.start_ns && m->id.exec_id == ev->id.exec_id &&
	       m->id.memory_cgroup_id == ev->id.memory_cgroup_id && m->cgroup_id == ev->o.cgroup_id;
}

static void remember_key(struct merged *m, const struct tlsmon_owner_event *ev)
{
	size_t len = KEY_HDR + (size_t)ev->names_len;

	if (!m->key || m->key_len != len) {
		free(m->key);
		m->key = malloc(len);
	}
	m->key_len = m->key ? len : 0;
	if (!m->key)
		return; /* not remembered: the next record merges afresh */
	memcpy(m->key, ev->o.exe_name, TLSMON_EXE_NAME_LEN);
	memcpy(m->key + TLSMON_EXE_NAME_LEN, ev->count, 8);
	memcpy(m->key + KEY_HDR, ev->names, ev->names_len);
}

/* The kernel's names m keeps, as the record they came with carried them (for a record that
 * left them out). Only what proc_names__from_kernel() reads is set. */
static void key_event(const struct merged *m, struct tlsmon_owner_event *ev)
{
	memcpy(ev->o.exe_name, m->key, TLSMON_EXE_NAME_LEN);
	memcpy(ev->count, m->key + TLSMON_EXE_NAME_LEN, 8);
	memcpy(ev->names, m->key + KEY_HDR, m->key_len - KEY_HDR);
}

/* The kernel side sends pid's names again with its next record (nobody told: nothing to do). */
static void forget(struct attrib *a, uint32_t pid)
{
	if (a->forget)
		a->forget(a->forget_ctx, pid);
}

/* m lets its pid's names go: the kernel side is told, so the pid's next record carries them. */
static void drop_slot(struct attrib *a, struct merged *m)
{
	if (m->key)
		forget(a, m->pid);
	free(m->key);
	m->key = NULL;
	m->key_len = 0;
	owner_names__put(m->names);
	m->names = NULL;
}

/* Names are the process's to choose (prctl(PR_SET_NAME), file and cgroup names): control
 * characters would end up in text outputs (explain, pcapng comments, endpoint lines) as is. */
static void scrub(char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			*s = '?';
}

/* The kernel's names of ev (NULL: none) merged with /proc's (names, NULL when it does not show
 * the pid), scrubbed: once per process's names, not at every handshake they name. */
static void merge(const struct tlsmon_owner_event *ev, const struct proc_names *names,
		  struct proc_names *out)
{
	struct proc_names kernel;

	if (ev)
		proc_names__from_kernel(ev, &kernel);
	else
		memset(&kernel, 0, sizeof(kernel));
	*out = names ? *names : kernel;
	/* /proc/PID/exe is unreadable without ptrace rights over the process */
	if (!out->exe[0])
		memcpy(out->exe, kernel.exe, sizeof(kernel.exe));
	/* /proc tells the cgroup as it is when the record is read, the kernel's record as it was
	 * at the connect: a client that has exited by then (or moved) reads as the root "/". The
	 * one that tells more wins; /proc's on a tie, as its path is never cut short. */
	if (ev && names && kernel_cgroup_tells_more(&kernel, out)) {
		memcpy(out->cgroup, kernel.cgroup, sizeof(kernel.cgroup));
		out->owner = kernel.owner;
	}
	scrub(out->exe);
	scrub(out->cgroup);
	scrub(out->owner.unit);
}

/* A record without names (TLSMON_OWNER_NAMES_OMITTED) that m's names do not serve as they are
 * (attrib__on_owner()): merged again from the kernel's names m holds when it holds the pid's
 * of the same identity; else (the slot was taken by another pid, or the record raced the drop)
 * from /proc alone, counted, and the kernel side is told to send the names again. Returns a
 * reference to the names, or NULL. */
static struct owner_names *omitted_names(struct attrib *a, struct merged *m,
					 const struct tlsmon_owner_event *ev,
					 const struct proc_names *names, uint64_t reads)
{
	struct tlsmon_owner_event kev; /* 2.4 KB: only when there was no memory for the names */
	struct proc_names merged;

	if (m && m->key && m->pid == ev->o.pid && same_identity(m, ev)) {
		a->stats.names_omitted++;
		key_event(m, &kev);
		merge(&kev, names, &merged);
		owner_names__put(m->names);
		m->names = owner_names__new(&merged);
		m->proc = names;
		m->proc_reads = reads;
		return m->names ? owner_names__ref(m->names) : NULL;
	}
	a->stats.names_missing++;
	if (m && m->pid == ev->o.pid)
		drop_slot(a, m);
	else
		forget(a, ev->o.pid);
	merge(NULL, names, &merged);
	return owner_names__new(&merged);
}

/* The identity of ev's process in 64 bits, for the /proc cache (a collision reads /proc once
 * less, and its names are at most the cache's ttl old, as without). */
static uint64_t identity_gen(const struct tlsmon_owner_event *ev)
{
	const uint64_t k = 0x9e3779b97f4a7c15ull;
	uint64_t h = ev->id.start_ns;

	h = (h ^ (h >> 31) ^ ev->id.exec_id) * k;
	h = (h ^ (h >> 29) ^ ev->id.memory_cgroup_id) * k;
	h = (h ^ (h >> 32) ^ ev->o.cgroup_id) * k;
	return h ^ (h >> 29);
}

void attrib__on_owner(struct attrib *a, const struct tlsmon_owner_event *ev, uint64_t now_ns)
{
	struct owner_entry e = { .rec = ev->o, .has_names = true };
	struct merged *m = a->merged ?
				   &a->merged[(ev->o.pid * 2654435761u) & (ATTRIB_MERGED_SLOTS - 1)] :
				   NULL;
	const struct proc_names *names;
	struct proc_names merged;
	uint64_t reads;

	/* Most records: the kernel left the names out, and they are here. The identity says the
	 * process is the one they were read for (an exec or a move changes it), so /proc is not
	 * read again. */
	if ((ev->flags & TLSMON_OWNER_NAMES_OMITTED) && m && m->names && m->key &&
	    m->pid == ev->o.pid && same_identity(m, ev)) {
		a->stats.names_omitted++;
		a->stats.names_reused++;
		e.names = owner_names__ref(m->names);
		goto add;
	}
	names = a->procs ? proc_cache__get(a->procs, ev->o.pid, identity_gen(ev), now_ns) : NULL;
	reads = a->procs ? proc_cache__stats(a->procs)->reads : 0;
	if (ev->flags & TLSMON_OWNER_NAMES_OMITTED) {
		e.names = omitted_names(a, m, ev, names, reads);
		goto add;
	}
	a->stats.names_sent++;
	if (m && m->names && m->pid == ev->o.pid && m->proc == names && m->proc_reads == reads &&
	    same_key(m, ev)) {
		a->stats.names_reused++;
		/* the same names under another identity (the same binary exec'd again): the
		 * kernel's table now holds this one */
		m->id = ev->id;
		m->cgroup_id = ev->o.cgroup_id;
		e.names = owner_names__ref(m->names);
		goto add;
	}
	merge(ev, names, &merged);
	e.names = owner_names__new(&merged);
	if (!m) {
		forget(a, ev->o.pid);
		goto add;
	}
	if (m->pid != ev->o.pid)
		drop_slot(a, m);
	owner_names__put(m->names);
	m->names = NULL;
	m->pid = ev->o.pid;
	m->id = ev->id;
	m->cgroup_id = ev->o.cgroup_id;
	m->proc = names;
	m->proc_reads = reads;
	remember_key(m, ev);
	if (e.names && m->key)
		m->names = owner_names__ref(e.names);
	if (!m->key)
		forget(a, ev->o.pid); /* not kept: the next record must carry them */
add:
	owner_table__add(a->owners, &e);
	owner_names__put(e.names);
}

/* Kernel strings are NUL-terminated when they fit; a full buffer is not. */
static void copy_kstr(char *dst, size_t size, const char *src, size_t src_size)
{
	str__copy(dst, size, src, src_size);
}

static void fill(struct hs_process *p, const struct owner_entry *e, bool server_end)
{
	const struct owner_names *n = e->names;

	memset(p, 0, sizeof(*p));
	p->present = true;
	p->server_end = server_end;
	p->pid = e->rec.pid;
	p->tid = e->rec.tid;
	p->uid = e->rec.uid;
	p->netns = e->rec.netns;
	copy_kstr(p->comm, sizeof(p->comm), e->rec.comm, sizeof(e->rec.comm));
	scrub(p->comm);
	/* the names were scrubbed when merged (merge()) */
	if (n && owner_names__get(n, OWNER_NAME_EXE)[0]) {
		str__copy(p->exe, sizeof(p->exe), owner_names__get(n, OWNER_NAME_EXE), sizeof(p->exe));
	} else {
		copy_kstr(p->exe, sizeof(p->exe), e->rec.exe_name, sizeof(e->rec.exe_name));
		scrub(p->exe);
	}
	if (!n)
		return;
	str__copy(p->cgroup, sizeof(p->cgroup), owner_names__get(n, OWNER_NAME_CGROUP),
		  sizeof(p->cgroup));
	str__copy(p->unit, sizeof(p->unit), owner_names__get(n, OWNER_NAME_UNIT), sizeof(p->unit));
	str__copy(p->container_runtime, sizeof(p->container_runtime),
		  owner_names__get(n, OWNER_NAME_RUNTIME), sizeof(p->container_runtime));
	str__copy(p->container_id, sizeof(p->container_id),
		  owner_names__get(n, OWNER_NAME_CONTAINER_ID), sizeof(p->container_id));
	str__copy(p->pod_uid, sizeof(p->pod_uid), owner_names__get(n, OWNER_NAME_POD_UID),
		  sizeof(p->pod_uid));
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
	if (c == 1)
		owner_names__put(client.names);
	if (s == 1)
		owner_names__put(server.names);
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
