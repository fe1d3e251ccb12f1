// SPDX-License-Identifier: GPL-2.0-only
/* The strings of a certificate analysis: the arena they are collected in, and names (subject,
 * issuer, CN) rendered into it by OpenSSL or from the DER reader's spans. */
#include "x509/x509_strings.h"

#include "x509/der_name.h"

#include <stdlib.h>
#include <string.h>

#include <openssl/asn1.h>
#include <openssl/bio.h>
#include <openssl/objects.h>

void arena__init(struct arena *a)
{
	a->buf = a->first;
	a->len = 0;
	a->cap = sizeof(a->first);
	a->oom = false;
}

void arena__release(struct arena *a)
{
	if (a->buf != a->first)
		free(a->buf);
}

/* Room for n more bytes after len; false (oom set) without memory. */
static bool arena_room(struct arena *a, size_t n)
{
	size_t cap = a->cap;
	char *nb;

	if (a->oom)
		return false;
	if (a->cap - a->len >= n)
		return true;
	while (cap - a->len < n)
		cap *= 2;
	nb = a->buf == a->first ? malloc(cap) : realloc(a->buf, cap);
	if (!nb) {
		a->oom = true;
		return false;
	}
	if (a->buf == a->first)
		memcpy(nb, a->first, a->len);
	a->buf = nb;
	a->cap = cap;
	return true;
}

static size_t arena_reserve(struct arena *a, size_t n)
{
	size_t off = a->len;

	if (!arena_room(a, n))
		return NO_OFF;
	a->len += n;
	return off;
}

/* Bytes are kept as they are (the JSON writer escapes them), except NUL, which a C string cannot
 * hold: a CN "bank.com\0.evil.com" must not read as "bank.com". RFC 4514 2.4 style "\00". */
size_t arena__add(struct arena *a, const char *prefix, const void *data, size_t n)
{
	const unsigned char *s = data;
	size_t plen = prefix ? strlen(prefix) : 0, need = plen + 1, off, i;
	bool nul = n && memchr(s, 0, n);
	char *d;

	for (i = 0; nul && i < n; i++)
		need += s[i] ? 0 : 2;
	need += n;
	off = arena_reserve(a, need);
	if (off == NO_OFF)
		return NO_OFF;
	d = a->buf + off;
	if (plen)
		memcpy(d, prefix, plen);
	d += plen;
	if (!nul) {
		/* the usual case: copied whole */
		if (n)
			memcpy(d, s, n);
		d[n] = '\0';
		return off;
	}
	for (i = 0; i < n; i++) {
		if (s[i]) {
			*d++ = (char)s[i];
		} else {
			memcpy(d, "\\00", 3);
			d += 3;
		}
	}
	*d = '\0';
	return off;
}

size_t x509__add_name(struct arena *a, const X509_NAME *name)
{
	/* Raw UTF-8 instead of \XX escapes for non-ASCII; controls stay escaped. A string that
	 * does not decode (a BMPString of odd length) fails the whole name: then dump it as hex. */
	static const unsigned long flags[] = { XN_FLAG_RFC2253 & ~ASN1_STRFLGS_ESC_MSB,
					       XN_FLAG_RFC2253 | ASN1_STRFLGS_DUMP_ALL };
	size_t off = NO_OFF, i;

	if (!name)
		return NO_OFF;
	for (i = 0; i < sizeof(flags) / sizeof(flags[0]) && off == NO_OFF; i++) {
		BIO *bio = BIO_new(BIO_s_mem());
		char *data;
		long n;

		if (!bio) {
			a->oom = true;
			return NO_OFF;
		}
		if (X509_NAME_print_ex(bio, name, 0, flags[i]) >= 0) {
			n = BIO_get_mem_data(bio, &data);
			off = arena__add(a, NULL, data, n > 0 ? (size_t)n : 0);
		}
		BIO_free(bio);
	}
	return off;
}

/* The most specific CN is the last one (RFC 6125 6.4.4 reads the "most specific" CN). */
size_t x509__add_cn(struct arena *a, const X509_NAME *name)
{
	int i = -1, last = -1;
	unsigned char *utf8 = NULL;
	size_t off = NO_OFF;
	int n;

	while ((i = X509_NAME_get_index_by_NID(name, NID_commonName, i)) >= 0)
		last = i;
	if (last < 0)
		return NO_OFF;
	n = ASN1_STRING_to_UTF8(&utf8, X509_NAME_ENTRY_get_data(X509_NAME_get_entry(name, last)));
	if (n >= 0)
		off = arena__add(a, NULL, utf8, (size_t)n);
	OPENSSL_free(utf8);
	return off;
}

static long render_name(const struct der_name_ent *ents, int n, bool cn, char *dst, size_t size)
{
	return cn ? der_name__cn_ents(ents, n, dst, size) :
		    (long)der_name__rfc2253_ents(ents, n, dst, size);
}

/* A name from the DER reader, rendered as add_name renders it with OpenSSL, straight into the
 * arena's free room (the renderers are snprintf-like: a second pass only for a name that does not
 * fit). A NUL inside a value (rare) goes through arena__add, which spells it \00. */
size_t x509__add_der_name_ents(struct arena *a, const struct der_name_ent *ents, int n, bool cn)
{
	size_t off = a->len;
	long len;
	char *copy;

	if (a->oom)
		return NO_OFF;
	len = render_name(ents, n, cn, a->buf + off, a->cap - off);
	if (len < 0)
		return NO_OFF;
	if ((size_t)len >= a->cap - off) {
		if (!arena_room(a, (size_t)len + 1))
			return NO_OFF;
		render_name(ents, n, cn, a->buf + off, (size_t)len + 1);
	}
	if (!memchr(a->buf + off, 0, (size_t)len)) {
		a->len = off + (size_t)len + 1;
		return off;
	}
	copy = malloc((size_t)len);
	if (!copy) {
		a->oom = true;
		return NO_OFF;
	}
	memcpy(copy, a->buf + off, (size_t)len);
	off = arena__add(a, NULL, copy, (size_t)len);
	free(copy);
	return off;
}

size_t x509__add_der_name(struct arena *a, struct der_span name, bool cn)
{
	struct der_name_ent ents[DER_NAME_MAX_ENTRIES];

	return x509__add_der_name_ents(a, ents, der_name__entries(name, ents), cn);
}
