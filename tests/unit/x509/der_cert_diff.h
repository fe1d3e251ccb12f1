// SPDX-License-Identifier: GPL-2.0-only
/* The comparison the der_cert tests make: x509__analyze (DER reader first) against
 * x509__analyze_openssl, field by field, with a tally of certificates, fast-path takes and
 * mismatches. */
#ifndef TLSMON_TEST_DER_CERT_DIFF_H
#define TLSMON_TEST_DER_CERT_DIFF_H

#include <dirent.h>
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/objects.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "check.h"
#include "x509/der_cert.h"
#include "x509/x509.h"

struct tally {
	unsigned total, fast, mismatches;
};

static inline bool str_eq(const char *a, const char *b)
{
	return (!a && !b) || (a && b && !strcmp(a, b));
}

#define FIELD(cond, name)                                                                        \
	do {                                                                                     \
		if (!(cond)) {                                                                   \
			fprintf(stderr, "  %s: %s differs\n", label, name);                      \
			bad = true;                                                              \
		}                                                                                \
	} while (0)
#define SFIELD(f)                                                                                \
	do {                                                                                     \
		if (!str_eq(a->f, b->f)) {                                                       \
			fprintf(stderr, "  %s: " #f " \"%s\" (fast), \"%s\" (openssl)\n",      \
				label, a->f ? a->f : "(null)", b->f ? b->f : "(null)");          \
			bad = true;                                                              \
		}                                                                                \
	} while (0)

/* Every field of the info, as the rest of tlsmon sees it. */
static inline bool same_info(const struct x509_info *a, const struct x509_info *b,
			     const char *label)
{
	bool bad = false;

	FIELD(!memcmp(a->sha256, b->sha256, 32), "sha256");
	SFIELD(sha256_hex);
	FIELD(a->der_len == b->der_len, "der_len");
	FIELD(a->parsed == b->parsed, "parsed");
	SFIELD(error);
	SFIELD(subject);
	SFIELD(issuer);
	SFIELD(subject_cn);
	SFIELD(serial);
	FIELD(a->not_before == b->not_before && a->not_after == b->not_after, "validity");
	FIELD(a->validity_ok == b->validity_ok, "validity_ok");
	SFIELD(not_before_str);
	SFIELD(not_after_str);
	SFIELD(sig_name);
	SFIELD(sig_oid);
	SFIELD(sig_hash);
	SFIELD(key_type);
	FIELD(a->key_bits == b->key_bits, "key_bits");
	SFIELD(curve);
	SFIELD(sha1_hex);
	FIELD(a->n_san == b->n_san, "n_san");
	FIELD(a->san_count == b->san_count, "san_count");
	FIELD(a->san_truncated == b->san_truncated, "san_truncated");
	for (unsigned i = 0; i < a->n_san && i < b->n_san; i++)
		SFIELD(san[i]);
	FIELD(a->self_signed == b->self_signed, "self_signed");
	FIELD(a->self_issued == b->self_issued, "self_issued");
	FIELD(a->is_ca == b->is_ca, "is_ca");
	return !bad;
}

static inline bool diff_one(const uint8_t *der, size_t len, const char *label, struct tally *t)
{
	struct x509_info *a = x509__analyze(der, len), *b = x509__analyze_openssl(der, len);
	bool ok = a && b && same_info(a, b, label);

	t->total++;
	t->fast += x509__der_reader_takes(der, len);
	t->mismatches += !ok;
	x509_info__free(a);
	x509_info__free(b);
	return ok;
}

static inline void report(const char *what, const struct tally *t)
{
	printf("  %s: %u certificates, %u on the DER reader, %u differ\n", what, t->total, t->fast,
	       t->mismatches);
}

static inline struct tally diff_x509(X509 *x, const char *label, struct tally *t)
{
	unsigned char *der = NULL;
	int n = x ? i2d_X509(x, &der) : -1;

	CHECK(n > 0);
	if (n > 0)
		CHECK(diff_one(der, (size_t)n, label, t));
	OPENSSL_free(der);
	return *t;
}

/* ---- the tables ---- */
#endif
