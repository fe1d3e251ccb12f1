// SPDX-License-Identifier: GPL-2.0
/* Judging the certificate chains of a handshake: each certificate by itself (signature, key,
 * validity, self-signed), from its memo when it is cached (policy_memo.c), and the server's chain
 * against the trust store. */
#include "verdict/policy_msg.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

/* Signature OIDs whose hash OpenSSL may not name (RFC 3279 2.2, RFC 8017 A.2.4, OIW). */
static const struct {
	const char *oid;
	uint8_t hash;
} sig_oid_hashes[] = {
	{ "1.2.840.113549.1.1.2", 0 },
	{ "1.2.840.113549.1.1.3", 1 },
	{ "1.2.840.113549.1.1.4", 2 },
	{ "1.3.14.3.2.3", 2 },
	{ "1.3.14.3.2.25", 2 },
	{ "1.2.840.113549.1.1.5", HASH_SHA1 },
	{ "1.3.14.3.2.29", HASH_SHA1 },
	{ "1.2.840.10045.4.1", HASH_SHA1 },
	{ "1.2.840.10040.4.3", HASH_SHA1 },
	{ "1.3.14.3.2.27", HASH_SHA1 },
	{ "1.3.14.3.2.13", HASH_SHA1 },
};

static int hash_index(const struct x509_info *x)
{
	if (x->sig_hash[0]) {
		for (size_t i = 0; i < N_ITEMS(policy_hashes); i++)
			if (!strcasecmp(x->sig_hash, policy_hashes[i].name))
				return (int)i;
		return -1;
	}
	for (size_t i = 0; i < N_ITEMS(sig_oid_hashes); i++)
		if (!strcmp(x->sig_oid, sig_oid_hashes[i].oid))
			return sig_oid_hashes[i].hash;
	return -1;
}

/* A self-signed certificate after the leaf is the trust anchor the server chose to send. */
static enum cert_class position_class(const struct x509_info *x, unsigned pos, unsigned n)
{
	if (pos == 0)
		return CERT_LEAF;
	if (x->parsed && (x->self_signed || (x->self_issued && pos + 1 == n)))
		return CERT_ROOT;
	return CERT_INTERMEDIATE;
}

/* "certificate #2 (CN=Weak CA)": human numbering is 1-based, the JSON position is 0-based. */
void policy__cert_label(char *buf, size_t size, const struct x509_info *x, unsigned pos,
			enum cert_class cls, bool client)
{
	const char *role = cls == CERT_INTERMEDIATE ? NULL : policy_cert_class_names[cls];
	char name[72] = "";

	if (x->parsed && x->subject_cn && x->subject_cn[0]) {
		memcpy(name, "CN=", 3);
		policy__sanitize(name + 3, sizeof(name) - 3, x->subject_cn, 64);
	} else if (x->parsed && x->subject && x->subject[0]) {
		policy__sanitize(name, sizeof(name), x->subject, 64);
	}
	struct sbuf m;

	sbuf__init_fixed(&m, buf, size);
	m_str(&m, client ? "client certificate #" : "certificate #");
	sbuf__put_u64(&m, pos + 1ull);
	if (role || name[0]) {
		m_str(&m, " (");
		m_str(&m, role ? role : name);
		if (role && name[0]) {
			m_str(&m, ", ");
			m_str(&m, name);
		}
		m_str(&m, ")");
	}
}

/* The certificate being checked. Its label is built only when a finding needs one: most
 * certificates have none, and the label costs a sanitised copy of the subject. */
struct cert_at {
	const struct x509_info *x;
	unsigned pos;
	enum cert_class cls; /* position_class() */
	bool client; /* of the client's chain */
	char *label; /* [CERT_LABEL_LEN], its memo's: empty until label_of() */
};

static const char *label_of(struct cert_at *c)
{
	if (!c->label[0])
		policy__cert_label(c->label, CERT_LABEL_LEN, c->x, c->pos, c->cls, c->client);
	return c->label;
}

/* c with its memo's label (the memo lasts as long as the certificate it is kept with). */
static struct cert_memo *cert_at_memo(const struct policy *p, struct cert_at *c,
				      struct cert_memo *scratch)
{
	struct cert_memo *m = policy_memo__of(p, c->x, c->pos, c->cls, c->client, scratch);

	c->label = m->label;
	return m;
}

