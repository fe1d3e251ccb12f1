// SPDX-License-Identifier: GPL-2.0
/* CycloneDX 1.6 (ECMA-424) CBOM from the endpoint tables. Field names and enumerations follow
 * the bom-1.6 JSON schema: components of type "cryptographic-asset" whose cryptoProperties
 * carry assetType protocol, certificate, algorithm or related-crypto-material. */
#include "out/cbom.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "out/endpoints_out.h"
#include "out/report.h"
#include "tls/tls_names.h"
#include "verdict/policy.h"

#ifndef TLSMON_VERSION
#define TLSMON_VERSION "dev"
#endif

/* The bom-refs already written: each asset appears once however many endpoints share it. */
struct ref_set {
	char **slot;
	size_t cap, used;
	bool oom;
};

static uint32_t str_hash(const char *s)
{
	uint32_t h = 2166136261u;

	for (; *s; s++)
		h = (h ^ (uint8_t)*s) * 16777619u;
	return h;
}

static bool ref_has(const struct ref_set *rs, const char *ref)
{
	for (size_t i = rs->cap ? str_hash(ref) & (rs->cap - 1) : 0; rs->cap && rs->slot[i];
	     i = (i + 1) & (rs->cap - 1))
		if (!strcmp(rs->slot[i], ref))
			return true;
	return false;
}

/* true when ref was not in the set (and is now); false when it was, or without memory. */
static bool ref_add(struct ref_set *rs, const char *ref)
{
	size_t i;

	if (rs->used * 2 >= rs->cap) {
		size_t cap = rs->cap ? rs->cap * 2 : 256;
		char **n = calloc(cap, sizeof(*n));

		if (!n) {
			rs->oom = true;
			return false;
		}
		for (size_t j = 0; j < rs->cap; j++) {
			if (!rs->slot[j])
				continue;
			for (i = str_hash(rs->slot[j]) & (cap - 1); n[i]; i = (i + 1) & (cap - 1))
				;
			n[i] = rs->slot[j];
		}
		free(rs->slot);
		rs->slot = n;
		rs->cap = cap;
	}
	for (i = str_hash(ref) & (rs->cap - 1); rs->slot[i]; i = (i + 1) & (rs->cap - 1))
		if (!strcmp(rs->slot[i], ref))
			return false;
	rs->slot[i] = strdup(ref);
	if (!rs->slot[i]) {
		rs->oom = true;
		return false;
	}
	rs->used++;
	return true;
}

static void ref_free(struct ref_set *rs)
{
	for (size_t i = 0; i < rs->cap; i++)
		free(rs->slot[i]);
	free(rs->slot);
}

struct cbom {
	struct sbuf *b;
	struct ref_set refs;
	bool first; /* no component written yet */
};

/* Starts a component unless its bom-ref was written before; false: skip it. */
static bool component(struct cbom *c, const char *ref, const char *name, const char *asset)
{
	if (!ref_add(&c->refs, ref))
		return false;
	sbuf__puts(c->b, c->first ? "\n{" : ",\n{");
	c->first = false;
	sbuf__puts(c->b, "\"type\":\"cryptographic-asset\",\"bom-ref\":");
	json__cstr(c->b, ref);
	sbuf__puts(c->b, ",\"name\":");
	json__cstr(c->b, name);
	sbuf__printf(c->b, ",\"cryptoProperties\":{\"assetType\":\"%s\"", asset);
	return true;
}

/* IANA TLS Supported Groups and the NIST security categories of FIPS 203 (ML-KEM-512: 1, 768:
 * 3, 1024: 5); hybrids take their ML-KEM part's. Classical groups: 0, no quantum security. */
