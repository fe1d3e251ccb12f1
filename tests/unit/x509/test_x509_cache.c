// SPDX-License-Identifier: GPL-2.0-only
/* The certificate analysis cache of user/x509/x509.c: hits, inputs alike at both ends, eviction
 * of released entries only, and references without a cache. */
#include "x509_certs.h"

#include <stdio.h>
#include <unistd.h>

#include "resident.h"

static void test_cache_hits(void)
{
	struct spec s = { .key = ec256, .md = EVP_sha256(), .cn = "c", .ca = -1 };
	struct der d = make(&s);
	struct x509_cache *c = x509_cache__new(4);
	const struct x509_info *a, *b, *g1, *g2;
	const struct x509_cache_stats *st;
	static const uint8_t junk[] = { 1, 2, 3 };

	CHECK(c != NULL);
	if (!c)
		return;
	st = x509_cache__stats(c);
	a = x509_cache__get(c, d.p, d.len);
	b = x509_cache__get(c, d.p, d.len);
	CHECK(a && a == b);
	CHECK(a && a->parsed && a->refs == 2);
	CHECK_EQ(st->lookups, 2);
	CHECK_EQ(st->hits, 1);
	CHECK_EQ(st->entries, 1);
	CHECK_EQ(st->parse_failures, 0);
	x509_info__put(c, b);
	CHECK_EQ(a->refs, 1);
	x509_info__put(c, a);

	g1 = x509_cache__get(c, junk, sizeof(junk));
	x509_info__put(c, g1);
	g2 = x509_cache__get(c, junk, sizeof(junk));
	CHECK(g1 && g1 == g2 && !g2->parsed);
	CHECK_EQ(st->parse_failures, 1); /* analysed once, then served from the cache */
	CHECK_EQ(st->hits, 2);
	CHECK_EQ(st->entries, 2);
	x509_info__put(c, g2);
	x509_info__put(c, NULL);
	CHECK_EQ(st->evictions, 0);
	x509_cache__free(c);
	free(d.p);
	CHECK(x509_cache__new(0) == NULL && errno == EINVAL);
}

/* The cache finds entries by the length and the first and last 64 bytes (the end of a
 * signature), and confirms every hit byte for byte: inputs that differ only in between are told
 * apart, and at most four of them are cached, so no lookup compares more than four; inputs that
 * differ in their last byte have keys of their own, and all are cached. */
static void test_cache_same_ends(void)
{
	enum { N = 6, LEN = 4000 };
	struct x509_cache *c = x509_cache__new(16);
	const struct x509_info *got[N], *again;
	const struct x509_cache_stats *st;
	static uint8_t in[N][LEN];
	int i, j;

	CHECK(c != NULL);
	if (!c)
		return;
	st = x509_cache__stats(c);
	for (i = 0; i < N; i++) {
		memset(in[i], 0x30, LEN);
		in[i][LEN / 2] = (uint8_t)i;
		got[i] = x509_cache__get(c, in[i], LEN);
		CHECK(got[i] != NULL);
		for (j = 0; j < i; j++)
			CHECK(got[i] != got[j]);
	}
	CHECK_EQ(st->hits, 0);
	CHECK_EQ(st->entries, 4);
	CHECK_EQ(st->uncached, 2);
	for (i = 0; i < N; i++) {
		again = x509_cache__get(c, in[i], LEN);
		CHECK(i < 4 ? again == got[i] : again != got[i]);
		CHECK(again && !memcmp(again->sha256_hex, got[i]->sha256_hex,
				       sizeof(again->sha256_hex)));
		x509_info__put(c, again);
	}
	CHECK_EQ(st->hits, 4);
	for (i = 0; i < N; i++)
		x509_info__put(c, got[i]);
	x509_cache__free(c);

	c = x509_cache__new(16);
	CHECK(c != NULL);
	if (!c)
		return;
	st = x509_cache__stats(c);
	for (i = 0; i < N; i++) {
		memset(in[i], 0x30, LEN);
		in[i][LEN - 1] = (uint8_t)i;
		got[i] = x509_cache__get(c, in[i], LEN);
		CHECK(got[i] != NULL);
	}
	CHECK_EQ(st->entries, N);
	CHECK_EQ(st->uncached, 0);
	for (i = 0; i < N; i++)
		x509_info__put(c, got[i]);
	x509_cache__free(c);
}

