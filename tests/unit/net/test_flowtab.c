// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <malloc.h>
#include <stdint.h>
#include <stdlib.h>

#include "check.h"
#include "flowtab_rec.h"

static struct pkt mkpkt6(uint8_t slast, uint16_t sport, uint8_t dlast, uint16_t dport)
{
	struct pkt p;

	memset(&p, 0, sizeof(p));
	p.family = 6;
	p.saddr[0] = 0x20, p.saddr[1] = 0x01, p.saddr[2] = 0x0d, p.saddr[3] = 0xb8;
	memcpy(p.daddr, p.saddr, 4);
	p.saddr[15] = slast;
	p.daddr[15] = dlast;
	p.sport = sport;
	p.dport = dport;
	return p;
}

static struct flowtab *mktab(uint32_t max, uint64_t idle, struct recorder *rec)
{
	struct flowtab_opts o = {
		.max_flows = max,
		.app_size = sizeof(int),
		.idle_timeout_ns = idle,
		.reasm = { .max_held_bytes = 4096, .max_held_segments = 16 },
		.release = on_release,
		.ctx = rec,
	};

	return recorder_table(rec, &o);
}

static void test_key_normalize(void)
{
	struct pkt a = mkpkt4(0x0a000001, 40000, 0x0a000002, 443), b = reverse(&a);
	struct tlsmon_flow_key ka, kb;
	int sa = -1, sb = -1;

	flow_key__from_pkt(&a, &ka, &sa);
	flow_key__from_pkt(&b, &kb, &sb);
	CHECK_EQ(memcmp(&ka, &kb, sizeof(ka)), 0);
	CHECK_EQ(sa, 0); /* 10.0.0.1 < 10.0.0.2 */
	CHECK_EQ(sb, 1);
	CHECK_EQ(ka.family, 4);
	CHECK_EQ(ka.port[0], 40000);
	CHECK_EQ(ka.port[1], 443);
	CHECK_EQ(ka.addr[0][3], 1);
	CHECK_EQ(ka.addr[1][3], 2);

	/* Address decides before port. */
	a = mkpkt4(0x0a000009, 1, 0x0a000002, 65535);
	flow_key__from_pkt(&a, &ka, &sa);
	CHECK_EQ(sa, 1);
	CHECK_EQ(ka.port[0], 65535);
	CHECK_EQ(ka.addr[0][3], 2);

	/* Same address: the port decides, compared as a number (not byte-wise). */
	a = mkpkt4(0x7f000001, 0x0100, 0x7f000001, 0x00ff);
	flow_key__from_pkt(&a, &ka, &sa);
	CHECK_EQ(sa, 1);
	CHECK_EQ(ka.port[0], 0x00ff);
	b = reverse(&a);
	flow_key__from_pkt(&b, &kb, &sb);
	CHECK_EQ(sb, 0);
	CHECK_EQ(memcmp(&ka, &kb, sizeof(ka)), 0);

	/* Connection to itself: one side only. */
	a = mkpkt4(0x7f000001, 5000, 0x7f000001, 5000);
	flow_key__from_pkt(&a, &ka, &sa);
	CHECK_EQ(sa, 0);

	/* Stray bytes after an IPv4 address do not change the key. */
	a = mkpkt4(0x0a000001, 40000, 0x0a000002, 443);
	flow_key__from_pkt(&a, &ka, &sa);
	b = a;
	memset(b.saddr + 4, 0xff, 12);
	b.daddr[9] = 7;
	flow_key__from_pkt(&b, &kb, &sb);
	CHECK_EQ(memcmp(&ka, &kb, sizeof(ka)), 0);
	CHECK_EQ(sb, 0);
	CHECK_EQ(ka.pad[0] | ka.pad[1] | ka.pad2 | ka.tunnel | ka.tunnel_id, 0);

	/* IPv6: the full 16 bytes count. */
	a = mkpkt6(0x20, 443, 0x10, 50000);
	flow_key__from_pkt(&a, &ka, &sa);
	CHECK_EQ(sa, 1);
	CHECK_EQ(ka.family, 6);
	CHECK_EQ(ka.addr[0][15], 0x10);
	CHECK_EQ(ka.port[0], 50000);
	CHECK_EQ(ka.addr[0][0], 0x20);
	flow_key__from_pkt(&a, &ka, NULL); /* side is optional */
}

