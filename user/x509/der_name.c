// SPDX-License-Identifier: GPL-2.0-only
/* X.501 names read from DER without OpenSSL: checked against what OpenSSL 3.0's d2i accepts,
 * printed as its X509_NAME_print_ex prints them, compared as loosely as its X509_NAME_cmp could.
 * Anything unusual makes der_name__entries fail, and the certificate goes to OpenSSL. */
#include "x509/der_name.h"

/* OpenSSL's X509_NAME_MAX cuts longer names before decoding; leave them to it. */
#define NAME_MAX_LEN (1u << 16)

/* Name attributes OpenSSL 3.0 knows, with the short name X509_NAME_print_ex writes. An unknown
 * attribute is printed as its OID and a hex dump: left to OpenSSL. */
static const struct der_oid_row attrs[] = {
	{ DER_OID(0x55, 0x04, 0x03), "2.5.4.3", "CN", NULL, 0 },
	{ DER_OID(0x55, 0x04, 0x06), "2.5.4.6", "C", NULL, 0 },
	{ DER_OID(0x55, 0x04, 0x07), "2.5.4.7", "L", NULL, 0 },
	{ DER_OID(0x55, 0x04, 0x08), "2.5.4.8", "ST", NULL, 0 },
	{ DER_OID(0x55, 0x04, 0x0a), "2.5.4.10", "O", NULL, 0 },
	{ DER_OID(0x55, 0x04, 0x0b), "2.5.4.11", "OU", NULL, 0 },
	{ DER_OID(0x55, 0x04, 0x05), "2.5.4.5", "serialNumber", NULL, 0 },
	{ DER_OID(0x55, 0x04, 0x09), "2.5.4.9", "street", NULL, 0 },
	{ DER_OID(0x55, 0x04, 0x04), "2.5.4.4", "SN", NULL, 0 },
	{ DER_OID(0x55, 0x04, 0x2a), "2.5.4.42", "GN", NULL, 0 },
	{ DER_OID(0x55, 0x04, 0x0c), "2.5.4.12", "title", NULL, 0 },
	{ DER_OID(0x55, 0x04, 0x0d), "2.5.4.13", "description", NULL, 0 },
	{ DER_OID(0x55, 0x04, 0x0f), "2.5.4.15", "businessCategory", NULL, 0 },
	{ DER_OID(0x55, 0x04, 0x11), "2.5.4.17", "postalCode", NULL, 0 },
	{ DER_OID(0x55, 0x04, 0x29), "2.5.4.41", "name", NULL, 0 },
	{ DER_OID(0x55, 0x04, 0x2b), "2.5.4.43", "initials", NULL, 0 },
	{ DER_OID(0x55, 0x04, 0x2c), "2.5.4.44", "generationQualifier", NULL, 0 },
	{ DER_OID(0x55, 0x04, 0x2e), "2.5.4.46", "dnQualifier", NULL, 0 },
	{ DER_OID(0x55, 0x04, 0x41), "2.5.4.65", "pseudonym", NULL, 0 },
	{ DER_OID(0x55, 0x04, 0x61), "2.5.4.97", "organizationIdentifier", NULL, 0 },
	{ DER_OID(0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x09, 0x01), "1.2.840.113549.1.9.1",
	  "emailAddress", NULL, 0 },
	{ DER_OID(0x09, 0x92, 0x26, 0x89, 0x93, 0xf2, 0x2c, 0x64, 0x01, 0x19),
	  "0.9.2342.19200300.100.1.25", "DC", NULL, 0 },
	{ DER_OID(0x09, 0x92, 0x26, 0x89, 0x93, 0xf2, 0x2c, 0x64, 0x01, 0x01),
	  "0.9.2342.19200300.100.1.1", "UID", NULL, 0 },
	{ DER_OID(0x2b, 0x06, 0x01, 0x04, 0x01, 0x82, 0x37, 0x3c, 0x02, 0x01, 0x01),
	  "1.3.6.1.4.1.311.60.2.1.1", "jurisdictionL", NULL, 0 },
	{ DER_OID(0x2b, 0x06, 0x01, 0x04, 0x01, 0x82, 0x37, 0x3c, 0x02, 0x01, 0x02),
	  "1.3.6.1.4.1.311.60.2.1.2", "jurisdictionST", NULL, 0 },
	{ DER_OID(0x2b, 0x06, 0x01, 0x04, 0x01, 0x82, 0x37, 0x3c, 0x02, 0x01, 0x03),
	  "1.3.6.1.4.1.311.60.2.1.3", "jurisdictionC", NULL, 0 },
};

