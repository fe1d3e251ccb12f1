// SPDX-License-Identifier: GPL-2.0
/* host/owners and host/attrib: joining owner records to handshakes by ends and kind, with the
 * network namespace telling apart namespaces that reuse the same addresses. */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "check.h"
#include "host/attrib.h"
#include "host/owners.h"
#include "resident.h"

static const uint8_t CLI[16] = { 10, 200, 1, 2 }, SRV[16] = { 10, 200, 1, 1 };

static struct owner_entry entry(uint8_t kind, uint32_t netns, uint32_t pid, uint16_t lport,
				uint16_t rport)
{
	struct owner_entry e = { .has_names = false, .names = NULL };

	e.rec.family = 4;
	e.rec.kind = kind;
	e.rec.netns = netns;
	e.rec.pid = e.rec.tid = pid;
	e.rec.local_port = lport;
	e.rec.remote_port = rport;
	memcpy(e.rec.local_addr, kind == TLSMON_OWNER_CONNECT ? CLI : SRV, 16);
	memcpy(e.rec.remote_addr, kind == TLSMON_OWNER_CONNECT ? SRV : CLI, 16);
	snprintf(e.rec.comm, sizeof(e.rec.comm), "p%u", pid);
	return e;
}

static int take_client(struct owner_table *t, uint16_t cport, struct owner_entry *out)
{
	return owner_table__take(t, 4, CLI, cport, SRV, 443, TLSMON_OWNER_CONNECT, out);
}

static void test_take_once(void)
{
	struct owner_table *t = owner_table__new(8);
	struct owner_entry e = entry(TLSMON_OWNER_CONNECT, 1, 100, 40000, 443), out;

	owner_table__add(t, &e);
	/* the other kind, the other port: not this socket */
	CHECK_EQ(owner_table__take(t, 4, CLI, 40000, SRV, 443, TLSMON_OWNER_ACCEPT, &out), 0);
	CHECK_EQ(take_client(t, 40001, &out), 0);
	CHECK_EQ(take_client(t, 40000, &out), 1);
	CHECK_EQ(out.rec.pid, 100);
	/* a connection has one handshake: the record is gone once claimed */
	CHECK_EQ(take_client(t, 40000, &out), 0);
	CHECK_EQ(owner_table__stats(t)->taken, 1);
	CHECK_EQ(owner_table__stats(t)->missed, 3);
	owner_table__free(t);
}

static void test_netns(void)
{
	struct owner_table *t = owner_table__new(8);
	struct owner_entry a = entry(TLSMON_OWNER_CONNECT, 1, 100, 40000, 443);
	struct owner_entry b = entry(TLSMON_OWNER_CONNECT, 2, 200, 40000, 443);
	struct owner_entry a2 = entry(TLSMON_OWNER_CONNECT, 1, 101, 40000, 443), out;

	owner_table__add(t, &a);
	/* the same namespace and ends again: the port was used again, the newer owner wins */
	owner_table__add(t, &a2);
	CHECK_EQ(owner_table__stats(t)->replaced, 1);
	owner_table__add(t, &b);
	/* two namespaces hold the same ends: which one the wire carried is unknown */
	CHECK_EQ(take_client(t, 40000, &out), -EEXIST);
	CHECK_EQ(owner_table__stats(t)->ambiguous, 1);
	owner_table__free(t);
	t = owner_table__new(8);
	owner_table__add(t, &a);
	owner_table__add(t, &a2);
	CHECK_EQ(take_client(t, 40000, &out), 1);
	CHECK_EQ(out.rec.pid, 101);
	owner_table__free(t);
}

/* Connects of pid 100 + p from client port 40000 + p to 443, for p in [from, to), in order. */
static void add_clients(struct owner_table *t, uint16_t from, uint16_t to)
{
	for (uint16_t p = from; p < to; p++) {
		struct owner_entry e = entry(TLSMON_OWNER_CONNECT, 1, 100 + p, 40000 + p, 443);

		owner_table__add(t, &e);
	}
}

