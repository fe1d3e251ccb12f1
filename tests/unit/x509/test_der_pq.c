/* der_pq: ML-DSA and SLH-DSA named from a certificate's DER, key length checked. */
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "x509/der_pq.h"

static size_t put_hdr(uint8_t *p, uint8_t tag, size_t len)
{
	p[0] = tag;
	if (len < 0x80) {
		p[1] = (uint8_t)len;
		return 2;
	}
	p[1] = 0x82;
	p[2] = (uint8_t)(len >> 8);
	p[3] = (uint8_t)len;
	return 4;
}

/* Wraps body[0..len) in a tag, in place (body must have 4 bytes before it free). */
static uint8_t *wrap(uint8_t *body, size_t *len, uint8_t tag)
{
	uint8_t hdr[4];
	size_t h = put_hdr(hdr, tag, *len);

	memcpy(body - h, hdr, h);
	*len += h;
	return body - h;
}

static const uint8_t oid_prefix[] = { 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x03 };

/* A certificate whose signature algorithm is OID arc sig_arc and whose key is OID arc key_arc
 * with key_len bytes; the tbs fields before the key are empty SEQUENCEs (not checked). */
static size_t mk_cert(uint8_t *out, uint8_t sig_arc, uint8_t key_arc, size_t key_len)
{
	static uint8_t buf[8192];
	uint8_t *p = buf + 64, *spki, *tbs, *cert;
	size_t n = 0, spki_len, tbs_len, cert_len;

	/* spki */
	memcpy(p, oid_prefix, sizeof(oid_prefix));
	p[sizeof(oid_prefix)] = key_arc;
	n = sizeof(oid_prefix) + 1;
	p = wrap(p, &n, 0x30);
	spki = p;
	spki_len = n;
	{
		uint8_t *b = spki + spki_len + 4;
		size_t bl = key_len + 1;

		b[0] = 0;
		memset(b + 1, 0xab, key_len);
		b = wrap(b, &bl, 0x03);
		memmove(spki + spki_len, b, bl);
		spki_len += bl;
	}
	/* tbs: [0]{INTEGER 2}, INTEGER 1, 4 empty SEQUENCEs, spki */
	static const uint8_t head[] = { 0xa0, 0x03, 0x02, 0x01, 0x02, 0x02, 0x01, 0x01,
					0x30, 0x00, 0x30, 0x00, 0x30, 0x00, 0x30, 0x00 };
	tbs = buf + 4096;
	memcpy(tbs, head, sizeof(head));
	spki = wrap(spki, &spki_len, 0x30);
	memcpy(tbs + sizeof(head), spki, spki_len);
	tbs_len = sizeof(head) + spki_len;
	tbs = wrap(tbs, &tbs_len, 0x30);
	cert = tbs - 64;
	memmove(cert + 4, tbs, tbs_len);
	cert_len = tbs_len;
	/* signatureAlgorithm, signature */
	memcpy(cert + 4 + cert_len, (uint8_t[]){ 0x30, sizeof(oid_prefix) + 1 }, 2);
	memcpy(cert + 4 + cert_len + 2, oid_prefix, sizeof(oid_prefix));
	cert[4 + cert_len + 2 + sizeof(oid_prefix)] = sig_arc;
	cert_len += 3 + sizeof(oid_prefix);
	memcpy(cert + 4 + cert_len, (uint8_t[]){ 0x03, 0x02, 0x00, 0x00 }, 4);
	cert_len += 4;
	cert = wrap(cert + 4, &cert_len, 0x30);
	memcpy(out, cert, cert_len);
	return cert_len;
}

static void test_names_and_sizes(void)
{
	static const struct {
		uint8_t arc;
		const char *name;
		uint16_t len;
	} want[] = {
		{ 17, "ML-DSA-44", 1312 },	    { 18, "ML-DSA-65", 1952 },
		{ 19, "ML-DSA-87", 2592 },	    { 20, "SLH-DSA-SHA2-128s", 32 },
		{ 25, "SLH-DSA-SHA2-256f", 64 },   { 31, "SLH-DSA-SHAKE-256f", 64 },
	};
	static uint8_t der[8192];
	const struct der_pq_alg *sig, *key;

	for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
		size_t n = mk_cert(der, want[i].arc, want[i].arc, want[i].len);

		CHECK_EQ(der_pq__read(der, n, &sig, &key), 0);
		CHECK(sig && key);
		if (!sig || !key)
			continue;
		CHECK_STR(sig->name, want[i].name);
		CHECK_STR(key->name, want[i].name);
		CHECK_EQ(key->pub_len, want[i].len);
		/* one byte short: the parameter set fixes the length */
		n = mk_cert(der, want[i].arc, want[i].arc, want[i].len - 1u);
		CHECK_EQ(der_pq__read(der, n, &sig, &key), -EINVAL);
		CHECK(key == NULL);
	}
	/* arc 16 (not ML-DSA) and 32: not post-quantum signatures */
	CHECK_EQ(der_pq__read(der, mk_cert(der, 16, 32, 64), &sig, &key), 0);
	CHECK(sig == NULL && key == NULL);
	/* truncated input is refused, never over-read */
	for (size_t cut = 0; cut < 40; cut++) {
		size_t n = mk_cert(der, 17, 17, 1312);

		CHECK_EQ(der_pq__read(der, n - 1 - cut, &sig, &key), -EINVAL);
	}
}

int main(void)
{
	RUN_TEST(test_names_and_sizes);
	return CHECK_DONE();
}