/* tlsmon_flow_key_normalize() (shared with the BPF programs) orders by memcmp() over the
 * addresses, then by port: against that definition on keys whose addresses share prefixes of
 * every length, so each of its word compares decides some of them. */
static void test_key_order_is_memcmp(void)
{
	uint64_t x = 0x9e3779b97f4a7c15ull;
	struct pkt a;
	struct tlsmon_flow_key k;
	int s;

	/* Network byte order, not host words: 1.0.0.2 < 2.0.0.1. */
	a = mkpkt4(0x01000002, 443, 0x02000001, 443);
	flow_key__from_pkt(&a, &k, &s);
	CHECK_EQ(s, 0);
	CHECK_EQ(k.addr[0][0], 1);

	for (int i = 0; i < 20000; i++) {
		struct tlsmon_flow_key in = { .family = 6 };
		int cmp, want;

		for (int j = 0; j < 16; j++) {
			x = x * 6364136223846793005ull + 1442695040888963407ull;
			in.addr[0][j] = (uint8_t)(x >> 56);
			/* equal up to a random byte, then random, so every word position decides */
			in.addr[1][j] = j < i % 17 ? in.addr[0][j] : (uint8_t)(x >> 48);
		}
		in.port[0] = (uint16_t)(x >> 8);
		in.port[1] = i % 3 ? (uint16_t)(x >> 24) : in.port[0];
		cmp = memcmp(in.addr[0], in.addr[1], 16);
		if (!cmp)
			cmp = (int)in.port[0] - (int)in.port[1];
		want = cmp > 0;
		k = in;
		s = tlsmon_flow_key_normalize(&k);
		CHECK_EQ(s, want);
		CHECK_EQ(memcmp(k.addr[0], in.addr[want], 16), 0);
		CHECK_EQ(memcmp(k.addr[1], in.addr[!want], 16), 0);
		CHECK_EQ(k.port[0], in.port[want]);
		CHECK_EQ(k.port[1], in.port[!want]);
		/* normalising twice changes nothing */
		in = k;
		CHECK_EQ(tlsmon_flow_key_normalize(&k), 0);
		CHECK_EQ(memcmp(&k, &in, sizeof(k)), 0);
	}
}

static void test_both_directions(void)
{
	struct recorder rec;
	struct flowtab *t = mktab(8, 0, &rec);
	struct pkt c = mkpkt4(0xc0a80105, 51000, 0x5db8d822, 443), s = reverse(&c);
	struct pkt c6 = mkpkt6(1, 51000, 2, 443), s6 = reverse(&c6);
	struct flow *f, *g, *f6, *g6;
	int side = -1, side2 = -1;

	CHECK(t != NULL);
	if (!t)
		return;
	CHECK(flowtab__lookup(t, &c, 10, false, &side) == NULL);
	CHECK_EQ(flowtab__stats(t)->created, 0);
	f = flowtab__lookup(t, &c, 10, true, &side);
	CHECK(f != NULL);
	g = flowtab__lookup(t, &s, 20, true, &side2);
	CHECK(f == g);
	CHECK_EQ(side, 1); /* 192.168.1.5 > 93.184.216.34 */
	CHECK_EQ(side2, 0);
	CHECK_EQ(f->key.port[1], 51000);
	CHECK_EQ(f->first_ts_ns, 10);
	CHECK_EQ(f->last_ts_ns, 20);
	flowtab__lookup(t, &c, 15, false, NULL); /* older timestamp: never goes back */
	CHECK_EQ(f->last_ts_ns, 20);
	CHECK_EQ(flowtab__stats(t)->created, 1);
	CHECK_EQ(flowtab__stats(t)->active, 1);

	/* Each direction's reassembly runs with the table's limits and shared counters. */
	CHECK(flowtab__reasm_cfg(t)->stats == flowtab__reasm_stats(t));
	CHECK_EQ(flowtab__reasm_cfg(t)->lim.max_held_bytes, 4096);
	CHECK_EQ(flowtab__reasm_cfg(t)->lim.max_held_segments, 16);
	CHECK(!flowtab__dir_peek(t, f, 0)->started && !flowtab__dir_peek(t, f, 1)->started);
	CHECK_EQ(*app_of(f), 0);

	f6 = flowtab__lookup(t, &c6, 30, true, &side);
	g6 = flowtab__lookup(t, &s6, 31, true, &side2);
	CHECK(f6 && f6 == g6 && f6 != f);
	CHECK_EQ(side, 0);
	CHECK_EQ(side2, 1);
	CHECK_EQ(f6->key.family, 6);

	/* Different port or family: a different flow. */
	c.sport++;
	CHECK(flowtab__lookup(t, &c, 40, false, NULL) == NULL);
	c6.family = 4; /* same first bytes as an IPv4 tuple */
	memset(c6.saddr + 4, 0, 12);
	memset(c6.daddr + 4, 0, 12);
	CHECK(flowtab__lookup(t, &c6, 40, true, NULL) != f6);
	CHECK_EQ(flowtab__stats(t)->created, 3);
	flowtab__free(t);
	CHECK_EQ(rec.n, 3);
	CHECK_EQ(rec.by_reason[FLOW_END_SHUTDOWN], 3);
}

