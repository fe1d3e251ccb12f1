// SPDX-License-Identifier: GPL-2.0
#include <stdint.h>
#include <string.h>

#include "check.h"
#include "net/shard.h"
#include "net/shard_frags.h"

/* An Ethernet IPv4 fragment of datagram id from 10.0.0.1:sport to 10.0.0.2:443: the first
 * (offset 0, MF) carries the TCP ports; a later one starts at offset 8 * off8. */
static size_t frag4(uint8_t *b, uint16_t id, uint16_t sport, int first, uint16_t off8, int more)
{
	memset(b, 0, 80);
	b[12] = 0x08;
	b[14] = 0x45;
	b[16] = 0, b[17] = 48;
	b[18] = (uint8_t)(id >> 8), b[19] = (uint8_t)id;
	b[20] = (uint8_t)((more ? 0x20 : 0) | (first ? 0 : off8 >> 8));
	b[21] = (uint8_t)(first ? 0 : off8);
	b[22] = 64, b[23] = 6;
	b[26] = 10, b[29] = 1;
	b[30] = 10, b[33] = 2;
	if (first) {
		b[34] = (uint8_t)(sport >> 8), b[35] = (uint8_t)sport;
		b[36] = 0x01, b[37] = 0xbb;
	}
	return 14 + 48;
}

static struct flow_hash_key seed;

/* The worker of the whole flow: an unfragmented segment of it. */
static uint32_t flow_worker(uint16_t sport, uint32_t n)
{
	uint8_t b[80];
	struct frame f = { .data = b, .linktype = LINKTYPE_ETHERNET };

	f.caplen = (uint32_t)frag4(b, 1, sport, 1, 0, 0); /* offset 0, no MF: not a fragment */
	return shard__of_frame(&seed, &f, n);
}

/* Fragments last first: the later ones wait, and come out ahead of the first, in their order,
 * for the flow's worker; once the first was seen, later ones go there at once. */
static void test_reversed_follow_first(void)
{
	enum { N = 3 };
	uint8_t b1[80], b2[80], b3[80], b4[80];
	struct frame f2 = { .data = b2, .linktype = LINKTYPE_ETHERNET, .number = 2 };
	struct frame f3 = { .data = b3, .linktype = LINKTYPE_ETHERNET, .number = 3 };
	struct frame f1 = { .data = b1, .linktype = LINKTYPE_ETHERNET, .number = 1 };
	struct frame f4 = { .data = b4, .linktype = LINKTYPE_ETHERNET, .number = 4 };
	struct shard_frags *s = shard_frags__new(true, &seed);
	struct frame out;
	uint32_t w, hits = 0;

	CHECK(s != NULL);
	for (uint16_t sport = 40000; sport < 40040; sport++) {
		uint32_t want = flow_worker(sport, N);

		hits += want != 0;
		f3.caplen = (uint32_t)frag4(b3, sport, sport, 0, 12, 0);
		f2.caplen = (uint32_t)frag4(b2, sport, sport, 0, 6, 1);
		f1.caplen = (uint32_t)frag4(b1, sport, sport, 1, 0, 1);
		f4.caplen = (uint32_t)frag4(b4, sport, sport, 0, 6, 1); /* a duplicate, after */
		CHECK_EQ(shard_frags__deal(s, &f3, N), -1);
		CHECK(!shard_frags__released(s, &out, &w));
		CHECK_EQ(shard_frags__deal(s, &f2, N), -1);
		CHECK_EQ(shard_frags__deal(s, &f1, N), (int)want);
		CHECK(shard_frags__released(s, &out, &w));
		CHECK_EQ(out.number, 3);
		CHECK_EQ(w, want);
		CHECK(out.data != b3 && !memcmp(out.data, b3, out.caplen)); /* a copy */
		CHECK(shard_frags__released(s, &out, &w));
		CHECK_EQ(out.number, 2);
		CHECK_EQ(w, want);
		CHECK(!shard_frags__released(s, &out, &w));
		CHECK_EQ(shard_frags__deal(s, &f4, N), (int)want);
	}
	CHECK(hits > 0); /* not all on worker 0, where the old way sent fragments */
	shard_frags__free(s);
}

/* Bounded: datagrams whose first fragment never comes are released to worker 0 when the table
 * needs their slot (64 datagrams), or at flush; every held fragment comes out once. */
static void test_bounds(void)
{
	uint8_t b[80];
	struct frame f = { .data = b, .linktype = LINKTYPE_ETHERNET };
	struct shard_frags *s = shard_frags__new(false, &seed);
	struct frame out;
	uint32_t w, held = 0, released = 0, to_zero = 0;

	CHECK(s != NULL);
	for (uint16_t id = 1; id <= 1000; id++) {
		int r;

		f.caplen = (uint32_t)frag4(b, id, 1, 0, 6, 1);
		r = shard_frags__deal(s, &f, 4);
		held += r == -1;
		to_zero += r == 0;
		while (shard_frags__released(s, &out, &w)) {
			released++;
			CHECK_EQ(w, 0);
		}
	}
	CHECK_EQ(held + to_zero, 1000);
	CHECK(released > 0);
	shard_frags__flush(s);
	while (shard_frags__released(s, &out, &w)) {
		released++;
		CHECK_EQ(w, 0);
	}
	CHECK_EQ(released, held); /* every held fragment came out once */
	CHECK(!shard_frags__released(s, &out, &w));
	shard_frags__free(s);
}

int main(void)
{
	flow_hash_key__init(&seed);
	RUN_TEST(test_reversed_follow_first);
	RUN_TEST(test_bounds);
	return CHECK_DONE();
}