static const struct group_def {
	uint16_t id;
	const char *name; /* when tls_names does not know it */
	const char *primitive;
	const char *curve; /* neuromancer.sk std-curves name, as CycloneDX recommends */
	int classical; /* bits, 0: not given */
	int nist_q;
	const char *param;
} groups[] = {
	{ 23, NULL, "key-agree", "secg/secp256r1", 128, 0, NULL },
	{ 24, NULL, "key-agree", "secg/secp384r1", 192, 0, NULL },
	{ 25, NULL, "key-agree", "secg/secp521r1", 256, 0, NULL },
	{ 29, NULL, "key-agree", "other/Curve25519", 128, 0, NULL },
	{ 30, NULL, "key-agree", "other/Curve448", 224, 0, NULL },
	{ 256, NULL, "key-agree", NULL, 112, 0, "2048" },
	{ 257, NULL, "key-agree", NULL, 128, 0, "3072" },
	{ 258, NULL, "key-agree", NULL, 0, 0, "4096" },
	{ 259, NULL, "key-agree", NULL, 0, 0, "6144" },
	{ 260, NULL, "key-agree", NULL, 0, 0, "8192" },
	{ 0x0200, "MLKEM512", "kem", NULL, 0, 1, "512" },
	{ 0x0201, "MLKEM768", "kem", NULL, 0, 3, "768" },
	{ 0x0202, "MLKEM1024", "kem", NULL, 0, 5, "1024" },
	{ 0x11eb, "SecP256r1MLKEM768", "kem", NULL, 0, 3, "768" },
	{ 0x11ec, "X25519MLKEM768", "kem", NULL, 0, 3, "768" },
	{ 0x11ed, "SecP384r1MLKEM1024", "kem", NULL, 0, 5, "1024" },
	{ 0x6399, "X25519Kyber768Draft00", "kem", NULL, 0, 3, "768" },
	{ 0x639a, "SecP256r1Kyber768Draft00", "kem", NULL, 0, 3, "768" },
};

static const char *group_name(uint16_t g, char *buf, size_t size)
{
	const char *n = tls__group_name(g);

	for (size_t i = 0; !n && i < sizeof(groups) / sizeof(groups[0]); i++)
		if (groups[i].id == g)
			n = groups[i].name;
	if (n)
		return n;
	snprintf(buf, size, "0x%04X", g);
	return buf;
}

static void group_ref(char *ref, size_t size, uint16_t g)
{
	char tmp[16];

	snprintf(ref, size, "crypto/kx/%s", group_name(g, tmp, sizeof(tmp)));
}

static void write_group(struct cbom *c, uint16_t g)
{
	const struct group_def *d = NULL;
	char ref[64], tmp[16];

	group_ref(ref, sizeof(ref), g);
	for (size_t i = 0; i < sizeof(groups) / sizeof(groups[0]); i++)
		if (groups[i].id == g)
			d = &groups[i];
	if (!component(c, ref, group_name(g, tmp, sizeof(tmp)), "algorithm"))
		return;
	sbuf__printf(c->b, ",\"algorithmProperties\":{\"primitive\":\"%s\"",
		     d ? d->primitive : "key-agree");
	if (d && d->param)
		sbuf__printf(c->b, ",\"parameterSetIdentifier\":\"%s\"", d->param);
	if (d && d->curve)
		sbuf__printf(c->b, ",\"curve\":\"%s\"", d->curve);
	sbuf__printf(c->b, ",\"cryptoFunctions\":[\"%s\"]",
		     d && !strcmp(d->primitive, "kem") ? "encapsulate" : "keygen");
	if (d && d->classical)
		sbuf__printf(c->b, ",\"classicalSecurityLevel\":%d", d->classical);
	if (d)
		sbuf__printf(c->b, ",\"nistQuantumSecurityLevel\":%d", d->nist_q);
	sbuf__puts(c->b, "}}}");
}

/* FIPS 204 ML-DSA (2.16.840.1.101.3.4.3.17-19: categories 2, 3, 5) and FIPS 205 SLH-DSA
 * (.20-.31: 128-bit sets 1, 192: 3, 256: 5); -1: a classical algorithm, category 0. */
static int pq_sig_level(const char *oid)
{
	static const char prefix[] = "2.16.840.1.101.3.4.3.";
	static const int levels[] = { 2, 3, 5, 1, 1, 3, 3, 5, 5, 1, 1, 3, 3, 5, 5 };
	int n;

	if (strncmp(oid, prefix, sizeof(prefix) - 1))
		return -1;
	n = atoi(oid + sizeof(prefix) - 1);
	return n >= 17 && n <= 31 ? levels[n - 17] : -1;
}

