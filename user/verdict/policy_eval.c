// SPDX-License-Identifier: GPL-2.0
/* Judging a finished handshake against the policy: one finding per weakness, with a bounded
 * detail (a metric label) and a human message. */
#include "verdict/policy_int.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#include "util/sbuf.h"
#include "tls/tls_names.h"

/* Messages are built piece by piece into the finding's fixed array (util/sbuf: a message that
 * does not fit is cut on a character boundary), not with printf: several findings on every
 * handshake of a busy host made vsnprintf a large part of the offline profile. */

/* Out of line: inlined, GCC copies with rep movsq, slow for the short pieces here. */
static __attribute__((noinline)) void m_mem(struct sbuf *m, const char *s, size_t n)
{
	sbuf__add(m, s, n);
}

static void m_str(struct sbuf *m, const char *s)
{
	m_mem(m, s, strlen(s));
}

/* "0x%04X" */
static void m_hex4(struct sbuf *m, uint16_t v)
{
	static const char hex[] = "0123456789ABCDEF";
	char tmp[6] = { '0', 'x', hex[v >> 12], hex[(v >> 8) & 0xf], hex[(v >> 4) & 0xf],
			hex[v & 0xf] };

	m_mem(m, tmp, sizeof(tmp));
}

/* Starts a finding in l; its message is then written through m. NULL when the list is full. */
static struct finding *add_to(struct finding_list *l, enum check_id c, enum severity sev, int pos,
			      const char *detail, struct sbuf *m)
{
	struct finding *f = finding_list__add(l, c, sev, pos, detail);

	if (f)
		sbuf__init_fixed(m, f->message, sizeof(f->message));
	return f;
}

/* The same, into the handshake's findings. */
static struct finding *add(struct handshake *hs, enum check_id c, enum severity sev, int pos,
			   const char *detail, struct sbuf *m)
{
	struct finding_list l = { .at = hs->findings, .n = &hs->n_findings, .cap = HS_MAX_FINDINGS };

	return add_to(&l, c, sev, pos, detail, m);
}

static enum severity grade(const struct policy *p, enum check_id c, int graded)
{
	if (p->severity[c] != SEV_AUTO)
		return (enum severity)p->severity[c];
	return (enum severity)(graded == SEV_AUTO ? SEV_MEDIUM : graded);
}

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

/* RFC 5280 4.1.2.5: the validity period includes both notBefore and notAfter. */
static void check_validity(const struct policy *p, struct handshake *hs, struct cert_at *c,
			   uint64_t ts_ns)
{
	const struct x509_info *x = c->x;
	unsigned pos = c->pos;
	const char *cls = policy_cert_class_names[c->cls];
	int64_t now = (int64_t)(ts_ns / 1000000000ull);
	bool frac = ts_ns % 1000000000ull != 0;
	char when[40];
	struct finding *f;
	struct sbuf m;

	if (!x->validity_ok)
		return;
	if (p->enabled[CHECK_EXPIRED] && (now > x->not_after || (now == x->not_after && frac))) {
		f = add(hs, CHECK_EXPIRED,
			grade(p, CHECK_EXPIRED, policy_checks[CHECK_EXPIRED].severity), (int)pos,
			cls, &m);
		if (f) {
			m_str(&m, label_of(c));
			m_str(&m, " expired at ");
			m_str(&m, time_str(when, sizeof(when), x->not_after_str, x->not_after));
			m_str(&m, ", ");
			m_span(&m, (uint64_t)(now - x->not_after));
			m_str(&m, " before the handshake");
		}
	}
	/* Judged at the packet like expired, so a capture read later says what was true then. */
	if (p->enabled[CHECK_EXPIRES_SOON] && p->expires_soon_days && now >= x->not_before &&
	    (now < x->not_after || (now == x->not_after && !frac)) &&
	    x->not_after - now < (int64_t)p->expires_soon_days * 86400) {
		f = add(hs, CHECK_EXPIRES_SOON,
			grade(p, CHECK_EXPIRES_SOON, policy_checks[CHECK_EXPIRES_SOON].severity),
			(int)pos, cls, &m);
		if (f) {
			m_str(&m, label_of(c));
			m_str(&m, " expires at ");
			m_str(&m, time_str(when, sizeof(when), x->not_after_str, x->not_after));
			m_str(&m, ", ");
			m_span(&m, (uint64_t)(x->not_after - now));
			m_str(&m, " after the handshake");
		}
	}
	if (p->enabled[CHECK_NOT_YET_VALID] && now < x->not_before) {
		f = add(hs, CHECK_NOT_YET_VALID,
			grade(p, CHECK_NOT_YET_VALID, policy_checks[CHECK_NOT_YET_VALID].severity),
			(int)pos, cls, &m);
		if (f) {
			m_str(&m, label_of(c));
			m_str(&m, " is not valid before ");
			m_str(&m, time_str(when, sizeof(when), x->not_before_str, x->not_before));
			m_str(&m, ", ");
			m_span(&m, (uint64_t)(x->not_before - now));
			m_str(&m, " after the handshake");
		}
	}
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
			check_validity(p, hs, &c, ts);
		add_memo(hs, memo, memo->n_before, memo->n_found);
	}
}

