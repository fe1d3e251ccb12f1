/* The frame ring's consumer (capture/ringbuf.c) maps the ring's data pages once, not twice as
 * libbpf's does: records that wrap past the end arrive whole, byte for byte, through a copy, and
 * the mapping is one ring long. Records come from the XDP program through BPF_PROG_TEST_RUN.
 * Needs root (CAP_BPF). */
#include <unistd.h>

#include "bpf_fixtures.h"

#define RING (1u << 16)
#define ROUNDS 300

/* One segment of the flow through XDP, its payload marked with k after the record header, and
 * the frame as sent into pkt; returns its length. */
static size_t emit(struct live_bpf *lb, struct fx *f, uint8_t *payload, uint8_t *pkt, int k)
{
	LIBBPF_OPTS(bpf_test_run_opts, o, .data_in = pkt, .repeat = 1);
	size_t len;

	for (size_t i = sizeof(client_hello); i < f->plen; i++)
		payload[i] = (uint8_t)(k * 7 + i);
	len = build(f, pkt);
	o.data_size_in = (uint32_t)len;
	CHECK_EQ(bpf_prog_test_run_opts(live_bpf__prog_fd(lb, TLSMON_HOOK_XDP), &o), 0);
	f->seq += (uint32_t)f->plen;
	return len;
}

/* How many of the process's mappings of BPF maps are exactly size bytes long. */
static int bpf_mappings_of(size_t size)
{
	FILE *fp = fopen("/proc/self/maps", "r");
	char line[512];
	unsigned long lo, hi;
	int n = 0;

	if (!fp)
		return -1;
	while (fgets(line, sizeof(line), fp))
		if (strstr(line, "anon_inode:bpf-map") && sscanf(line, "%lx-%lx", &lo, &hi) == 2 &&
		    hi - lo == size)
			n++;
	fclose(fp);
	return n;
}

static void test_wrapped_records_whole(void)
{
	static uint8_t payload[1000];
	uint8_t pkt[2048];
	struct fx f;
	struct live_bpf *lb = open_lb_rb(16u << 20, 0, RING);
	int k, bad = 0;

	CHECK(lb);
	if (!lb)
		return;
	memcpy(payload, client_hello, sizeof(client_hello));
	fx_tcp4(&f, 40200, 443, TCPF_ACK);
	f.payload = payload;
	f.plen = sizeof(payload);
	for (k = 0; k < ROUNDS; k++) {
		size_t len = emit(lb, &f, payload, pkt, k);

		nrecs = 0;
		CHECK_EQ(live_bpf__consume(lb), 1);
		if (nrecs != 1 || recs[0].f.caplen != len || memcmp(recs[0].data, pkt, len))
			bad++;
	}
	CHECK_EQ(bad, 0);
	/* ~1.1 KB records through a 64 KiB ring, 300 of them: the end was crossed several times,
	 * and some record straddled it */
	CHECK(live_bpf__ring_wrapped(lb) >= 1);
	CHECK_EQ(ctr(lb, TLSMON_CTR_RINGBUF_FULL), 0);
	/* the producer page and one copy of the data; libbpf's was the data twice */
	CHECK_EQ(bpf_mappings_of((size_t)getpagesize() + RING), 1);
	CHECK_EQ(bpf_mappings_of((size_t)getpagesize() + 2 * RING), 0);
	live_bpf__close(lb);
}

int main(void)
{
	if (geteuid() != 0) {
		printf("SKIP test_bpf_ring_once: needs root (CAP_BPF)\n");
		return 0;
	}
	RUN_TEST(test_wrapped_records_whole);
	return CHECK_DONE();
}
