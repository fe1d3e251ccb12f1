// SPDX-License-Identifier: GPL-2.0
#include "check.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <unistd.h>

#include "util/block_pool.h"
#include "resident.h"

/* Blocks are distinct, zeroed, back-to-back (no header between them), max of them; one given
 * back is the next one out, zeroed again. */
static void test_get_put(void)
{
	struct block_pool p;
	uint8_t *b[4];

	CHECK_EQ(block_pool__init(&p, 104, 3), 0);
	for (int i = 0; i < 3; i++) {
		b[i] = block_pool__get(&p);
		CHECK(b[i] != NULL);
		CHECK(block_pool__owns(&p, b[i]));
		for (int k = 0; k < 104; k++)
			CHECK_EQ(b[i][k], 0);
		memset(b[i], 0xa5, 104);
	}
	CHECK(b[1] == b[0] + 104 && b[2] == b[1] + 104);
	CHECK(block_pool__get(&p) == NULL); /* all three out */
	block_pool__put(&p, b[1]);
	b[3] = block_pool__get(&p);
	CHECK(b[3] == b[1]);
	for (int k = 0; k < 104; k++)
		CHECK_EQ(b[3][k], 0);
	CHECK_EQ(b[0][0], 0xa5); /* its neighbours untouched */
	CHECK_EQ(b[2][103], 0xa5);
	CHECK(!block_pool__owns(&p, b[2] + 104));
	CHECK(!block_pool__owns(&p, &p));
	CHECK(!block_pool__owns(NULL, b[0]));
	block_pool__fini(&p);
	CHECK_EQ(block_pool__init(&p, 100, 3), -EINVAL); /* not a multiple of 8 */
	CHECK(block_pool__get(&p) == NULL);
	block_pool__fini(&p);
}

/* A pool of a million 104-byte blocks (about 100 MB) costs nothing resident until blocks are
 * handed out: a thousand of them, about 100 KB. */
static void test_resident_as_used(void)
{
	struct block_pool p;
	long before = resident_bytes();

	CHECK_EQ(block_pool__init(&p, 104, 1u << 20), 0);
	for (int i = 0; i < 1000; i++) {
		uint8_t *b = block_pool__get(&p);

		CHECK(b != NULL);
		if (b)
			b[0] = 1;
	}
	CHECK(before > 0);
	CHECK(resident_bytes() - before < 512 * 1024);
	block_pool__fini(&p);
}

int main(void)
{
	RUN_TEST(test_get_put);
	RUN_TEST(test_resident_as_used);
	return CHECK_DONE();
}