static void test_eviction(void)
{
	struct owner_table *t = owner_table__new(4);
	struct owner_entry out;

	CHECK(owner_table__new(6) == NULL); /* not a power of two */
	add_clients(t, 0, 6);
	/* the two oldest gave way, counted; the rest are still found */
	CHECK_EQ(owner_table__stats(t)->evicted, 2);
	CHECK_EQ(take_client(t, 40000, &out), 0);
	CHECK_EQ(take_client(t, 40001, &out), 0);
	for (uint16_t p = 2; p < 6; p++) {
		CHECK_EQ(take_client(t, 40000 + p, &out), 1);
		CHECK_EQ(out.rec.pid, 100 + p);
	}
	owner_table__free(t);
	/* a slot a handshake took is filled before anything gives way: nothing is evicted while
	 * the table is not full, whichever slot was freed */
	t = owner_table__new(4);
	add_clients(t, 0, 4);
	CHECK_EQ(take_client(t, 40002, &out), 1);
	add_clients(t, 4, 5);
	CHECK_EQ(owner_table__stats(t)->evicted, 0);
	/* full again: the oldest (40000) gives way, then the next oldest (40001) */
	add_clients(t, 5, 7);
	CHECK_EQ(owner_table__stats(t)->evicted, 2);
	CHECK_EQ(take_client(t, 40000, &out), 0);
	CHECK_EQ(take_client(t, 40001, &out), 0);
	for (uint16_t p = 3; p < 7; p++)
		CHECK_EQ(take_client(t, 40000 + p, &out), p != 2);
	owner_table__free(t);
}

/* A table of 65,536 slots (about 3 MiB of them, and 512 KiB of buckets) with 1,000 records: the
 * slots never used are not touched, so they are not resident; before, making the free stack
 * wrote every one. Then filled past its size, it evicts in age order as before. */
static void test_fresh_slots_untouched(void)
{
	long before = resident_bytes();
	struct owner_table *t = owner_table__new(65536);
	struct owner_entry out;
	long grown;

	add_clients(t, 0, 1000);
	grown = resident_bytes() - before;
	CHECK(before > 0);
	CHECK(grown < 1024 * 1024);
	CHECK_EQ(take_client(t, 40999, &out), 1);
	CHECK_EQ(out.rec.pid, 100 + 999);
	owner_table__free(t);
	t = owner_table__new(4);
	add_clients(t, 0, 2);
	CHECK_EQ(take_client(t, 40000, &out), 1);
	/* freed slot 0 first, then the two never used, then the oldest (40001) gives way */
	add_clients(t, 2, 6);
	CHECK_EQ(owner_table__stats(t)->evicted, 1);
	CHECK_EQ(take_client(t, 40001, &out), 0);
	for (uint16_t p = 2; p < 6; p++)
		CHECK_EQ(take_client(t, 40000 + p, &out), 1);
	owner_table__free(t);
}

/* Append a name to list (lists filled in their order), as the kernel side packs them. */
static void add_name(struct tlsmon_owner_event *ev, int list, const char *name)
{
	size_t n = strlen(name) + 1;

	memcpy(ev->names + ev->names_len, name, n);
	ev->names_len = (uint16_t)(ev->names_len + n);
	ev->count[list]++;
}

static struct tlsmon_owner_event event(uint8_t kind, uint32_t netns, uint32_t pid)
{
	struct tlsmon_owner_event ev;
	struct owner_entry e = entry(kind, netns, pid, kind == TLSMON_OWNER_CONNECT ? 40000 : 443,
				     kind == TLSMON_OWNER_CONNECT ? 443 : 40000);

	memset(&ev, 0, sizeof(ev));
	ev.o = e.rec;
	snprintf(ev.o.exe_name, sizeof(ev.o.exe_name), "client");
	add_name(&ev, TLSMON_NAMES_EXE_DIRS, "bin");
	add_name(&ev, TLSMON_NAMES_EXE_DIRS, "usr");
	add_name(&ev, TLSMON_NAMES_UNIFIED, "backup.service");
	add_name(&ev, TLSMON_NAMES_UNIFIED, "system.slice");
	return ev;
}

