/* A strict DER cursor (X.690 10: definite, minimal lengths; single-byte tags), for reading
 * certificates without OpenSSL (der_cert.c, der_name.c). Every function takes the next element
 * off the front of a span and fails, never reading past its end, on anything else. */
#ifndef TLSMON_DER_H
#define TLSMON_DER_H

#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

struct der_span {
	const uint8_t *p;
	size_t len;
};

#define TAG_BOOLEAN 0x01
#define TAG_INTEGER 0x02
#define TAG_BIT_STRING 0x03
#define TAG_OCTET_STRING 0x04
#define TAG_NULL 0x05
#define TAG_OID 0x06
#define TAG_UTF8 0x0c
#define TAG_NUMERIC 0x12
#define TAG_PRINTABLE 0x13
#define TAG_T61 0x14
#define TAG_IA5 0x16
#define TAG_UTCTIME 0x17
#define TAG_GENTIME 0x18
#define TAG_SEQ 0x30
#define TAG_SET 0x31

/* An OID's content octets, and a table row naming one (name, extra and bits by table). */
struct der_oid {
	uint8_t len;
	uint8_t b[11];
};

#define DER_OID(...) { sizeof((const uint8_t[]){ __VA_ARGS__ }), { __VA_ARGS__ } }

struct der_oid_row {
	struct der_oid oid;
	const char *dotted, *name, *extra;
	int bits;
};

static inline bool der_oid_eq(const struct der_oid *o, struct der_span s)
{
	return s.len == o->len && !memcmp(s.p, o->b, s.len);
}

/* Takes the next element, whatever its tag; lengths up to 2^24 (a certificate's bound). */
static inline int der_any(struct der_span *c, uint8_t *tag, struct der_span *val)
{
	size_t len, hdr = 2;

	if (c->len < 2 || (c->p[0] & 0x1f) == 0x1f)
		return -EINVAL;
	len = c->p[1];
	if (len & 0x80) {
		size_t n = len & 0x7f;

		if (n == 0 || n > 3 || c->len < 2 + n || c->p[2] == 0)
			return -EINVAL;
		len = 0;
		for (size_t i = 0; i < n; i++)
			len = len << 8 | c->p[2 + i];
		if (len < 0x80)
			return -EINVAL;
		hdr += n;
	}
	if (c->len - hdr < len)
		return -EINVAL;
	*tag = c->p[0];
	val->p = c->p + hdr;
	val->len = len;
	c->p += hdr + len;
	c->len -= hdr + len;
	return 0;
}

static inline int der_get(struct der_span *c, uint8_t tag, struct der_span *val)
{
	uint8_t t;

	if (!c->len || c->p[0] != tag)
		return -EINVAL;
	return der_any(c, &t, val);
}

static inline bool der_peek(const struct der_span *c, uint8_t tag)
{
	return c->len && c->p[0] == tag;
}

/* X.690 8.3.2: no leading 00 before a clear top bit, no leading ff before a set one, not empty
 * (OpenSSL 3.0's c2i_ASN1_INTEGER rejects the same). */
static inline bool int_minimal(struct der_span v)
{
	if (!v.len)
		return false;
	if (v.len > 1 && ((v.p[0] == 0 && !(v.p[1] & 0x80)) || (v.p[0] == 0xff && (v.p[1] & 0x80))))
		return false;
	return true;
}

static inline bool int_positive(struct der_span v)
{
	return int_minimal(v) && !(v.p[0] & 0x80) && (v.len > 1 || v.p[0]);
}

/* X.690 8.19: at least one octet, the last one ends a subidentifier, none starts with 0x80. */
static inline bool oid_valid(struct der_span v)
{
	if (!v.len || v.len > 128 || (v.p[v.len - 1] & 0x80))
		return false;
	for (size_t i = 0; i < v.len; i++)
		if (v.p[i] == 0x80 && (i == 0 || !(v.p[i - 1] & 0x80)))
			return false;
	return true;
}

#endif
