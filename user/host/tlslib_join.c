// SPDX-License-Identifier: GPL-2.0
#include "host/tlslib_join.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "host/tlslib_probes.h"
#include "verdict/explain.h"

struct pending {
	bool used;
	struct tlslib_event e;
};

struct tlslib_join {
	struct pending slot[TLSLIB_JOIN_MAX];
	int n_used;
	int high; /* slots at or past it are unused: scans stop there */
	struct handshake *copy;
	struct tlslib_join_stats stats;
};

struct tlslib_join *tlslib_join__new(void)
{
	struct tlslib_join *j = calloc(1, sizeof(*j));

	if (j && !(j->copy = malloc(sizeof(*j->copy)))) {
		free(j);
		return NULL;
	}
	return j;
}

void tlslib_join__free(struct tlslib_join *j)
{
	if (!j)
		return;
	free(j->copy);
	free(j);
}

static void drop(struct tlslib_join *j, int i)
{
	j->slot[i].used = false;
	j->n_used--;
	while (j->high > 0 && !j->slot[j->high - 1].used)
		j->high--;
}

void tlslib_join__add(struct tlslib_join *j, const struct tlslib_event *e)
{
	int free_at = -1, oldest = -1;

	for (int i = 0; i < TLSLIB_JOIN_MAX && free_at < 0; i++) {
		if (!j->slot[i].used)
			free_at = i;
		else if (oldest < 0 || j->slot[i].e.ts_ns < j->slot[oldest].e.ts_ns)
			oldest = i;
	}
	if (free_at < 0) {
		j->stats.evicted++;
		drop(j, oldest);
		free_at = oldest;
	}
	j->slot[free_at].used = true;
	j->slot[free_at].e = *e;
	j->n_used++;
	if (free_at >= j->high)
		j->high = free_at + 1;
}

static size_t addr_len(uint8_t family)
{
	return family == 4 ? 4 : 16;
}

/* Which end of hs verified (the event's sender), or -1 when the event is of another connection. */
static int verifier_of(const struct handshake *hs, const struct tlslib_event *e)
{
	size_t n = addr_len(hs->family);

	if (e->family != hs->family)
		return -1;
	if (e->sport == hs->client_port && e->dport == hs->server_port &&
	    !memcmp(e->saddr, hs->client_addr, n) && !memcmp(e->daddr, hs->server_addr, n))
		return HS_SIDE_CLIENT;
	if (e->sport == hs->server_port && e->dport == hs->client_port &&
	    !memcmp(e->saddr, hs->server_addr, n) && !memcmp(e->daddr, hs->client_addr, n))
		return HS_SIDE_SERVER;
	return -1;
}

/* The process name is the process's to choose: control bytes are not copied into reports. */
static void copy_comm(char *dst, const char *src)
{
	size_t i;

	for (i = 0; i < HS_LIB_COMM_LEN - 1 && src[i]; i++)
		dst[i] = (unsigned char)src[i] < 0x20 || (unsigned char)src[i] >= 0x7f ? '?' : src[i];
	dst[i] = '\0';
}

static void fill(struct hs_lib_verdict *v, const struct tlslib_event *e)
{
	memset(v, 0, sizeof(*v));
	v->present = true;
	v->code = e->code;
	v->depth = e->depth;
	v->verify_mode = e->verify_mode;
	v->pid = e->pid;
	copy_comm(v->comm, e->comm);
	if (e->library < TLSLIB__COUNT)
		tlslib_families[e->library]->describe(v, e->verify_ret);
}

/* The network namespace of the process attributed to side's end of hs, or 0 (none attributed,
 * or --no-process). */
static uint32_t end_netns(const struct handshake *hs, int side)
{
	bool server = side == HS_SIDE_SERVER;

	if (hs->process.present && hs->process.server_end == server)
		return hs->process.netns;
	if (hs->peer_process.present && hs->peer_process.server_end == server)
		return hs->peer_process.netns;
	return 0;
}

/* A verdict's namespace, for telling namespaces apart: the cookie when the kernel has one (an
 * inode number may be reused once its namespace is gone), else the inode. */
static uint64_t ns_id(const struct tlslib_event *e)
{
	return e->netns_cookie ? e->netns_cookie : e->netns_ino;
}

/* Take side's verdicts of hs's connection into the copy (the later one stands: renegotiation);
 * returns whether one was taken. */
static bool take_side(struct tlslib_join *j, const struct handshake *hs, int side, bool *copied)
{
	uint32_t want = end_netns(hs, side);
	uint64_t first_ns = 0, at = 0;
	bool several = false, took = false;

	if (!want) {
		for (int i = 0; i < j->high && !several; i++) {
			if (!j->slot[i].used || verifier_of(hs, &j->slot[i].e) != side)
				continue;
			if (first_ns && ns_id(&j->slot[i].e) != first_ns)
				several = true;
			first_ns = ns_id(&j->slot[i].e);
		}
		/* attribution saw that end's 4-tuple in several namespaces: a lone verdict may be
		 * of the connection the wire does not show */
		if (first_ns && (hs->ends_ambiguous & (1u << side)))
			several = true;
		if (several) {
			j->stats.ambiguous++;
			return false;
		}
	}
	for (int i = 0; i < j->high; i++) {
		const struct tlslib_event *e = &j->slot[i].e;

		if (!j->slot[i].used || verifier_of(hs, e) != side ||
		    (want && e->netns_ino && e->netns_ino != want))
			continue;
		if (!*copied) {
			memcpy(j->copy, hs, sizeof(*hs));
			*copied = true;
		}
		if (!took || e->ts_ns >= at) {
			fill(&j->copy->lib_verdict[side], e);
			at = e->ts_ns;
		}
		took = true;
		drop(j, i);
	}
	return took;
}

const struct handshake *tlslib_join__judge(struct tlslib_join *j, const struct policy *p,
					   const struct handshake *hs)
{
	bool copied = false;

	if (!j || !j->n_used)
		return hs;
	for (int side = 0; side < 2; side++)
		if (take_side(j, hs, side, &copied) && j->copy->lib_verdict[side].result < 4)
			j->stats.joined[j->copy->lib_verdict[side].result]++;
	if (!copied)
		return hs;
	policy__check_lib_verdicts(p, j->copy);
	explain__handshake(j->copy);
	return j->copy;
}

void tlslib_join__expire(struct tlslib_join *j, uint64_t now_ns)
{
	for (int i = 0; j && i < j->high; i++)
		if (j->slot[i].used && now_ns - j->slot[i].e.ts_ns > TLSLIB_JOIN_TTL_NS) {
			j->stats.expired++;
			drop(j, i);
		}
}

const struct tlslib_join_stats *tlslib_join__stats(const struct tlslib_join *j)
{
	return &j->stats;
}