static void handshake(struct handshake *hs)
{
	memset(hs, 0, sizeof(*hs));
	hs->family = 4;
	memcpy(hs->client_addr, CLI, 16);
	memcpy(hs->server_addr, SRV, 16);
	hs->client_port = 40000;
	hs->server_port = 443;
}

/* A proc root without the pids: names come from the kernel's record. */
static void test_attrib(void)
{
	struct attrib *a = attrib__new("/nonexistent", 8, 8);
	struct tlsmon_owner_event c = event(TLSMON_OWNER_CONNECT, 2, 4242);
	struct tlsmon_owner_event s = event(TLSMON_OWNER_ACCEPT, 1, 17);
	static struct handshake hs;

	attrib__on_owner(a, &c, 1);
	attrib__on_owner(a, &s, 1);
	handshake(&hs);
	attrib__handshake(a, &hs);
	CHECK(hs.process.present && !hs.process.server_end);
	CHECK_EQ(hs.process.pid, 4242);
	CHECK_STR(hs.process.comm, "p4242");
	CHECK_STR(hs.process.exe, "/usr/bin/client");
	CHECK_STR(hs.process.cgroup, "/system.slice/backup.service");
	CHECK_STR(hs.process.unit, "backup.service");
	CHECK(hs.peer_process.present && hs.peer_process.server_end);
	CHECK_EQ(hs.peer_process.pid, 17);
	CHECK_EQ(attrib__stats(a)->hit, 1);
	/* the server end alone: process is the accepting one */
	attrib__on_owner(a, &s, 1);
	handshake(&hs);
	attrib__handshake(a, &hs);
	CHECK(hs.process.present && hs.process.server_end && !hs.peer_process.present);
	/* nothing local */
	handshake(&hs);
	attrib__handshake(a, &hs);
	CHECK(!hs.process.present);
	CHECK_EQ(attrib__stats(a)->miss, 1);
	/* the client's ends in two namespaces, the server's nowhere: ambiguous, not guessed */
	c = event(TLSMON_OWNER_CONNECT, 2, 1);
	attrib__on_owner(a, &c, 1);
	c = event(TLSMON_OWNER_CONNECT, 3, 2);
	attrib__on_owner(a, &c, 1);
	handshake(&hs);
	attrib__handshake(a, &hs);
	CHECK(!hs.process.present);
	CHECK_EQ(attrib__stats(a)->ambiguous, 1);
	CHECK_EQ(attrib__proc_stats(a)->gone, 5);
	attrib__free(a);
}

/* Without /proc (another pid namespace): the kernel's names, no lookups counted. */
static void test_attrib_kernel_only(void)
{
	struct attrib *a = attrib__new(NULL, 8, 8);
	struct tlsmon_owner_event c = event(TLSMON_OWNER_CONNECT, 2, 1);
	static struct handshake hs;

	attrib__on_owner(a, &c, 1);
	handshake(&hs);
	attrib__handshake(a, &hs);
	CHECK_STR(hs.process.exe, "/usr/bin/client");
	CHECK_STR(hs.process.unit, "backup.service");
	CHECK_EQ(attrib__proc_stats(a)->gone + attrib__proc_stats(a)->reads, 0);
	/* a name with control characters (prctl(PR_SET_NAME) allows them) */
	memcpy(c.o.comm, "a\nb\x1b", 5);
	attrib__on_owner(a, &c, 1);
	handshake(&hs);
	attrib__handshake(a, &hs);
	CHECK_STR(hs.process.comm, "a?b?");
	/* and in the names (scrubbed once, when merged): reused, still scrubbed */
	c = event(TLSMON_OWNER_CONNECT, 2, 3);
	memcpy(c.o.exe_name, "cl\tent", 7);
	c.names[c.names_len - 3] = '\x7f'; /* "system.sli\x7fe" */
	for (int i = 0; i < 2; i++) {
		attrib__on_owner(a, &c, 1);
		handshake(&hs);
		attrib__handshake(a, &hs);
		CHECK_STR(hs.process.exe, "/usr/bin/cl?ent");
		CHECK_STR(hs.process.cgroup, "/system.sli?e/backup.service");
	}
	CHECK_EQ(attrib__stats(a)->names_reused, 2);
	attrib__free(a);
}

