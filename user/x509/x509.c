// SPDX-License-Identifier: GPL-2.0-only
/* X.509 certificate analysis: tlsmon's DER reader, else OpenSSL 3 (the cache is x509_cache.c).
 * Every OpenSSL error raised here is popped before returning, so callers never find our errors on
 * their thread's queue. */
#include "x509/x509.h"
#include "x509/x509_int.h"

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

#define NO_OFF SIZE_MAX

/* The variable-length strings of one info are collected here first, then copied behind the
 * struct so that an info is a single allocation. They start in the arena's own first block: a
 * certificate's names and SANs rarely need more, and a new certificate on every handshake made
 * this buffer's malloc and reallocs a visible part of the offline profile. */
#define ARENA_INLINE 512

struct arena {
	char *buf; /* first, or a heap copy once it outgrew first */
	size_t len, cap;
	bool oom;
	char first[ARENA_INLINE];
};

static void arena_init(struct arena *a)
{
	a->buf = a->first;
	a->len = 0;
	a->cap = sizeof(a->first);
	a->oom = false;
}

static void arena_release(struct arena *a)
{
	if (a->buf != a->first)
		free(a->buf);
}

static size_t arena_reserve(struct arena *a, size_t n)
{
	size_t off = a->len;

	if (a->oom)
		return NO_OFF;
	if (a->cap - a->len < n) {
		size_t cap = a->cap;
		char *nb;

		while (cap - a->len < n)
			cap *= 2;
		nb = a->buf == a->first ? malloc(cap) : realloc(a->buf, cap);
		if (!nb) {
			a->oom = true;
			return NO_OFF;
		}
		if (a->buf == a->first)
			memcpy(nb, a->first, a->len);
		a->buf = nb;
		a->cap = cap;
	}
	a->len += n;
	return off;
}

/* Bytes are kept as they are (the JSON writer escapes them), except NUL, which a C string cannot
 * hold: a CN "bank.com\0.evil.com" must not read as "bank.com". RFC 4514 2.4 style "\00". */
static size_t arena_add(struct arena *a, const char *prefix, const void *data, size_t n)
{
	const unsigned char *s = data;
	size_t plen = prefix ? strlen(prefix) : 0, need = plen + 1, off, i;
	char *d;

	for (i = 0; i < n; i++)
		need += s[i] ? 1 : 3;
	off = arena_reserve(a, need);
	if (off == NO_OFF)
		return NO_OFF;
	d = a->buf + off;
	if (plen)
		memcpy(d, prefix, plen);
	d += plen;
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

/* The SAN strings are added last and one after another, so they are found again in finish() from
 * the first one's offset and their count: no per-name offsets to keep. */
struct pending {
	struct x509_info info;
	size_t subject, issuer, cn, san_first, san_bytes;
	struct arena arena;
};

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

static size_t add_name(struct arena *a, const X509_NAME *name)
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
			off = arena_add(a, NULL, data, n > 0 ? (size_t)n : 0);
		}
		BIO_free(bio);
	}
	return off;
}

/* The most specific CN is the last one (RFC 6125 6.4.4 reads the "most specific" CN). */
static size_t add_cn(struct arena *a, const X509_NAME *name)
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
		off = arena_add(a, NULL, utf8, (size_t)n);
	OPENSSL_free(utf8);
	return off;
}

/* Counts every GeneralName; keeps it while under both caps (X509_MAX_SAN names,
 * X509_MAX_SAN_BYTES of text), else marks the list truncated. data: raw bytes after the prefix,
 * or NULL for a prefix alone. */
static void add_san_str(struct pending *pd, const char *prefix, const void *data, size_t len)
{
	struct x509_info *info = &pd->info;
	size_t before = pd->arena.len, off;

	if (info->san_count < UINT32_MAX)
		info->san_count++;
	if (info->san_truncated || info->n_san >= X509_MAX_SAN ||
	    pd->san_bytes + strlen(prefix) + (data ? len : 0) + 1 > X509_MAX_SAN_BYTES) {
		info->san_truncated = true;
		return;
	}
	off = arena_add(&pd->arena, prefix, data, data ? len : 0);
	if (off == NO_OFF)
		return;
	if (pd->san_bytes + (pd->arena.len - before) > X509_MAX_SAN_BYTES) {
		/* over the cap once NULs are escaped: take it back */
		pd->arena.len = before;
		info->san_truncated = true;
		return;
	}
	if (!info->n_san)
		pd->san_first = off;
	pd->san_bytes += pd->arena.len - before;
	info->n_san++;
}

/* RFC 5280 4.2.1.6: 4 octets for IPv4, 16 for IPv6; anything else is shown by its length. */
static void add_san_ip(struct pending *pd, const uint8_t *data, size_t len)
{
	int af = len == 4 ? AF_INET : len == 16 ? AF_INET6 : -1;
	char buf[INET6_ADDRSTRLEN];

	if (af < 0 || !inet_ntop(af, data, buf, sizeof(buf)))
		snprintf(buf, sizeof(buf), "invalid(%d bytes)", (int)len);
	add_san_str(pd, "IP:", buf, strlen(buf));
}