/* Two tenants' connections with the same inner 4-tuple, in VXLAN networks 42 and 43, are two
 * flows; both directions of each are one; a GENEVE VNI 42 or a GRE key 42 is a third and fourth
 * network; the encapsulations of the packet that made the flow stay with it. */
static void test_tunnel_keys(void)
{
	static const uint8_t kinds[4] = { TLSMON_TUNNEL_VXLAN, TLSMON_TUNNEL_VXLAN,
					  TLSMON_TUNNEL_GENEVE, TLSMON_TUNNEL_GRE_KEY };
	static const uint32_t ids[4] = { 42, 43, 42, 42 };
	struct recorder rec;
	struct flowtab *t = mktab(8, 0, &rec);
	struct pkt c = mkpkt4(0x0a000001, 40000, 0x0a000002, 443), s, plain = c;
	struct flow *f[4];
	struct encap_chain got;
	int i, side;

	CHECK(t != NULL);
	if (!t)
		return;
	for (i = 0; i < 4; i++) {
		c.tunnel = kinds[i];
		c.tunnel_id = ids[i];
		c.encap.n = 1;
		c.encap.kind[0] = (uint8_t)(ENCAP_VXLAN + (i >= 2));
		c.encap.id[0] = ids[i];
		f[i] = flowtab__lookup(t, &c, 10, true, &side);
		CHECK(f[i] != NULL);
		if (!f[i])
			return;
		CHECK_EQ(f[i]->key.tunnel, kinds[i]);
		CHECK_EQ(f[i]->key.tunnel_id, ids[i]);
		flowtab__encap(t, f[i], &got);
		CHECK_EQ(got.n, 1);
		CHECK_EQ(got.id[0], ids[i]);
		s = reverse(&c);
		s.encap.n = 0; /* what the other direction carried does not change the flow's */
		CHECK(flowtab__lookup(t, &s, 11, false, &side) == f[i]);
		flowtab__encap(t, f[i], &got);
		CHECK_EQ(got.n, 1);
	}
	CHECK(f[0] != f[1] && f[0] != f[2] && f[0] != f[3] && f[2] != f[3]);
	CHECK(flowtab__lookup(t, &plain, 12, false, &side) == NULL);
	CHECK_EQ(flowtab__stats(t)->created, 4);
	flowtab__free(t);
}

static struct flow *mk(struct flowtab *t, uint16_t port, uint64_t ts)
{
	struct pkt p = mkpkt4(0x0a000001, port, 0x0a000002, 443);

	return flowtab__lookup(t, &p, ts, true, NULL);
}

static struct flow *find(struct flowtab *t, uint16_t port, uint64_t ts)
{
	struct pkt p = mkpkt4(0x0a000002, 443, 0x0a000001, port);

	return flowtab__lookup(t, &p, ts, false, NULL);
}

