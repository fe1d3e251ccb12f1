/* The capture filter's limits through BPF_PROG_TEST_RUN: the flow map overflowing (hint repair),
 * the per-direction byte budget, snaplen, frames larger than a record, and a full ring buffer.
 * Needs root; skips (exit 0) otherwise. */
#include "bpf_fixtures.h"

/* More flows than the map holds: the LRU evicts tracking entries and their hint counts stay;
 * the repair brings every slot back to the entries the map holds, and a second finds nothing. */
static void test_hint_repair(void)
{
	enum { NFLOWS = 3000 };
	static uint32_t expect[TLSMON_HINT_SLOTS];
	static const uint8_t midrec[] = { 0x30, 0x82, 0x01, 0x0a, 0x02, 0x82, 0x01, 0x01, 0x00 };
	struct live_bpf_opts o = {
		.ports = port443, .nports = 1, .max_flows = 256, .on_frame = on_frame,
	};
	struct tlsmon_flow_key k;
	struct tlsmon_flow fl;
	uint64_t before = 0, after = 0, held = 0;
	char err[256] = "";
	struct live_bpf *lb = live_bpf__open(&o, err, sizeof(err));
	uint8_t pkt[256];
	uint16_t live_port = 0;
	struct fx f;
	size_t len;
	int i, r;

	CHECK(lb);
	if (!lb) {
		fprintf(stderr, "  live_bpf__open: %s\n", err);
		return;
	}
	memset(expect, 0, sizeof(expect));
	for (i = 0; i < NFLOWS; i++) {
		fx_tcp4(&f, (uint16_t)(20000 + i), 443, TCPF_SYN);
		len = build(&f, pkt);
		run(lb, TLSMON_HOOK_XDP, pkt, len);
	}
	for (i = 0; i < NFLOWS; i++) {
		fx_tcp4(&f, (uint16_t)(20000 + i), 443, 0);
		key_of(&f, &k);
		/* each slot once, however many of our flows share it */
		if (!expect[tlsmon_flow_hint_slot(&k)]++)
			before += live_bpf__flow_hint(lb, &k);
	}
	memset(expect, 0, sizeof(expect));
	for (i = 0; i < NFLOWS; i++) {
		fx_tcp4(&f, (uint16_t)(20000 + i), 443, 0);
		key_of(&f, &k);
		if (live_bpf__lookup_flow(lb, &k, &fl) == 0 && fl.hinted) {
			expect[tlsmon_flow_hint_slot(&k)]++;
			held++;
			live_port = (uint16_t)(20000 + i);
		}
	}
	CHECK(held > 0 && held <= 256);
	CHECK_EQ(before, NFLOWS); /* every start counted, the evicted ones too */
	r = live_bpf__hint_repair(lb);
	CHECK_EQ(r > 0, 1);
	for (i = 0; i < NFLOWS; i++) {
		fx_tcp4(&f, (uint16_t)(20000 + i), 443, 0);
		key_of(&f, &k);
		CHECK_EQ(live_bpf__flow_hint(lb, &k), expect[tlsmon_flow_hint_slot(&k)]);
		if (expect[tlsmon_flow_hint_slot(&k)] != (uint32_t)-1) {
			after += expect[tlsmon_flow_hint_slot(&k)];
			expect[tlsmon_flow_hint_slot(&k)] = (uint32_t)-1; /* each slot once */
		}
	}
	CHECK_EQ(after, held);
	CHECK_EQ(live_bpf__hint_repair(lb), 0);
	/* a flow the map still holds keeps being copied */
	fx_tcp4(&f, 443, live_port, TCPF_ACK);
	f.payload = midrec;
	f.plen = sizeof(midrec);
	CHECK_EQ(send_fx(lb, TLSMON_HOOK_XDP, &f, pkt, &len), 1);
	live_bpf__close(lb);
}

/* Done flows hold a done count in their slot; the LRU evicts done entries as it does tracking ones,
 * and the repair brings both counts of every slot back to the entries the map holds. */
