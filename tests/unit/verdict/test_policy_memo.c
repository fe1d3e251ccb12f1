// SPDX-License-Identifier: GPL-2.0
/* The policy's memo of a cached certificate (verdict/policy_memo.c): findings judged once and
 * copied into later handshakes must be that certificate's own, at that place in the chain,
 * under the policy as it is now; and equal, field for field, to what an uncached certificate
 * with the same DER is judged to have. */
#include "x509/x509_certs.h"
#include "out/report.h"
#include "util/sbuf.h"
#include "verdict/policy.h"
#include "verdict/policy_int.h"

#define PACKET_TS (1400000000ull * 1000000000ull) /* 2014-05-13 */

/* Two self-signed certificates alike in everything but the key: the 1024-bit one has a
 * weak_key finding the other has not. */
static struct der der_weak, der_strong;

static struct der make_same_but_key(EVP_PKEY *key)
{
	struct spec s = { .key = key, .md = EVP_sha256(), .cn = "same", .ca = -1,
			  .not_before = "20100101000000Z", .not_after = "20300101000000Z" };

	return make(&s);
}

static uint64_t packet_ts = PACKET_TS;

static void judge(const struct policy *p, struct handshake *hs,
		  const struct x509_info *const *chain, int n, bool client)
{
	memset(hs, 0, sizeof(*hs));
	hs->has_certificate = true;
	hs->cert_ts_ns = packet_ts;
	hs->client_cert_ts_ns = packet_ts;
	for (int i = 0; i < n; i++) {
		if (client)
			hs->client_certs[i] = chain[i];
		else
			hs->certs[i] = chain[i];
	}
	if (client)
		hs->n_client_certs = (uint16_t)n;
	else
		hs->n_certs = (uint16_t)n;
	policy__evaluate(p, hs);
}

/* A certificate from the cache as a second handshake gets it: a hit, worth a memo. */
static const struct x509_info *get_again(struct x509_cache *c, const struct der *d)
{
	const struct x509_info *first = x509_cache__get(c, d->p, d->len);

	x509_info__put(c, first);
	return x509_cache__get(c, d->p, d->len);
}

static bool same_findings(const struct handshake *a, const struct handshake *b)
{
	if (a->n_findings != b->n_findings)
		return false;
	for (int i = 0; i < a->n_findings; i++) {
		const struct finding *x = &a->findings[i], *y = &b->findings[i];

		if (x->check != y->check || x->severity != y->severity ||
		    x->position != y->position || x->side != y->side ||
		    strcmp(x->detail, y->detail) || strcmp(x->message, y->message))
			return false;
	}
	return true;
}

static int count_check(const struct handshake *hs, enum check_id c)
{
	int n = 0;

	for (int i = 0; i < hs->n_findings; i++)
		n += hs->findings[i].check == c;
	return n;
}

static const struct finding *find_check(const struct handshake *hs, enum check_id c)
{
	for (int i = 0; i < hs->n_findings; i++)
		if (hs->findings[i].check == c)
			return &hs->findings[i];
	return NULL;
}

/* Judges the chain of cached infos and the same chain analysed uncached; both must agree. */
static void judge_both(const struct policy *p, struct handshake *cached, struct handshake *fresh,
		       const struct x509_info *const *c_chain, const struct x509_info *const *u_chain,
		       int n, bool client)
{
	judge(p, cached, c_chain, n, client);
	judge(p, fresh, u_chain, n, client);
	CHECK(same_findings(cached, fresh));
}