static void test_eviction_order(void)
{
	struct recorder rec;
	struct flowtab *t = mktab(3, 0, &rec);
	struct flow *a, *b, *c, *d;

	if (!t) {
		CHECK(t != NULL);
		return;
	}
	a = mk(t, 1001, 1);
	b = mk(t, 1002, 2);
	c = mk(t, 1003, 3);
	CHECK(a && b && c && a != b && b != c);
	CHECK(find(t, 1001, 4) == a); /* a becomes most recent: b is now the oldest */
	d = mk(t, 1004, 5);
	CHECK(d == b); /* b's pool slot is reused */
	CHECK_EQ(rec.n, 1);
	CHECK_EQ(rec.why[0], FLOW_END_EVICTED);
	CHECK_EQ(rec.port0[0], 1002);
	CHECK(find(t, 1002, 6) == NULL);
	CHECK(find(t, 1003, 6) == c);
	mk(t, 1005, 7); /* evicts a (c was just used) */
	CHECK_EQ(rec.port0[1], 1001);
	mk(t, 1006, 8); /* evicts d */
	CHECK_EQ(rec.port0[2], 1004);
	CHECK_EQ(rec.n, 3);
	CHECK_EQ(flowtab__stats(t)->evicted, 3);
	CHECK_EQ(flowtab__stats(t)->created, 6);
	CHECK_EQ(flowtab__stats(t)->active, 3);
	CHECK_EQ(rec.by_reason[FLOW_END_EVICTED], 3);
	/* A lookup without create never evicts. */
	CHECK(find(t, 9999, 9) == NULL);
	CHECK_EQ(rec.n, 3);
	flowtab__free(t);
	CHECK_EQ(rec.n, 6);
	/* Shutdown releases oldest first: c (used at 6), then 1005, then 1006. */
	CHECK_EQ(rec.port0[3], 1003);
	CHECK_EQ(rec.port0[4], 1005);
	CHECK_EQ(rec.port0[5], 1006);
	CHECK_EQ(rec.by_reason[FLOW_END_SHUTDOWN], 3);
}

/* A SYN flood (no payload, nothing answers) must not push out connections that carried data:
 * a full table recycles half-open flows while it has any, oldest first. */
static void test_half_open_evicted_first(void)
{
	static const uint8_t hello[] = { 0x16, 0x03, 0x01 };
	struct recorder rec;
	struct flowtab *t = mktab(4, 0, &rec);
	struct pkt p;
	struct flow *e, *e2;
	int i;

	if (!t) {
		CHECK(t != NULL);
		return;
	}
	p = mkpkt4(0x0a000001, 2000, 0x0a000002, 443);
	e = flowtab__lookup(t, &p, 1, true, NULL); /* a SYN: half-open */
	CHECK(e && e->half_open == FLOW_HALF_OPEN);
	CHECK_EQ(flowtab__stats(t)->half_open, 1);
	p.payload = hello;
	p.payload_len = sizeof(hello);
	CHECK(flowtab__lookup(t, &p, 2, true, NULL) == e); /* its hello: established */
	CHECK_EQ(e->half_open, FLOW_ESTABLISHED);
	CHECK_EQ(flowtab__stats(t)->half_open, 0);
	for (i = 0; i < 100; i++) /* the flood, all newer than e */
		CHECK(mk(t, (uint16_t)(3000 + i), 10 + (uint64_t)i) != NULL);
	CHECK_EQ(flowtab__stats(t)->evicted, 97);
	CHECK_EQ(flowtab__stats(t)->evicted_half_open, 97);
	CHECK_EQ(flowtab__stats(t)->half_open, 3);
	p = mkpkt4(0x0a000002, 443, 0x0a000001, 2000);
	CHECK(flowtab__lookup(t, &p, 200, false, NULL) == e);
	/* Established flows only: the least recently used of them goes. */
	for (i = 0; i < 3; i++) {
		p = mkpkt4(0x0a000001, (uint16_t)(3097 + i), 0x0a000002, 443);
		p.payload = hello;
		p.payload_len = sizeof(hello);
		CHECK(flowtab__lookup(t, &p, 300 + (uint64_t)i, false, NULL) != NULL);
	}
	CHECK_EQ(flowtab__stats(t)->half_open, 0);
	p = mkpkt4(0x0a000001, 4000, 0x0a000002, 443);
	p.payload = hello;
	p.payload_len = sizeof(hello);
	e2 = flowtab__lookup(t, &p, 400, true, NULL);
	CHECK(e2 == e); /* e, used at 200, was the oldest: its entry is reused */
	CHECK_EQ(flowtab__stats(t)->evicted, 98);
	CHECK_EQ(flowtab__stats(t)->evicted_half_open, 97);
	flowtab__free(t);
}

