// SPDX-License-Identifier: GPL-2.0-only
/* X.509 certificate analysis: tlsmon's DER reader, else OpenSSL 3 (the cache is x509_cache.c).
 * Every OpenSSL error raised here is popped before returning, so callers never find our errors on
 * their thread's queue. */
#include "x509/x509.h"
#include "x509/x509_int.h"
#include "x509/x509_strings.h"

#include "x509/der_cert.h"
#include "x509/der_pq.h"
#include "x509/der_name.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/socket.h>

#include <openssl/asn1.h>
#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/core_names.h>
#include <openssl/objects.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

/* Certificates on the wire are bounded by the 24-bit handshake length (RFC 8446 4.4.2); anything
 * larger is not a certificate we could have reassembled, and d2i takes a long. */
#define X509_MAX_DER (1u << 24)

static void hex_lower(char *dst, const uint8_t *src, size_t n)
{
	static const char digits[] = "0123456789abcdef";
	size_t i;

	for (i = 0; i < n; i++) {
		dst[2 * i] = digits[src[i] >> 4];
		dst[2 * i + 1] = digits[src[i] & 15];
	}
	dst[2 * n] = '\0';
}

static void lower_copy(char *dst, size_t size, const char *src)
{
	size_t i;

	for (i = 0; src && src[i] && i + 1 < size; i++)
		dst[i] = (src[i] >= 'A' && src[i] <= 'Z') ? (char)(src[i] - 'A' + 'a') : src[i];
	dst[i] = '\0';
}

/* The oldest error names the cause ("header too long"), the newer ones only wrap it ("nested
 * asn1 error"); if the caller had errors queued, the oldest would be theirs: take the newest. */
static void set_openssl_error(char *dst, size_t size, const char *what, bool queue_was_empty)
{
	unsigned long e = queue_was_empty ? ERR_peek_error() : ERR_peek_last_error();
	const char *reason = e ? ERR_reason_error_string(e) : NULL;

	if (reason)
		snprintf(dst, size, "%s: %s", what, reason);
	else if (e)
		snprintf(dst, size, "%s: error %d", what, ERR_GET_REASON(e));
	else
		snprintf(dst, size, "%s failed", what);
}

/* RFC 5280 4.1.2.5: UTCTime YY >= 50 is 19YY, so 1969 certificates are valid input; ASN1_TIME_to_tm
 * applies that rule and also accepts GeneralizedTime (years 2050 and later). */
static bool asn1_time_unix(const ASN1_TIME *t, int64_t *secs, char *str, size_t size)
{
	struct tm tm;
	int64_t days;

	memset(&tm, 0, sizeof(tm));
	if (!t || ASN1_TIME_to_tm(t, &tm) != 1)
		return false;
	days = der_cert__days_from_civil((int64_t)tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday);
	*secs = days * 86400 + tm.tm_hour * 3600 + tm.tm_min * 60 + tm.tm_sec;
	/* ASN1_TIME_to_tm checked the ranges; the casts only tell the compiler the widths. */
	snprintf(str, size, "%04u-%02u-%02uT%02u:%02u:%02uZ", (unsigned short)(tm.tm_year + 1900),
		 (unsigned char)(tm.tm_mon + 1), (unsigned char)tm.tm_mday,
		 (unsigned char)tm.tm_hour, (unsigned char)tm.tm_min, (unsigned char)tm.tm_sec);
	return true;
}

/* The serial as its DER content octets (two's complement, so a positive serial with the top bit
 * set keeps its leading 00), which is how other tools print it too. */
static void set_serial_hex(struct x509_info *info, const uint8_t *content, size_t clen)
{
	if (clen > (sizeof(info->serial) - 1) / 2) {
		/* Over RFC 5280's 20 octets by far: keep the head and say it was cut. */
		hex_lower(info->serial, content, (sizeof(info->serial) - 4) / 2);
		strcat(info->serial, "...");
	} else {
		hex_lower(info->serial, content, clen);
	}
}

static void set_serial(struct x509_info *info, const ASN1_INTEGER *serial)
{
	unsigned char *der = NULL, *p;
	long clen;
	int len, tag, cls;

	len = i2d_ASN1_INTEGER((ASN1_INTEGER *)serial, &der);
	if (len <= 0)
		return;
	p = der;
	if (!(ASN1_get_object((const unsigned char **)&p, &clen, &tag, &cls, len) & 0x80))
		set_serial_hex(info, p, (size_t)clen);
	OPENSSL_free(der);
}

