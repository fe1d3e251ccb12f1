// SPDX-License-Identifier: GPL-2.0-only
/* user/x509/x509.c on malformed input: every prefix, every single byte, random bytes, lying
 * lengths, flipped bytes and trailing bytes give an unparsed result with an error and a clean
 * OpenSSL error queue; the caller's queued errors survive. */
#include "x509_certs.h"

static int check_unparsed(const uint8_t *p, size_t len)
{
	struct x509_info *i = x509__analyze(p, len);
	char hex[65];
	int bad = 0;

	if (!i)
		return 1;
	sha256_hex(p, len, hex);
	bad |= i->parsed;
	bad |= strcmp(i->sha256_hex, hex) != 0;
	bad |= i->der_len != len;
	bad |= i->error[0] == '\0';
	bad |= i->subject || i->issuer || i->subject_cn || i->n_san;
	bad |= ERR_peek_error() != 0;
	x509_info__free(i);
	return bad;
}

static void test_malformed(void)
{
	struct spec s = { .key = ec256, .md = EVP_sha256(), .cn = "m", .ca = 1,
			  .san = "DNS:a.example,IP:10.0.0.1", .key_ids = true };
	struct der d = make(&s);
	uint8_t buf[4096], one;
	uint32_t rng = 12345;
	size_t n, k;
	int bad = 0;
	struct x509_info *i;

	CHECK(d.p && d.len > 200 && d.len < sizeof(buf));
	if (!d.p)
		return;
	for (n = 0; n < d.len; n++)
		bad += check_unparsed(d.p, n);
	CHECK_EQ(bad, 0);
	for (bad = 0, n = 0; n < 256; n++) {
		one = (uint8_t)n;
		bad += check_unparsed(&one, 1);
	}
	CHECK_EQ(bad, 0);
	CHECK_EQ(check_unparsed(NULL, 0), 0);
	for (bad = 0, k = 0; k < 500; k++) {
		size_t len = 1 + k * 7 % sizeof(buf);

		for (n = 0; n < len; n++) {
			rng = rng * 1103515245 + 12345;
			buf[n] = (uint8_t)(rng >> 16);
		}
		if (k & 1)
			buf[0] = 0x30; /* a SEQUENCE tag gets the decoder further */
		bad += check_unparsed(buf, len);
	}
	CHECK_EQ(bad, 0);

	/* The error names the cause, not OpenSSL's "nested asn1 error" wrapper. */
	i = x509__analyze(d.p, d.len / 2);
	CHECK(i && !i->parsed);
	if (i) {
		CHECK(strncmp(i->error, "d2i_X509: ", 10) == 0);
		CHECK(strstr(i->error, "nested") == NULL);
	}
	x509_info__free(i);

	/* The outer length lying high and low (30 82 HH LL). */
	memcpy(buf, d.p, d.len);
	CHECK_EQ(buf[0], 0x30);
	CHECK_EQ(buf[1], 0x82);
	buf[3]++;
	CHECK_EQ(check_unparsed(buf, d.len), 0);
	buf[3] -= 2;
	CHECK_EQ(check_unparsed(buf, d.len), 0);

	/* Every byte flipped in turn: whatever OpenSSL makes of it, no crash and a clean queue. */
	for (bad = 0, n = 0; n < d.len; n++) {
		memcpy(buf, d.p, d.len);
		buf[n] ^= 0xff;
		i = x509__analyze(buf, d.len);
		bad += !i || ERR_peek_error() != 0 || (!i->parsed && !i->error[0]);
		x509_info__free(i);
	}
	CHECK_EQ(bad, 0);

	/* Trailing bytes: parsed, noted, and hashed as received. */
	memcpy(buf, d.p, d.len);
	memcpy(buf + d.len, "xyz", 3);
	i = x509__analyze(buf, d.len + 3);
	CHECK(i && i->parsed);
	if (i) {
		char hex[65];

		sha256_hex(buf, d.len + 3, hex);
		CHECK_STR(i->sha256_hex, hex);
		CHECK(strstr(i->error, "3 trailing bytes") != NULL);
		CHECK_STR(i->subject_cn, "m");
	}
	x509_info__free(i);
	free(d.p);
}

/* Errors the caller had queued survive; ours do not. */
static void test_error_queue_preserved(void)
{
	static const uint8_t junk[] = { 0x30, 0x03, 0x02, 0x01 };
	unsigned long mine;
	struct x509_info *i;

	ERR_raise(ERR_LIB_USER, 42);
	mine = ERR_peek_error();
	i = x509__analyze(junk, sizeof(junk));
	CHECK(i && !i->parsed);
	CHECK_EQ(ERR_peek_error(), mine);
	CHECK_EQ(ERR_peek_last_error(), mine);
	if (i)
		CHECK(strncmp(i->error, "d2i_X509: ", 10) == 0);
	x509_info__free(i);
	ERR_clear_error();
}

int main(void)
{
	if (keys_init())
		return 1;
	RUN_TEST(test_malformed);
	RUN_TEST(test_error_queue_preserved);
	keys_free();
	return CHECK_DONE();
}