static void test_hint_repair_done(void)
{
	enum { NFLOWS = 1500 };
	static uint32_t tracking[TLSMON_HINT_SLOTS], done[TLSMON_HINT_SLOTS];
	static uint8_t seen[TLSMON_HINT_SLOTS];
	static const uint8_t appdata[] = { 0x17, 0x03, 0x03, 0x00, 0x04, 0xde, 0xad, 0xbe, 0xef };
	struct live_bpf_opts o = {
		.ports = port443, .nports = 1, .max_flows = 256, .on_frame = on_frame,
	};
	struct tlsmon_flow_key k;
	struct tlsmon_flow fl;
	uint64_t done_before = 0, done_held = 0, done_after = 0, tracking_after = 0;
	uint64_t tracking_held = 0;
	char err[256] = "";
	struct live_bpf *lb = live_bpf__open(&o, err, sizeof(err));
	uint8_t pkt[256];
	uint16_t done_port = 0;
	struct fx f;
	size_t len;
	uint32_t slot;
	int i;

	CHECK(lb);
	if (!lb) {
		fprintf(stderr, "  live_bpf__open: %s\n", err);
		return;
	}
	memset(tracking, 0, sizeof(tracking));
	memset(done, 0, sizeof(done));
	memset(seen, 0, sizeof(seen));
	/* every other flow is marked done and seen so by the next packet; the rest keep tracking */
	for (i = 0; i < NFLOWS; i++) {
		fx_tcp4(&f, (uint16_t)(20000 + i), 443, TCPF_ACK | TCPF_PSH);
		f.payload = client_hello;
		f.plen = sizeof(client_hello);
		CHECK_EQ(send_fx(lb, TLSMON_HOOK_XDP, &f, pkt, &len), 1);
		if (i % 2)
			continue;
		key_of(&f, &k);
		CHECK_EQ(live_bpf__mark_done(lb, &k), 0);
		fx_tcp4(&f, 443, (uint16_t)(20000 + i), TCPF_ACK);
		CHECK_EQ(send_fx(lb, TLSMON_HOOK_XDP, &f, pkt, &len), 0);
	}
	for (i = 0; i < NFLOWS; i++) {
		fx_tcp4(&f, (uint16_t)(20000 + i), 443, 0);
		key_of(&f, &k);
		slot = tlsmon_flow_hint_slot(&k);
		if (!seen[slot]++)
			done_before += live_bpf__flow_hint_done(lb, &k);
		if (live_bpf__lookup_flow(lb, &k, &fl))
			continue;
		if (fl.hinted == TLSMON_HINT_HELD_DONE) {
			done[slot]++;
			done_held++;
			done_port = (uint16_t)(20000 + i);
		} else if (fl.hinted == TLSMON_HINT_HELD_TRACKING) {
			tracking[slot]++;
			tracking_held++;
		}
	}
	CHECK_EQ(done_before, NFLOWS / 2); /* every done flow counted, the evicted ones too */
	CHECK(done_held > 0 && done_held < NFLOWS / 2);
	CHECK(tracking_held > 0);
	CHECK(live_bpf__hint_repair(lb) > 0);
	memset(seen, 0, sizeof(seen));
	for (i = 0; i < NFLOWS; i++) {
		fx_tcp4(&f, (uint16_t)(20000 + i), 443, 0);
		key_of(&f, &k);
		slot = tlsmon_flow_hint_slot(&k);
		CHECK_EQ(live_bpf__flow_hint(lb, &k), tracking[slot]);
		CHECK_EQ(live_bpf__flow_hint_done(lb, &k), done[slot]);
		if (!seen[slot]++) {
			done_after += done[slot];
			tracking_after += tracking[slot];
		}
	}
	CHECK_EQ(done_after, done_held);
	CHECK_EQ(tracking_after, tracking_held);
	CHECK_EQ(live_bpf__hint_repair(lb), 0);
	/* a done flow the map still holds: its data is not copied, and a FIN still is */
	CHECK(done_port != 0);
	fx_tcp4(&f, 443, done_port, TCPF_ACK | TCPF_PSH);
	f.payload = appdata;
	f.plen = sizeof(appdata);
	CHECK_EQ(send_fx(lb, TLSMON_HOOK_XDP, &f, pkt, &len), 0);
	fx_tcp4(&f, 443, done_port, TCPF_FIN | TCPF_ACK);
	CHECK_EQ(send_fx(lb, TLSMON_HOOK_XDP, &f, pkt, &len), 1);
	live_bpf__close(lb);
}

