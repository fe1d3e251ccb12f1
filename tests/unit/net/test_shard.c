// SPDX-License-Identifier: GPL-2.0
#include <stdint.h>
#include <string.h>

#include "check.h"
#include "net/shard.h"

static struct pkt pkt4(uint32_t src, uint16_t sport, uint32_t dst, uint16_t dport)
{
	struct pkt p = { .family = 4, .sport = sport, .dport = dport };

	memcpy(p.saddr, &src, 4);
	memcpy(p.daddr, &dst, 4);
	return p;
}

static struct pkt reversed(const struct pkt *p)
{
	struct pkt r = *p;

	memcpy(r.saddr, p->daddr, 16);
	memcpy(r.daddr, p->saddr, 16);
	r.sport = p->dport;
	r.dport = p->sport;
	return r;
}

/* Both directions of a flow go to one worker. */
static void test_same_worker_both_ways(void)
{
	int bad = 0;

	for (uint32_t i = 0; i < 5000; i++) {
		struct pkt a = pkt4(0x0a000000u + i, (uint16_t)(40000 + i), 0xc0a80001u, 443);
		struct pkt b = reversed(&a);
		for (uint32_t n = 1; n <= 8; n++) {
			uint32_t w = shard__of_pkt(&a, n);

			bad += w >= n;
			bad += shard__of_pkt(&b, n) != w;
		}
	}
	CHECK_EQ(bad, 0);
}

/* Many clients of one server, and many connections of one client (bench/hsgen's captures),
 * spread evenly: no worker gets less than 40% of an even share. */
static void test_flows_spread(void)
{
	enum { FLOWS = 20000, N = 4 };
	uint32_t by_addr[N] = { 0 }, by_port[N] = { 0 };

	for (uint32_t i = 0; i < FLOWS; i++) {
		struct pkt a = pkt4(0x0a000001u + i * 7, 50000, 0xc0a80001u, 443);
		struct pkt p = pkt4(0x0a800000u, (uint16_t)(10000 + i), 0x0a000002u, 443);

		by_addr[shard__of_pkt(&a, N)]++;
		by_port[shard__of_pkt(&p, N)]++;
	}
	for (int w = 0; w < N; w++) {
		CHECK(by_addr[w] > FLOWS / N * 4 / 10);
		CHECK(by_port[w] > FLOWS / N * 4 / 10);
	}
	CHECK_EQ(shard__of_pkt(&(struct pkt){ .family = 4 }, 1), 0);
}

static const uint8_t tcp_frame[] = {
	/* IPv4, 40 bytes, TCP, 10.0.0.1 -> 10.0.0.2 */
	0x45, 0, 0, 40, 0, 1, 0x40, 0, 64, 6, 0, 0, 10, 0, 0, 1, 10, 0, 0, 2,
	/* TCP 40000 -> 443, SYN, data offset 5 */
	0x9c, 0x40, 0x01, 0xbb, 0, 0, 0, 1, 0, 0, 0, 0, 0x50, 0x02, 0xff, 0xff, 0, 0, 0, 0,
};

/* A frame is sharded by its decoded packet; what does not decode to TCP goes to worker 0. */
static void test_frames(void)
{
	struct frame f = { .data = tcp_frame, .caplen = sizeof(tcp_frame), .linktype = LINKTYPE_RAW };
	uint8_t udp[sizeof(tcp_frame)];
	struct pkt p;
	uint32_t hits = 0;

	CHECK_EQ(decode__frame(LINKTYPE_RAW, tcp_frame, sizeof(tcp_frame), &p), DECODE_TCP);
	for (uint32_t n = 1; n <= 16; n++) {
		CHECK_EQ(shard__of_frame(&f, n), shard__of_pkt(&p, n));
		hits += shard__of_frame(&f, n) != 0;
	}
	CHECK(hits > 0); /* not everything lands on worker 0 */
	memcpy(udp, tcp_frame, sizeof(udp));
	udp[9] = 17;
	f.data = udp;
	for (uint32_t n = 1; n <= 16; n++)
		CHECK_EQ(shard__of_frame(&f, n), 0);
	f.caplen = 7; /* truncated */
	CHECK_EQ(shard__of_frame(&f, 4), 0);
}

int main(void)
{
	RUN_TEST(test_same_worker_both_ways);
	RUN_TEST(test_flows_spread);
	RUN_TEST(test_frames);
	return CHECK_DONE();
}