static void set_hash_name(char *dst, size_t size, int md_nid)
{
	const char *sn = md_nid != NID_undef ? OBJ_nid2sn(md_nid) : NULL;

	lower_copy(dst, size, sn ? sn : "");
}

/* RSASSA-PSS names its hash in the parameters; absent means SHA-1 (RFC 4055 3.1). */
static void set_pss_hash(struct x509_info *info, const X509_ALGOR *alg)
{
	RSA_PSS_PARAMS *pss = NULL;

	if (alg->parameter && alg->parameter->type == V_ASN1_SEQUENCE)
		pss = ASN1_TYPE_unpack_sequence(ASN1_ITEM_rptr(RSA_PSS_PARAMS), alg->parameter);
	if (!pss)
		return;
	if (pss->hashAlgorithm)
		set_hash_name(info->sig_hash, sizeof(info->sig_hash),
			      OBJ_obj2nid(pss->hashAlgorithm->algorithm));
	else
		lower_copy(info->sig_hash, sizeof(info->sig_hash), "sha1");
	RSA_PSS_PARAMS_free(pss);
}

/* Whether OpenSSL could check this signature at all: md2 has no provider in OpenSSL 3, md4 lives
 * in the legacy provider, and unknown signature OIDs have no method. */
static bool sig_verifiable(int sig_nid)
{
	int md_nid, pkey_nid;
	EVP_MD *md;

	if (sig_nid == NID_undef || !OBJ_find_sigid_algs(sig_nid, &md_nid, &pkey_nid))
		return false;
	if (md_nid == NID_undef)
		return true; /* Ed25519/Ed448 and RSA-PSS carry or imply their hash */
	md = EVP_MD_fetch(NULL, OBJ_nid2sn(md_nid), NULL);
	EVP_MD_free(md);
	return md != NULL;
}

static void set_signature(struct x509_info *info, const X509 *x, int *sig_nid)
{
	const X509_ALGOR *alg = NULL;
	const ASN1_OBJECT *obj = NULL;
	int md_nid = NID_undef, pkey_nid;

	X509_get0_signature(NULL, &alg, x);
	if (alg)
		X509_ALGOR_get0(&obj, NULL, NULL, alg);
	*sig_nid = obj ? OBJ_obj2nid(obj) : NID_undef;
	if (!obj || OBJ_obj2txt(info->sig_oid, sizeof(info->sig_oid), obj, 1) <= 0)
		snprintf(info->sig_oid, sizeof(info->sig_oid), "?");
	if (*sig_nid != NID_undef && OBJ_nid2ln(*sig_nid))
		snprintf(info->sig_name, sizeof(info->sig_name), "%s", OBJ_nid2ln(*sig_nid));
	else
		snprintf(info->sig_name, sizeof(info->sig_name), "%s", info->sig_oid);

	if (*sig_nid == NID_rsassaPss)
		set_pss_hash(info, alg);
	else if (*sig_nid != NID_undef && OBJ_find_sigid_algs(*sig_nid, &md_nid, &pkey_nid))
		set_hash_name(info->sig_hash, sizeof(info->sig_hash), md_nid);
}

/* One name per curve everywhere: a certificate's curve is reported under the name the TLS
 * Supported Groups registry gives it (RFC 8422 5.1.1, the SEC 2 names), as key_exchange.group
 * is, not under OpenSSL's X9.62 aliases. Curves TLS has no group for keep OpenSSL's name. */
static const char *tls_curve_name(const char *openssl_name)
{
	if (!strcmp(openssl_name, "prime256v1"))
		return "secp256r1";
	if (!strcmp(openssl_name, "prime192v1"))
		return "secp192r1";
	return openssl_name;
}

