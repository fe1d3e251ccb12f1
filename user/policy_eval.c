// SPDX-License-Identifier: GPL-2.0
/* Judging a finished handshake against the policy: one finding per weakness, with a bounded
 * detail (a metric label) and a human message. */
#include "policy_int.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "tls_names.h"

/* vsnprintf may cut a UTF-8 sequence (certificate names) in two; drop the incomplete tail. */
static void utf8_trim_tail(char *s)
{
	size_t len = strlen(s), i = len;

	for (int back = 0; i > 0 && back < 4; back++) {
		unsigned char ch = (unsigned char)s[--i];
		size_t need;

		if ((ch & 0xc0) == 0x80)
			continue;
		need = ch >= 0xf0 ? 4 : ch >= 0xe0 ? 3 : ch >= 0xc0 ? 2 : 1;
		if (len - i < need)
			s[i] = '\0';
		return;
	}
}

static void add(struct handshake *hs, enum check_id c, enum severity sev, int pos,
		const char *detail, const char *fmt, ...) __attribute__((format(printf, 6, 7)));

static void add(struct handshake *hs, enum check_id c, enum severity sev, int pos,
		const char *detail, const char *fmt, ...)
{
	struct finding *f = hs__add_finding(hs, c, sev, pos, detail);
	va_list ap;

	if (!f)
		return;
	va_start(ap, fmt);
	vsnprintf(f->message, sizeof(f->message), fmt, ap);
	va_end(ap);
	utf8_trim_tail(f->message);
	utf8_trim_tail(f->detail);
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
static const char *position_class(const struct x509_info *x, unsigned pos, unsigned n)
{
	if (pos == 0)
		return "leaf";
	if (x->parsed && (x->self_signed || (x->self_issued && pos + 1 == n)))
		return "root";
	return "intermediate";
}

/* "certificate #2 (CN=Weak CA)": human numbering is 1-based, the JSON position is 0-based. */
static void cert_label(char *buf, size_t size, const struct x509_info *x, unsigned pos,
		       const char *cls)
{
	const char *role = !strcmp(cls, "intermediate") ? NULL : cls;
	char name[72] = "";

	if (x->parsed && x->subject_cn && x->subject_cn[0]) {
		memcpy(name, "CN=", 3);
		policy__sanitize(name + 3, sizeof(name) - 3, x->subject_cn, 64);
	} else if (x->parsed && x->subject && x->subject[0]) {
		policy__sanitize(name, sizeof(name), x->subject, 64);
	}
	if (role && name[0])
		snprintf(buf, size, "certificate #%u (%s, %s)", pos + 1, role, name);
	else if (role || name[0])
		snprintf(buf, size, "certificate #%u (%s)", pos + 1, role ? role : name);
	else
		snprintf(buf, size, "certificate #%u", pos + 1);
}

static void check_signature(const struct policy *p, struct handshake *hs, const struct x509_info *x,
			    unsigned pos, const char *cls, const char *label)
{
	const char *name = x->sig_name[0] ? x->sig_name : x->sig_oid;
	int h = hash_index(x);
	bool root_sha1;
	enum severity sev;

	if (h < 0 || !(p->weak_hashes & (1u << h)) || !p->enabled[CHECK_WEAK_SIGNATURE])
		return;
	/* RFC 5280 6.1, CA/B Forum BR 7.1.3: clients trust a root as stored and never verify its
	 * self-signature, so only the certificates below it depend on the hash. */
	root_sha1 = h == HASH_SHA1 && !strcmp(cls, "root");
	sev = root_sha1 ? (enum severity)p->sha1_root_severity
			: grade(p, CHECK_WEAK_SIGNATURE, policy_hashes[h].sev);
	if (!x->sig_oid[0] || !strcmp(name, x->sig_oid))
		add(hs, CHECK_WEAK_SIGNATURE, sev, (int)pos, name, "%s is signed with %s%s", label,
		    name, root_sha1 ? "; a root's own signature is not checked" : "");
	else
		add(hs, CHECK_WEAK_SIGNATURE, sev, (int)pos, name, "%s is signed with %s (%s)%s",
		    label, name, x->sig_oid,
		    root_sha1 ? "; a root's own signature is not checked" : "");
}

/* Below `broken`: factorable or solvable with public effort; below `weak`: under today's
 * minimum; otherwise only under a stricter, user-chosen minimum. */
static int key_grade(int bits, int broken, int weak)
{
	if (bits < broken)
		return SEV_CRITICAL;
	return bits < weak ? SEV_HIGH : SEV_MEDIUM;
}

static void check_key(const struct policy *p, struct handshake *hs, const struct x509_info *x,
		      unsigned pos, const char *label)
{
	const char *t = x->key_type;
	int bits = x->key_bits;
	char detail[FINDING_DETAIL_LEN];

	if (!p->enabled[CHECK_WEAK_KEY])
		return;
	if (!strcmp(t, "RSA") || !strcmp(t, "RSA-PSS") || !strcmp(t, "rsassaPss")) {
		/* CA/B Forum BR 6.1.5: at least 2048 bits */
		if (bits <= 0 || (uint32_t)bits >= p->min_rsa_bits)
			return;
		snprintf(detail, sizeof(detail), "RSA-%d", bits);
		add(hs, CHECK_WEAK_KEY, grade(p, CHECK_WEAK_KEY, key_grade(bits, 1024, 2048)),
		    (int)pos, detail, "%s has a %d-bit RSA key (minimum %u)", label, bits,
		    p->min_rsa_bits);
	} else if (!strcmp(t, "EC")) {
		if (bits <= 0 || (uint32_t)bits >= p->min_ec_bits)
			return;
		snprintf(detail, sizeof(detail), "EC-%d", bits);
		add(hs, CHECK_WEAK_KEY, grade(p, CHECK_WEAK_KEY, key_grade(bits, 160, 224)),
		    (int)pos, detail, "%s has a %d-bit EC key%s%s (minimum %u)", label, bits,
		    x->curve[0] ? " on " : "", x->curve, p->min_ec_bits);
	} else if (!strcmp(t, "DSA")) {
		/* CA/B Forum BR 6.1.5 allows only RSA and ECDSA; RFC 8446 dropped DSA. */
		char size[24] = "";

		if (bits > 0)
			snprintf(size, sizeof(size), "%d-bit ", bits);
		snprintf(detail, sizeof(detail), bits > 0 ? "DSA-%d" : "DSA", bits);
		add(hs, CHECK_WEAK_KEY,
		    grade(p, CHECK_WEAK_KEY, bits > 0 && bits < 1024 ? SEV_CRITICAL : SEV_HIGH),
		    (int)pos, detail, "%s has a %sDSA key (DSA is no longer allowed)", label, size);
	}
}

static void span(char *buf, size_t size, uint64_t secs)
{
	if (secs < 86400)
		snprintf(buf, size, "%llu s", (unsigned long long)secs);
	else
		snprintf(buf, size, "%llu days", (unsigned long long)(secs / 86400));
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
static void check_validity(const struct policy *p, struct handshake *hs, const struct x509_info *x,
			   unsigned pos, const char *cls, const char *label, uint64_t ts_ns)
{
	int64_t now = (int64_t)(ts_ns / 1000000000ull);
	bool frac = ts_ns % 1000000000ull != 0;
	char when[40], dur[32];

	if (!x->validity_ok)
		return;
	if (p->enabled[CHECK_EXPIRED] && (now > x->not_after || (now == x->not_after && frac))) {
		span(dur, sizeof(dur), (uint64_t)(now - x->not_after));
		add(hs, CHECK_EXPIRED, grade(p, CHECK_EXPIRED, policy_checks[CHECK_EXPIRED].severity),
		    (int)pos, cls, "%s expired at %s, %s before the handshake", label,
		    time_str(when, sizeof(when), x->not_after_str, x->not_after), dur);
	}
	if (p->enabled[CHECK_NOT_YET_VALID] && now < x->not_before) {
		span(dur, sizeof(dur), (uint64_t)(x->not_before - now));
		add(hs, CHECK_NOT_YET_VALID,
		    grade(p, CHECK_NOT_YET_VALID, policy_checks[CHECK_NOT_YET_VALID].severity), (int)pos,
		    cls, "%s is not valid before %s, %s after the handshake", label,
		    time_str(when, sizeof(when), x->not_before_str, x->not_before), dur);
	}
}

static void check_certs(const struct policy *p, struct handshake *hs)
{
	unsigned n = hs->n_certs < TLS_MAX_CHAIN ? hs->n_certs : TLS_MAX_CHAIN;
	/* With a Certificate seen its frame time counts even when it is 0 (synthetic captures
	 * stamped at the epoch; tshark judges them at 1970 too). */
	bool have_ts = hs->has_certificate || hs->cert_ts_ns || hs->end_ts_ns;
	uint64_t ts = hs->has_certificate || hs->cert_ts_ns ? hs->cert_ts_ns : hs->end_ts_ns;

	for (unsigned i = 0; i < n; i++) {
		const struct x509_info *x = hs->certs[i];
		char label[112], err[80];
		const char *cls;

		if (!x)
			continue;
		if (!x->parsed) {
			if (!p->enabled[CHECK_UNPARSABLE_CERT])
				continue;
			policy__sanitize(err, sizeof(err), x->error, 64);
			add(hs, CHECK_UNPARSABLE_CERT,
			    grade(p, CHECK_UNPARSABLE_CERT, policy_checks[CHECK_UNPARSABLE_CERT].severity),
			    (int)i, "unparsable",
			    "certificate #%u%s could not be parsed (sha256 %.16s, %u bytes)%s%s",
			    i + 1, i == 0 ? " (leaf)" : "", x->sha256_hex, x->der_len,
			    err[0] ? ": " : "", err);
			continue;
		}
		cls = position_class(x, i, n);
		cert_label(label, sizeof(label), x, i, cls);
		check_signature(p, hs, x, i, cls, label);
		check_key(p, hs, x, i, label);
		if (have_ts)
			check_validity(p, hs, x, i, cls, label, ts);
		if (i == 0 && x->self_signed && p->enabled[CHECK_SELF_SIGNED])
			add(hs, CHECK_SELF_SIGNED,
			    grade(p, CHECK_SELF_SIGNED, policy_checks[CHECK_SELF_SIGNED].severity), 0,
			    "leaf", "%s is self-signed", label);
	}
}

static bool client_offered_tls13(const struct hs_client_hello *ch)
{
	return ch->max_version == TLS_VERSION_TLS13 || ch->offered_tls13;
}

static void check_cipher(const struct policy *p, struct handshake *hs)
{
	const struct tls_cipher_info *ci = tls__cipher_info(hs->sh.cipher);
	char what[128];
	size_t len = 0;
	int sev = -1;
	uint32_t flags;

	if (!ci || !p->enabled[CHECK_WEAK_CIPHER])
		return;
	flags = ci->weak & p->weak_cipher_flags;
	if (!flags)
		return;
	what[0] = '\0';
	for (size_t i = 0; i < N_ITEMS(policy_cipher_flags); i++) {
		if (!(flags & policy_cipher_flags[i].value) || len >= sizeof(what))
			continue;
		len += (size_t)snprintf(what + len, sizeof(what) - len, "%s%s", len ? ", " : "",
					policy_cipher_flags[i].what);
		if (policy_cipher_flags[i].sev > sev)
			sev = policy_cipher_flags[i].sev;
	}
	add(hs, CHECK_WEAK_CIPHER, grade(p, CHECK_WEAK_CIPHER, sev), -1, ci->name,
	    "the server chose %s (0x%04X): %s", ci->name, hs->sh.cipher, what);
}

static void check_protocol(const struct policy *p, struct handshake *hs)
{
	uint16_t v = hs->version ? hs->version : hs->sh.version;

	if (p->enabled[CHECK_WEAK_PROTOCOL] && v) {
		for (size_t i = 0; i < N_ITEMS(policy_protocols); i++) {
			if (policy_protocols[i].value != v || !(p->weak_protocols & (1u << i)))
				continue;
			add(hs, CHECK_WEAK_PROTOCOL,
			    grade(p, CHECK_WEAK_PROTOCOL, policy_protocols[i].sev), -1, policy_protocols[i].name,
			    "the server negotiated %s (%s)", policy_protocols[i].name, policy_protocols[i].what);
		}
	}
	check_cipher(p, hs);
}

void policy__evaluate(const struct policy *p, struct handshake *hs)
{
	char detail[FINDING_DETAIL_LEN];

	check_certs(p, hs);
	if (hs->has_server_hello)
		check_protocol(p, hs);
	if (hs->has_server_key_exchange && hs->ske.dh_p_bits && p->enabled[CHECK_WEAK_DH] &&
	    hs->ske.dh_p_bits < p->min_dh_bits) {
		/* RFC 7919 and the Logjam paper: DHE primes below 2048 bits are within reach */
		snprintf(detail, sizeof(detail), "DH-%u", hs->ske.dh_p_bits);
		add(hs, CHECK_WEAK_DH,
		    grade(p, CHECK_WEAK_DH, hs->ske.dh_p_bits < 1024 ? SEV_HIGH : SEV_MEDIUM), -1,
		    detail, "the server's DHE group has a %u-bit prime (minimum %u)",
		    hs->ske.dh_p_bits, p->min_dh_bits);
	}
	if (!p->enabled[CHECK_DOWNGRADE])
		return;
	/* RFC 7507: a client sends the SCSV only when retrying after a failed higher version */
	if (hs->has_client_hello && hs->ch.fallback_scsv)
		add(hs, CHECK_DOWNGRADE, grade(p, CHECK_DOWNGRADE, SEV_LOW), -1, "fallback_scsv",
		    "the client offered TLS_FALLBACK_SCSV: it is retrying with a lower version "
		    "after a failed attempt (RFC 7507)");
	/* RFC 8446 4.1.3: a TLS 1.3 server that negotiates less marks its random; a client that
	 * offered 1.3 and sees the mark is being downgraded */
	if (hs->has_server_hello && hs->has_client_hello &&
	    (hs->sh.downgrade_tls12 || hs->sh.downgrade_tls11) && client_offered_tls13(&hs->ch))
		add(hs, CHECK_DOWNGRADE, grade(p, CHECK_DOWNGRADE, SEV_HIGH), -1,
		    "tls13_downgrade_sentinel",
		    "the ServerHello carries the RFC 8446 4.1.3 downgrade sentinel although the "
		    "client offered TLS1.3");
}