/* An OID in dotted form; "?" when OpenSSL cannot print it. */
static void add_san_oid(struct pending *pd, const char *prefix, const ASN1_OBJECT *oid)
{
	char buf[128];
	int n = oid ? OBJ_obj2txt(buf, sizeof(buf), oid, 1) : -1;

	if (n <= 0 || (size_t)n >= sizeof(buf))
		add_san_str(pd, prefix, "?", 1);
	else
		add_san_str(pd, prefix, buf, (size_t)n);
}

static void add_san_dirname(struct pending *pd, const X509_NAME *name)
{
	/* Rendered like the subject (add_name), then moved under the prefix. */
	struct arena tmp;
	size_t off;

	arena_init(&tmp);
	off = add_name(&tmp, name);
	if (off == NO_OFF)
		add_san_str(pd, "DirName:", "?", 1);
	else
		add_san_str(pd, "DirName:", tmp.buf + off, strlen(tmp.buf + off));
	if (tmp.oom)
		pd->arena.oom = true;
	arena_release(&tmp);
}

static void add_sans(struct pending *pd, X509 *x)
{
	GENERAL_NAMES *gens = X509_get_ext_d2i(x, NID_subject_alt_name, NULL, NULL);
	int i, n = gens ? sk_GENERAL_NAME_num(gens) : 0;

	for (i = 0; i < n; i++) {
		const GENERAL_NAME *g = sk_GENERAL_NAME_value(gens, i);
		const ASN1_STRING *s;

		switch (g->type) {
		case GEN_DNS:
		case GEN_EMAIL:
		case GEN_URI:
			s = g->d.ia5;
			add_san_str(pd, g->type == GEN_DNS ? "DNS:" : g->type == GEN_EMAIL ? "email:" : "URI:",
				    ASN1_STRING_get0_data(s), (size_t)ASN1_STRING_length(s));
			break;
		case GEN_IPADD:
			add_san_ip(pd, ASN1_STRING_get0_data(g->d.ip), (size_t)ASN1_STRING_length(g->d.ip));
			break;
		case GEN_DIRNAME:
			add_san_dirname(pd, g->d.directoryName);
			break;
		case GEN_OTHERNAME:
			add_san_oid(pd, "othername:", g->d.otherName->type_id);
			break;
		case GEN_RID:
			add_san_oid(pd, "RID:", g->d.registeredID);
			break;
		case GEN_X400:
			add_san_str(pd, "X400Name", NULL, 0);
			break;
		case GEN_EDIPARTY:
			add_san_str(pd, "EdiPartyName", NULL, 0);
			break;
		}
	}
	GENERAL_NAMES_free(gens);
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
	pd->subject = add_name(&pd->arena, X509_get_subject_name(x));
	pd->issuer = add_name(&pd->arena, X509_get_issuer_name(x));
	pd->cn = add_cn(&pd->arena, X509_get_subject_name(x));
	set_serial(info, X509_get0_serialNumber(x));
	info->validity_ok = asn1_time_unix(X509_get0_notBefore(x), &info->not_before,
					   info->not_before_str, sizeof(info->not_before_str));
	info->validity_ok &= asn1_time_unix(X509_get0_notAfter(x), &info->not_after,
					    info->not_after_str, sizeof(info->not_after_str));
	set_signature(info, x, &sig_nid);
	pkey = set_key(info, x);
	add_sans(pd, x);
	set_ca(info, x);
	set_self_signed(info, x, pkey, sig_nid);
}

/* A name from the DER reader, rendered as add_name renders it with OpenSSL. The renderers are
 * snprintf-like: one pass into the stack buffer, a second only for a name that does not fit. */
static size_t add_der_name(struct arena *a, struct der_span name, bool cn)
{
	char stack[512], *buf = stack;
	long n = cn ? der_name__cn(name, buf, sizeof(stack)) :
		      (long)der_name__rfc2253(name, buf, sizeof(stack));
	size_t off;

	if (n < 0)
		return NO_OFF;
	if ((size_t)n >= sizeof(stack)) {
		buf = malloc((size_t)n + 1);
		if (!buf) {
			a->oom = true;
			return NO_OFF;
		}
		if (cn)
			der_name__cn(name, buf, (size_t)n + 1);
		else
			der_name__rfc2253(name, buf, (size_t)n + 1);
	}
	off = arena_add(a, NULL, buf, (size_t)n);
	if (buf != stack)
		free(buf);
	return off;
}

/* One GeneralName the DER reader accepted (der_cert.c check_san), written as add_sans writes
 * OpenSSL's. */