static void check_signature(const struct policy *p, struct finding_list *out, struct cert_at *c)
{
	const struct x509_info *x = c->x;
	unsigned pos = c->pos;
	const char *name = x->sig_name[0] ? x->sig_name : x->sig_oid;
	int h = hash_index(x);
	bool root_sha1;
	enum severity sev;
	struct finding *f;
	struct sbuf m;

	if (h < 0 || !(p->weak_hashes & (1u << h)) || !p->enabled[CHECK_WEAK_SIGNATURE])
		return;
	/* RFC 5280 6.1, CA/B Forum BR 7.1.3: clients trust a root as stored and never verify its
	 * self-signature, so only the certificates below it depend on the hash. */
	root_sha1 = h == HASH_SHA1 && c->cls == CERT_ROOT;
	sev = root_sha1 ? (enum severity)p->sha1_root_severity
			: grade(p, CHECK_WEAK_SIGNATURE, policy_hashes[h].sev);
	f = add_to(out, CHECK_WEAK_SIGNATURE, sev, (int)pos, name, &m);
	if (!f)
		return;
	m_str(&m, label_of(c));
	m_str(&m, " is signed with ");
	m_str(&m, name);
	if (x->sig_oid[0] && strcmp(name, x->sig_oid)) {
		m_str(&m, " (");
		m_str(&m, x->sig_oid);
		m_str(&m, ")");
	}
	if (root_sha1)
		m_str(&m, "; a root's own signature is not checked");
}

/* Below `broken`: factorable or solvable with public effort; below `weak`: under today's
 * minimum; otherwise only under a stricter, user-chosen minimum. */
static int key_grade(int bits, int broken, int weak)
{
	if (bits < broken)
		return SEV_CRITICAL;
	return bits < weak ? SEV_HIGH : SEV_MEDIUM;
}

/* An RSA or EC key under the policy's minimum; broken and weak grade it (key_grade). curve: named
 * in the message when set. */
static void check_key_size(const struct policy *p, struct finding_list *out, struct cert_at *c,
			   const char *alg, uint32_t min, int broken, int weak, const char *curve)
{
	int bits = c->x->key_bits;
	char detail[FINDING_DETAIL_LEN];
	struct sbuf m, d;

	if (bits <= 0 || (uint32_t)bits >= min)
		return;
	sbuf__init_fixed(&d, detail, sizeof(detail));
	m_str(&d, alg);
	m_str(&d, "-");
	sbuf__put_int(&d, bits);
	if (!add_to(out, CHECK_WEAK_KEY, grade(p, CHECK_WEAK_KEY, key_grade(bits, broken, weak)),
		    (int)c->pos, detail, &m))
		return;
	m_str(&m, label_of(c));
	m_str(&m, " has a ");
	sbuf__put_int(&m, bits);
	m_str(&m, "-bit ");
	m_str(&m, alg);
	m_str(&m, " key");
	if (curve && curve[0]) {
		m_str(&m, " on ");
		m_str(&m, curve);
	}
	m_str(&m, " (minimum ");
	sbuf__put_u64(&m, min);
	m_str(&m, ")");
}

static void check_key(const struct policy *p, struct finding_list *out, struct cert_at *c)
{
	const struct x509_info *x = c->x;
	const char *t = x->key_type;
	int bits = x->key_bits;
	char detail[FINDING_DETAIL_LEN];
	struct sbuf m, d;

	if (!p->enabled[CHECK_WEAK_KEY])
		return;
	/* CA/B Forum BR 6.1.5: RSA at least 2048 bits */
	if (!strcmp(t, "RSA") || !strcmp(t, "RSA-PSS") || !strcmp(t, "rsassaPss")) {
		check_key_size(p, out, c, "RSA", p->min_rsa_bits, 1024, 2048, NULL);
		return;
	}
	if (!strcmp(t, "EC")) {
		check_key_size(p, out, c, "EC", p->min_ec_bits, 160, 224, x->curve);
		return;
	}
	if (strcmp(t, "DSA"))
		return;
	/* CA/B Forum BR 6.1.5 allows only RSA and ECDSA; RFC 8446 dropped DSA. */
	sbuf__init_fixed(&d, detail, sizeof(detail));
	m_str(&d, "DSA");
	if (bits > 0) {
		m_str(&d, "-");
		sbuf__put_int(&d, bits);
	}
	if (!add_to(out, CHECK_WEAK_KEY,
		    grade(p, CHECK_WEAK_KEY, bits > 0 && bits < 1024 ? SEV_CRITICAL : SEV_HIGH),
		    (int)c->pos, detail, &m))
		return;
	m_str(&m, label_of(c));
	m_str(&m, " has a ");
	if (bits > 0) {
		sbuf__put_int(&m, bits);
		m_str(&m, "-bit ");
	}
	m_str(&m, "DSA key (DSA is no longer allowed)");
}