static void test_cache_eviction(void)
{
	struct spec s = { .key = ec256, .md = EVP_sha256(), .ca = -1 };
	const char *names[4] = { "a", "b", "c", "d" };
	struct der d[4];
	const struct x509_info *i[4], *again;
	struct x509_cache *c = x509_cache__new(2);
	const struct x509_cache_stats *st;
	int k;

	CHECK(c != NULL);
	if (!c)
		return;
	st = x509_cache__stats(c);
	for (k = 0; k < 4; k++) {
		s.cn = names[k];
		d[k] = make(&s);
	}
	i[0] = x509_cache__get(c, d[0].p, d[0].len);
	x509_info__put(c, i[0]);
	i[1] = x509_cache__get(c, d[1].p, d[1].len);
	x509_info__put(c, i[1]);
	/* Touch a so that b is the least recently released. */
	again = x509_cache__get(c, d[0].p, d[0].len);
	CHECK(again == i[0]);
	x509_info__put(c, again);
	i[2] = x509_cache__get(c, d[2].p, d[2].len);
	CHECK_EQ(st->evictions, 1);
	CHECK_EQ(st->entries, 2);
	again = x509_cache__get(c, d[0].p, d[0].len);
	CHECK(again == i[0]); /* a survived, b went */
	CHECK_EQ(st->hits, 2);

	/* a and c are now both held: d cannot evict them and is served uncached. */
	i[3] = x509_cache__get(c, d[3].p, d[3].len);
	CHECK(i[3] && i[3]->parsed && i[3]->refs == 1);
	CHECK_STR(i[3]->subject_cn, "d");
	CHECK_EQ(st->uncached, 1);
	CHECK_EQ(st->evictions, 1);
	CHECK_EQ(st->entries, 2);
	x509_info__put(c, i[3]); /* frees it: ASan would see a leak otherwise */
	CHECK_STR(i[2]->subject_cn, "c");
	CHECK_STR(again->subject_cn, "a");

	x509_info__put(c, i[2]);
	i[1] = x509_cache__get(c, d[1].p, d[1].len); /* evicts c, the only free entry */
	CHECK_EQ(st->evictions, 2);
	CHECK_STR(i[1]->subject_cn, "b");
	CHECK_EQ(st->lookups, 7);
	/* Freed with references still out: the cache owns the memory. */
	x509_cache__free(c);
	for (k = 0; k < 4; k++)
		free(d[k].p);
}

/* A cache of 65,536 entries (3 MiB of slots) holding two certificates: the slots not handed
 * out yet are not touched, so not resident (a free list made at start wrote every one); the
 * two are found again. */
static void test_cache_slots_untouched(void)
{
	struct spec s = { .key = ec256, .md = EVP_sha256(), .ca = -1 };
	struct der d[2];
	const struct x509_info *i[2];
	long before = resident_bytes();
	struct x509_cache *c = x509_cache__new(65536);
	int k;

	CHECK(c != NULL);
	if (!c)
		return;
	for (k = 0; k < 2; k++) {
		s.cn = k ? "b" : "a";
		d[k] = make(&s);
		i[k] = x509_cache__get(c, d[k].p, d[k].len);
		x509_info__put(c, i[k]);
	}
	CHECK(before > 0);
	CHECK(resident_bytes() - before < 1024 * 1024);
	for (k = 0; k < 2; k++) {
		const struct x509_info *again = x509_cache__get(c, d[k].p, d[k].len);

		CHECK(again == i[k]);
		x509_info__put(c, again);
	}
	CHECK_EQ(x509_cache__stats(c)->hits, 2);
	x509_cache__free(c);
	for (k = 0; k < 2; k++)
		free(d[k].p);
}

static void test_analyze_put_without_cache(void)
{
	static const uint8_t junk[] = { 0x30 };
	struct x509_info *i = x509__analyze(junk, sizeof(junk));

	CHECK(i && i->refs == 1);
	CHECK(i && i->sha256_hex[64] == '\0' && strlen(i->sha256_hex) == 64);
	x509_info__put(NULL, i); /* refs 1 -> 0 frees */
}

int main(void)
{
	if (keys_init())
		return 1;
	RUN_TEST(test_cache_hits);
	RUN_TEST(test_cache_same_ends);
	RUN_TEST(test_cache_eviction);
	RUN_TEST(test_cache_slots_untouched);
	RUN_TEST(test_analyze_put_without_cache);
	keys_free();
	return CHECK_DONE();
}