#define N(a) (sizeof(a) / sizeof((a)[0]))

const struct der_oid_row *der_name__attr_row(unsigned i)
{
	return i < N(attrs) ? &attrs[i] : NULL;
}

static const struct der_oid_row *find_attr(struct der_span oid)
{
	for (size_t i = 0; i < N(attrs); i++)
		if (der_oid_eq(&attrs[i].oid, oid))
			return &attrs[i];
	return NULL;
}

/* Well-formed UTF-8 (RFC 3629: no overlong forms, no surrogates, <= U+10FFFF), a subset of
 * what OpenSSL's UTF8_getc and name canonicalisation accept. */
static bool utf8_valid(struct der_span s)
{
	size_t i = 0;

	while (i < s.len) {
		uint8_t c = s.p[i];
		uint32_t v;
		size_t n;

		if (c < 0x80) {
			i++;
			continue;
		}
		if (c >= 0xc2 && c <= 0xdf)
			n = 1, v = c & 0x1f;
		else if (c >= 0xe0 && c <= 0xef)
			n = 2, v = c & 0x0f;
		else if (c >= 0xf0 && c <= 0xf4)
			n = 3, v = c & 0x07;
		else
			return false;
		if (s.len - i <= n)
			return false;
		for (size_t k = 1; k <= n; k++) {
			if ((s.p[i + k] & 0xc0) != 0x80)
				return false;
			v = v << 6 | (s.p[i + k] & 0x3f);
		}
		if ((n == 2 && v < 0x800) || (n == 3 && (v < 0x10000 || v > 0x10ffff)) ||
		    (v >= 0xd800 && v <= 0xdfff))
			return false;
		i += n + 1;
	}
	return true;
}

/* String types OpenSSL prints one byte a character: UTF8String as the bytes themselves, the
 * others as Latin-1 converted to UTF-8 (ASN1_STRFLGS_UTF8_CONVERT). BMPString, UniversalString
 * and the rest are left to OpenSSL. VisibleString is not in its B_ASN1_PRINTABLE: d2i_X509
 * fails ("mstring wrong tag"). */
static bool string_tag_ok(uint8_t tag)
{
	return tag == TAG_UTF8 || tag == TAG_NUMERIC || tag == TAG_PRINTABLE || tag == TAG_T61 ||
	       tag == TAG_IA5;
}

/* RFC 5280 4.1.2.4: Name ::= SEQUENCE OF RelativeDistinguishedName (a non-empty SET OF
 * AttributeTypeAndValue). Returns the entry count or a negative errno. */
int der_name__entries(struct der_span name, struct der_name_ent *ents)
{
	struct der_span rdn, atv, oid;
	int n = 0;

	if (name.len > NAME_MAX_LEN)
		return -ENOTSUP;
	for (uint16_t set = 0; name.len; set++) {
		if (der_get(&name, TAG_SET, &rdn) || !rdn.len)
			return -EINVAL;
		while (rdn.len) {
			struct der_name_ent *e = &ents[n];

			if (n == DER_NAME_MAX_ENTRIES)
				return -ENOTSUP;
			if (der_get(&rdn, TAG_SEQ, &atv) || der_get(&atv, TAG_OID, &oid) ||
			    der_any(&atv, &e->tag, &e->val) || atv.len)
				return -EINVAL;
			e->attr = find_attr(oid);
			if (!e->attr || !string_tag_ok(e->tag) ||
			    (e->tag == TAG_UTF8 && !utf8_valid(e->val)))
				return -ENOTSUP;
			e->set = set;
			n++;
		}
	}
	return n;
}