static void test_budget(void)
{
	static uint8_t payload[1000];
	struct tlsmon_flow_key k;
	struct tlsmon_flow fl;
	uint8_t pkt[2048];
	struct fx f;
	size_t h, len;
	int i;

	memset(payload, 0x5a, sizeof(payload));
	for (h = 0; h < 3; h++) {
		struct live_bpf *lb = open_lb(2500, 0);
		int hook = hooks[h];

		CHECK(lb);
		if (!lb)
			return;
		fx_tcp4(&f, 443, 40040, TCPF_ACK);
		f.payload = payload;
		f.plen = sizeof(payload);
		memcpy(payload, client_hello, sizeof(client_hello));
		/* 1054 bytes per frame: 3 frames pass 2500; each carries new sequence space (a
		 * repeated segment would not be copied: test_retransmissions) */
		for (i = 0; i < 3; i++) {
			CHECK_EQ(send_fx(lb, hook, &f, pkt, &len), 1);
			f.seq += sizeof(payload);
		}
		CHECK_EQ(send_fx(lb, hook, &f, pkt, &len), 0); /* budget spent */
		CHECK_EQ(ctr(lb, TLSMON_CTR_BUDGET_EXHAUSTED), 1);
		f.seq += sizeof(payload);
		CHECK_EQ(send_fx(lb, hook, &f, pkt, &len), 0);
		CHECK_EQ(ctr(lb, TLSMON_CTR_BUDGET_EXHAUSTED), 1); /* once per flow */
		key_of(&f, &k);
		CHECK_EQ(live_bpf__lookup_flow(lb, &k, &fl), 0);
		CHECK_EQ(fl.bytes[1], 3 * len);
		/* the other direction has its own budget */
		fx_tcp4(&f, 40040, 443, TCPF_ACK);
		CHECK_EQ(send_fx(lb, hook, &f, pkt, &len), 1);
		/* FIN after the budget: copied */
		fx_tcp4(&f, 443, 40040, TCPF_FIN | TCPF_ACK);
		CHECK_EQ(send_fx(lb, hook, &f, pkt, &len), 1);
		CHECK_EQ(ctr(lb, TLSMON_CTR_COPIED_XDP + hook), 5);
		live_bpf__close(lb);
	}
}

static void test_snaplen(void)
{
	static uint8_t payload[500];
	uint8_t pkt[1024];
	struct fx f;
	size_t h, len;

	memcpy(payload, client_hello, sizeof(client_hello));
	for (h = 0; h < 3; h++) {
		struct live_bpf *lb = open_lb(0, 100);
		int hook = hooks[h];

		CHECK(lb);
		if (!lb)
			return;
		fx_tcp4(&f, 40050, 443, TCPF_ACK);
		f.payload = payload;
		f.plen = sizeof(payload);
		CHECK_EQ(send_fx(lb, hook, &f, pkt, &len), 1);
		CHECK_EQ(nrecs, 1);
		CHECK_EQ(recs[0].f.caplen, 100);
		CHECK_EQ(recs[0].f.wirelen, len);
		CHECK(memcmp(recs[0].data, pkt, 100) == 0);
		CHECK_EQ(ctr(lb, TLSMON_CTR_TRUNCATED), 1);
		CHECK_EQ(ctr(lb, TLSMON_CTR_BYTES_COPIED), 100);
		live_bpf__close(lb);
	}
}

/* A 60 KB multi-buffer XDP frame (GSO-sized) becomes several records that are each a valid TCP
 * segment; together they carry every payload byte. */