static const char *key_type_name(const EVP_PKEY *pkey)
{
	switch (EVP_PKEY_get_base_id(pkey)) {
	case EVP_PKEY_RSA:
		return "RSA";
	case EVP_PKEY_RSA_PSS:
		return "RSA-PSS";
	case EVP_PKEY_DSA:
		return "DSA";
	case EVP_PKEY_EC:
		return "EC";
	case EVP_PKEY_ED25519:
		return "Ed25519";
	case EVP_PKEY_ED448:
		return "Ed448";
	case EVP_PKEY_X25519:
		return "X25519";
	case EVP_PKEY_X448:
		return "X448";
	case EVP_PKEY_DH:
		return "DH";
	case EVP_PKEY_DHX:
		return "DHX";
	case EVP_PKEY_SM2:
		return "SM2";
	default:
		return EVP_PKEY_get0_type_name(pkey);
	}
}

static EVP_PKEY *set_key(struct x509_info *info, X509 *x)
{
	EVP_PKEY *pkey = X509_get0_pubkey(x);
	const char *type = pkey ? key_type_name(pkey) : NULL;
	char group[sizeof(info->curve)];

	if (!pkey || !type) {
		/* Unknown to OpenSSL (e.g. ML-DSA on 3.0) or undecodable: name it by its OID. */
		ASN1_OBJECT *alg = NULL;

		if (!X509_PUBKEY_get0_param(&alg, NULL, NULL, NULL, X509_get_X509_PUBKEY(x)) ||
		    !alg || OBJ_obj2txt(info->key_type, sizeof(info->key_type), alg, 1) <= 0)
			snprintf(info->key_type, sizeof(info->key_type), "?");
		return pkey;
	}
	snprintf(info->key_type, sizeof(info->key_type), "%s", type);
	info->key_bits = EVP_PKEY_get_bits(pkey);
	if (info->key_bits < 0)
		info->key_bits = 0;
	/* Explicit curve parameters (CVE-2020-0601 style) have no group name: curve stays "". */
	if (EVP_PKEY_get_base_id(pkey) == EVP_PKEY_EC || EVP_PKEY_get_base_id(pkey) == EVP_PKEY_SM2)
		if (EVP_PKEY_get_utf8_string_param(pkey, OSSL_PKEY_PARAM_GROUP_NAME, group,
						   sizeof(group), NULL))
			snprintf(info->curve, sizeof(info->curve), "%s", tls_curve_name(group));
	return pkey;
}

static bool key_ids_match(X509 *x)
{
	const ASN1_OCTET_STRING *skid = X509_get0_subject_key_id(x);
	const ASN1_OCTET_STRING *akid = X509_get0_authority_key_id(x);

	return !skid || !akid || ASN1_OCTET_STRING_cmp(skid, akid) == 0;
}

static void set_self_signed(struct x509_info *info, X509 *x, EVP_PKEY *pkey, int sig_nid)
{
	info->self_issued = X509_NAME_cmp(X509_get_subject_name(x), X509_get_issuer_name(x)) == 0;
	if (!info->self_issued)
		return;
	if (pkey && X509_verify(x, pkey) == 1) {
		info->self_signed = true;
		return;
	}
	/* A signature we cannot check (md2 roots, unknown algorithms or keys) is judged by the
	 * names and, where both are present, the key identifiers: a self-signed certificate's
	 * AKID names its own key (RFC 5280 4.2.1.1, 4.2.1.2). */
	if (!pkey || !sig_verifiable(sig_nid))
		info->self_signed = key_ids_match(x);
}

static void set_ca(struct x509_info *info, X509 *x)
{
	int crit = 0;
	BASIC_CONSTRAINTS *bc = X509_get_ext_d2i(x, NID_basic_constraints, &crit, NULL);

	info->is_ca = bc && bc->ca;
	BASIC_CONSTRAINTS_free(bc);
}

static void analyze_parsed(struct pending *pd, X509 *x)
{
	struct x509_info *info = &pd->info;
	EVP_PKEY *pkey;
	int sig_nid;

	info->parsed = true;
	pd->subject = x509__add_name(&pd->arena, X509_get_subject_name(x));
	pd->issuer = x509__add_name(&pd->arena, X509_get_issuer_name(x));
	pd->cn = x509__add_cn(&pd->arena, X509_get_subject_name(x));
	set_serial(info, X509_get0_serialNumber(x));
	info->validity_ok = asn1_time_unix(X509_get0_notBefore(x), &info->not_before,
					   info->not_before_str, sizeof(info->not_before_str));
	info->validity_ok &= asn1_time_unix(X509_get0_notAfter(x), &info->not_after,
					    info->not_after_str, sizeof(info->not_after_str));
	set_signature(info, x, &sig_nid);
	pkey = set_key(info, x);
	x509_san__add_openssl(pd, x);
	set_ca(info, x);
	set_self_signed(info, x, pkey, sig_nid);
}