static void add_der_san(struct pending *pd, uint8_t tag, struct der_span val)
{
	struct der_span name;
	struct arena tmp;
	size_t off;

	switch (tag) {
	case DER_GN_DNS:
		add_san_str(pd, "DNS:", val.p, val.len);
		break;
	case DER_GN_EMAIL:
		add_san_str(pd, "email:", val.p, val.len);
		break;
	case DER_GN_URI:
		add_san_str(pd, "URI:", val.p, val.len);
		break;
	case DER_GN_IP:
		add_san_ip(pd, val.p, val.len);
		break;
	case DER_GN_DIRNAME:
		/* [4] EXPLICIT Name: its contents are printed like the subject's */
		if (der_get(&val, TAG_SEQ, &name)) {
			add_san_str(pd, "DirName:", "?", 1);
			break;
		}
		arena_init(&tmp);
		off = add_der_name(&tmp, name, false);
		if (off == NO_OFF)
			add_san_str(pd, "DirName:", "?", 1);
		else
			add_san_str(pd, "DirName:", tmp.buf + off, strlen(tmp.buf + off));
		if (tmp.oom)
			pd->arena.oom = true;
		arena_release(&tmp);
		break;
	}
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
	pd->subject = add_der_name(&pd->arena, dc.subject, false);
	pd->issuer = add_der_name(&pd->arena, dc.issuer, false);
	pd->cn = add_der_name(&pd->arena, dc.subject, true);
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
		add_der_san(pd, tag, val);
	info->is_ca = dc.is_ca;
	return true;
}

static struct x509_info *finish(struct pending *pd)
{
	struct x509_info *info;
	char *base;
	uint32_t i;
	size_t ptrs;
	char *s;

	if (pd->arena.oom)
		return NULL;
	/* One allocation sized for this certificate: the struct, its n_san + 1 SAN pointers (NULL
	 * last), then the strings. */
	ptrs = ((size_t)pd->info.n_san + 1) * sizeof(char *);
	info = malloc(sizeof(*info) + ptrs + pd->arena.len);
	if (!info)
		return NULL;
	*info = pd->info;
	info->san = (char **)(info + 1);
	base = (char *)info->san + ptrs;
	if (pd->arena.len)
		memcpy(base, pd->arena.buf, pd->arena.len);
	info->subject = pd->subject != NO_OFF ? base + pd->subject : NULL;
	info->issuer = pd->issuer != NO_OFF ? base + pd->issuer : NULL;
	info->subject_cn = pd->cn != NO_OFF ? base + pd->cn : NULL;
	s = base + pd->san_first;
	for (i = 0; i < info->n_san; i++) {
		info->san[i] = s;
		s += strlen(s) + 1;
	}
	info->san[info->n_san] = NULL;
	info->refs = 1;
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

/* Computed once per certificate analysed (a cache miss); a digest that fails leaves it "". */
static void set_sha1(struct x509_info *info, const uint8_t *der, size_t len)
{
	uint8_t md[20];
	unsigned int n = 0;

	ERR_set_mark();
	if (EVP_Digest(len ? der : (const uint8_t *)"", len, md, &n, EVP_sha1(), NULL) == 1 &&
	    n == sizeof(md))
		hex_lower(info->sha1_hex, md, sizeof(md));
	ERR_pop_to_mark();
}

struct x509_info *x509__analyze_digest(const uint8_t *der, size_t len, const uint8_t digest[32],
				       bool fast)
{
	struct pending pd;
	struct x509_info *info;
	const unsigned char *p = der;
	X509 *x = NULL;
	bool queue_was_empty;

	memset(&pd.info, 0, sizeof(pd.info));
	arena_init(&pd.arena);
	pd.subject = pd.issuer = pd.cn = NO_OFF;
	pd.san_first = pd.san_bytes = 0;
	memcpy(pd.info.sha256, digest, 32);
	hex_lower(pd.info.sha256_hex, digest, 32);
	set_sha1(&pd.info, der, len);
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
	info = finish(&pd);
	arena_release(&pd.arena);
	if (!info)
		errno = ENOMEM;
	return info;
}

bool x509__sha256(EVP_MD_CTX *ctx, const EVP_MD *md, const uint8_t *der, size_t len,
		  uint8_t out[32])
{
	unsigned int n = 0;
	bool ok;

	if (!len)
		der = (const uint8_t *)"";
	ERR_set_mark();
	if (ctx)
		ok = EVP_DigestInit_ex(ctx, md, NULL) == 1 &&
		     EVP_DigestUpdate(ctx, der, len) == 1 && EVP_DigestFinal_ex(ctx, out, &n) == 1;
	else
		ok = EVP_Digest(der, len, out, &n, md, NULL) == 1;
	ERR_pop_to_mark();
	return ok && n == 32;
}

static struct x509_info *analyze_uncached(const uint8_t *der, size_t len, bool fast)
{
	uint8_t digest[32];

	if (!x509__sha256(NULL, EVP_sha256(), der, len, digest)) {
		errno = ENOMEM;
		return NULL;
	}
	return x509__analyze_digest(der, len, digest, fast);
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
	if (info)
		free(info->json);
	free(info);
}