static void test_split_large_frame(void)
{
	static uint8_t payload[60000], pkt[60200];
	struct live_bpf *lb = open_lb(0, 0);
	size_t len, hl, got = 0;
	struct fx f;
	int i;

	CHECK(lb);
	if (!lb)
		return;
	for (i = 0; i < (int)sizeof(payload); i++)
		payload[i] = (uint8_t)(i * 7 + (i >> 8));
	memcpy(payload, client_hello, sizeof(client_hello));
	fx_tcp4(&f, 443, 40060, TCPF_ACK | TCPF_PSH | TCPF_FIN);
	f.payload = payload;
	f.plen = sizeof(payload);
	len = build(&f, pkt);
	hl = len - sizeof(payload);
	CHECK_EQ(run(lb, TLSMON_HOOK_XDP, pkt, len), 2);
	CHECK_EQ(nrecs, 2);
	CHECK_EQ(ctr(lb, TLSMON_CTR_SPLIT), 1);
	CHECK_EQ(ctr(lb, TLSMON_CTR_COPIED_XDP), 1);
	for (i = 0; i < nrecs; i++) {
		const uint8_t *d = recs[i].data;
		size_t seg = recs[i].f.caplen - hl;

		CHECK(recs[i].f.caplen > hl);
		CHECK_EQ(recs[i].f.wirelen, recs[i].f.caplen);
		CHECK(memcmp(d, pkt, 14) == 0);
		CHECK_EQ(get16(d + 14 + 2), recs[i].f.caplen - 14); /* IPv4 total length */
		CHECK_EQ(ip_csum(d + 14, 20), 0);
		CHECK_EQ(get32(d + 34 + 4), f.seq + got); /* sequence number of the slice */
		CHECK_EQ(d[34 + 13] & TCPF_FIN, i == nrecs - 1 ? TCPF_FIN : 0);
		CHECK(got + seg <= sizeof(payload) && memcmp(d + hl, payload + got, seg) == 0);
		got += seg;
	}
	CHECK_EQ(got, sizeof(payload));
	CHECK_EQ(ctr(lb, TLSMON_CTR_BYTES_COPIED), got + 2 * hl);
	live_bpf__close(lb);
}

/* A full ring buffer drops the record, counts it, and does not charge the flow's budget. */
static void test_ringbuf_full(void)
{
	static uint8_t payload[1000];
	struct live_bpf *lb = open_lb_rb(0, 0, 4096);
	struct tlsmon_flow_key k;
	struct tlsmon_flow fl;
	uint8_t pkt[2048];
	struct fx f;
	size_t len;
	int i;

	CHECK(lb);
	if (!lb)
		return;
	memcpy(payload, client_hello, sizeof(client_hello));
	fx_tcp4(&f, 40070, 443, TCPF_ACK);
	f.payload = payload;
	f.plen = sizeof(payload);
	for (i = 0; i < 5; i++) { /* 5 x ~1.1 KB into one 4 KiB page, nobody reading */
		LIBBPF_OPTS(bpf_test_run_opts, o, .data_in = pkt, .data_size_in = 0, .repeat = 1);

		/* the same segment each time: a record the ring buffer dropped is not counted as
		 * copied, so its retransmission is still new to the flow */
		len = build(&f, pkt);
		o.data_size_in = (uint32_t)len;
		CHECK_EQ(bpf_prog_test_run_opts(live_bpf__prog_fd(lb, TLSMON_HOOK_XDP), &o), 0);
		CHECK_EQ(o.retval, XDP_PASS);
		if (i < 3)
			f.seq += sizeof(payload);
	}
	CHECK_EQ(live_bpf__consume(lb), 3);
	CHECK_EQ(ctr(lb, TLSMON_CTR_RINGBUF_FULL), 2);
	CHECK_EQ(ctr(lb, TLSMON_CTR_COPIED_XDP), 3);
	key_of(&f, &k);
	CHECK_EQ(live_bpf__lookup_flow(lb, &k, &fl), 0);
	CHECK_EQ(fl.bytes[0], 3 * len);
	CHECK_EQ(nrecs, 3);
	for (i = 0; i < nrecs; i++)
		CHECK_EQ(recs[i].f.caplen, len);
	live_bpf__close(lb);
}

/* Duplicate retransmissions carry no new sequence space and spend none of the budget: 1,200
 * copies of a 5-byte segment cost one record, and the hello that follows is copied. A segment
 * beyond a hole does not move the mark, so the one that fills the hole is copied too. */
