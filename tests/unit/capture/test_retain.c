// SPDX-License-Identifier: GPL-2.0
#include <stdint.h>
#include <string.h>

#include "check.h"
#include "capture/retain.h"

struct ctrs {
	uint64_t frames, dropped, evicted;
};

static struct frame mkframe(uint64_t number, uint32_t caplen, uint8_t fill)
{
	static uint8_t data[4096];
	struct frame f = { 0 };

	memset(data, fill, caplen);
	f.number = number;
	f.ts_ns = number * 1000;
	f.data = data;
	f.caplen = f.wirelen = caplen;
	return f;
}

static uint32_t count_frames(const struct frame_arena *a, uint8_t fill)
{
	struct engine_frames fs;
	struct frame f;
	size_t cur = 0;
	uint32_t n = 0;

	retain__view(a, &fs);
	while (engine_frames__next(&fs, &cur, &f)) {
		CHECK_EQ(f.data[0], fill);
		n++;
	}
	return n;
}

/* A record is 32 bytes of header plus the frame, 8-byte aligned: 200-byte frames take 232. */
static void test_keeps_and_views(void)
{
	struct ctrs c = { 0 };
	struct retain_pool p;
	struct frame_arena a;
	struct engine_frames fs;
	struct frame f = mkframe(1, 200, 0xaa);

	retain__init(&p, 4096, 1 << 20, &c.frames, &c.dropped, &c.evicted);
	retain__start(&p, &a);
	for (int i = 0; i < 5; i++)
		retain__append(&p, &a, &f);
	CHECK_EQ(count_frames(&a, 0xaa), 5);
	retain__view(&a, &fs);
	CHECK_EQ(fs.count, 5);
	CHECK_EQ(fs.len, 5 * 232);
	CHECK_EQ(c.frames, 5);
	CHECK(p.total >= fs.len && p.total <= 4096);
	retain__stop(&p, &a);
	CHECK_EQ(p.total, 0);
	retain__stop(&p, &a); /* twice is harmless */
	retain__view(&a, &fs);
	CHECK_EQ(fs.count, 0);
	retain__fini(&p);
}

/* The per-connection bound: later frames are counted, not kept. */
static void test_per_conn_bound(void)
{
	struct ctrs c = { 0 };
	struct retain_pool p;
	struct frame_arena a;
	struct engine_frames fs;
	struct frame f = mkframe(1, 200, 1);

	retain__init(&p, 500, 1 << 20, &c.frames, &c.dropped, &c.evicted);
	retain__start(&p, &a);
	for (int i = 0; i < 4; i++)
		retain__append(&p, &a, &f);
	retain__view(&a, &fs);
	CHECK_EQ(fs.count, 2);
	CHECK_EQ(fs.dropped, 2);
	CHECK_EQ(fs.dropped_bytes, 400);
	CHECK_EQ(c.dropped, 2);
	CHECK(p.total <= 500);
	retain__stop(&p, &a);
}

/* The total bound: the oldest connection gives way, keeps nothing more, and is counted; the
 * retained buffers never exceed the total. */
static void test_total_evicts_oldest(void)
{
	struct ctrs c = { 0 };
	struct retain_pool p;
	struct frame_arena a[4];
	struct engine_frames fs;
	struct frame f;

	retain__init(&p, 4096, 1200, &c.frames, &c.dropped, &c.evicted);
	for (int i = 0; i < 4; i++) {
		retain__start(&p, &a[i]);
		f = mkframe((uint64_t)i * 10 + 1, 200, (uint8_t)(i + 1));
		retain__append(&p, &a[i], &f);
		retain__append(&p, &a[i], &f);
		CHECK(p.total <= 1200);
	}
	/* each holds 464 bytes: the first two had to go for the last two */
	CHECK_EQ(c.evicted, 2);
	retain__view(&a[0], &fs);
	CHECK_EQ(fs.count, 0);
	CHECK_EQ(fs.dropped, 2);
	CHECK_EQ(fs.dropped_bytes, 400);
	CHECK_EQ(fs.len, 0);
	CHECK_EQ(count_frames(&a[2], 3), 2);
	CHECK_EQ(count_frames(&a[3], 4), 2);
	/* an evicted connection keeps nothing more, even with room */
	retain__stop(&p, &a[3]);
	f = mkframe(3, 200, 1);
	retain__append(&p, &a[0], &f);
	retain__view(&a[0], &fs);
	CHECK_EQ(fs.count, 0);
	CHECK_EQ(fs.dropped, 3);
	CHECK_EQ(fs.dropped_bytes, 600);
	/* the newest cannot evict itself: over the total, its frame is dropped */
	f = mkframe(23, 1000, 3);
	retain__append(&p, &a[2], &f);
	retain__view(&a[2], &fs);
	CHECK_EQ(fs.count, 2);
	CHECK_EQ(fs.dropped, 1);
	CHECK_EQ(fs.dropped_bytes, 1000);
	CHECK_EQ(c.evicted, 2);
	for (int i = 0; i < 4; i++)
		retain__stop(&p, &a[i]);
	CHECK_EQ(p.total, 0);
	CHECK(!p.oldest && !p.newest);
}

/* Bytes dropped before the first frame retained are counted in the arena, then in its buffer:
 * none may be lost on the way, nor on the way back when the buffer is evicted. */
static void test_dropped_bytes_follow_buffer(void)
{
	struct ctrs c = { 0 };
	struct retain_pool p;
	struct frame_arena a[2];
	struct engine_frames fs;
	struct frame f;

	retain__init(&p, 4096, 1200, &c.frames, &c.dropped, &c.evicted);
	retain__start(&p, &a[0]);
	f = mkframe(1, 1500, 1); /* over the total: dropped, no buffer made */
	retain__append(&p, &a[0], &f);
	f = mkframe(2, 104, 1); /* a multiple of 8: no padding in its record */
	retain__append(&p, &a[0], &f);
	retain__view(&a[0], &fs);
	CHECK_EQ(fs.count, 1);
	CHECK_EQ(fs.dropped, 1);
	CHECK_EQ(fs.dropped_bytes, 1500);
	/* a newer connection takes its room: the count goes back into the arena, with the frame */
	retain__start(&p, &a[1]);
	f = mkframe(3, 1000, 2);
	retain__append(&p, &a[1], &f);
	CHECK_EQ(c.evicted, 1);
	retain__view(&a[0], &fs);
	CHECK_EQ(fs.count, 0);
	CHECK_EQ(fs.dropped, 2);
	CHECK_EQ(fs.dropped_bytes, 1604);
	retain__stop(&p, &a[0]);
	retain__stop(&p, &a[1]);
	CHECK_EQ(p.total, 0);
}

int main(void)
{
	RUN_TEST(test_keeps_and_views);
	RUN_TEST(test_per_conn_bound);
	RUN_TEST(test_total_evicts_oldest);
	RUN_TEST(test_dropped_bytes_follow_buffer);
	return CHECK_DONE();
}