static void m_span(struct sbuf *m, uint64_t secs)
{
	if (secs < 86400) {
		sbuf__put_u64(m, secs);
		m_str(m, " s");
	} else {
		sbuf__put_u64(m, secs / 86400);
		m_str(m, " days");
	}
}

static const char *time_str(char *buf, size_t size, const char *given, int64_t t)
{
	time_t tt = (time_t)t;
	struct tm tm;

	if (given[0])
		return given;
	if (!gmtime_r(&tt, &tm))
		snprintf(buf, size, "%lld", (long long)t);
	else
		strftime(buf, size, "%Y-%m-%dT%H:%M:%SZ", &tm);
	return buf;
}

/* Which validity findings a certificate gets at a packet, and the spans their messages give. */
struct validity {
	bool expired, soon, not_yet;
	uint64_t expired_by, soon_in, not_yet_for; /* seconds */
};

/* RFC 5280 4.1.2.5: the validity period includes both notBefore and notAfter. */
static void validity_at(const struct policy *p, const struct x509_info *x, uint64_t ts_ns,
			struct validity *v)
{
	int64_t now = (int64_t)(ts_ns / 1000000000ull);
	bool frac = ts_ns % 1000000000ull != 0;

	v->expired = p->enabled[CHECK_EXPIRED] &&
		     (now > x->not_after || (now == x->not_after && frac));
	v->expired_by = (uint64_t)(now - x->not_after);
	/* Judged at the packet like expired, so a capture read later says what was true then. */
	v->soon = p->enabled[CHECK_EXPIRES_SOON] && p->expires_soon_days && now >= x->not_before &&
		  (now < x->not_after || (now == x->not_after && !frac)) &&
		  x->not_after - now < (int64_t)p->expires_soon_days * 86400;
	v->soon_in = (uint64_t)(x->not_after - now);
	v->not_yet = p->enabled[CHECK_NOT_YET_VALID] && now < x->not_before;
	v->not_yet_for = (uint64_t)(x->not_before - now);
}

/* A span as m_span() writes it, 0 for none: messages that show the same number and unit are
 * the same. */
static uint64_t span_shown(bool fired, uint64_t secs)
{
	if (!fired)
		return 0;
	return 1 + (secs < 86400 ? secs : 1ull << 62 | secs / 86400);
}

static void validity_findings(const struct policy *p, struct finding_list *out, struct cert_at *c,
			      const struct validity *v)
{
	const struct x509_info *x = c->x;
	unsigned pos = c->pos;
	const char *cls = policy_cert_class_names[c->cls];
	char when[40];
	struct finding *f;
	struct sbuf m;

	if (v->expired) {
		f = add_to(out, CHECK_EXPIRED,
			   grade(p, CHECK_EXPIRED, policy_checks[CHECK_EXPIRED].severity),
			   (int)pos, cls, &m);
		if (f) {
			m_str(&m, label_of(c));
			m_str(&m, " expired at ");
			m_str(&m, time_str(when, sizeof(when), x->not_after_str, x->not_after));
			m_str(&m, ", ");
			m_span(&m, v->expired_by);
			m_str(&m, " before the handshake");
		}
	}
	if (v->soon) {
		f = add_to(out, CHECK_EXPIRES_SOON,
			   grade(p, CHECK_EXPIRES_SOON, policy_checks[CHECK_EXPIRES_SOON].severity),
			   (int)pos, cls, &m);
		if (f) {
			m_str(&m, label_of(c));
			m_str(&m, " expires at ");
			m_str(&m, time_str(when, sizeof(when), x->not_after_str, x->not_after));
			m_str(&m, ", ");
			m_span(&m, v->soon_in);
			m_str(&m, " after the handshake");
		}
	}
	if (v->not_yet) {
		f = add_to(out, CHECK_NOT_YET_VALID,
			   grade(p, CHECK_NOT_YET_VALID, policy_checks[CHECK_NOT_YET_VALID].severity),
			   (int)pos, cls, &m);
		if (f) {
			m_str(&m, label_of(c));
			m_str(&m, " is not valid before ");
			m_str(&m, time_str(when, sizeof(when), x->not_before_str, x->not_before));
			m_str(&m, ", ");
			m_span(&m, v->not_yet_for);
			m_str(&m, " after the handshake");
		}
	}
}