static void check_certs(const struct policy *p, struct handshake *hs)
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

static bool client_offered_tls13(const struct hs_client_hello *ch)
{
	return ch->max_version == TLS_VERSION_TLS13 || ch->offered_tls13;
}

static void check_cipher(const struct policy *p, struct handshake *hs)
{
	const struct tls_cipher_info *ci = tls__cipher_info(hs->sh.cipher);
	char what[128]; /* every flag's words fit: 105 bytes */
	int sev = -1;
	uint32_t flags;
	struct finding *f;
	struct sbuf m, w;

	if (!ci || !p->enabled[CHECK_WEAK_CIPHER])
		return;
	flags = ci->weak & p->weak_cipher_flags;
	if (!flags)
		return;
	/* pieces, not snprintf: it was a fifth of the policy's time on a mix of weak suites */
	sbuf__init_fixed(&w, what, sizeof(what));
	for (size_t i = 0; i < N_ITEMS(policy_cipher_flags); i++) {
		if (!(flags & policy_cipher_flags[i].value) || w.oom)
			continue;
		if (w.len)
			m_mem(&w, ", ", 2);
		m_str(&w, policy_cipher_flags[i].what);
		if (policy_cipher_flags[i].sev > sev)
			sev = policy_cipher_flags[i].sev;
	}
	f = add(hs, CHECK_WEAK_CIPHER, grade(p, CHECK_WEAK_CIPHER, sev), -1, ci->name, &m);
	if (!f)
		return;
	m_str(&m, "the server chose ");
	m_str(&m, ci->name);
	m_str(&m, " (");
	m_hex4(&m, hs->sh.cipher);
	m_str(&m, "): ");
	m_str(&m, what);
}

static void check_protocol(const struct policy *p, struct handshake *hs)
{
	uint16_t v = hs->version ? hs->version : hs->sh.version;
	struct finding *f;
	struct sbuf m;

	if (p->enabled[CHECK_WEAK_PROTOCOL] && v) {
		for (size_t i = 0; i < N_ITEMS(policy_protocols); i++) {
			if (policy_protocols[i].value != v || !(p->weak_protocols & (1u << i)))
				continue;
			f = add(hs, CHECK_WEAK_PROTOCOL,
				grade(p, CHECK_WEAK_PROTOCOL, policy_protocols[i].sev), -1,
				policy_protocols[i].name, &m);
			if (!f)
				continue;
			m_str(&m, "the server negotiated ");
			m_str(&m, policy_protocols[i].name);
			m_str(&m, " (");
			m_str(&m, policy_protocols[i].what);
			m_str(&m, ")");
		}
	}
	check_cipher(p, hs);
}

/* A negotiated key exchange without ML-KEM. Worse when the client offered one: the server, not
 * the client, is what holds the migration back. */
static void check_kx(const struct policy *p, struct handshake *hs)
{
	const char *label = hs__kx_label(hs);
	uint16_t offered = 0;
	struct finding *f;
	struct sbuf m;

	if (!p->enabled[CHECK_NON_PQ_KX] || !label ||
	    (tls__group_flags(hs__kx_group(hs)) & TLS_GROUP_PQ))
		return;
	for (int i = 0; hs->has_client_hello && i < hs->ch.n_groups && !offered; i++)
		if (tls__group_flags(hs->ch.groups[i]) & TLS_GROUP_PQ)
			offered = hs->ch.groups[i];
	f = add(hs, CHECK_NON_PQ_KX,
		grade(p, CHECK_NON_PQ_KX, offered ? SEV_MEDIUM : policy_checks[CHECK_NON_PQ_KX].severity),
		-1, label, &m);
	if (!f)
		return;
	m_str(&m, "the key exchange (");
	m_str(&m, label);
	m_str(&m, ") is not post-quantum");
	if (offered) {
		m_str(&m, " although the client offered ");
		m_str(&m, tls__group_name(offered));
	}
}