static void test_memo_is_per_certificate(void)
{
	struct x509_cache *cache = x509_cache__new(8);
	struct policy *p = policy__new();
	struct handshake *hs = calloc(1, sizeof(*hs)), *ref = calloc(1, sizeof(*ref));
	const struct x509_info *weak, *strong;
	struct x509_info *u_weak = x509__analyze(der_weak.p, der_weak.len);
	struct x509_info *u_strong = x509__analyze(der_strong.p, der_strong.len);
	const struct finding *f;

	CHECK(cache && p && hs && ref && u_weak && u_strong);
	if (!cache || !p || !hs || !ref || !u_weak || !u_strong)
		goto cleanup;
	weak = get_again(cache, &der_weak);
	strong = get_again(cache, &der_strong);
	CHECK(weak && strong && weak != strong && weak->cache_slot && strong->cache_slot);
	if (!weak || !strong)
		goto cleanup;

	/* each judged twice in turn: the second time from the memo */
	for (int round = 0; round < 2; round++) {
		judge_both(p, hs, ref, &weak, (const struct x509_info *const *)&u_weak, 1, false);
		CHECK_EQ(count_check(hs, CHECK_WEAK_KEY), 1);
		CHECK_EQ(count_check(hs, CHECK_SELF_SIGNED), 1);
		f = find_check(hs, CHECK_WEAK_KEY);
		CHECK(f && !strcmp(f->message, "certificate #1 (leaf, CN=same) has a 1024-bit RSA "
					       "key (minimum 2048)"));
		judge_both(p, hs, ref, &strong, (const struct x509_info *const *)&u_strong, 1,
			   false);
		CHECK_EQ(count_check(hs, CHECK_WEAK_KEY), 0);
		CHECK_EQ(count_check(hs, CHECK_SELF_SIGNED), 1);
		CHECK(weak->policy_memo && strong->policy_memo &&
		      weak->policy_memo != strong->policy_memo);
	}
	x509_info__put(cache, weak);
	x509_info__put(cache, strong);
cleanup:
	x509_info__free(u_weak);
	x509_info__free(u_strong);
	free(hs);
	free(ref);
	policy__free(p);
	x509_cache__free(cache);
}

/* The same certificate at another place, on the other side, or under a changed policy: a memo
 * made for one of them is not given to another. */
static void test_memo_key(void)
{
	struct x509_cache *cache = x509_cache__new(8);
	struct policy *p = policy__new();
	struct handshake *hs = calloc(1, sizeof(*hs)), *ref = calloc(1, sizeof(*ref));
	struct x509_info *u_weak = x509__analyze(der_weak.p, der_weak.len);
	struct x509_info *u_strong = x509__analyze(der_strong.p, der_strong.len);
	const struct x509_info *c_chain[2], *u_chain[2];
	const struct finding *f;

	CHECK(cache && p && hs && ref && u_weak && u_strong);
	if (!cache || !p || !hs || !ref || !u_weak || !u_strong)
		goto cleanup;
	c_chain[0] = get_again(cache, &der_strong);
	c_chain[1] = get_again(cache, &der_weak);
	u_chain[0] = u_strong;
	u_chain[1] = u_weak;
	CHECK(c_chain[0] && c_chain[1]);
	if (!c_chain[0] || !c_chain[1])
		goto cleanup;

	/* the weak one second: a root (self-signed after the leaf), numbered #2 */
	judge_both(p, hs, ref, c_chain, u_chain, 2, false);
	f = find_check(hs, CHECK_WEAK_KEY);
	CHECK(f && f->position == 1 &&
	      !strcmp(f->message, "certificate #2 (root, CN=same) has a 1024-bit RSA key "
				  "(minimum 2048)"));
	CHECK_EQ(count_check(hs, CHECK_SELF_SIGNED), 1); /* the leaf's only */

	/* then first: the leaf */
	judge_both(p, hs, ref, &c_chain[1], &u_chain[1], 1, false);
	f = find_check(hs, CHECK_WEAK_KEY);
	CHECK(f && f->position == 0 &&
	      !strcmp(f->message, "certificate #1 (leaf, CN=same) has a 1024-bit RSA key "
				  "(minimum 2048)"));
	CHECK_EQ(count_check(hs, CHECK_SELF_SIGNED), 1);

	/* in the client's chain */
	judge_both(p, hs, ref, &c_chain[1], &u_chain[1], 1, true);
	f = find_check(hs, CHECK_WEAK_KEY);
	CHECK(f && f->side == HS_SIDE_CLIENT &&
	      !strcmp(f->message, "client certificate #1 (leaf, CN=same) has a 1024-bit RSA key "
				  "(minimum 2048)"));

	/* a stricter policy, changed in place as a reload does: the 2048-bit key is weak now */
	judge_both(p, hs, ref, c_chain, u_chain, 1, false);
	CHECK_EQ(count_check(hs, CHECK_WEAK_KEY), 0);
	CHECK_EQ(policy__set(p, "min_rsa_bits", "3072", NULL, 0), 0);
	judge_both(p, hs, ref, c_chain, u_chain, 1, false);
	f = find_check(hs, CHECK_WEAK_KEY);
	CHECK(f && !strcmp(f->detail, "RSA-2048") && f->severity == SEV_MEDIUM);
	CHECK_EQ(policy__set(p, "self_signed.enabled", "false", NULL, 0), 0);
	judge_both(p, hs, ref, c_chain, u_chain, 1, false);
	CHECK_EQ(count_check(hs, CHECK_SELF_SIGNED), 0);
	CHECK_EQ(policy__set(p, "min_rsa_bits", "2048", NULL, 0), 0);
	judge_both(p, hs, ref, c_chain, u_chain, 1, false);
	CHECK_EQ(hs->n_findings, 0);

	x509_info__put(cache, c_chain[0]);
	x509_info__put(cache, c_chain[1]);
cleanup:
	x509_info__free(u_weak);
	x509_info__free(u_strong);
	free(hs);
	free(ref);
	policy__free(p);
	x509_cache__free(cache);
}

