// SPDX-License-Identifier: GPL-2.0-only
/* The subjectAltName list of user/x509/x509_san.c: the 4,096-name and 64 KB caps, san_count and
 * san_truncated, the NULL after the last kept name, and that the DER reader and OpenSSL give the
 * same list (certificates with an issuer other than the subject take the DER reader's path). */
#include <stdlib.h>

#include "x509_certs.h"
#include "x509/x509_strings.h"

/* A CA-issued leaf whose SAN is san; both analyses of it. */
static bool analyse(const char *san, struct x509_info **fast, struct x509_info **ossl)
{
	struct spec cs = { .key = ec256, .md = EVP_sha256(), .cn = "San CA", .ca = 1 };
	X509 *ca = build(&cs);
	struct spec ls = { .key = ec256, .sign_key = ec256, .issuer = ca, .md = EVP_sha256(),
			   .cn = "san.test", .ca = 0, .san = san, .serial_hex = "0a" };
	struct der d = make(&ls);

	*fast = *ossl = NULL;
	if (ca && d.p) {
		CHECK(x509__der_reader_takes(d.p, d.len));
		*fast = x509__analyze(d.p, d.len);
		*ossl = x509__analyze_openssl(d.p, d.len);
	}
	X509_free(ca);
	free(d.p);
	return *fast && *ossl && (*fast)->parsed && (*ossl)->parsed;
}

/* Both analyses keep the same names, and say the same about what they dropped. */
static void same_list(const struct x509_info *a, const struct x509_info *b)
{
	CHECK_EQ(a->n_san, b->n_san);
	CHECK_EQ(a->san_count, b->san_count);
	CHECK_EQ(a->san_truncated, b->san_truncated);
	for (uint32_t i = 0; i < a->n_san && i < b->n_san; i++)
		if (strcmp(a->san[i], b->san[i]))
			CHECK_STR(a->san[i], b->san[i]);
	CHECK(a->san[a->n_san] == NULL && b->san[b->n_san] == NULL);
}

static char *san_list(const char *first, int n, const char *fmt)
{
	size_t size = strlen(first) + (size_t)n * 160 + 1, len = strlen(first);
	char *s = malloc(size);

	memcpy(s, first, len + 1);
	for (int i = 1; i <= n; i++)
		len += (size_t)snprintf(s + len, size - len, fmt, i);
	return s;
}

static void test_small_list(void)
{
	struct x509_info *f, *o;

	CHECK(analyse("DNS:san.test,IP:192.0.2.9,URI:https://san.test/x,email:m@san.test", &f, &o));
	if (f && o) {
		same_list(f, o);
		CHECK_EQ(f->n_san, 4);
		CHECK_EQ(f->san_count, 4);
		CHECK(!f->san_truncated);
		CHECK_STR(f->san[2], "URI:https://san.test/x");
		CHECK_STR(f->san[3], "email:m@san.test");
	}
	x509_info__free(f);
	x509_info__free(o);
	CHECK(analyse(NULL, &f, &o));
	if (f && o) {
		same_list(f, o);
		CHECK(f->n_san == 0 && f->san_count == 0 && !f->san_truncated && f->san[0] == NULL);
	}
	x509_info__free(f);
	x509_info__free(o);
}

static void test_name_cap(void)
{
	char *san = san_list("email:a@san.test", 5000, ",DNS:%d.t");
	struct x509_info *f, *o;

	CHECK(analyse(san, &f, &o));
	if (f && o) {
		same_list(f, o);
		CHECK_EQ(f->n_san, X509_MAX_SAN);
		CHECK_EQ(f->san_count, 5001);
		CHECK(f->san_truncated);
		CHECK_STR(f->san[0], "email:a@san.test");
		CHECK_STR(f->san[X509_MAX_SAN - 1], "DNS:4095.t");
	}
	x509_info__free(f);
	x509_info__free(o);
	free(san);
}

static void test_byte_cap(void)
{
	/* "DNS:" + 120 + NUL = 125 bytes a name: 524 fit in 64 KB, the 525th does not */
	char *san = san_list("DNS:first.test", 600,
			     ",DNS:%03d-aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa."
			     "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb.test");
	struct x509_info *f, *o;
	size_t bytes = 0;

	CHECK(analyse(san, &f, &o));
	if (f && o) {
		same_list(f, o);
		for (uint32_t i = 0; i < f->n_san; i++)
			bytes += strlen(f->san[i]) + 1;
		CHECK(bytes <= X509_MAX_SAN_BYTES);
		CHECK_EQ(strlen(f->san[1]), 124);
		CHECK_EQ(f->n_san, 1 + (X509_MAX_SAN_BYTES - 15) / 125);
		CHECK_EQ(f->san_count, 601);
		CHECK(f->san_truncated);
	}
	x509_info__free(f);
	x509_info__free(o);
	free(san);
}

/* The strings' arena: bytes as they are, a NUL spelled \\00 (a C string cannot hold it), the
 * prefix first, and the arena grown past its inline block. */
static void test_arena_nul(void)
{
	struct arena a;
	size_t o1, o2, o3, o4;
	char big[700];

	arena__init(&a);
	o1 = arena__add(&a, "DNS:", "bank.example\0.evil.example", 26);
	o2 = arena__add(&a, NULL, "plain", 5);
	o3 = arena__add(&a, "URI:", "\0", 1);
	memset(big, 'x', sizeof(big));
	o4 = arena__add(&a, "DNS:", big, sizeof(big));
	CHECK(o1 != NO_OFF && o2 != NO_OFF && o3 != NO_OFF && o4 != NO_OFF && !a.oom);
	if (o4 != NO_OFF) {
		CHECK_STR(a.buf + o1, "DNS:bank.example\\00.evil.example");
		CHECK_STR(a.buf + o2, "plain");
		CHECK_STR(a.buf + o3, "URI:\\00");
		CHECK_EQ(strlen(a.buf + o4), 4 + sizeof(big));
		CHECK(!memcmp(a.buf + o4 + 4, big, sizeof(big)));
		CHECK_EQ(a.len, o4 + 4 + sizeof(big) + 1);
	}
	arena__release(&a);
}

int main(void)
{
	if (keys_init())
		return 1;
	RUN_TEST(test_small_list);
	RUN_TEST(test_name_cap);
	RUN_TEST(test_byte_cap);
	RUN_TEST(test_arena_nul);
	keys_free();
	return CHECK_DONE();
}
