/* Wake-ups of the ring buffer's reader (bpf/tlsmon.bpf.c ring_wake_flags()), through
 * BPF_PROG_TEST_RUN: the first record after a quiet spell wakes the reader, a record within
 * TLSMON_RING_WAKE_NS of a wake-up does not (the reader's short poll, live_bpf__wait_ms(),
 * picks it up), and a ring filling past a quarter wakes it at once. Readiness is what a poll()
 * on live_bpf__fd() reports: the epoll descriptor of the ring's consumer (capture/ringbuf.c), which lists the ring
 * only after a wake-up. Needs root (CAP_BPF). */
#include <poll.h>

#include "bpf_fixtures.h"

/* A gap between two records that is surely inside the wake interval; a slower attempt (a busy
 * machine preempted the test) proves nothing and is tried again. */
#define QUICK_NS (TLSMON_RING_WAKE_NS * 9 / 10)
#define ATTEMPTS 50

static const char *skip_reason;

static int readable(struct live_bpf *lb)
{
	struct pollfd p = { .fd = live_bpf__fd(lb), .events = POLLIN };

	return poll(&p, 1, 0) == 1 && (p.revents & POLLIN);
}

static void quiet(void)
{
	struct timespec ts = { 0, 2 * (long)TLSMON_RING_WAKE_NS };

	nanosleep(&ts, NULL);
}

/* One new segment of the flow through XDP, left in the ring buffer. */
static void emit(struct live_bpf *lb, struct fx *f, uint8_t *pkt)
{
	LIBBPF_OPTS(bpf_test_run_opts, o, .data_in = pkt, .repeat = 1);

	o.data_size_in = (uint32_t)build(f, pkt);
	CHECK_EQ(bpf_prog_test_run_opts(live_bpf__prog_fd(lb, TLSMON_HOOK_XDP), &o), 0);
	f->seq += (uint32_t)f->plen;
}

static uint64_t gap_ns(int a, int b)
{
	return recs[b].f.ts_ns - recs[a].f.ts_ns;
}

static struct live_bpf *open_flow(uint32_t ring, struct fx *f, uint16_t sport)
{
	static uint8_t payload[1000];
	struct live_bpf *lb = open_lb_rb(16u << 20, 0, ring); /* budget: every attempt copies */

	memcpy(payload, client_hello, sizeof(client_hello));
	fx_tcp4(f, sport, 443, TCPF_ACK);
	f->payload = payload;
	f->plen = sizeof(payload);
	return lb;
}

static void test_first_record_wakes(void)
{
	uint8_t pkt[2048];
	struct fx f;
	struct live_bpf *lb = open_flow(1 << 16, &f, 40100);

	CHECK(lb);
	if (!lb)
		return;
	CHECK(!readable(lb));
	emit(lb, &f, pkt);
	CHECK(readable(lb));
	CHECK_EQ(live_bpf__consume(lb), 1);
	CHECK(!readable(lb));
	/* quiet again: the next one wakes too */
	quiet();
	emit(lb, &f, pkt);
	CHECK(readable(lb));
	CHECK_EQ(live_bpf__consume(lb), 1);
	live_bpf__close(lb);
}

static void test_batch_within_interval(void)
{
	uint8_t pkt[2048];
	struct fx f;
	struct live_bpf *lb = open_flow(1 << 16, &f, 40101);
	int i, woke = -1;

	CHECK(lb);
	if (!lb)
		return;
	for (i = 0; i < ATTEMPTS; i++) {
		nrecs = 0;
		quiet();
		emit(lb, &f, pkt); /* wakes */
		CHECK_EQ(live_bpf__consume(lb), 1);
		CHECK(!readable(lb));
		emit(lb, &f, pkt);
		woke = readable(lb);
		CHECK_EQ(live_bpf__consume(lb), 1); /* there all the same */
		if (nrecs == 2 && gap_ns(0, 1) < QUICK_NS)
			break;
	}
	if (i == ATTEMPTS) {
		skip_reason = "no two records came within the wake interval (busy machine)";
		live_bpf__close(lb);
		return;
	}
	CHECK_EQ(woke, 0);
	/* the reader, having just read, polls in short steps */
	CHECK(live_bpf__wait_ms(lb, 1000) >= 1 && live_bpf__wait_ms(lb, 1000) <= 2);
	CHECK(live_bpf__wait_ms(lb, -1) >= 1 && live_bpf__wait_ms(lb, -1) <= 2);
	live_bpf__close(lb);
}