/* A full list: the memo's findings are added as far as they fit, as judged ones are. */
static void test_memo_full_list(void)
{
	struct x509_cache *cache = x509_cache__new(4);
	struct policy *p = policy__new();
	struct handshake *hs = calloc(1, sizeof(*hs)), *ref = calloc(1, sizeof(*ref));
	struct x509_info *u_weak = x509__analyze(der_weak.p, der_weak.len);
	const struct x509_info *c_chain[TLS_MAX_CHAIN], *u_chain[TLS_MAX_CHAIN];

	CHECK(cache && p && hs && ref && u_weak);
	if (!cache || !p || !hs || !ref || !u_weak)
		goto cleanup;
	for (int i = 0; i < TLS_MAX_CHAIN; i++) {
		c_chain[i] = x509_cache__get(cache, der_weak.p, der_weak.len);
		u_chain[i] = u_weak;
	}
	/* two findings (weak_key, and self_signed at the leaf) a certificate, 1 + ... > 32 */
	for (int round = 0; round < 2; round++) {
		judge_both(p, hs, ref, c_chain, u_chain, TLS_MAX_CHAIN, false);
		CHECK_EQ(hs->n_findings, HS_MAX_FINDINGS < TLS_MAX_CHAIN + 1 ? HS_MAX_FINDINGS
									    : TLS_MAX_CHAIN + 1);
	}
	for (int i = 0; i < TLS_MAX_CHAIN; i++)
		x509_info__put(cache, c_chain[i]);
cleanup:
	x509_info__free(u_weak);
	free(hs);
	free(ref);
	policy__free(p);
	x509_cache__free(cache);
}

/* The findings' JSON (out/report.c) kept with the memo: written once, then copied, and equal to
 * what the same findings of an uncached certificate are written as; a copy that differs from
 * the memo's finding (here its message, changed after the policy ran) is written afresh. */
static void test_memo_json(void)
{
	struct x509_cache *cache = x509_cache__new(8);
	struct policy *p = policy__new();
	struct handshake *hs = calloc(1, sizeof(*hs)), *ref = calloc(1, sizeof(*ref));
	struct x509_info *u_weak = x509__analyze(der_weak.p, der_weak.len);
	struct x509_info *u_strong = x509__analyze(der_strong.p, der_strong.len);
	const struct x509_info *weak = NULL, *strong = NULL;
	struct sbuf a, b;

	sbuf__init(&a);
	sbuf__init(&b);
	CHECK(cache && p && hs && ref && u_weak && u_strong);
	if (!cache || !p || !hs || !ref || !u_weak || !u_strong)
		goto cleanup;
	weak = get_again(cache, &der_weak);
	strong = get_again(cache, &der_strong);
	CHECK(weak && strong);
	if (!weak || !strong)
		goto cleanup;
	for (int round = 0; round < 3; round++) {
		for (int client = 0; client < 2; client++) {
			judge_both(p, hs, ref, &weak, (const struct x509_info *const *)&u_weak, 1,
				   client);
			CHECK(hs->n_findings == 2 && hs->findings[0].json);
			sbuf__reset(&a);
			sbuf__reset(&b);
			report__json(&a, hs);
			report__json(&b, ref);
			CHECK(a.buf && b.buf && !strcmp(a.buf, b.buf));
			CHECK(a.buf && strstr(a.buf, client ? "\"message\":\"client certificate #1 "
							      "(leaf, CN=same) has a 1024-bit" :
							    "\"message\":\"certificate #1 (leaf, CN=same) "
							    "has a 1024-bit"));
			CHECK(a.buf && strstr(a.buf, client ? "\"side\":\"client\"" :
							    "\"side\":\"server\""));
		}
		judge_both(p, hs, ref, &strong, (const struct x509_info *const *)&u_strong, 1,
			   false);
		sbuf__reset(&a);
		sbuf__reset(&b);
		report__json(&a, hs);
		report__json(&b, ref);
		CHECK(a.buf && b.buf && !strcmp(a.buf, b.buf) && !strstr(a.buf, "weak_key"));
	}
	/* written and kept, then judged again from the memo, and the copy changed */
	judge(p, hs, &weak, 1, false);
	sbuf__reset(&a);
	report__json(&a, hs);
	judge(p, hs, &weak, 1, false);
	snprintf(hs->findings[0].message, sizeof(hs->findings[0].message), "changed");
	sbuf__reset(&a);
	report__json(&a, hs);
	CHECK(a.buf && strstr(a.buf, "\"message\":\"changed\"") && !strstr(a.buf, "1024-bit"));
cleanup:
	if (cache) {
		x509_info__put(cache, weak);
		x509_info__put(cache, strong);
	}
	sbuf__free(&a);
	sbuf__free(&b);
	x509_info__free(u_weak);
	x509_info__free(u_strong);
	free(hs);
	free(ref);
	policy__free(p);
	x509_cache__free(cache);
}