static void test_retransmissions(void)
{
	static uint8_t hello[1000];
	enum { DUPS = 1200 };
	const uint32_t isn = 0xfffffff0; /* wraps within the test */
	struct tlsmon_flow_key k;
	struct tlsmon_flow fl;
	uint8_t pkt[2048];
	struct fx f;
	size_t h, len;
	int i, copied;

	memcpy(hello, client_hello, sizeof(client_hello));
	for (h = 0; h < 3; h++) {
		struct live_bpf *lb = open_lb(0, 0);
		int hook = hooks[h];

		CHECK(lb);
		if (!lb)
			return;
		fx_tcp4(&f, 40080, 443, TCPF_SYN);
		f.seq = isn;
		CHECK_EQ(send_fx(lb, hook, &f, pkt, &len), 1);
		fx_tcp4(&f, 40080, 443, TCPF_ACK | TCPF_PSH);
		f.seq = isn + 1;
		f.payload = hello;
		f.plen = 5;
		CHECK_EQ(send_fx(lb, hook, &f, pkt, &len), 1);
		/* the first few copied free of budget (a bad-checksum copy may have come before
		 * the real one), the rest not at all */
		for (i = 0, copied = 0; i < DUPS; i++)
			copied += run(lb, hook, pkt, len);
		CHECK_EQ(copied, TLSMON_MAX_DUP_COPIES);
		CHECK_EQ(ctr(lb, TLSMON_CTR_RETRANS_SKIPPED), DUPS - TLSMON_MAX_DUP_COPIES);
		nrecs = 0; /* the duplicates' records are not kept (MAX_RECS) */
		recs_overflow = 0;
		f.plen = sizeof(hello); /* the whole hello, from the same sequence number */
		CHECK_EQ(send_fx(lb, hook, &f, pkt, &len), 1);
		check_rec(nrecs - 1, hook, pkt, len);
		/* out of order: the later half first, then the one before it */
		f.seq = isn + 1 + (uint32_t)sizeof(hello) + 500;
		f.plen = 500;
		CHECK_EQ(send_fx(lb, hook, &f, pkt, &len), 1);
		f.seq = isn + 1 + (uint32_t)sizeof(hello);
		CHECK_EQ(send_fx(lb, hook, &f, pkt, &len), 1);
		CHECK_EQ(send_fx(lb, hook, &f, pkt, &len), 0); /* and its duplicate is not */
		key_of(&f, &k);
		CHECK_EQ(live_bpf__lookup_flow(lb, &k, &fl), 0);
		CHECK_EQ(fl.seq_next[0], (uint32_t)(isn + 1 + sizeof(hello) + 500));
		CHECK(fl.bytes[0] < 3000);
		/* FIN/RST are copied whatever their sequence number */
		fx_tcp4(&f, 40080, 443, TCPF_RST);
		f.seq = isn + 1;
		CHECK_EQ(send_fx(lb, hook, &f, pkt, &len), 1);
		live_bpf__close(lb);
	}
}

/* A forged segment on the 4-tuple (hostile.sh's preempt case), with a sequence number far from
 * the real stream's, must not make the real data look old: a SYN restates the ISN, and without
 * one, data far before the mark is copied as it was before the duplicate check. */
static void test_forged_sequence(void)
{
	const uint32_t isn = 1000;
	struct tlsmon_flow before, after;
	struct tlsmon_flow_key k;
	uint8_t pkt[512];
	struct fx f;
	size_t len;
	int syn;

	for (syn = 0; syn < 2; syn++) {
		struct live_bpf *lb = open_lb(0, 0);

		CHECK(lb);
		if (!lb)
			return;
		fx_tcp4(&f, 40085, 443, TCPF_ACK | TCPF_PSH); /* the forgery opens the flow */
		f.seq = isn + 0x40000000;
		f.payload = client_hello;
		f.plen = sizeof(client_hello);
		CHECK_EQ(send_fx(lb, TLSMON_HOOK_XDP, &f, pkt, &len), 1);
		if (syn) {
			fx_tcp4(&f, 40085, 443, TCPF_SYN);
			f.seq = isn;
			CHECK_EQ(send_fx(lb, TLSMON_HOOK_XDP, &f, pkt, &len), 1);
		}
		fx_tcp4(&f, 40085, 443, TCPF_ACK | TCPF_PSH); /* the real hello */
		f.seq = isn + 1;
		f.payload = client_hello;
		f.plen = sizeof(client_hello);
		CHECK_EQ(send_fx(lb, TLSMON_HOOK_XDP, &f, pkt, &len), 1);
		/* its duplicate is known as one after a SYN only (the mark is the real stream's
		 * then): copied, as a bad-checksum copy may have come first, but not charged */
		key_of(&f, &k);
		CHECK_EQ(live_bpf__lookup_flow(lb, &k, &before), 0);
		CHECK_EQ(send_fx(lb, TLSMON_HOOK_XDP, &f, pkt, &len), 1);
		CHECK_EQ(live_bpf__lookup_flow(lb, &k, &after), 0);
		CHECK_EQ(after.bytes[0] == before.bytes[0], syn == 1);
		live_bpf__close(lb);
	}
}