/* snprintf(dst, size, "%s", src) without printf, which was seven calls per new certificate. */
static void copy_str(char *dst, size_t size, const char *src)
{
	size_t n;

	if (!src)
		src = "(null)"; /* what glibc's printf writes */
	n = strlen(src);
	if (n > size - 1)
		n = size - 1;
	memcpy(dst, src, n);
	dst[n] = '\0';
}

/* The fast path: the same fields from tlsmon's own DER reader, for the certificates it can
 * report exactly as OpenSSL would (never self-issued ones, so self_signed stays false). */
static bool analyze_der(struct pending *pd, const uint8_t *der, size_t len)
{
	struct x509_info *info = &pd->info;
	struct der_cert dc;
	struct der_span it, val;
	uint8_t tag;

	if (der_cert__read(der, len, &dc))
		return false;
	info->parsed = true;
	pd->subject =
		x509__add_der_name_ents(&pd->arena, dc.subject_ents, dc.n_subject_ents, false);
	pd->issuer = x509__add_der_name_ents(&pd->arena, dc.issuer_ents, dc.n_issuer_ents, false);
	pd->cn = x509__add_der_name_ents(&pd->arena, dc.subject_ents, dc.n_subject_ents, true);
	set_serial_hex(info, dc.serial.p, dc.serial.len);
	info->validity_ok = true;
	info->not_before = dc.not_before;
	info->not_after = dc.not_after;
	copy_str(info->not_before_str, sizeof(info->not_before_str), dc.not_before_str);
	copy_str(info->not_after_str, sizeof(info->not_after_str), dc.not_after_str);
	copy_str(info->sig_oid, sizeof(info->sig_oid), dc.sig_oid);
	copy_str(info->sig_name, sizeof(info->sig_name), dc.sig_name);
	copy_str(info->sig_hash, sizeof(info->sig_hash), dc.sig_hash);
	copy_str(info->key_type, sizeof(info->key_type), dc.key_type);
	info->key_bits = dc.key_bits;
	copy_str(info->curve, sizeof(info->curve), tls_curve_name(dc.curve));
	for (it = dc.san; der_cert__next_san(&it, &tag, &val);)
		x509_san__add_der(pd, tag, val);
	info->is_ca = dc.is_ca;
	return true;
}

/* keep: the DER to copy at the end of the block (der_len bytes), or NULL. */
static struct x509_info *finish(struct pending *pd, const uint8_t *keep)
{
	struct x509_info *info;
	char *base, **san;
	const char *s;
	uint32_t i, n_san = pd->info.n_san;
	size_t ptrs, keep_len = keep ? pd->info.der_len : 0;

	if (pd->arena.oom)
		return NULL;
	/* One allocation sized for this certificate: the struct, its n_san + 1 SAN pointers (NULL
	 * last), the strings, then the DER when kept. */
	ptrs = ((size_t)n_san + 1) * sizeof(char *);
	info = malloc(sizeof(*info) + ptrs + pd->arena.len + keep_len);
	if (!info)
		return NULL;
	/* Everything below is written, never read back: the block is usually memory an evicted
	 * certificate left long ago, and a load from a line still being fetched for the copy's
	 * stores waited for it (most of this function's time on a capture of new certificates).
	 * The SAN strings are measured in the arena. */
	san = (char **)(info + 1);
	base = (char *)san + ptrs;
	pd->info.san = san;
	pd->info.subject = pd->subject != NO_OFF ? base + pd->subject : NULL;
	pd->info.issuer = pd->issuer != NO_OFF ? base + pd->issuer : NULL;
	pd->info.subject_cn = pd->cn != NO_OFF ? base + pd->cn : NULL;
	pd->info.refs = 1;
	pd->info.der = keep ? (const uint8_t *)base + pd->arena.len : NULL;
	*info = pd->info;
	if (pd->arena.len)
		memcpy(base, pd->arena.buf, pd->arena.len);
	if (keep_len)
		memcpy(base + pd->arena.len, keep, keep_len);
	s = pd->arena.buf + pd->san_first;
	for (i = 0; i < n_san; i++) {
		san[i] = base + (s - pd->arena.buf);
		s += strlen(s) + 1;
	}
	san[n_san] = NULL;
	return info;
}

