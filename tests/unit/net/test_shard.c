// SPDX-License-Identifier: GPL-2.0
#include <stdint.h>
#include <string.h>

#include "check.h"
#include "flowtab_rec.h"
#include "net/shard.h"

static struct flow_hash_key seed;

static struct pkt pkt4(uint32_t src, uint16_t sport, uint32_t dst, uint16_t dport)
{
	struct pkt p = { .family = 4, .sport = sport, .dport = dport };

	memcpy(p.saddr, &src, 4);
	memcpy(p.daddr, &dst, 4);
	return p;
}

/* Both directions of a flow go to one worker. */
static void test_same_worker_both_ways(void)
{
	int bad = 0;

	for (uint32_t i = 0; i < 5000; i++) {
		struct pkt a = pkt4(0x0a000000u + i, (uint16_t)(40000 + i), 0xc0a80001u, 443);
		struct pkt b = reverse(&a);
		for (uint32_t n = 1; n <= 8; n++) {
			uint32_t w = shard__of_pkt(&seed, &a, n);

			bad += w >= n;
			bad += shard__of_pkt(&seed, &b, n) != w;
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

		by_addr[shard__of_pkt(&seed, &a, N)]++;
		by_port[shard__of_pkt(&seed, &p, N)]++;
	}
	for (int w = 0; w < N; w++) {
		CHECK(by_addr[w] > FLOWS / N * 4 / 10);
		CHECK(by_port[w] > FLOWS / N * 4 / 10);
	}
	CHECK_EQ(shard__of_pkt(&seed, &(struct pkt){ .family = 4 }, 1), 0);
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
	/* Not everything lands on worker 0. One seed in 16 puts this one flow there for every n up
	 * to 16: a few seeds, so that the check cannot fail by chance (2^-32). */
	for (int tries = 0; tries < 8 && !hits; tries++) {
		struct flow_hash_key s;

		flow_hash_key__init(&s);
		for (uint32_t n = 1; n <= 16; n++) {
			CHECK_EQ(shard__of_frame(&s, &f, n), shard__of_pkt(&s, &p, n));
			hits += shard__of_frame(&s, &f, n) != 0;
		}
	}
	CHECK(hits > 0);
	memcpy(udp, tcp_frame, sizeof(udp));
	udp[9] = 17;
	f.data = udp;
	for (uint32_t n = 1; n <= 16; n++)
		CHECK_EQ(shard__of_frame(&seed, &f, n), 0);
	f.caplen = 7; /* truncated */
	CHECK_EQ(shard__of_frame(&seed, &f, 4), 0);
}

/* An Ethernet frame of IPv4 (ihl words, options zero) or IPv6 TCP, with a VLAN tag when vlan. */
static size_t eth_frame(uint8_t *b, int family, const uint8_t *src, const uint8_t *dst,
			uint16_t sport, uint16_t dport, int ihl, int vlan)
{
	size_t o = 12, ip;

	memset(b, 0, 200);
	if (vlan) {
		b[o++] = 0x81, b[o++] = 0x00, b[o++] = 0, b[o++] = 7;
	}
	b[o++] = family == 4 ? 0x08 : 0x86;
	b[o++] = family == 4 ? 0x00 : 0xdd;
	ip = o;
	if (family == 4) {
		b[ip] = (uint8_t)(0x40 | ihl);
		b[ip + 3] = (uint8_t)(ihl * 4 + 20);
		b[ip + 8] = 64;
		b[ip + 9] = 6;
		memcpy(b + ip + 12, src, 4);
		memcpy(b + ip + 16, dst, 4);
		o = ip + (size_t)ihl * 4;
	} else {
		b[ip] = 0x60;
		b[ip + 5] = 20;
		b[ip + 6] = 6;
		b[ip + 7] = 64;
		memcpy(b + ip + 8, src, 16);
		memcpy(b + ip + 24, dst, 16);
		o = ip + 40;
	}
	b[o] = (uint8_t)(sport >> 8), b[o + 1] = (uint8_t)sport;
	b[o + 2] = (uint8_t)(dport >> 8), b[o + 3] = (uint8_t)dport;
	b[o + 12] = 0x50;
	b[o + 13] = 0x02;
	return o + 20;
}

/* Plain Ethernet frames are keyed in place, without decode__frame(): the worker must be the one
 * the decoded packet gives, both ways, with IPv4 options, for IPv6, and for the same flow with a
 * VLAN tag (which takes the full decode); and the flow handed to the worker's engine (key, side,
 * hash) the one the engine would make of its decode, or its flow table would not find the flow
 * where the hash says, whether it is found in one go (shard__frame_ref()) or first its hash and
 * then its ref (shard__frame_flow(), shard__flow_ref(), as the dealing thread does). Every 50th
 * flow has one address at both ends (the ports decide). */
static bool ref_agrees(const struct frame *f, const struct pkt *p)
{
	struct flow_ref got, want, of_flow;
	struct shard_flow sf;
	uint32_t hash;

	flow_ref__of_pkt(p, &seed, &want);
	if (!shard__frame_flow(&seed, f, &sf))
		return false;
	memset(&of_flow, 0xa5, sizeof(of_flow)); /* every field must be written */
	shard__flow_ref(&sf, &of_flow);
	return shard__frame_ref(&seed, f, &got) && shard__frame_hash(&seed, f, &hash) &&
	       !memcmp(&got.key, &want.key, sizeof(want.key)) && got.side == want.side &&
	       got.hash == want.hash && got.hashed && hash == want.hash &&
	       want.hash == flow_hash(&seed, &want.key) && sf.hash == want.hash &&
	       !memcmp(&of_flow.key, &want.key, sizeof(want.key)) && of_flow.side == want.side &&
	       of_flow.hash == want.hash && of_flow.hashed;
}

static void test_plain_frames_agree(void)
{
	uint8_t b[200], src[16], dst[16];
	int bad = 0, checked = 0;

	for (uint32_t i = 0; i < 3000; i++) {
		int family = i % 3 ? 4 : 6, ihl = 5 + (int)(i % 4);

		for (int j = 0; j < 16; j++) {
			src[j] = (uint8_t)(i * 31 + (uint32_t)j * 7);
			dst[j] = i % 50 ? (uint8_t)(i * 17 + (uint32_t)j * 13 + 1) : src[j];
		}
		for (int dir = 0; dir < 2; dir++) {
			for (int vlan = 0; vlan < 2; vlan++) {
				struct frame f = { .data = b, .linktype = LINKTYPE_ETHERNET };
				struct pkt p;

				f.caplen = (uint32_t)eth_frame(b, family, dir ? dst : src, dir ? src : dst,
							       dir ? 443 : (uint16_t)(1024 + i),
							       dir ? (uint16_t)(1024 + i) : 443, ihl, vlan);
				if (decode__frame(LINKTYPE_ETHERNET, b, f.caplen, &p) != DECODE_TCP) {
					bad++;
					continue;
				}
				for (uint32_t n = 2; n <= 5; n++) {
					bad += shard__of_frame(&seed, &f, n) != shard__of_pkt(&seed, &p, n);
					checked++;
				}
				bad += !ref_agrees(&f, &p);
			}
		}
	}
	CHECK_EQ(bad, 0);
	CHECK_EQ(checked, 3000 * 2 * 2 * 4);
}

/* The workers are picked with a secret drawn per process: flows an attacker found to share a
 * worker in one process (here: all 4-tuples of one client that land on worker 0, of 4) spread over
 * the workers of another, as any flows do. With fixed constants they would all share it again. */
static void test_seed_per_process(void)
{
	enum { N = 4, TRIES = 20000 };
	struct flow_hash_key other;
	uint32_t chosen = 0, by_worker[N] = { 0 };

	flow_hash_key__init(&other);
	CHECK(memcmp(&seed, &other, sizeof(seed)) != 0);
	for (uint32_t i = 0; i < TRIES; i++) {
		struct pkt a = pkt4(0x0a000001u, (uint16_t)(1024 + i), 0xc0a80001u, 443);

		if (shard__of_pkt(&seed, &a, N) != 0)
			continue;
		chosen++;
		by_worker[shard__of_pkt(&other, &a, N)]++;
		/* both ways still share a worker under any seed */
		{
			struct pkt b = reverse(&a);

			CHECK_EQ(shard__of_pkt(&other, &b, N), shard__of_pkt(&other, &a, N));
		}
	}
	CHECK(chosen > TRIES / N / 2);
	for (int w = 0; w < N; w++)
		CHECK(by_worker[w] > chosen / N / 2 && by_worker[w] < chosen / N * 3 / 2);
}

int main(void)
{
	flow_hash_key__init(&seed);
	RUN_TEST(test_seed_per_process);
	RUN_TEST(test_plain_frames_agree);
	RUN_TEST(test_same_worker_both_ways);
	RUN_TEST(test_flows_spread);
	RUN_TEST(test_frames);
	return CHECK_DONE();
}