static void put_proc(const char *root, uint32_t pid, const char *cgroup_text)
{
	char path[256];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%u", root, pid);
	mkdir(path, 0700);
	snprintf(path, sizeof(path), "%s/%u/cgroup", root, pid);
	f = fopen(path, "w");
	if (f) {
		fputs(cgroup_text, f);
		fclose(f);
	}
}

/* /proc read after the client exited (or moved) says less than the kernel's record of its
 * connect: the record's cgroup wins then; on a tie /proc's, whose path is never cut short. */
static void test_attrib_cgroup_of_exited(void)
{
	char root[] = "/tmp/tlsmon-attrib-XXXXXX", cmd[64];
	struct tlsmon_owner_event c = event(TLSMON_OWNER_CONNECT, 2, 4242);
	static struct handshake hs;
	struct attrib *a;

	if (!mkdtemp(root)) {
		CHECK(0);
		return;
	}
	put_proc(root, 4242, "0::/\n"); /* what it reads as the process goes */
	put_proc(root, 4343, "0::/user.slice/user-0.slice/session-3.scope\n");
	a = attrib__new(root, 8, 8);
	attrib__on_owner(a, &c, 1);
	handshake(&hs);
	attrib__handshake(a, &hs);
	CHECK_STR(hs.process.cgroup, "/system.slice/backup.service");
	CHECK_STR(hs.process.unit, "backup.service");
	/* both name a unit: /proc's */
	c = event(TLSMON_OWNER_CONNECT, 2, 4343);
	attrib__on_owner(a, &c, 1);
	handshake(&hs);
	attrib__handshake(a, &hs);
	CHECK_STR(hs.process.cgroup, "/user.slice/user-0.slice/session-3.scope");
	CHECK_EQ(attrib__proc_stats(a)->reads, 2);
	attrib__free(a);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", root);
	CHECK_EQ(system(cmd), 0);
}

/* A pid's next record with the same names reuses what the last one merged to; any byte of its
 * names changed (an exec, a move, a pid taken by another program), or /proc read again, and
 * it is merged afresh: never the previous record's names. */
static void test_attrib_names_reused(void)
{
	char root[] = "/tmp/tlsmon-attrib-XXXXXX", cmd[64];
	struct tlsmon_owner_event c = event(TLSMON_OWNER_CONNECT, 2, 7);
	static struct handshake hs;
	struct attrib *a = attrib__new(NULL, 8, 8);

	attrib__on_owner(a, &c, 1);
	attrib__on_owner(a, &c, 1); /* the same socket again: replaces the first */
	handshake(&hs);
	attrib__handshake(a, &hs);
	CHECK_STR(hs.process.exe, "/usr/bin/client");
	CHECK_EQ(attrib__stats(a)->names_reused, 1);
	snprintf(c.o.exe_name, sizeof(c.o.exe_name), "other"); /* exec'd another binary */
	attrib__on_owner(a, &c, 1);
	handshake(&hs);
	attrib__handshake(a, &hs);
	CHECK_STR(hs.process.exe, "/usr/bin/other");
	c.names[c.names_len - 2] = 'X'; /* "system.slicX": moved to another cgroup */
	attrib__on_owner(a, &c, 1);
	handshake(&hs);
	attrib__handshake(a, &hs);
	CHECK_STR(hs.process.cgroup, "/system.slicX/backup.service");
	c = event(TLSMON_OWNER_CONNECT, 2, 8); /* another pid with the same names */
	c.o.exe_name[0] = 'k';
	attrib__on_owner(a, &c, 1);
	handshake(&hs);
	attrib__handshake(a, &hs);
	CHECK_EQ(hs.process.pid, 8);
	CHECK_STR(hs.process.exe, "/usr/bin/klient");
	CHECK_EQ(attrib__stats(a)->names_reused, 1);
	attrib__free(a);

	/* /proc's cgroup changes; the cache reads it again after its TTL: the new one */
	if (!mkdtemp(root)) {
		CHECK(0);
		return;
	}
	put_proc(root, 4343, "0::/user.slice/user-0.slice/session-3.scope\n");
	a = attrib__new(root, 8, 8);
	c = event(TLSMON_OWNER_CONNECT, 2, 4343);
	attrib__on_owner(a, &c, 1);
	attrib__on_owner(a, &c, 2);
	CHECK_EQ(attrib__stats(a)->names_reused, 1);
	put_proc(root, 4343, "0::/user.slice/user-0.slice/session-4.scope\n");
	attrib__on_owner(a, &c, 2 + ATTRIB_PROC_TTL_NS);
	handshake(&hs);
	attrib__handshake(a, &hs);
	CHECK_STR(hs.process.cgroup, "/user.slice/user-0.slice/session-4.scope");
	CHECK_EQ(attrib__proc_stats(a)->reads, 2);
	CHECK_EQ(attrib__stats(a)->names_reused, 1);
	attrib__free(a);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", root);
	CHECK_EQ(system(cmd), 0);
}