static void test_expiry(void)
{
	struct recorder rec;
	struct flowtab *t = mktab(16, 100, &rec);

	if (!t) {
		CHECK(t != NULL);
		return;
	}
	mk(t, 1, 0);
	mk(t, 2, 50);
	mk(t, 3, 100);
	flowtab__expire(t, 100); /* nothing idle for more than 100 */
	CHECK_EQ(rec.n, 0);
	flowtab__expire(t, 150); /* flow 1 idle 150 */
	CHECK_EQ(rec.n, 1);
	CHECK_EQ(rec.port0[0], 1);
	CHECK_EQ(rec.why[0], FLOW_END_EXPIRED);
	CHECK(find(t, 2, 120) != NULL); /* refreshed: now newest */
	flowtab__expire(t, 210); /* 3 idle 110: expires; 2 idle 90: stays */
	CHECK_EQ(rec.n, 2);
	CHECK_EQ(rec.port0[1], 3);
	CHECK(find(t, 2, 0) != NULL);
	flowtab__expire(t, 5); /* clock behind the flows: nothing */
	CHECK_EQ(rec.n, 2);
	flowtab__expire(t, 1000);
	CHECK_EQ(rec.n, 3);
	CHECK_EQ(flowtab__stats(t)->expired, 3);
	CHECK_EQ(flowtab__stats(t)->active, 0);
	flowtab__expire(t, 2000); /* empty table */
	CHECK_EQ(rec.n, 3);
	mk(t, 4, 3000);
	flowtab__free(t);
	CHECK_EQ(rec.by_reason[FLOW_END_SHUTDOWN], 1);

	/* Zero idle timeout: no expiry at all. */
	t = mktab(4, 0, &rec);
	if (!t)
		return;
	mk(t, 1, 0);
	flowtab__expire(t, UINT64_MAX);
	CHECK_EQ(rec.n, 0);
	flowtab__free(t);
	CHECK_EQ(rec.n, 1);
}

static void test_remove_and_release(void)
{
	struct recorder rec;
	struct flowtab *t = mktab(4, 0, &rec);
	struct flow *f, *g;

	if (!t) {
		CHECK(t != NULL);
		return;
	}
	f = mk(t, 7, 1);
	/* Out-of-order data held in both directions, and engine state attached. */
	reasm__start(flowtab__dir(t, f, 0), rec.cfg, 100);
	reasm__start(flowtab__dir(t, f, 1), rec.cfg, 900);
	CHECK_EQ(reasm__feed(flowtab__dir(t, f, 0), rec.cfg, 110, (const uint8_t *)"abcdef", 6, count_bytes,
			     &rec),
		 0);
	CHECK_EQ(reasm__feed(flowtab__dir(t, f, 1), rec.cfg, 905, (const uint8_t *)"xyz", 3, count_bytes, &rec),
		 0);
	CHECK_EQ(flowtab__reasm_stats(t)->out_of_order, 2);
	*app_of(f) = 1;
	flowtab__remove(t, f);
	CHECK_EQ(rec.n, 1);
	CHECK_EQ(rec.why[0], FLOW_END_CLOSED);
	CHECK_EQ(rec.held_seen, 2); /* release ran before reassembly was reset */
	CHECK_EQ(rec.flushed_bytes, 9);
	CHECK_EQ(rec.app_seen, 1);
	CHECK_EQ(flowtab__reasm_stats(t)->gaps, 2);
	CHECK_EQ(flowtab__stats(t)->closed, 1);
	CHECK_EQ(flowtab__stats(t)->active, 0);
	CHECK(find(t, 7, 2) == NULL);
	flowtab__remove(t, NULL);
	CHECK_EQ(rec.n, 1);

	/* The same tuple again is a fresh flow with fresh reassembly. */
	g = mk(t, 7, 3);
	CHECK(g != NULL);
	if (g) {
		CHECK_EQ(*app_of(g), 0);
		CHECK(!flowtab__dir_peek(t, g, 0)->started && flowtab__dir_peek(t, g, 0)->held == NULL);
		CHECK_EQ(g->first_ts_ns, 3);
	}
	/* Held data in an evicted or shut-down flow is freed too (ASan would see a leak). */
	if (g)
		CHECK_EQ(reasm__feed(flowtab__dir(t, g, 1), rec.cfg, 5, (const uint8_t *)"q", 1, count_bytes,
				     &rec),
			 0);
	if (g)
		reasm__feed(flowtab__dir(t, g, 1), rec.cfg, 50, (const uint8_t *)"held", 4, count_bytes, &rec);
	flowtab__free(t);
	CHECK_EQ(rec.n, 2);
	CHECK_EQ(rec.held_seen, 3);
}