/* Whether OpenSSL's X509_NAME_cmp could find the two names equal. It compares a canonical form:
 * strings converted to UTF-8, ASCII lower-cased, white space trimmed and collapsed. Comparing
 * with all ASCII white space removed is coarser, so "different" here is different there too;
 * multi-valued RDNs (whose canonical SET is sorted) are taken as possibly equal. */
static bool fold_byte(const uint8_t **p, const uint8_t *end, uint8_t *out)
{
	while (*p < end) {
		uint8_t c = *(*p)++;

		if (c == ' ' || (c >= '\t' && c <= '\r'))
			continue;
		*out = c >= 'A' && c <= 'Z' ? (uint8_t)(c - 'A' + 'a') : c;
		return true;
	}
	return false;
}

static bool utf8_of(uint8_t tag, const uint8_t **p, const uint8_t *end, uint8_t *pending,
		    uint8_t *out)
{
	uint8_t c;

	if (*pending) {
		*out = *pending;
		*pending = 0;
		return true;
	}
	if (!fold_byte(p, end, &c))
		return false;
	if (tag != TAG_UTF8 && c >= 0x80) {
		*pending = (uint8_t)(0x80 | (c & 0x3f));
		c = (uint8_t)(0xc0 | c >> 6);
	}
	*out = c;
	return true;
}

static bool values_may_match(const struct der_name_ent *a, const struct der_name_ent *b)
{
	const uint8_t *pa = a->val.p, *pb = b->val.p;
	uint8_t qa = 0, qb = 0, ca = 0, cb = 0;

	for (;;) {
		bool ha = utf8_of(a->tag, &pa, a->val.p + a->val.len, &qa, &ca);
		bool hb = utf8_of(b->tag, &pb, b->val.p + b->val.len, &qb, &cb);

		if (ha != hb)
			return false;
		if (!ha)
			return true;
		if (ca != cb)
			return false;
	}
}

bool der_name__may_equal(const struct der_name_ent *a, int na, const struct der_name_ent *b, int nb)
{
	if (na != nb)
		return false;
	for (int i = 1; i < na; i++)
		if (a[i].set == a[i - 1].set || b[i].set == b[i - 1].set)
			return true; /* a multi-valued RDN */
	for (int i = 0; i < na; i++)
		if (a[i].attr != b[i].attr || !values_may_match(&a[i], &b[i]))
			return false;
	return true;
}

struct out {
	char *dst;
	size_t size, len;
};

static void put(struct out *o, const char *s, size_t n)
{
	if (o->len + n < o->size)
		memcpy(o->dst + o->len, s, n);
	else
		for (size_t i = 0; i < n; i++)
			if (o->len + i + 1 < o->size)
				o->dst[o->len + i] = s[i];
	o->len += n;
}

static void put_c(struct out *o, uint8_t c)
{
	if (o->len + 1 < o->size)
		o->dst[o->len] = (char)c;
	o->len++;
}

static size_t out_end(struct out *o)
{
	if (o->size)
		o->dst[o->len < o->size ? o->len : o->size - 1] = '\0';
	return o->len;
}

/* Bytes put_escaped() writes as they are wherever they stand (not first, not last): printable
 * ASCII but the RFC 2253 specials. Runs of them are copied whole. */
#define BIT(c) (1ull << ((c) & 63))
static bool plain(uint8_t c)
{
	static const uint64_t not_plain[2] = {
		0xffffffffull | BIT('"') | BIT('+') | BIT(',') | BIT(';') | BIT('<') | BIT('>'),
		BIT('\\') | BIT(0x7f),
	};

	return c < 0x80 && !(not_plain[c >> 6] >> (c & 63) & 1);
}

/* RFC 2253 2.4 escaping as OpenSSL's do_esc_char does it with ASN1_STRFLGS_ESC_2253 and
 * ESC_CTRL (ESC_MSB off): , + " \ < > ; get a backslash, as do # first and space first or
 * last; controls become \XX. Only the last character counts as last, even when it is also the
 * first (so a lone "#" is not escaped). */