static void test_wait_ms_when_quiet(void)
{
	uint8_t pkt[2048];
	struct timespec ts = { 0, 20 * 1000000L };
	struct fx f;
	struct live_bpf *lb = open_flow(1 << 16, &f, 40102);

	CHECK(lb);
	if (!lb)
		return;
	/* never read a record: the caller's own timeout */
	CHECK_EQ(live_bpf__wait_ms(lb, 1000), 1000);
	CHECK_EQ(live_bpf__wait_ms(lb, -1), -1);
	CHECK_EQ(live_bpf__wait_ms(lb, 0), 0);
	emit(lb, &f, pkt);
	CHECK_EQ(live_bpf__consume(lb), 1);
	CHECK_EQ(live_bpf__wait_ms(lb, 0), 0);
	nanosleep(&ts, NULL);
	CHECK_EQ(live_bpf__wait_ms(lb, 1000), 1000);
	CHECK_EQ(live_bpf__wait_ms(lb, -1), -1);
	live_bpf__close(lb);
}

/* A 4 KiB ring wakes at 1 KiB unread: of ~600-byte records after a wake-up, the first stays
 * below and wakes nobody, the second takes the unread bytes past 1 KiB and wakes the reader,
 * inside the interval. (Records above the level that do not cross it wake nobody: a wake-up
 * each would cost the sending CPU an IPI while the reader is behind; bench/bpf_cost's
 * hs_copy_* classes, which fill the ring, show that cost when it is there.) */
static void test_fill_level_wakes(void)
{
	uint8_t pkt[2048];
	struct fx f;
	struct live_bpf *lb = open_flow(4096, &f, 40103);
	int i, after_one = -1, after_two = -1;

	CHECK(lb);
	if (!lb)
		return;
	f.plen = 500;
	for (i = 0; i < ATTEMPTS; i++) {
		nrecs = 0;
		quiet();
		emit(lb, &f, pkt);
		CHECK_EQ(live_bpf__consume(lb), 1);
		CHECK(!readable(lb));
		emit(lb, &f, pkt);
		after_one = readable(lb);
		emit(lb, &f, pkt);
		after_two = readable(lb);
		CHECK_EQ(live_bpf__consume(lb), 2);
		if (nrecs == 3 && gap_ns(0, 2) < QUICK_NS)
			break;
	}
	if (i == ATTEMPTS) {
		skip_reason = "no three records came within the wake interval (busy machine)";
		live_bpf__close(lb);
		return;
	}
	CHECK_EQ(after_one, 0);
	CHECK_EQ(after_two, 1);
	CHECK_EQ(ctr(lb, TLSMON_CTR_RINGBUF_FULL), 0);
	live_bpf__close(lb);
}

#define RUN_OR_SKIP(fn)                                                                          \
	do {                                                                                     \
		skip_reason = NULL;                                                              \
		check_failed_in_test = 0;                                                        \
		fn();                                                                            \
		if (skip_reason && !check_failed_in_test)                                        \
			printf("SKIP %s: %s\n", #fn, skip_reason);                               \
		else                                                                             \
			printf("%s %s\n", check_failed_in_test ? "FAIL" : "PASS", #fn);          \
		check_total_failed += check_failed_in_test;                                      \
	} while (0)

int main(void)
{
	if (geteuid() != 0) {
		printf("SKIP test_bpf_ring_wake: needs root (CAP_BPF)\n");
		return 0;
	}
	RUN_OR_SKIP(test_first_record_wakes);
	RUN_OR_SKIP(test_batch_within_interval);
	RUN_OR_SKIP(test_wait_ms_when_quiet);
	RUN_OR_SKIP(test_fill_level_wakes);
	return CHECK_DONE();
}