static void test_pool_exhaustion(void)
{
	struct recorder rec;
	struct flowtab *t = mktab(1, 0, &rec);
	struct flow *f, *g;
	int side;

	if (!t) {
		CHECK(t != NULL);
		return;
	}
	f = mk(t, 1, 1);
	g = mk(t, 2, 2); /* the only slot is recycled */
	CHECK(f != NULL && f == g);
	CHECK_EQ(rec.n, 1);
	CHECK_EQ(rec.why[0], FLOW_END_EVICTED);
	CHECK(find(t, 1, 3) == NULL);
	CHECK(find(t, 2, 3) == g);
	g = find(t, 2, 4);
	{
		struct pkt p = mkpkt4(0x0a000002, 443, 0x0a000001, 2);

		CHECK(flowtab__lookup(t, &p, 5, true, &side) == g); /* existing: no eviction */
		CHECK_EQ(side, 1);
	}
	CHECK_EQ(rec.n, 1);
	flowtab__free(t);

	/* Invalid sizes are refused. */
	{
		struct flowtab_opts o = { 0 };

		errno = 0;
		CHECK(flowtab__new(&o) == NULL);
		CHECK_EQ(errno, EINVAL);
		o.max_flows = UINT32_MAX;
		CHECK(flowtab__new(&o) == NULL);
		CHECK(flowtab__new(NULL) == NULL);
	}
	flowtab__free(NULL);
}

/* Many distinct flows in one table: every one is found from both directions. */
static void test_many_lookups(void)
{
	struct recorder rec;
	struct flowtab *t = mktab(5000, 0, &rec);
	struct flow **flows = calloc(5000, sizeof(*flows));
	int i, bad = 0;

	if (!t || !flows) {
		CHECK(t && flows);
		free(flows);
		flowtab__free(t);
		return;
	}
	for (i = 0; i < 5000; i++) {
		struct pkt p = i % 2 ? mkpkt4(0x0a000000 + i, 443, 0x0a000000 - i, 40000 + i % 7)
				     : mkpkt6((uint8_t)i, (uint16_t)(i / 256), 0x80, 443);

		flows[i] = flowtab__lookup(t, &p, i, true, NULL);
		if (!flows[i])
			bad++;
	}
	for (i = 0; i < 5000; i++) {
		struct pkt p = i % 2 ? mkpkt4(0x0a000000 + i, 443, 0x0a000000 - i, 40000 + i % 7)
				     : mkpkt6((uint8_t)i, (uint16_t)(i / 256), 0x80, 443);
		struct pkt q = reverse(&p);

		if (flowtab__lookup(t, &q, 5000 + i, false, NULL) != flows[i])
			bad++;
	}
	CHECK_EQ(bad, 0);
	CHECK_EQ(rec.n, 0);
	CHECK_EQ(flowtab__stats(t)->active, 5000);
	flowtab__free(t);
	CHECK_EQ(rec.n, 5000);
	free(flows);
}

static struct pkt cycle_pkt(uint32_t i)
{
	return mkpkt4(0xac100000 + i, (uint16_t)(1024 + i % 50000), 0x0a000002, 443);
}

/* 100k create/evict cycles through a 1000-flow table: the pool is reused and the heap does not
 * grow, even with out-of-order data held in every flow. */
