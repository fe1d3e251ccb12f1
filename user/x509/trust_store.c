// SPDX-License-Identifier: GPL-2.0-only
/* The trust store: a PEM bundle read here, or a hashed directory OpenSSL looks up. */
#include "x509/trust_store.h"
#include "x509/der.h"
#include "x509/trust.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <openssl/err.h>
#include <openssl/evp.h>

/* A CA certificate of a PEM bundle, d2i'd only when a chain names it (OpenSSL decoding every
 * certificate of the system bundle took 57 ms, more than reading a capture of 5,000 handshakes
 * that use a few of them). */
struct trust_anchor {
	struct der_span der, issuer, subject; /* into trust_store.bundle; names: content octets */
	X509 *x; /* NULL until needed */
	bool unparsable;
};

#define TRUST_MAX_BUNDLE_BYTES (64u << 20)
#define TRUST_MAX_ANCHORS 65536
#define TRUST_MAX_DEPTH 8 /* store certificates above each other that one chain may need */

int trust_store__init(struct trust_store *t, const char *path)
{
	memset(t, 0, sizeof(*t));
	t->path = strdup(path);
	return t->path ? 0 : -ENOMEM;
}

void trust_store__fini(struct trust_store *t)
{
	X509_STORE_free(t->store);
	for (uint32_t i = 0; i < t->n_anchors; i++)
		X509_free(t->anchors[i].x);
	free(t->anchors);
	free(t->bundle);
	free(t->path);
	memset(t, 0, sizeof(*t));
}

/* RFC 5280 4.1: the issuer and subject names (content octets) of a DER certificate. */
static int cert_names(const uint8_t *der, size_t len, struct der_span *issuer,
		      struct der_span *subject)
{
	struct der_span c = { der, len }, cert, tbs, skip;
	uint8_t tag;

	if (der_get(&c, TAG_SEQ, &cert) || der_get(&cert, TAG_SEQ, &tbs))
		return -EINVAL;
	if (der_peek(&tbs, 0xa0) && der_any(&tbs, &tag, &skip)) /* [0] version */
		return -EINVAL;
	if (der_get(&tbs, TAG_INTEGER, &skip) || der_get(&tbs, TAG_SEQ, &skip) ||
	    der_get(&tbs, TAG_SEQ, issuer) || der_get(&tbs, TAG_SEQ, &skip) ||
	    der_get(&tbs, TAG_SEQ, subject))
		return -EINVAL;
	return 0;
}

static char *read_file(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *buf = NULL;
	size_t cap = 0, n = 0, k;

	if (!f)
		return NULL;
	for (;;) {
		if (n + 65536 > cap) {
			char *nb;

			if (cap >= TRUST_MAX_BUNDLE_BYTES)
				break;
			cap = cap ? 2 * cap : 262144;
			nb = realloc(buf, cap + 1);
			if (!nb)
				break;
			buf = nb;
		}
		k = fread(buf + n, 1, cap - n, f);
		n += k;
		if (k == 0)
			break;
	}
	if (ferror(f) || !buf || !feof(f)) {
		free(buf);
		buf = NULL;
	} else {
		buf[n] = '\0';
		*len = n;
	}
	fclose(f);
	return buf;
}

/* The CERTIFICATE blocks of a PEM bundle (RFC 7468 5), base64-decoded into t->bundle and
 * indexed by name. Other blocks are skipped. Returns how many, or -1. */
static int load_bundle(struct trust_store *t)
{
	static const char begin[] = "-----BEGIN CERTIFICATE-----", end[] = "-----END CERTIFICATE-----";
	size_t len = 0, out = 0, cap_anchors = 0;
	char *text = read_file(t->path, &len), *p, *q;
	EVP_ENCODE_CTX *dec = EVP_ENCODE_CTX_new();
	int n, k;

	if (!text || !dec)
		goto fail;
	t->bundle = malloc(len / 4 * 3 + 16); /* base64 never decodes to more */
	if (!t->bundle)
		goto fail;
	for (p = strstr(text, begin); p; p = strstr(q + sizeof(end) - 1, begin)) {
		size_t start = out;
		struct trust_anchor *a;

		p += sizeof(begin) - 1;
		q = strstr(p, end);
		if (!q)
			break;
		EVP_DecodeInit(dec);
		if (EVP_DecodeUpdate(dec, t->bundle + out, &n, (const unsigned char *)p,
				     (int)(q - p)) < 0 ||
		    EVP_DecodeFinal(dec, t->bundle + out + n, &k) < 0)
			continue;
		out += (size_t)n + (size_t)k;
		if (t->n_anchors >= TRUST_MAX_ANCHORS)
			break;
		if (t->n_anchors == cap_anchors) {
			struct trust_anchor *na;

			cap_anchors = cap_anchors ? 2 * cap_anchors : 256;
			na = realloc(t->anchors, cap_anchors * sizeof(*na));
			if (!na)
				goto fail;
			t->anchors = na;
		}
		a = &t->anchors[t->n_anchors];
		memset(a, 0, sizeof(*a));
		a->der.p = t->bundle + start;
		a->der.len = out - start;
		if (cert_names(a->der.p, a->der.len, &a->issuer, &a->subject)) {
			out = start; /* not a certificate: dropped */
			continue;
		}
		t->n_anchors++;
	}
	EVP_ENCODE_CTX_free(dec);
	free(text);
	return (int)t->n_anchors;

fail:
	EVP_ENCODE_CTX_free(dec);
	free(text);
	return -1;
}