/* The leaf's count of DNS names, kept in its memo for missing_sni's message: each leaf's own. */
static void test_memo_dns_names(void)
{
	struct spec two = { .key = rsa2048, .md = EVP_sha256(), .cn = "same", .ca = -1,
			    .not_before = "20100101000000Z", .not_after = "20300101000000Z",
			    .san = "DNS:a.example,DNS:b.example" };
	struct spec one = two;
	struct x509_cache *cache = x509_cache__new(8);
	struct policy *p = policy__new();
	struct handshake *hs = calloc(1, sizeof(*hs));
	struct der d2, d1;
	const struct x509_info *x2 = NULL, *x1 = NULL;
	const struct finding *f;

	one.san = "DNS:c.example";
	d2 = make(&two);
	d1 = make(&one);
	CHECK(cache && p && hs && d2.p && d1.p);
	if (!cache || !p || !hs || !d2.p || !d1.p)
		goto cleanup;
	x2 = get_again(cache, &d2);
	x1 = get_again(cache, &d1);
	CHECK(x2 && x1);
	if (!x2 || !x1)
		goto cleanup;
	for (int round = 0; round < 2; round++) {
		for (int k = 0; k < 2; k++) {
			const struct x509_info *x = k ? x1 : x2;

			memset(hs, 0, sizeof(*hs));
			hs->has_certificate = hs->has_client_hello = true;
			hs->cert_ts_ns = PACKET_TS;
			hs->certs[0] = x;
			hs->n_certs = 1;
			policy__evaluate(p, hs);
			f = find_check(hs, CHECK_MISSING_SNI);
			CHECK(f && !strcmp(f->message,
					   k ? "the client sent no SNI; certificate #1 (leaf, CN=same) "
					       "names 1 DNS host (c.example)" :
					       "the client sent no SNI; certificate #1 (leaf, CN=same) "
					       "names 2 DNS hosts (first a.example)"));
		}
	}
cleanup:
	if (cache) {
		x509_info__put(cache, x2);
		x509_info__put(cache, x1);
	}
	free(d2.p);
	free(d1.p);
	free(hs);
	policy__free(p);
	x509_cache__free(cache);
}

/* An expired certificate judged at packets hours and days apart: the validity finding kept in
 * the memo is given again only while its message would say the same (the same number of days,
 * or of seconds under a day), and always equals the uncached certificate's. */