/* A flood of SYNs to other ports (spoofed: nothing answers them) turns over the half-open map
 * only; a flow that carried a hello stays in the flow map, tracked, and its server's reply is
 * copied. */
static void test_syn_flood(void)
{
	enum { NSYN = 3000 };
	struct live_bpf_opts o = {
		.ports = port443, .nports = 1, .max_flows = 256, .on_frame = on_frame,
	};
	char err[256] = "";
	struct live_bpf *lb = live_bpf__open(&o, err, sizeof(err));
	struct tlsmon_flow_key k;
	struct tlsmon_flow fl;
	uint8_t pkt[256];
	struct fx f;
	size_t len;
	int i;

	CHECK(lb);
	if (!lb)
		return;
	nrecs = 0;
	fx_tcp4(&f, 40090, 443, TCPF_SYN);
	CHECK_EQ(send_fx(lb, TLSMON_HOOK_XDP, &f, pkt, &len), 1);
	fx_tcp4(&f, 40090, 443, TCPF_ACK | TCPF_PSH);
	f.seq++;
	f.payload = client_hello;
	f.plen = sizeof(client_hello);
	CHECK_EQ(send_fx(lb, TLSMON_HOOK_XDP, &f, pkt, &len), 1);
	CHECK_EQ(ctr(lb, TLSMON_CTR_FLOWS_ESTABLISHED), 1);
	for (i = 0; i < NSYN; i++) {
		struct fx s;

		fx_tcp4(&s, (uint16_t)(1024 + i), 443, TCPF_SYN);
		s.daddr[3] = (uint8_t)(100 + i % 100); /* not this host's address */
		len = build(&s, pkt);
		run(lb, TLSMON_HOOK_XDP, pkt, len);
	}
	CHECK_EQ(ctr(lb, TLSMON_CTR_FLOWS_STARTED), NSYN + 1);
	key_of(&f, &k);
	CHECK_EQ(live_bpf__lookup_flow(lb, &k, &fl), 0);
	CHECK_EQ(fl.state, TLSMON_FLOW_TRACKING);
	/* the repair counts both maps: the evicted half-open entries' counts go, the flow's stays */
	CHECK(live_bpf__hint_repair(lb) > 0);
	CHECK(live_bpf__flow_hint(lb, &k) >= 1);
	CHECK_EQ(live_bpf__hint_repair(lb), 0);
	fx_tcp4(&f, 443, 40090, TCPF_ACK | TCPF_PSH); /* the server's answer, after the flood */
	f.payload = client_hello;
	f.plen = sizeof(client_hello);
	CHECK_EQ(send_fx(lb, TLSMON_HOOK_XDP, &f, pkt, &len), 1);
	live_bpf__close(lb);
}

int main(void)
{
	if (geteuid() != 0) {
		printf("SKIP test_bpf_limits: needs root (CAP_BPF)\n");
		return 0;
	}
	RUN_TEST(test_hint_repair);
	RUN_TEST(test_hint_repair_done);
	RUN_TEST(test_budget);
	RUN_TEST(test_snaplen);
	RUN_TEST(test_split_large_frame);
	RUN_TEST(test_ringbuf_full);
	RUN_TEST(test_retransmissions);
	RUN_TEST(test_forged_sequence);
	RUN_TEST(test_syn_flood);
	return CHECK_DONE();
}
