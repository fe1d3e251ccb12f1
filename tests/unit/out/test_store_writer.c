// SPDX-License-Identifier: GPL-2.0
/* The flagged store in two steps, as the daemon's workers use it: an entry made with a writer's
 * scratch (store__entry()) and taken in under the lock (store__take()); evicted entries given
 * back to the writer that made them. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "out/report.h"
#include "out/store.h"

#include "store_script.h"

/* store__entry() then store__take(), as the daemon's workers do: the same dump as store__add(),
 * the JSON line given back is the stored one, and a refusal frees the entry and is counted. */
static void test_entry_then_take(void)
{
	struct store_opts small = { .max_bytes = 200 };
	struct store *a = store__new(NULL), *b = store__new(NULL), *c = store__new(&small);
	struct store_writer *w = store_writer__new();
	struct handshake *hs = mkhs(4010, HS_OUTCOME_ALERT, true, 12);
	struct handshake *good = mkhs(4011, HS_OUTCOME_ESTABLISHED, false, 12);
	struct sbuf pa, ja, pb, jb, line;
	struct store_dump_info info;
	struct store_entry *e;
	struct engine_frames fs;
	struct fbuf fb;
	const char *json;
	size_t len;
	int rc = 7;

	four_frames(&fb, LINKTYPE_ETHERNET);
	fs = fbuf_view(&fb);
	sbuf__init(&pa);
	sbuf__init(&ja);
	sbuf__init(&pb);
	sbuf__init(&jb);
	sbuf__init(&line);
	CHECK_EQ(store__add(a, hs, &fs), 1);
	e = store__entry(w, hs, &fs, &rc);
	CHECK(e != NULL);
	CHECK_EQ(rc, 1);
	if (e) {
		json = store_entry__json(e, &len);
		report__json(&line, hs);
		CHECK_EQ(len, line.len);
		CHECK(len == line.len && !memcmp(json, line.buf, len));
	}
	CHECK_EQ(store__take(b, e, rc), 1);
	CHECK_EQ(store__dump(a, 0, PCAP_FMT_PCAPNG, &pa, &ja, &info), 0);
	CHECK_EQ(store__dump(b, 0, PCAP_FMT_PCAPNG, &pb, &jb, &info), 0);
	CHECK_EQ(pa.len, pb.len);
	CHECK(pa.len == pb.len && !memcmp(pa.buf, pb.buf, pa.len));
	CHECK(ja.len == jb.len && !memcmp(ja.buf, jb.buf, ja.len));
	CHECK_EQ(store__stats(b)->bytes, store__stats(a)->bytes);

	/* not wanted: no entry, nothing counted */
	CHECK(store__entry(w, good, &fs, &rc) == NULL);
	CHECK_EQ(rc, 0);
	CHECK_EQ(store__take(b, NULL, rc), 0);
	CHECK_EQ(store__stats(b)->refused, 0);
	/* too big for this store: refused at the take (the entry is freed: ASan would say) */
	e = store__entry(w, hs, &fs, &rc);
	CHECK_EQ(store__take(c, e, rc), -E2BIG);
	CHECK_EQ(store__stats(c)->refused, 1);
	CHECK_EQ(store__stats(c)->entries, 0);
	/* out of memory on the worker's side is a refusal of the store's */
	CHECK_EQ(store__take(c, NULL, -ENOMEM), -ENOMEM);
	CHECK_EQ(store__stats(c)->refused, 2);

	sbuf__free(&pa);
	sbuf__free(&ja);
	sbuf__free(&pb);
	sbuf__free(&jb);
	sbuf__free(&line);
	free(hs);
	free(good);
	store_writer__free(w);
	store__free(a);
	store__free(b);
	store__free(c);
}

/* An evicted entry goes back to the writer that made it (freed on its thread), up to a bound;
 * store__add()'s own entries are freed where they are evicted. ASan checks the frees. */
static void test_evicted_back_to_maker(void)
{
	struct store_opts one = { .max_entries = 1 };
	struct store *s = store__new(&one);
	struct store_writer *w = store_writer__new();
	struct handshake *hs = mkhs(4020, HS_OUTCOME_ALERT, true, 13);
	struct engine_frames fs;
	struct store_entry *e;
	struct fbuf fb;
	size_t first;
	int rc;

	four_frames(&fb, LINKTYPE_ETHERNET);
	fs = fbuf_view(&fb);
	e = store__entry(w, hs, &fs, &rc);
	CHECK_EQ(store__take(s, e, rc), 1);
	first = store__stats(s)->bytes;
	CHECK_EQ(store_writer__returned_bytes(w), 0);
	/* store__add() evicts w's entry: it waits for w */
	CHECK_EQ(store__add(s, hs, &fs), 1);
	CHECK_EQ(store__stats(s)->evicted, 1);
	CHECK_EQ(store_writer__returned_bytes(w), first);
	store_writer__collect(w);
	CHECK_EQ(store_writer__returned_bytes(w), 0);
	/* w's entry evicts store__add()'s, which is freed there, not given to w */
	e = store__entry(w, hs, &fs, &rc);
	CHECK_EQ(store__take(s, e, rc), 1);
	CHECK_EQ(store_writer__returned_bytes(w), 0);
	/* w's next entry evicts w's: back to w, and store__entry() frees it first */
	e = store__entry(w, hs, &fs, &rc);
	CHECK_EQ(store__take(s, e, rc), 1);
	CHECK_EQ(store_writer__returned_bytes(w), first);
	e = store__entry(w, hs, &fs, &rc);
	CHECK_EQ(store_writer__returned_bytes(w), 0);
	CHECK_EQ(store__take(s, e, rc), 1);
	CHECK_EQ(store_writer__returned_bytes(w), first);
	free(hs);
	store__free(s); /* the store first: the writer frees what it got back */
	store_writer__free(w);
}

/* A writer that makes no more entries (an idle worker) holds at most 1 MiB of evicted ones:
 * past that they are freed where they are evicted. */
static void test_returned_bounded(void)
{
	struct store_opts many = { .max_entries = 2000, .max_bytes = 1ull << 30 };
	struct store *s = store__new(&many);
	struct store_writer *w = store_writer__new();
	struct handshake *hs = mkhs(4021, HS_OUTCOME_ALERT, true, 14);
	struct engine_frames fs;
	struct fbuf fb;
	size_t each;
	int rc, i;

	four_frames(&fb, LINKTYPE_ETHERNET);
	fs = fbuf_view(&fb);
	for (i = 0; i < 2000; i++)
		CHECK_EQ(store__take(s, store__entry(w, hs, &fs, &rc), rc), 1);
	each = store__stats(s)->bytes / 2000;
	CHECK(each * 1000 > (1u << 20)); /* evicting 1,000 of them would pass the bound */
	for (i = 0; i < 1000; i++)
		CHECK_EQ(store__add(s, hs, &fs), 1);
	CHECK_EQ(store__stats(s)->evicted, 1000);
	CHECK(store_writer__returned_bytes(w) <= (1u << 20));
	CHECK(store_writer__returned_bytes(w) > (1u << 20) - each);
	free(hs);
	store__free(s);
	store_writer__free(w);
}

int main(void)
{
	RUN_TEST(test_entry_then_take);
	RUN_TEST(test_evicted_back_to_maker);
	RUN_TEST(test_returned_bounded);
	return CHECK_DONE();
}