static void check_tcp_ambiguity(const struct policy *p, struct handshake *hs)
{
	char detail[FINDING_DETAIL_LEN];
	struct finding *f;
	struct sbuf m, d;

	if (!p->enabled[CHECK_TCP_AMBIGUITY])
		return;
	for (unsigned i = 0; i < hs->n_ambiguous; i++) {
		const struct hs_ambiguity *a = &hs->ambiguous[i];
		const char *who = a->from_client ? "client" : "server";

		sbuf__init_fixed(&d, detail, sizeof(detail));
		m_str(&d, who);
		m_str(&d, "_");
		m_str(&d, hs__ambiguity_name(a->kind));
		f = add(hs, CHECK_TCP_AMBIGUITY,
			grade(p, CHECK_TCP_AMBIGUITY, policy_checks[CHECK_TCP_AMBIGUITY].severity),
			-1, detail, &m);
		if (!f)
			return;
		m_str(&m, "the ");
		m_str(&m, who);
		m_str(&m, "'s TCP stream at offset ");
		sbuf__put_u64(&m, a->offset);
		if (a->kind == HS_AMBIGUITY_OVERLAP)
			m_str(&m, ": overlapping copies of the same bytes differed; reported as "
				  "the Linux receiver keeps them");
		else if (a->kind == HS_AMBIGUITY_URGENT)
			m_str(&m, ": an urgent byte was taken out of the stream, as a socket "
				  "without SO_OOBINLINE does");
		else
			m_str(&m, ": the receiver acknowledged bytes that only a copy with a bad "
				  "checksum carried; that copy was used");
		if (a->count > 1) {
			m_str(&m, " (");
			sbuf__put_u64(&m, a->count);
			m_str(&m, " times)");
		}
	}
}

/* RFC 7919 and the Logjam paper: DHE primes below 2048 bits are within reach. A prime shorter
 * than the certificate's RSA key makes the key exchange the weaker link (NIST SP 800-57 Part 1
 * Table 2 rates both by the same bits). */
static void check_dh(const struct policy *p, struct handshake *hs)
{
	uint32_t bits = hs->ske.dh_p_bits;
	const struct x509_info *leaf = hs->n_certs ? hs->certs[0] : NULL;
	char detail[FINDING_DETAIL_LEN];
	struct finding *f;
	struct sbuf m, d;

	if (!hs->has_server_key_exchange || !bits || !p->enabled[CHECK_WEAK_DH])
		return;
	sbuf__init_fixed(&d, detail, sizeof(detail));
	m_str(&d, "DH-");
	sbuf__put_u64(&d, bits);
	if (bits < p->min_dh_bits) {
		f = add(hs, CHECK_WEAK_DH, grade(p, CHECK_WEAK_DH, bits < 1024 ? SEV_HIGH : SEV_MEDIUM),
			-1, detail, &m);
		if (f) {
			m_str(&m, "the server's DHE group has a ");
			sbuf__put_u64(&m, bits);
			m_str(&m, "-bit prime (minimum ");
			sbuf__put_u64(&m, p->min_dh_bits);
			m_str(&m, ")");
		}
		return;
	}
	if (!p->dh_below_rsa || !leaf || !leaf->parsed || strcmp(leaf->key_type, "RSA") ||
	    leaf->key_bits <= 0 || bits >= (uint32_t)leaf->key_bits)
		return;
	m_str(&d, "<RSA-");
	sbuf__put_int(&d, leaf->key_bits);
	f = add(hs, CHECK_WEAK_DH, grade(p, CHECK_WEAK_DH, SEV_LOW), -1, detail, &m);
	if (!f)
		return;
	m_str(&m, "the server's DHE group has a ");
	sbuf__put_u64(&m, bits);
	m_str(&m, "-bit prime, shorter than its certificate's ");
	sbuf__put_int(&m, leaf->key_bits);
	m_str(&m, "-bit RSA key: the key exchange is the weaker link");
}

