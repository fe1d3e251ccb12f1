// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "util/spsc_ring.h"

static void test_push_pop_in_order(void)
{
	struct spsc_ring r;
	uint32_t len;
	const uint8_t *p;

	CHECK_EQ(spsc_ring__init(&r, 4096), 0);
	CHECK(spsc_ring__peek(&r, &len) == NULL);
	for (int i = 0; i < 3; i++) {
		uint8_t *w = spsc_ring__reserve(&r, (uint32_t)(10 + i));

		CHECK(w != NULL);
		memset(w, 'a' + i, 10 + i);
		spsc_ring__commit(&r);
	}
	for (int i = 0; i < 3; i++) {
		p = spsc_ring__peek(&r, &len);
		CHECK(p != NULL);
		CHECK_EQ(len, 10 + i);
		CHECK_EQ(p[0], 'a' + i);
		CHECK_EQ(p[len - 1], 'a' + i);
		spsc_ring__release(&r);
	}
	CHECK(spsc_ring__peek(&r, &len) == NULL);
	spsc_ring__fini(&r);
}

/* An uncommitted record is not seen; a full ring refuses; a record over the limit is refused
 * even when the ring is empty. */
static void test_full_and_limits(void)
{
	struct spsc_ring r;
	uint32_t len;
	int pushed = 0;

	CHECK_EQ(spsc_ring__init(&r, 4096), 0);
	CHECK_EQ(spsc_ring__max_record(&r), 4096 / 4 - 8);
	CHECK(spsc_ring__reserve(&r, (uint32_t)spsc_ring__max_record(&r) + 1) == NULL);
	CHECK(spsc_ring__reserve(&r, 100) != NULL);
	CHECK(spsc_ring__peek(&r, &len) == NULL);
	spsc_ring__commit(&r);
	pushed = 1;
	while (spsc_ring__reserve(&r, 100)) {
		spsc_ring__commit(&r);
		pushed++;
	}
	/* 112 bytes a record (8 header + 100 rounded up to 104): 36 fit in 4096 */
	CHECK_EQ(pushed, 4096 / 112);
	CHECK(spsc_ring__peek(&r, &len) != NULL);
	spsc_ring__release(&r);
	CHECK(spsc_ring__reserve(&r, 100) != NULL);
	spsc_ring__commit(&r);
	spsc_ring__fini(&r);
	CHECK_EQ(spsc_ring__init(&r, 1ull << 40), -E2BIG);
}

/* A record that does not fit before the end starts over at offset 0 and is read back whole. */
static void test_wraps_without_splitting(void)
{
	struct spsc_ring r;
	uint32_t len;
	int bad = 0;

	CHECK_EQ(spsc_ring__init(&r, 4096), 0);
	for (uint32_t i = 0; i < 1000; i++) {
		uint32_t n = 1 + (i * 37) % 900;
		uint8_t *w = spsc_ring__reserve(&r, n);
		const uint8_t *p;

		if (!w) {
			bad++;
			break;
		}
		for (uint32_t j = 0; j < n; j++)
			w[j] = (uint8_t)(i + j);
		spsc_ring__commit(&r);
		p = spsc_ring__peek(&r, &len);
		if (!p || len != n || (uintptr_t)p + n > (uintptr_t)r.buf + r.size)
			bad++;
		else
			for (uint32_t j = 0; j < n; j++)
				bad += p[j] != (uint8_t)(i + j);
		spsc_ring__release(&r);
	}
	CHECK_EQ(bad, 0);
	spsc_ring__fini(&r);
}

#define STRESS_RECORDS 200000

/* peek_ahead sees the committed records after the oldest, in order, across the skip at the
 * end, never an uncommitted one, and starts over at the oldest once released past its place. */
static void test_peek_ahead(void)
{
	struct spsc_ring r;
	uint64_t pos = 0;
	uint32_t len, next = 0, seen = 0;
	const uint8_t *p;

	CHECK_EQ(spsc_ring__init(&r, 4096), 0);
	CHECK(spsc_ring__peek_ahead(&r, &pos, &len) == NULL);
	for (int round = 0; round < 200; round++) {
		/* 3 records in, look at all of them ahead, then take 3 out */
		for (int i = 0; i < 3; i++) {
			uint8_t *w = spsc_ring__reserve(&r, 300);

			CHECK(w != NULL);
			w[0] = (uint8_t)next++;
			spsc_ring__commit(&r);
		}
		for (int i = 0; i < 3; i++) {
			p = spsc_ring__peek_ahead(&r, &pos, &len);
			CHECK(p != NULL);
			CHECK_EQ(len, 300);
			CHECK_EQ(p[0], (uint8_t)seen++);
		}
		CHECK(spsc_ring__peek_ahead(&r, &pos, &len) == NULL);
		for (int i = 0; i < 3; i++) {
			p = spsc_ring__peek(&r, &len);
			CHECK(p != NULL);
			spsc_ring__release(&r);
		}
	}
	/* a position behind the oldest record starts over there */
	CHECK(spsc_ring__reserve(&r, 8) != NULL);
	spsc_ring__commit(&r);
	pos = 0;
	p = spsc_ring__peek_ahead(&r, &pos, &len);
	CHECK(p != NULL && len == 8);
	CHECK(p == spsc_ring__peek(&r, &len));
	CHECK(spsc_ring__peek_ahead(&r, &pos, &len) == NULL);
	CHECK(spsc_ring__reserve(&r, 8) != NULL); /* reserved, not committed: not seen */
	CHECK(spsc_ring__peek_ahead(&r, &pos, &len) == NULL);
	spsc_ring__fini(&r);
}

static void *produce(void *arg)
{
	struct spsc_ring *r = arg;

	for (uint32_t i = 0; i < STRESS_RECORDS; i++) {
		uint32_t n = 4 + (i * 2654435761u) % 700;
		uint8_t *w;

		while (!(w = spsc_ring__reserve(r, n)))
			sched_yield();
		memcpy(w, &i, 4);
		for (uint32_t j = 4; j < n; j++)
			w[j] = (uint8_t)(i ^ j);
		spsc_ring__commit(r);
	}
	return NULL;
}

/* Two threads: every record arrives once, in order, with the bytes it was written with. */
static void test_two_threads(void)
{
	struct spsc_ring r;
	pthread_t tid;
	uint32_t expect = 0;
	int bad = 0;

	CHECK_EQ(spsc_ring__init(&r, 16384), 0);
	CHECK_EQ(pthread_create(&tid, NULL, produce, &r), 0);
	while (expect < STRESS_RECORDS) {
		uint32_t len, seq;
		const uint8_t *p = spsc_ring__peek(&r, &len);

		if (!p) {
			sched_yield();
			continue;
		}
		memcpy(&seq, p, 4);
		if (seq != expect || len != 4 + (seq * 2654435761u) % 700)
			bad++;
		else
			for (uint32_t j = 4; j < len; j++)
				bad += p[j] != (uint8_t)(seq ^ j);
		spsc_ring__release(&r);
		expect++;
	}
	pthread_join(tid, NULL);
	CHECK_EQ(bad, 0);
	CHECK_EQ(expect, STRESS_RECORDS);
	spsc_ring__fini(&r);
}

int main(void)
{
	RUN_TEST(test_push_pop_in_order);
	RUN_TEST(test_full_and_limits);
	RUN_TEST(test_wraps_without_splitting);
	RUN_TEST(test_peek_ahead);
	RUN_TEST(test_two_threads);
	return CHECK_DONE();
}