static void test_stable_memory(void)
{
	const uint32_t max = 1000, cycles = 100000;
	struct recorder rec;
	struct flowtab *t = mktab(max, 1000000, &rec);
	struct flow *lo = NULL, *hi = NULL;
	size_t heap_before = 0, heap_after = 0;
	uint32_t i;
	int bad = 0;

	if (!t) {
		CHECK(t != NULL);
		return;
	}
	for (i = 0; i < cycles; i++) {
		struct pkt p = cycle_pkt(i);
		struct flow *f = flowtab__lookup(t, &p, i, true, NULL);

		if (!f) {
			bad++;
			continue;
		}
		if (flowtab__dir_peek(t, f, 0)->held || flowtab__dir_peek(t, f, 1)->held || *app_of(f))
			bad++;
		reasm__start(flowtab__dir(t, f, 1), rec.cfg, 1);
		reasm__feed(flowtab__dir(t, f, 1), rec.cfg, 100, (const uint8_t *)"0123456789", 10, count_bytes,
			    &rec);
		if (!lo || f < lo)
			lo = f;
		if (!hi || f > hi)
			hi = f;
		if (i == max - 1)
			heap_before = mallinfo2().uordblks;
		flowtab__expire(t, i); /* nothing is ever due: must stay cheap and do nothing */
	}
	heap_after = mallinfo2().uordblks;
	CHECK_EQ(bad, 0);
	/* Every flow came from one array of max_flows entries: a struct flow and its app area. */
	CHECK_EQ(((const char *)hi - (const char *)lo) % (max - 1), 0);
	CHECK((size_t)((const char *)hi - (const char *)lo) / (max - 1) >= sizeof(struct flow) + 4);
	CHECK_EQ(heap_after, heap_before);
	CHECK_EQ(flowtab__stats(t)->created, cycles);
	CHECK_EQ(flowtab__stats(t)->evicted, cycles - max);
	CHECK_EQ(flowtab__stats(t)->expired, 0);
	CHECK_EQ(flowtab__stats(t)->active, max);
	CHECK_EQ(rec.by_reason[FLOW_END_EVICTED], cycles - max);
	CHECK_EQ(rec.held_seen, cycles - max);
	CHECK_EQ(flowtab__reasm_stats(t)->out_of_order, cycles);
	/* The most recent flows survived; the first ones are gone. */
	{
		struct pkt p = cycle_pkt(cycles - max), q = cycle_pkt(cycles - max - 1);

		CHECK(flowtab__lookup(t, &p, cycles, false, NULL) != NULL);
		CHECK(flowtab__lookup(t, &q, cycles, false, NULL) == NULL);
	}
	flowtab__free(t);
	CHECK_EQ(rec.by_reason[FLOW_END_SHUTDOWN], max);
}

/* Without a release callback nothing flushes: the table itself must free held segments. */
static void test_no_release_callback(void)
{
	struct flowtab_opts o = {
		.max_flows = 2,
		.reasm = { .max_held_bytes = 100, .max_held_segments = 4 },
	};
	struct flowtab *t = flowtab__new(&o);
	struct recorder rec;
	uint16_t port;

	if (!t) {
		CHECK(t != NULL);
		return;
	}
	memset(&rec, 0, sizeof(rec));
	rec.cfg = flowtab__reasm_cfg(t);
	rec.t = t;
	for (port = 1; port <= 5; port++) {
		struct flow *f = mk(t, port, port);
		int d;

		if (!f) {
			CHECK(f != NULL);
			break;
		}
		for (d = 0; d < 2; d++) {
			reasm__start(flowtab__dir(t, f, d), rec.cfg, 0);
			reasm__feed(flowtab__dir(t, f, d), rec.cfg, 10, (const uint8_t *)"abc", 3, count_bytes,
				    &rec);
			CHECK_EQ(flowtab__dir_peek(t, f, d)->held_segments, 1);
		}
	}
	flowtab__remove(t, find(t, 5, 6));
	CHECK_EQ(flowtab__stats(t)->evicted, 3);
	CHECK_EQ(flowtab__stats(t)->closed, 1);
	CHECK_EQ(flowtab__stats(t)->active, 1);
	CHECK_EQ(rec.flushed_bytes, 0);
	flowtab__free(t); /* LeakSanitizer reports anything left behind */
}

int main(void)
{
	RUN_TEST(test_key_normalize);
	RUN_TEST(test_key_order_is_memcmp);
	RUN_TEST(test_both_directions);
	RUN_TEST(test_tunnel_keys);
	RUN_TEST(test_eviction_order);
	RUN_TEST(test_half_open_evicted_first);
	RUN_TEST(test_expiry);
	RUN_TEST(test_remove_and_release);
	RUN_TEST(test_pool_exhaustion);
	RUN_TEST(test_many_lookups);
	RUN_TEST(test_stable_memory);
	RUN_TEST(test_no_release_callback);
	return CHECK_DONE();
}
