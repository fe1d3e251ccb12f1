// SPDX-License-Identifier: GPL-2.0
/* keyed_hash() with its keys made once (keyed_hash__with) gives the known values, at every
 * length class of its loops; every byte, the tweak and the seed change the value. */
#include "check.h"

#include <stdint.h>

#include "util/keyed_hash.h"

#define SEED 0x0123456789abcdefull

/* Values of keyed_hash(buf + i % 3, len, SEED). Below 96 bytes as before keyed_hash__with()
 * existed; from 96 bytes on as since the six-lane loop (values from 96 bytes on changed then). */
static const struct {
	size_t len;
	uint64_t hash;
} known[] = {
	{ 0, 0x65a152f097e40ef3ull },	{ 1, 0x606e3585f010a5c1ull },
	{ 7, 0x2702713d6bcee7e8ull },	{ 8, 0xe3e6ebd1ff552bc2ull },
	{ 15, 0xbcc924238289fb46ull },	{ 16, 0xa730505ace5c3884ull },
	{ 17, 0x72c52e1c9b33941eull },	{ 47, 0xc59f883834d789fcull },
	{ 48, 0xd53666cc5cb088b3ull },	{ 49, 0x668b32206e3cd49cull },
	{ 95, 0x64bf93b578563ce6ull },	{ 96, 0x088b91c9030b4932ull },
	{ 100, 0xd0b3254440736655ull }, { 143, 0xa0508cbb3df40589ull },
	{ 144, 0x884db018a97757e0ull }, { 191, 0x087aa0f30fde689aull },
	{ 192, 0x18714dc2c8a45616ull }, { 1500, 0x9ba4a42266e632e2ull },
};

static uint8_t buf[1600];

static void test_known_values(void)
{
	struct keyed_hash_key key;

	keyed_hash__key(&key, SEED);
	for (size_t i = 0; i < sizeof(known) / sizeof(known[0]); i++) {
		CHECK(keyed_hash(buf + i % 3, known[i].len, SEED) == known[i].hash);
		CHECK(keyed_hash__with(&key, buf + i % 3, known[i].len, 0) == known[i].hash);
	}
}

static void test_tweak_and_seed_change_the_value(void)
{
	struct keyed_hash_key key, other;

	keyed_hash__key(&key, SEED);
	keyed_hash__key(&other, SEED + 1);
	for (size_t len = 0; len <= 100; len++) {
		uint64_t h = keyed_hash__with(&key, buf, len, 0);

		CHECK(keyed_hash__with(&key, buf, len, 1) != h);
		CHECK(keyed_hash__with(&other, buf, len, 0) != h);
	}
}

/* Every byte counts, in every lane and in the tails: one bit flipped anywhere in a 300-byte
 * input (three six-lane steps, then the three-lane, 16-byte and byte tails) changes the value. */
static void test_every_byte_changes_the_value(void)
{
	struct keyed_hash_key key;
	uint64_t h;

	keyed_hash__key(&key, SEED);
	h = keyed_hash__with(&key, buf, 300, 0);
	for (size_t i = 0; i < 300; i++) {
		buf[i] ^= 0x10;
		CHECK(keyed_hash__with(&key, buf, 300, 0) != h);
		buf[i] ^= 0x10;
	}
}

int main(void)
{
	for (size_t i = 0; i < sizeof(buf); i++)
		buf[i] = (uint8_t)(i * 131 + 7);
	RUN_TEST(test_known_values);
	RUN_TEST(test_tweak_and_seed_change_the_value);
	RUN_TEST(test_every_byte_changes_the_value);
	return CHECK_DONE();
}