static void write_sig(struct cbom *c, const struct ep_cert *x, char *ref, size_t size)
{
	const char *name = x->sig_name[0] ? x->sig_name : x->sig_oid;
	int q = pq_sig_level(x->sig_oid);

	snprintf(ref, size, "crypto/signature/%s", x->sig_oid[0] ? x->sig_oid : name);
	if (!component(c, ref, name, "algorithm"))
		return;
	sbuf__puts(c->b, ",\"algorithmProperties\":{\"primitive\":\"signature\","
			 "\"cryptoFunctions\":[\"sign\",\"verify\"]");
	sbuf__printf(c->b, ",\"nistQuantumSecurityLevel\":%d}", q < 0 ? 0 : q);
	if (x->sig_oid[0]) {
		sbuf__puts(c->b, ",\"oid\":");
		json__cstr(c->b, x->sig_oid);
	}
	sbuf__puts(c->b, "}}");
}

/* NIST SP 800-57 part 1 table 2: RSA modulus bits -> security bits; 0 between the rows. */
static int rsa_strength(int bits)
{
	return bits == 1024 ? 80 : bits == 2048 ? 112 : bits == 3072 ? 128 : bits == 7680 ? 192 :
	       bits == 15360 ? 256 : 0;
}

static void write_key(struct cbom *c, const struct ep_cert *x, char *ref, size_t size)
{
	char alg_ref[128], name[96];
	bool rsa = !strcmp(x->key_type, "RSA");
	bool ec = !strcmp(x->key_type, "EC");

	if (x->curve[0])
		snprintf(name, sizeof(name), "%s-%s", x->key_type, x->curve);
	else if (x->key_bits > 0)
		snprintf(name, sizeof(name), "%s-%d", x->key_type, x->key_bits);
	else
		snprintf(name, sizeof(name), "%s", x->key_type[0] ? x->key_type : "unknown");
	snprintf(alg_ref, sizeof(alg_ref), "crypto/key/%s", name);
	if (component(c, alg_ref, name, "algorithm")) {
		sbuf__printf(c->b, ",\"algorithmProperties\":{\"primitive\":\"%s\"",
			     rsa ? "pke" : "signature");
		if (x->key_bits > 0)
			sbuf__printf(c->b, ",\"parameterSetIdentifier\":\"%d\"", x->key_bits);
		if (x->curve[0]) {
			sbuf__puts(c->b, ",\"curve\":");
			json__cstr(c->b, x->curve);
		}
		if (rsa && rsa_strength(x->key_bits))
			sbuf__printf(c->b, ",\"classicalSecurityLevel\":%d",
				     rsa_strength(x->key_bits));
		else if (ec && x->key_bits > 0)
			sbuf__printf(c->b, ",\"classicalSecurityLevel\":%d", x->key_bits / 2);
		if (rsa || ec || !strcmp(x->key_type, "DSA") || !strncmp(x->key_type, "Ed", 2))
			sbuf__puts(c->b, ",\"nistQuantumSecurityLevel\":0");
		sbuf__puts(c->b, "}}}");
	}
	snprintf(ref, size, "crypto/public-key/%s", x->sha256_hex);
	if (!component(c, ref, name, "related-crypto-material"))
		return;
	sbuf__puts(c->b, ",\"relatedCryptoMaterialProperties\":{\"type\":\"public-key\","
			 "\"algorithmRef\":");
	json__cstr(c->b, alg_ref);
	if (x->key_bits > 0)
		sbuf__printf(c->b, ",\"size\":%d", x->key_bits);
	sbuf__puts(c->b, "}}}");
}

static void put_time(struct sbuf *b, const char *key, int64_t s)
{
	time_t t = (time_t)s;
	struct tm tm;
	char ts[32];

	if (!gmtime_r(&t, &tm) || !strftime(ts, sizeof(ts), "%Y-%m-%dT%H:%M:%SZ", &tm))
		return;
	sbuf__printf(b, ",\"%s\":\"%s\"", key, ts);
}