/* What the kernel side sends for a process whose names it sent before with this identity. */
static struct tlsmon_owner_event omitted(const struct tlsmon_owner_event *full)
{
	struct tlsmon_owner_event ev;

	memset(&ev, 0, sizeof(ev));
	ev.o = full->o;
	memset(ev.o.exe_name, 0, sizeof(ev.o.exe_name));
	ev.id = full->id;
	ev.flags = TLSMON_OWNER_NAMES_OMITTED;
	return ev;
}

struct forgot {
	uint32_t pid[8]; /* the first ones */
	int n;
	uint32_t watch; /* and how often this one */
	int watched;
};

static void on_forget(void *ctx, uint32_t pid)
{
	struct forgot *f = ctx;

	if (f->n < 8)
		f->pid[f->n] = pid;
	f->n++;
	f->watched += pid == f->watch;
}

/* Attributed from a record without names (handshake() ends, the client's). */
static void attribute(struct attrib *a, const struct tlsmon_owner_event *ev, uint64_t now,
		      struct handshake *hs)
{
	attrib__on_owner(a, ev, now);
	handshake(hs);
	attrib__handshake(a, hs);
}

/* A record without names takes those of the pid's last record with them when the identity
 * (start time, exec count, cgroups) is the same; with another identity, or once the names were
 * let go (another pid took the slot), it is named from /proc alone, counted, and the kernel side
 * is told to send them again, as it is whenever names are let go. */
