/* What test_flowtab.c and test_flowtab_compact.c share: a release callback that records what
 * it saw, and IPv4 packets of one connection in either direction. */
#ifndef TLSMON_TEST_FLOWTAB_REC_H
#define TLSMON_TEST_FLOWTAB_REC_H

#include <stdint.h>
#include <string.h>

#include "check.h"
#include "net/flowtab.h"

#define MAX_RELEASES 64

struct recorder {
	int n;
	struct flow *flow[MAX_RELEASES];
	uint16_t port0[MAX_RELEASES];
	enum flow_end_reason why[MAX_RELEASES];
	int by_reason[4];
	/* what the release callback saw of the flow's reassembly */
	uint32_t held_seen;
	uint32_t flushed_bytes;
	int app_seen;
	const struct reasm_cfg *cfg; /* the table's, for reasm__feed()/flush() */
	struct flowtab *t;
};

/* Tests put an int in each flow's engine area (flowtab_opts.app_size). */
static inline int *app_of(struct flow *f)
{
	return flow__app(f);
}

static inline void count_bytes(void *ctx, const uint8_t *data, size_t len)
{
	struct recorder *rec = ctx;

	if (data)
		rec->flushed_bytes += len;
}

static inline void on_release(void *ctx, struct flow *f, enum flow_end_reason why)
{
	struct recorder *rec = ctx;

	if (rec->n < MAX_RELEASES) {
		rec->flow[rec->n] = f;
		rec->port0[rec->n] = f->key.port[0];
		rec->why[rec->n] = why;
	}
	rec->n++;
	if ((unsigned)why < 4)
		rec->by_reason[why]++;
	rec->held_seen += flowtab__dir_peek(rec->t, f, 0)->held_segments +
			  flowtab__dir_peek(rec->t, f, 1)->held_segments;
	if (*app_of(f))
		rec->app_seen++;
	/* The engine flushes here: reassembly state must still be intact. */
	for (int d = 0; d < 2; d++)
		if (flowtab__dir_if(rec->t, f, d))
			reasm__flush(flowtab__dir(rec->t, f, d), rec->cfg, count_bytes, rec);
}

/* A table made with o for rec, which its callbacks (o->ctx = rec) record into; NULL without
 * memory. */
static inline struct flowtab *recorder_table(struct recorder *rec, const struct flowtab_opts *o)
{
	struct flowtab *t;

	memset(rec, 0, sizeof(*rec));
	t = flowtab__new(o);
	if (t)
		rec->cfg = flowtab__reasm_cfg(t);
	rec->t = t;
	return t;
}

static inline void put_be32(uint8_t *b, uint32_t v)
{
	b[0] = v >> 24;
	b[1] = v >> 16;
	b[2] = v >> 8;
	b[3] = v;
}

static inline struct pkt mkpkt4(uint32_t saddr, uint16_t sport, uint32_t daddr, uint16_t dport)
{
	struct pkt p;

	memset(&p, 0, sizeof(p));
	p.family = 4;
	put_be32(p.saddr, saddr);
	put_be32(p.daddr, daddr);
	p.sport = sport;
	p.dport = dport;
	return p;
}

static inline struct pkt reverse(const struct pkt *p)
{
	struct pkt r = *p;

	memcpy(r.saddr, p->daddr, 16);
	memcpy(r.daddr, p->saddr, 16);
	r.sport = p->dport;
	r.dport = p->sport;
	return r;
}

#endif