/* The certificate's validity at the packet. A memo the certificate keeps holds its last
 * validity finding with the spans it was made for: a certificate seen all day long gives the
 * same message, to the day, on every handshake (a certificate with two findings at once,
 * expired before it is valid, is judged each time). */
static void check_validity(const struct policy *p, struct handshake *hs, struct cert_at *c,
			   struct cert_memo *memo, uint64_t ts_ns)
{
	struct finding_list l = { .at = hs->findings, .n = &hs->n_findings, .cap = HS_MAX_FINDINGS };
	struct finding_list kept = { .at = &memo->validity, .n = &memo->n_validity, .cap = 1 };
	struct validity v;
	uint64_t key[3];

	if (!c->x->validity_ok)
		return;
	validity_at(p, c->x, ts_ns, &v);
	if (!v.expired && !v.soon && !v.not_yet)
		return;
	if (!memo->kept || v.expired + v.soon + v.not_yet > 1) {
		validity_findings(p, &l, c, &v);
		return;
	}
	key[0] = span_shown(v.expired, v.expired_by);
	key[1] = span_shown(v.soon, v.soon_in);
	key[2] = span_shown(v.not_yet, v.not_yet_for);
	if (!memo->validity_made || memcmp(memo->validity_key, key, sizeof(key))) {
		memo->n_validity = 0;
		validity_findings(p, &kept, c, &v);
		memo->validity_json.len = 0;
		if (memo->n_validity)
			memo->validity.json = &memo->validity_json;
		memcpy(memo->validity_key, key, sizeof(key));
		memo->validity_made = true;
	}
	if (memo->n_validity && hs->n_findings < HS_MAX_FINDINGS)
		hs->findings[hs->n_findings++] = memo->validity;
}

/* One side's chain; the server's and the client's are judged alike. */
struct chain {
	const struct x509_info *const *certs;
	unsigned n;
	bool have_ts;
	uint64_t ts_ns; /* the frame that completed its Certificate */
	bool client;
};

/* What the certificate gives by itself (struct cert_memo): the same on every handshake that
 * carries it at that place, so made once for a cached certificate. */
static void cert_findings(const struct policy *p, struct cert_at *c, struct cert_memo *memo)
{
	struct finding_list l = { .at = memo->found, .n = &memo->n_found,
				  .cap = CERT_MEMO_FINDINGS };
	struct sbuf m;

	check_signature(p, &l, c);
	check_key(p, &l, c);
	memo->n_before = memo->n_found;
	if (c->pos == 0 && c->x->self_signed && p->enabled[CHECK_SELF_SIGNED] &&
	    add_to(&l, CHECK_SELF_SIGNED,
		   grade(p, CHECK_SELF_SIGNED, policy_checks[CHECK_SELF_SIGNED].severity), 0,
		   "leaf", &m)) {
		m_str(&m, label_of(c));
		m_str(&m, " is self-signed");
	}
	/* a memo the certificate keeps keeps its findings' JSON too (report.c writes it) */
	for (unsigned i = 0; memo->kept && i < memo->n_found; i++)
		memo->found[i].json = &memo->json[i];
	memo->made = true;
}

/* Appends copies of the memo's findings [from, to), as many as fit. */
static void add_memo(struct handshake *hs, const struct cert_memo *memo, unsigned from,
		     unsigned to)
{
	for (unsigned i = from; i < to && hs->n_findings < HS_MAX_FINDINGS; i++)
		hs->findings[hs->n_findings++] = memo->found[i];
}

static void check_chain(const struct policy *p, struct handshake *hs, const struct chain *ch)
{
	unsigned n = ch->n < TLS_MAX_CHAIN ? ch->n : TLS_MAX_CHAIN;
	bool have_ts = ch->have_ts;
	uint64_t ts = ch->ts_ns;
	const char *prefix = ch->client ? "client certificate #" : "certificate #";

	for (unsigned i = 0; i < n; i++) {
		const struct x509_info *x = ch->certs[i];
		struct cert_at c = { .x = x, .pos = i, .client = ch->client };
		struct cert_memo scratch, *memo;
		struct finding *f;
		char err[80];
		struct sbuf m;

		if (!x)
			continue;
		if (!x->parsed) {
			if (!p->enabled[CHECK_UNPARSABLE_CERT])
				continue;
			policy__sanitize(err, sizeof(err), x->error, 64);
			f = add(hs, CHECK_UNPARSABLE_CERT,
				grade(p, CHECK_UNPARSABLE_CERT,
				      policy_checks[CHECK_UNPARSABLE_CERT].severity),
				(int)i, "unparsable", &m);
			if (!f)
				continue;
			m_str(&m, prefix);
			sbuf__put_u64(&m, i + 1ull);
			if (i == 0)
				m_str(&m, " (leaf)");
			m_str(&m, " could not be parsed (sha256 ");
			m_mem(&m, x->sha256_hex, strnlen(x->sha256_hex, 16));
			m_str(&m, ", ");
			sbuf__put_u64(&m, x->der_len);
			m_str(&m, " bytes)");
			if (err[0]) {
				m_str(&m, ": ");
				m_str(&m, err);
			}
			continue;
		}
		c.cls = position_class(x, i, n);
		memo = cert_at_memo(p, &c, &scratch);
		if (!memo->made)
			cert_findings(p, &c, memo);
		add_memo(hs, memo, 0, memo->n_before);
		if (have_ts)
			check_validity(p, hs, &c, memo, ts);
		add_memo(hs, memo, memo->n_before, memo->n_found);
	}
}