static void write_cert(struct cbom *c, const struct ep_cert *x)
{
	char ref[96], sig_ref[96], key_ref[96];

	snprintf(ref, sizeof(ref), "crypto/certificate/%s", x->sha256_hex);
	if (ref_has(&c->refs, ref))
		return; /* written for another endpoint already, with its algorithms */
	if (x->parsed) {
		write_sig(c, x, sig_ref, sizeof(sig_ref));
		write_key(c, x, key_ref, sizeof(key_ref));
	}
	if (!component(c, ref, x->parsed && x->subject[0] ? x->subject : x->sha256_hex,
		       "certificate"))
		return;
	sbuf__puts(c->b, ",\"certificateProperties\":{");
	if (x->parsed) {
		sbuf__puts(c->b, "\"subjectName\":");
		json__cstr(c->b, x->subject);
		sbuf__puts(c->b, ",\"issuerName\":");
		json__cstr(c->b, x->issuer);
		if (x->validity_ok) {
			put_time(c->b, "notValidBefore", x->not_before);
			put_time(c->b, "notValidAfter", x->not_after);
		}
		sbuf__puts(c->b, ",\"signatureAlgorithmRef\":");
		json__cstr(c->b, sig_ref);
		sbuf__puts(c->b, ",\"subjectPublicKeyRef\":");
		json__cstr(c->b, key_ref);
		sbuf__puts(c->b, ",");
	}
	sbuf__puts(c->b, "\"certificateFormat\":\"X.509\",\"certificateExtension\":\"der\"}},"
			 "\"properties\":[{\"name\":\"tlsmon:sha256\",\"value\":");
	json__cstr(c->b, x->sha256_hex);
	sbuf__puts(c->b, "}]}");
}

/* "1.2" for TLS1.2, "3.0" for SSLv3: protocolProperties.version is the protocol's own number. */
static const char *proto_version(uint16_t v, char *buf, size_t size)
{
	if (v == TLS_VERSION_SSL2)
		return "2.0";
	if (v == TLS_VERSION_SSL3)
		return "3.0";
	if (v >= TLS_VERSION_TLS10 && v <= TLS_VERSION_TLS13)
		snprintf(buf, size, "1.%u", (unsigned)(v - TLS_VERSION_TLS10));
	else
		snprintf(buf, size, "0x%04X", v);
	return buf;
}

/* TLS 1.3 suites (RFC 8446 B.4: 0x13xx) go with TLS 1.3, the others with the older versions. */
static bool suite_fits(uint16_t cs, uint16_t v)
{
	return ((cs >> 8) == 0x13) == (v == TLS_VERSION_TLS13);
}