static void test_memo_validity(void)
{
	struct spec old_one = { .key = rsa2048, .md = EVP_sha256(), .cn = "old", .ca = -1,
				.not_before = "20100101000000Z", .not_after = "20120101000000Z" };
	struct x509_cache *cache = x509_cache__new(8);
	struct policy *p = policy__new();
	struct handshake *hs = calloc(1, sizeof(*hs)), *ref = calloc(1, sizeof(*ref));
	struct der d = make(&old_one);
	struct x509_info *u = d.p ? x509__analyze(d.p, d.len) : NULL;
	const struct x509_info *x = NULL;
	const uint64_t not_after = 1325376000ull; /* 2012-01-01T00:00:00Z */
	/* seconds after notAfter: under a day, then days, twice each, then back */
	static const uint64_t after[] = { 5, 5, 86399, 86400, 86400 + 3600, 2 * 86400, 5, 2 * 86400 };
	static const char *const shown[] = { "5 s", "5 s", "86399 s", "1 days", "1 days", "2 days",
					     "5 s", "2 days" };
	char want[200];
	const struct finding *f;

	CHECK(cache && p && hs && ref && u);
	if (!cache || !p || !hs || !ref || !u)
		goto cleanup;
	x = get_again(cache, &d);
	CHECK(x != NULL);
	if (!x)
		goto cleanup;
	for (size_t i = 0; i < sizeof(after) / sizeof(after[0]); i++) {
		packet_ts = (not_after + after[i]) * 1000000000ull;
		judge_both(p, hs, ref, &x, (const struct x509_info *const *)&u, 1, false);
		f = find_check(hs, CHECK_EXPIRED);
		snprintf(want, sizeof(want), "certificate #1 (leaf, CN=old) expired at "
					     "2012-01-01T00:00:00Z, %s before the handshake", shown[i]);
		CHECK(f && !strcmp(f->message, want));
	}
	/* not yet valid, then valid: no validity finding at all */
	packet_ts = (1262304000ull - 10) * 1000000000ull; /* 2010-01-01 less 10 s */
	judge_both(p, hs, ref, &x, (const struct x509_info *const *)&u, 1, false);
	f = find_check(hs, CHECK_NOT_YET_VALID);
	CHECK(f && strstr(f->message, "is not valid before 2010-01-01T00:00:00Z, 10 s after"));
	CHECK_EQ(count_check(hs, CHECK_EXPIRED), 0);
	packet_ts = 1300000000ull * 1000000000ull;
	judge_both(p, hs, ref, &x, (const struct x509_info *const *)&u, 1, false);
	CHECK_EQ(count_check(hs, CHECK_EXPIRED) + count_check(hs, CHECK_NOT_YET_VALID), 0);
cleanup:
	packet_ts = PACKET_TS;
	if (cache)
		x509_info__put(cache, x);
	x509_info__free(u);
	free(d.p);
	free(hs);
	free(ref);
	policy__free(p);
	x509_cache__free(cache);
}

/* A certificate only one handshake carried keeps no memo (a host that issues a leaf per
 * connection would fill the cache with memos never read); once a cache hit served it, it does,
 * and is judged the same either way. */
static void test_memo_only_when_reused(void)
{
	struct x509_cache *cache = x509_cache__new(8);
	struct policy *p = policy__new();
	struct handshake *hs = calloc(1, sizeof(*hs)), *ref = calloc(1, sizeof(*ref));
	struct x509_info *u = x509__analyze(der_weak.p, der_weak.len);
	const struct x509_info *x = NULL;

	CHECK(cache && p && hs && ref && u);
	if (!cache || !p || !hs || !ref || !u)
		goto cleanup;
	x = x509_cache__get(cache, der_weak.p, der_weak.len);
	CHECK(x && !x->reused);
	if (!x)
		goto cleanup;
	judge_both(p, hs, ref, &x, (const struct x509_info *const *)&u, 1, false);
	judge_both(p, hs, ref, &x, (const struct x509_info *const *)&u, 1, false);
	CHECK(!x->policy_memo && !hs->findings[0].json);
	x509_info__put(cache, x);
	x = x509_cache__get(cache, der_weak.p, der_weak.len);
	CHECK(x && x->reused);
	judge_both(p, hs, ref, &x, (const struct x509_info *const *)&u, 1, false);
	CHECK(x && x->policy_memo && hs->findings[0].json);
cleanup:
	if (cache)
		x509_info__put(cache, x);
	x509_info__free(u);
	free(hs);
	free(ref);
	policy__free(p);
	x509_cache__free(cache);
}

int main(void)
{
	if (keys_init())
		return 1;
	der_weak = make_same_but_key(rsa1024);
	der_strong = make_same_but_key(rsa2048);
	if (!der_weak.p || !der_strong.p)
		return 1;
	RUN_TEST(test_memo_is_per_certificate);
	RUN_TEST(test_memo_key);
	RUN_TEST(test_memo_full_list);
	RUN_TEST(test_memo_json);
	RUN_TEST(test_memo_dns_names);
	RUN_TEST(test_memo_validity);
	RUN_TEST(test_memo_only_when_reused);
	free(der_weak.p);
	free(der_strong.p);
	keys_free();
	return check_total_failed ? 1 : 0;
}