static void put_escaped(struct out *o, uint8_t c, bool first, bool last)
{
	static const char hex[] = "0123456789ABCDEF";

	if (c >= 0x80) {
		put_c(o, c);
	} else if (c == ',' || c == '+' || c == '"' || c == '\\' || c == '<' || c == '>' ||
		   c == ';' || (c == '#' && first && !last) || (c == ' ' && (first || last))) {
		put_c(o, '\\');
		put_c(o, c);
	} else if (c < 0x20 || c == 0x7f) {
		if (c == 0) {
			put_c(o, 0); /* OpenSSL writes it raw; x509.c spells NUL as \00 anyway */
			return;
		}
		put_c(o, '\\');
		put_c(o, (uint8_t)hex[c >> 4]);
		put_c(o, (uint8_t)hex[c & 15]);
	} else {
		put_c(o, c);
	}
}

static void put_value(struct out *o, const struct der_name_ent *e)
{
	const uint8_t *v = e->val.p;
	size_t len = e->val.len;

	for (size_t i = 0; i < len; i++) {
		uint8_t c = v[i];

		/* The middle of a value is mostly plain: copied a run at a time, up to the last
		 * byte, which put_escaped() judges. */
		if (i > 0 && i + 1 < len && plain(c)) {
			size_t run = i + 1;

			while (run + 1 < len && plain(v[run]))
				run++;
			put(o, (const char *)v + i, run - i);
			i = run - 1;
			continue;
		}
		if (e->tag != TAG_UTF8 && c >= 0x80) {
			put_c(o, (uint8_t)(0xc0 | c >> 6));
			put_c(o, (uint8_t)(0x80 | (c & 0x3f)));
		} else {
			put_escaped(o, c, i == 0, i + 1 == len);
		}
	}
}

size_t der_name__rfc2253_ents(const struct der_name_ent *ents, int n, char *dst, size_t size)
{
	struct out o = { dst, size, 0 };

	/* XN_FLAG_DN_REV: the most significant RDN last; "+" inside a multi-valued RDN. */
	for (int i = n - 1; i >= 0; i--) {
		if (i != n - 1)
			put_c(&o, ents[i].set == ents[i + 1].set ? '+' : ',');
		put(&o, ents[i].attr->name, strlen(ents[i].attr->name));
		put_c(&o, '=');
		put_value(&o, &ents[i]);
	}
	return out_end(&o);
}

size_t der_name__rfc2253(struct der_span name, char *dst, size_t size)
{
	struct der_name_ent ents[DER_NAME_MAX_ENTRIES];

	return der_name__rfc2253_ents(ents, der_name__entries(name, ents), dst, size);
}

long der_name__cn_ents(const struct der_name_ent *ents, int n, char *dst, size_t size)
{
	struct out o = { dst, size, 0 };
	const uint8_t *v;
	size_t len;
	int last = -1;

	for (int i = 0; i < n; i++)
		if (ents[i].attr == &attrs[0])
			last = i;
	if (last < 0)
		return -1;
	/* ASN1_STRING_to_UTF8: UTF8String as is, the one-byte types from Latin-1. */
	v = ents[last].val.p;
	len = ents[last].val.len;
	for (size_t i = 0; i < len;) {
		size_t run = i;

		while (run < len && (ents[last].tag == TAG_UTF8 || v[run] < 0x80))
			run++;
		put(&o, (const char *)v + i, run - i);
		if (run < len) {
			put_c(&o, (uint8_t)(0xc0 | v[run] >> 6));
			put_c(&o, (uint8_t)(0x80 | (v[run] & 0x3f)));
			run++;
		}
		i = run;
	}
	return (long)out_end(&o);
}

long der_name__cn(struct der_span name, char *dst, size_t size)
{
	struct der_name_ent ents[DER_NAME_MAX_ENTRIES];

	return der_name__cn_ents(ents, der_name__entries(name, ents), dst, size);
}