static void test_attrib_names_omitted(void)
{
	struct tlsmon_owner_event c = event(TLSMON_OWNER_CONNECT, 2, 7), s;
	struct attrib *a = attrib__new(NULL, 8, 8);
	static struct handshake hs;
	struct forgot f = { .n = 0 };

	attrib__set_forget(a, on_forget, &f);
	c.id.start_ns = 1000;
	c.id.exec_id = 1;
	c.id.memory_cgroup_id = 55;
	c.o.cgroup_id = 66;
	attribute(a, &c, 1, &hs);
	s = omitted(&c);
	attribute(a, &s, 1, &hs);
	CHECK(hs.process.present);
	CHECK_EQ(hs.process.pid, 7);
	CHECK_STR(hs.process.comm, "p7");
	CHECK_STR(hs.process.exe, "/usr/bin/client");
	CHECK_STR(hs.process.cgroup, "/system.slice/backup.service");
	CHECK_STR(hs.process.unit, "backup.service");
	CHECK_EQ(attrib__stats(a)->names_sent, 1);
	CHECK_EQ(attrib__stats(a)->names_omitted, 1);
	CHECK_EQ(attrib__stats(a)->names_missing, 0);
	CHECK_EQ(f.n, 0);
	/* each part of the identity tells another process (or the same one changed) */
	for (int part = 0; part < 5; part++) {
		s = omitted(&c);
		s.id.start_ns += part == 0; /* the pid reused */
		s.id.exec_id += part == 1; /* an exec */
		s.id.memory_cgroup_id += part == 2; /* moved (v1, hybrid) */
		s.o.cgroup_id += part == 3; /* moved */
		s.o.pid += part == 4; /* another pid */
		attribute(a, &s, 1, &hs);
		CHECK(hs.process.present);
		CHECK_STR(hs.process.exe, ""); /* no /proc here: no names at all */
		CHECK_STR(hs.process.unit, "");
		CHECK_EQ(attrib__stats(a)->names_missing, part + 1);
		CHECK_EQ(f.n, part + 1);
		CHECK_EQ(f.pid[part], s.o.pid);
		/* until a record carries the names again: the kernel side was told */
		attribute(a, &c, 1, &hs);
	}
	CHECK_EQ(attrib__stats(a)->names_omitted, 1);
	/* an exec of the same binary: the same names, the new identity held */
	c.id.exec_id = 2;
	attribute(a, &c, 1, &hs);
	s = omitted(&c);
	attribute(a, &s, 1, &hs);
	CHECK_STR(hs.process.exe, "/usr/bin/client");
	CHECK_EQ(attrib__stats(a)->names_omitted, 2);
	/* other pids take the slot: the kernel side is told to forget 7 once, and 7's next
	 * record without names is one the daemon cannot name (raced the forget) */
	f.watch = 7;
	for (uint32_t pid = 1000; pid < 1000 + 8192 && !f.watched; pid++) {
		struct tlsmon_owner_event o = event(TLSMON_OWNER_CONNECT, 2, pid);

		attrib__on_owner(a, &o, 1);
	}
	CHECK_EQ(f.watched, 1);
	attribute(a, &s, 1, &hs);
	CHECK_STR(hs.process.exe, "");
	CHECK_EQ(attrib__stats(a)->names_missing, 6);
	attrib__free(a);
}

/* With /proc: a record without names whose names are held takes them without reading /proc
 * again, even past the cache's ttl (its identity says it is the process they were read for);
 * one whose names are not held takes /proc's. */
static void test_attrib_names_omitted_proc(void)
{
	char root[] = "/tmp/tlsmon-attrib-XXXXXX", cmd[64];
	struct tlsmon_owner_event c = event(TLSMON_OWNER_CONNECT, 2, 4343), s;
	static struct handshake hs;
	struct attrib *a;

	if (!mkdtemp(root)) {
		CHECK(0);
		return;
	}
	put_proc(root, 4343, "0::/user.slice/user-0.slice/session-3.scope\n");
	a = attrib__new(root, 8, 8);
	c.id.start_ns = 5;
	attribute(a, &c, 1, &hs);
	s = omitted(&c);
	attribute(a, &s, 2, &hs);
	CHECK_STR(hs.process.cgroup, "/user.slice/user-0.slice/session-3.scope");
	CHECK_STR(hs.process.exe, "/usr/bin/client");
	CHECK_EQ(attrib__stats(a)->names_reused, 1);
	put_proc(root, 4343, "0::/user.slice/user-0.slice/session-4.scope\n");
	attribute(a, &s, 2 + ATTRIB_PROC_TTL_NS, &hs);
	CHECK_STR(hs.process.cgroup, "/user.slice/user-0.slice/session-3.scope");
	CHECK_STR(hs.process.exe, "/usr/bin/client");
	CHECK_EQ(attrib__stats(a)->names_omitted, 2);
	CHECK_EQ(attrib__stats(a)->names_reused, 2);
	CHECK_EQ(attrib__proc_stats(a)->reads, 1);
	/* not held (another start time): /proc's cgroup, no exe (no link here) */
	s.id.start_ns = 6;
	attribute(a, &s, 3 + ATTRIB_PROC_TTL_NS, &hs);
	CHECK_STR(hs.process.cgroup, "/user.slice/user-0.slice/session-4.scope");
	CHECK_STR(hs.process.exe, "");
	CHECK_EQ(attrib__stats(a)->names_missing, 1);
	/* an exec (or a move): /proc is read again at once, within the cache's ttl */
	put_proc(root, 4343, "0::/user.slice/user-0.slice/session-5.scope\n");
	c.id.exec_id = 1;
	attribute(a, &c, 4 + ATTRIB_PROC_TTL_NS, &hs);
	CHECK_STR(hs.process.cgroup, "/user.slice/user-0.slice/session-5.scope");
	attrib__free(a);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", root);
	CHECK_EQ(system(cmd), 0);
}