/* OpenSSL first, or only: the DER reader handles most certificates in a fraction of the time
 * d2i_X509 takes, and hands the rest to OpenSSL. */
/* OpenSSL 3.0 knows neither ML-DSA nor SLH-DSA: it takes such a certificate but names its
 * algorithms by OID and decodes no key. The DER names them, and the key's length is fixed by its
 * parameter set. */
static void set_pq(struct x509_info *info, const uint8_t *der, size_t len)
{
	const struct der_pq_alg *sig, *key;

	der_pq__read(der, len, &sig, &key);
	if (sig) {
		info->pq_sig = true;
		copy_str(info->sig_name, sizeof(info->sig_name), sig->name);
		info->sig_hash[0] = '\0'; /* pure ML-DSA / SLH-DSA: no separate hash to judge */
	}
	if (key) {
		copy_str(info->key_type, sizeof(info->key_type), key->name);
		info->key_bits = 8 * key->pub_len;
		info->curve[0] = '\0';
		info->pq_pub_len = key->pub_len;
		info->pq_level = key->nist_level;
	}
}

struct x509_info *x509__analyze_digest(const uint8_t *der, size_t len, const uint8_t digest[32],
				       const uint8_t sha1[20], bool fast, bool keep_der)
{
	struct pending pd;
	struct x509_info *info;
	const unsigned char *p = der;
	X509 *x = NULL;
	bool queue_was_empty;

	memset(&pd.info, 0, sizeof(pd.info));
	arena__init(&pd.arena);
	pd.subject = pd.issuer = pd.cn = NO_OFF;
	pd.san_first = pd.san_bytes = 0;
	memcpy(pd.info.sha256, digest, 32);
	hex_lower(pd.info.sha256_hex, digest, 32);
	hex_lower(pd.info.sha1_hex, sha1, 20);
	pd.info.der_len = len > UINT32_MAX ? UINT32_MAX : (uint32_t)len;

	if (fast && len && len <= X509_MAX_DER && analyze_der(&pd, der, len))
		goto done;
	queue_was_empty = ERR_peek_error() == 0;
	ERR_set_mark();
	if (len == 0 || len > X509_MAX_DER) {
		snprintf(pd.info.error, sizeof(pd.info.error), "d2i_X509: bad length %zu", len);
	} else if (!(x = d2i_X509(NULL, &p, (long)len))) {
		set_openssl_error(pd.info.error, sizeof(pd.info.error), "d2i_X509",
				  queue_was_empty);
	} else {
		/* RFC 5280 4.1: one Certificate SEQUENCE. The hash still covers the whole input,
		 * as it came off the wire. */
		size_t used = (size_t)(p - der);

		if (used != len)
			snprintf(pd.info.error, sizeof(pd.info.error),
				 "%zu trailing bytes after the certificate", len - used);
		analyze_parsed(&pd, x);
		set_pq(&pd.info, der, len);
	}
	X509_free(x);
	ERR_pop_to_mark();
done:
	info = finish(&pd, keep_der && len <= UINT32_MAX ? der : NULL);
	arena__release(&pd.arena);
	if (!info)
		errno = ENOMEM;
	return info;
}

static struct x509_info *analyze_uncached(const uint8_t *der, size_t len, bool fast)
{
	uint8_t digest[32], sha1[20];

	x509__digests(der, len, digest, sha1);
	return x509__analyze_digest(der, len, digest, sha1, fast, false);
}

struct x509_info *x509__analyze(const uint8_t *der, size_t len)
{
	return analyze_uncached(der, len, true);
}

struct x509_info *x509__analyze_openssl(const uint8_t *der, size_t len)
{
	return analyze_uncached(der, len, false);
}

bool x509__der_reader_takes(const uint8_t *der, size_t len)
{
	struct der_cert dc;

	return len && len <= X509_MAX_DER && der_cert__read(der, len, &dc) == 0;
}

void x509_info__free(struct x509_info *info)
{
	if (info) {
		shared_text__put(info->json);
		free(info->policy_memo);
	}
	free(info);
}