int trust_store__load(struct trust_store *t, char *err, size_t err_size)
{
	struct stat st;
	const char *why = NULL;
	int ok;

	if (t->load_tried) {
		if (!t->store && err_size)
			snprintf(err, err_size, "%s: could not be loaded", t->path);
		return t->store ? 0 : -1;
	}
	t->load_tried = true;
	if (stat(t->path, &st)) {
		if (err_size)
			snprintf(err, err_size, "%s: %s", t->path, strerror(errno));
		return -1;
	}
	t->is_dir = S_ISDIR(st.st_mode);
	t->store = X509_STORE_new();
	if (!t->store) {
		why = "out of memory";
	} else if (t->is_dir) {
		/* A directory is looked up by subject hash as certificates are needed (c_rehash). */
		ERR_clear_error();
		ok = X509_STORE_load_path(t->store, t->path);
		if (!ok) {
			unsigned long e = ERR_peek_last_error();

			why = e ? ERR_reason_error_string(e) : "not a certificate directory";
		}
	} else if (load_bundle(t) <= 0) {
		why = errno == ENOMEM ? "out of memory" : "no PEM certificate in it";
	}
	ERR_clear_error();
	if (why) {
		if (err_size)
			snprintf(err, err_size, "%s: %s", t->path, why);
		X509_STORE_free(t->store);
		t->store = NULL;
		return -1;
	}
	return 0;
}

static bool span_eq(struct der_span a, struct der_span b)
{
	return a.len == b.len && !memcmp(a.p, b.p, a.len);
}

/* The bundle's certificates a chain can reach: those named as issuer (or subject, for partial
 * chains) by a chain certificate, then by those, up to TRUST_MAX_DEPTH levels. Names are
 * matched byte for byte (OpenSSL compares canonical forms; CAs encode a name the same way in
 * the certificates they issue). */
STACK_OF(X509) *trust_store__anchors(struct trust_store *t, const uint8_t *const der[],
				      const uint32_t len[], unsigned n)
{
	struct der_span want[2 * X509_TRUST_MAX_CHAIN + TRUST_MAX_DEPTH * 4];
	STACK_OF(X509) *sk = sk_X509_new_null();
	unsigned n_want = 0, from = 0;
	struct der_span is, sub;

	if (!sk)
		return NULL;
	for (unsigned i = 0; i < n; i++) {
		if (cert_names(der[i], len[i], &is, &sub))
			continue;
		want[n_want++] = is;
		want[n_want++] = sub;
	}
	for (unsigned level = 0; level < TRUST_MAX_DEPTH && from < n_want; level++) {
		unsigned upto = n_want;

		for (uint32_t a = 0; a < t->n_anchors; a++) {
			struct trust_anchor *an = &t->anchors[a];
			bool hit = false;

			if (an->unparsable)
				continue;
			for (unsigned w = from; w < upto && !hit; w++)
				hit = span_eq(an->subject, want[w]);
			if (!hit)
				continue;
			if (!an->x) {
				const unsigned char *p = an->der.p;

				an->x = d2i_X509(NULL, &p, (long)an->der.len);
				if (!an->x) {
					an->unparsable = true;
					continue;
				}
			}
			/* each certificate once; its issuer is looked for at the next level */
			if (sk_X509_find(sk, an->x) >= 0)
				continue;
			if (!sk_X509_push(sk, an->x))
				continue;
			if (n_want < sizeof(want) / sizeof(want[0]))
				want[n_want++] = an->issuer;
		}
		from = upto;
	}
	return sk;
}