static void write_protocol(struct cbom *c, const struct ep_entry *e, uint16_t v)
{
	char addr[64], vbuf[16], vtmp[16], ref[512], tmp[16], gref[64], ts[40];
	const char *vname = tls__version_name(v, vtmp, sizeof(vtmp));
	bool first = true;

	endpoints_out__addr(e, addr, sizeof(addr));
	snprintf(ref, sizeof(ref), "crypto/protocol/%s/%s/%s", addr, e->sni, vname);
	if (!component(c, ref, vname, "protocol"))
		return;
	sbuf__printf(c->b, ",\"protocolProperties\":{\"type\":\"tls\",\"version\":\"%s\"",
		     proto_version(v, vbuf, sizeof(vbuf)));
	sbuf__puts(c->b, ",\"cipherSuites\":[");
	for (unsigned i = 0; i < e->ciphers.n; i++) {
		uint16_t cs = e->ciphers.v[i];

		if (!suite_fits(cs, v))
			continue;
		sbuf__puts(c->b, first ? "{\"name\":" : ",{\"name\":");
		first = false;
		json__cstr(c->b, tls__cipher_name(cs, tmp, sizeof(tmp)));
		sbuf__puts(c->b, ",\"algorithms\":[");
		for (unsigned j = 0; j < e->groups.n; j++) {
			group_ref(gref, sizeof(gref), e->groups.v[j]);
			if (j)
				sbuf__putc(c->b, ',');
			json__cstr(c->b, gref);
		}
		sbuf__printf(c->b, "],\"identifiers\":[\"0x%02X\",\"0x%02X\"]}", cs >> 8, cs & 0xff);
	}
	sbuf__putc(c->b, ']');
	/* The chain is visible (and kept) only when this version sent it in the clear. */
	if (e->chain && e->chain->n && v != TLS_VERSION_TLS13) {
		sbuf__puts(c->b, ",\"cryptoRefArray\":[");
		for (unsigned i = 0; i < e->chain->n; i++) {
			snprintf(ref, sizeof(ref), "crypto/certificate/%s",
				 e->chain->c[i].sha256_hex);
			if (i)
				sbuf__putc(c->b, ',');
			json__cstr(c->b, ref);
		}
		sbuf__putc(c->b, ']');
	}
	sbuf__puts(c->b, "}},\"properties\":[{\"name\":\"tlsmon:server\",\"value\":");
	json__cstr(c->b, addr);
	sbuf__puts(c->b, "},{\"name\":\"tlsmon:sni\",\"value\":");
	json__cstr(c->b, e->sni);
	sbuf__puts(c->b, "},{\"name\":\"tlsmon:last_seen\",\"value\":");
	json__cstr(c->b, report__rfc3339(e->last_seen_ns, ts, sizeof(ts)));
	sbuf__printf(c->b, "},{\"name\":\"tlsmon:handshakes\",\"value\":\"%llu\"}",
		     (unsigned long long)e->handshakes);
	if (e->worst.present) {
		snprintf(ref, sizeof(ref), "%s:%s",
			 policy__check_name((enum check_id)e->worst.check), e->worst.detail);
		sbuf__puts(c->b, ",{\"name\":\"tlsmon:worst_finding\",\"value\":");
		json__cstr(c->b, ref);
		sbuf__putc(c->b, '}');
	}
	sbuf__puts(c->b, "]}");
}

int cbom__write(struct sbuf *b, const struct endpoints *ep, uint64_t now_ns,
		const uint8_t serial[16])
{
	const struct ep_stats *st = endpoints__stats(ep);
	struct cbom c = { .b = b, .first = true };
	const struct ep_entry *e;
	uint8_t u[16];
	char ts[40];
	int rc;

	memcpy(u, serial, sizeof(u));
	u[6] = (uint8_t)((u[6] & 0x0f) | 0x40); /* RFC 4122 4.4: version 4, variant 10 */
	u[8] = (uint8_t)((u[8] & 0x3f) | 0x80);
	sbuf__puts(b, "{\"bomFormat\":\"CycloneDX\",\"specVersion\":\"1.6\",\"serialNumber\":"
		      "\"urn:uuid:");
	for (int i = 0; i < 16; i++)
		sbuf__printf(b, "%s%02x", i == 4 || i == 6 || i == 8 || i == 10 ? "-" : "", u[i]);
	sbuf__puts(b, "\",\"version\":1,\"metadata\":{\"timestamp\":");
	json__cstr(b, report__rfc3339(now_ns, ts, sizeof(ts)));
	sbuf__puts(b, ",\"tools\":{\"components\":[{\"type\":\"application\",\"name\":\"tlsmon\","
		      "\"version\":\"" TLSMON_VERSION "\"}]}");
	sbuf__printf(b, ",\"properties\":[{\"name\":\"tlsmon:max_endpoints\",\"value\":\"%llu\"},"
		     "{\"name\":\"tlsmon:servers_evicted\",\"value\":\"%llu\"}]},",
		     (unsigned long long)st->max_entries,
		     (unsigned long long)st->evicted[EP_SERVER]);
	sbuf__puts(b, "\"components\":[");
	for (e = endpoints__first(ep, EP_SERVER); e; e = endpoints__next(ep, e)) {
		for (unsigned i = 0; i < e->groups.n; i++)
			write_group(&c, e->groups.v[i]);
		for (unsigned i = 0; e->chain && i < e->chain->n; i++)
			write_cert(&c, &e->chain->c[i]);
		for (unsigned i = 0; i < e->versions.n; i++)
			write_protocol(&c, e, e->versions.v[i]);
	}
	sbuf__puts(b, "\n]}\n");
	rc = c.refs.oom || b->oom ? -ENOMEM : 0;
	ref_free(&c.refs);
	return rc;
}