/* The names are kept packed in the slot: what is taken back is what was added, byte for byte,
 * a full-length field included; a record replaced or evicted gives its names back. */
static void test_names_kept(void)
{
	struct owner_table *t = owner_table__new(2);
	struct owner_entry e = entry(TLSMON_OWNER_CONNECT, 1, 100, 40000, 443), out;
	struct owner_entry none = entry(TLSMON_OWNER_CONNECT, 1, 101, 40001, 443);
	struct proc_names n, back;

	memset(&n, 0, sizeof(n));
	snprintf(n.exe, sizeof(n.exe), "/usr/sbin/nginx");
	memset(n.cgroup, 'c', sizeof(n.cgroup) - 1);
	snprintf(n.owner.unit, sizeof(n.owner.unit), "nginx.service");
	snprintf(n.owner.runtime, sizeof(n.owner.runtime), "podman");
	memset(n.owner.container_id, 'a', sizeof(n.owner.container_id) - 1);
	e.has_names = true;
	e.names = owner_names__new(&n);
	CHECK(e.names != NULL);
	owner_table__add(t, &e);
	owner_table__add(t, &none);
	memset(&out, 0x55, sizeof(out));
	CHECK_EQ(take_client(t, 40000, &out), 1);
	CHECK(out.has_names && out.names == e.names); /* shared, not copied */
	owner_names__unpack(out.names, &back);
	CHECK(!memcmp(&back, &n, sizeof(n)));
	CHECK_STR(owner_names__get(out.names, OWNER_NAME_UNIT), "nginx.service");
	CHECK_STR(owner_names__get(out.names, OWNER_NAME_POD_UID), "");
	owner_names__put(out.names);
	CHECK_EQ(take_client(t, 40001, &out), 1);
	CHECK(!out.has_names && !out.names);
	/* replaced, then evicted (2 slots): each gives its reference back (LeakSanitizer) */
	owner_table__add(t, &e);
	owner_table__add(t, &e);
	owner_table__add(t, &none);
	e.rec.local_port = 40002;
	owner_table__add(t, &e);
	CHECK_EQ(owner_table__stats(t)->replaced, 1);
	CHECK_EQ(owner_table__stats(t)->evicted, 1);
	CHECK_EQ(owner_table__stats(t)->names_dropped, 0);
	/* names resolved but not stored (no memory): counted */
	none.has_names = true;
	owner_table__add(t, &none);
	CHECK_EQ(owner_table__stats(t)->names_dropped, 1);
	owner_names__put(e.names);
	owner_table__free(t);
}

int main(void)
{
	RUN_TEST(test_take_once);
	RUN_TEST(test_netns);
	RUN_TEST(test_eviction);
	RUN_TEST(test_fresh_slots_untouched);
	RUN_TEST(test_names_kept);
	RUN_TEST(test_attrib);
	RUN_TEST(test_attrib_kernel_only);
	RUN_TEST(test_attrib_cgroup_of_exited);
	RUN_TEST(test_attrib_names_reused);
	RUN_TEST(test_attrib_names_omitted);
	RUN_TEST(test_attrib_names_omitted_proc);
	return check_total_failed ? 1 : 0;
}