static void check_downgrade(const struct policy *p, struct handshake *hs)
{
	struct finding *f;
	struct sbuf m;

	if (!p->enabled[CHECK_DOWNGRADE])
		return;
	/* RFC 7507: a client sends the SCSV only when retrying after a failed higher version */
	if (hs->has_client_hello && hs->ch.fallback_scsv) {
		f = add(hs, CHECK_DOWNGRADE, grade(p, CHECK_DOWNGRADE, SEV_LOW), -1,
			"fallback_scsv", &m);
		if (f) {
			f->side = HS_SIDE_CLIENT;
			m_str(&m, "the client offered TLS_FALLBACK_SCSV: it is retrying with a "
				  "lower version after a failed attempt (RFC 7507)");
		}
	}
	/* RFC 8446 4.1.3: a TLS 1.3 server that negotiates less marks its random; a client that
	 * offered 1.3 and sees the mark is being downgraded */
	if (hs->has_server_hello && hs->has_client_hello &&
	    (hs->sh.downgrade_tls12 || hs->sh.downgrade_tls11) && client_offered_tls13(&hs->ch)) {
		f = add(hs, CHECK_DOWNGRADE, grade(p, CHECK_DOWNGRADE, SEV_HIGH), -1,
			"tls13_downgrade_sentinel", &m);
		if (f) {
			m_str(&m, "the ServerHello carries the RFC 8446 4.1.3 downgrade sentinel "
				  "although the client offered TLS1.3");
		}
	}
}

/* The chain against the trust store (x509/trust.h), verified when the Certificate was read. A
 * bad signature fails in every store; a missing issuer or an unknown root only in this one. */
static void check_trust(const struct policy *p, struct handshake *hs)
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

static void heartbeat_finding(const struct policy *p, struct handshake *hs, enum severity sev,
			      const char *detail, const char *what, bool from_client,
			      const char *tail1, uint32_t v1, const char *tail2, uint32_t v2,
			      const char *end)
{
	struct finding *f;
	struct sbuf m;

	f = add(hs, CHECK_HEARTBEAT, grade(p, CHECK_HEARTBEAT, sev), -1, detail, &m);
	if (!f)
		return;
	/* about the sender: a client probing with Heartbleed is the client's doing */
	f->side = from_client ? HS_SIDE_CLIENT : HS_SIDE_SERVER;
	m_str(&m, "the ");
	m_str(&m, from_client ? "client" : "server");
	m_str(&m, " sent ");
	m_str(&m, what);
	m_str(&m, tail1);
	sbuf__put_u64(&m, v1);
	m_str(&m, tail2);
	sbuf__put_u64(&m, v2);
	m_str(&m, end);
}

/* RFC 6520 4 and CVE-2014-0160, as Zeek's heartbleed.zeek notices them. */
static void check_heartbeat(const struct policy *p, struct handshake *hs)
{
	const struct hs_heartbeats *h = &hs->heartbeats;

	if (!p->enabled[CHECK_HEARTBEAT])
		return;
	if (h->overlong_request)
		heartbeat_finding(p, hs, SEV_HIGH, "heartbleed_request",
				  "a heartbeat request that claims more payload than its record "
				  "holds (Heartbleed, CVE-2014-0160)",
				  h->overlong_from_client, ": payload_length ",
				  h->overlong_payload_length, ", record ", h->overlong_record_len,
				  " bytes");
	if (h->leaked_response)
		heartbeat_finding(p, hs, SEV_CRITICAL, "heartbleed_response",
				  "a heartbeat response to that request: it is vulnerable and "
				  "returned its own memory",
				  h->leak_from_client, " (record ", h->leak_record_len,
				  " bytes, request record ", h->overlong_record_len, " bytes)");
	if (h->short_encrypted)
		heartbeat_finding(p, hs, SEV_MEDIUM, "short_encrypted",
				  "an encrypted heartbeat shorter than any valid one (a probe for "
				  "Heartbleed after the handshake)",
				  h->short_from_client, ": ", h->short_len, " bytes, minimum ",
				  TLS_HEARTBEAT_MIN_LEN, "");
}

void policy__evaluate(const struct policy *p, struct handshake *hs)
{
	check_certs(p, hs);
	check_tcp_ambiguity(p, hs);
	if (hs->has_server_hello)
		check_protocol(p, hs);
	check_kx(p, hs);
	policy__check_leaf_names(p, hs);
	check_dh(p, hs);
	check_downgrade(p, hs);
	check_trust(p, hs);
	check_heartbeat(p, hs);
	policy__check_lib_verdicts(p, hs); /* last: it reads the chain's findings */
}
