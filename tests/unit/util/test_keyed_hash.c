// SPDX-License-Identifier: GPL-2.0
/* keyed_hash() with its keys made once (keyed_hash__with) gives the values it always gave, at
 * every length class of its loops; the tweak changes the value. */
#include "check.h"

#include <stdint.h>

#include "util/keyed_hash.h"

#define SEED 0x0123456789abcdefull

/* Values of keyed_hash(buf + i % 3, len, SEED) as it was before keyed_hash__with() existed. */
static const struct {
	size_t len;
	uint64_t hash;
} known[] = {
	{ 0, 0x65a152f097e40ef3ull },	{ 1, 0x606e3585f010a5c1ull },
	{ 7, 0x2702713d6bcee7e8ull },	{ 8, 0xe3e6ebd1ff552bc2ull },
	{ 15, 0xbcc924238289fb46ull },	{ 16, 0xa730505ace5c3884ull },
	{ 17, 0x72c52e1c9b33941eull },	{ 47, 0xc59f883834d789fcull },
	{ 48, 0xd53666cc5cb088b3ull },	{ 49, 0x668b32206e3cd49cull },
	{ 100, 0xc0be47e03d0c93eaull }, { 1500, 0x88a0cfd352198b35ull },
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

int main(void)
{
	for (size_t i = 0; i < sizeof(buf); i++)
		buf[i] = (uint8_t)(i * 131 + 7);
	RUN_TEST(test_known_values);
	RUN_TEST(test_tweak_and_seed_change_the_value);
	return CHECK_DONE();
}