void policy__check_certs(const struct policy *p, struct handshake *hs)
{
	/* With a Certificate seen its frame time counts even when it is 0 (synthetic captures
	 * stamped at the epoch; tshark judges them at 1970 too). */
	struct chain server = {
		.certs = hs->certs,
		.n = hs->n_certs,
		.have_ts = hs->has_certificate || hs->cert_ts_ns || hs->end_ts_ns,
		.ts_ns = hs->has_certificate || hs->cert_ts_ns ? hs->cert_ts_ns : hs->end_ts_ns,
	};
	struct chain client = {
		.certs = hs->client_certs,
		.n = hs->n_client_certs,
		.have_ts = true,
		.ts_ns = hs->client_cert_ts_ns,
		.client = true,
	};
	unsigned first_client;

	check_chain(p, hs, &server);
	first_client = hs->n_findings;
	check_chain(p, hs, &client);
	for (unsigned i = first_client; i < hs->n_findings; i++)
		hs->findings[i].side = HS_SIDE_CLIENT;
}

/* The chain against the trust store (x509/trust.h), verified when the Certificate was read. A
 * bad signature fails in every store; a missing issuer or an unknown root only in this one. */
void policy__check_trust(const struct policy *p, struct handshake *hs)
{
	const struct x509_trust_result *t = &hs->trust;
	const char *label;
	struct finding *f;
	struct sbuf m;
	int pos;

	if (!p->enabled[CHECK_UNTRUSTED_CHAIN] || !hs->n_certs)
		return;
	if (t->status == X509_TRUST_FAILED) {
		label = x509_trust__label(t->error);
		pos = t->position;
		f = add(hs, CHECK_UNTRUSTED_CHAIN,
			grade(p, CHECK_UNTRUSTED_CHAIN,
			      !strcmp(label, "bad_signature") ? SEV_HIGH : SEV_LOW),
			pos, label, &m);
		if (!f)
			return;
		m_str(&m, "the chain does not verify against the trust store: ");
		m_str(&m, x509_trust__reason(t->error));
		if (pos >= 0 && pos < hs->n_certs && hs->certs[pos]) {
			struct cert_at c = { .x = hs->certs[pos], .pos = (unsigned)pos };
			struct cert_memo scratch;

			c.cls = position_class(c.x, c.pos, hs->n_certs);
			cert_at_memo(p, &c, &scratch);
			m_str(&m, " at ");
			m_str(&m, label_of(&c));
		}
		if (t->out_of_order) {
			m_str(&m, "; certificate #");
			sbuf__put_u64(&m, (uint64_t)t->misordered + 1);
			m_str(&m, " is not followed by its issuer");
		}
		return;
	}
	if (t->status == X509_TRUST_OK && t->out_of_order && t->misordered >= 0 &&
	    t->misordered < hs->n_certs) {
		struct cert_at c = { .x = hs->certs[t->misordered], .pos = (unsigned)t->misordered };
		struct cert_memo scratch;

		f = add(hs, CHECK_UNTRUSTED_CHAIN, grade(p, CHECK_UNTRUSTED_CHAIN, SEV_LOW),
			t->misordered, "out_of_order", &m);
		if (!f || !c.x)
			return;
		c.cls = position_class(c.x, c.pos, hs->n_certs);
		cert_at_memo(p, &c, &scratch);
		m_str(&m, "the chain is out of order: ");
		m_str(&m, label_of(&c));
		m_str(&m, " is not followed by its issuer, which the server sends elsewhere "
			  "(RFC 5246 7.4.2); clients that do not reorder reject it");
	}
}
