// SPDX-License-Identifier: GPL-2.0
/* The checks on what the leaf certificate says about the server it was sent by: whether it
 * names the host the client asked for (name_mismatch, missing_sni) and whether its validity
 * period is one a browser still accepts (long_validity). */
#include "verdict/policy_int.h"

#include <string.h>

#include "util/sbuf.h"
#include "x509/hostname.h"

/* CA/B Forum BR 6.3.2 (ballot SC31): certificates issued on or after 2020-09-01 */
#define BR_VALIDITY_CAP_SINCE 1598918400ll /* 2020-09-01T00:00:00Z */

static enum severity sev(const struct policy *p, enum check_id c)
{
	return (enum severity)(p->severity[c] != SEV_AUTO ? p->severity[c]
							  : policy_checks[c].severity);
}

static struct finding *add(const struct policy *p, struct handshake *hs, enum check_id c,
			   const char *detail, struct sbuf *m)
{
	struct finding *f = hs__add_finding(hs, c, sev(p, c), 0, detail);

	if (f)
		sbuf__init_fixed(m, f->message, sizeof(f->message));
	return f;
}

/* The SNI quoted into a message; untrusted bytes, so sanitised and bounded. */
static void put_sni(struct sbuf *m, const struct handshake *hs)
{
	char sni[72];
	size_t n = hs->ch.sni_len < TLS_MAX_SNI_LEN ? hs->ch.sni_len : TLS_MAX_SNI_LEN;
	char raw[TLS_MAX_SNI_LEN + 1];

	memcpy(raw, hs->ch.sni, n);
	raw[n] = '\0';
	policy__sanitize(sni, sizeof(sni), raw, 64);
	sbuf__putc(m, '"');
	sbuf__puts(m, sni);
	if (strlen(raw) > strlen(sni))
		sbuf__puts(m, "...");
	sbuf__putc(m, '"');
}

static const char *first_dns_san(const struct x509_info *x)
{
	for (uint32_t i = 0; i < x->n_san; i++)
		if (!strncmp(x->san[i], "DNS:", 4))
			return x->san[i] + 4;
	return NULL;
}

/* The leaf's label is built only when a finding needs it (most handshakes have none), and then
 * kept in the leaf's memo (policy_memo.c) with the chain's findings. */
struct leaf {
	const struct policy *p;
	const struct x509_info *x;
	struct cert_memo *memo; /* NULL until leaf_memo() */
	struct cert_memo *scratch; /* for a leaf that keeps no memo */
};

static struct cert_memo *leaf_memo(struct leaf *l)
{
	if (!l->memo)
		l->memo = policy_memo__of(l->p, l->x, 0, CERT_LEAF, false, l->scratch);
	return l->memo;
}

static const char *leaf_label(struct leaf *l)
{
	char *label = leaf_memo(l)->label;

	if (!label[0])
		policy__cert_label(label, CERT_LABEL_LEN, l->x, 0, CERT_LEAF, false);
	return label;
}

/* Counted once per memo: a leaf may name thousands of hosts, and the count is in the message
 * of every handshake without SNI that reaches it. */
static unsigned leaf_dns_sans(struct leaf *l)
{
	struct cert_memo *m = leaf_memo(l);

	if (m->dns_sans < 0)
		m->dns_sans = (int32_t)x509__dns_san_count(l->x);
	return (unsigned)m->dns_sans;
}

static void check_name(const struct policy *p, struct handshake *hs, struct leaf *l)
{
	const struct x509_info *x = l->x;
	const char *sni = (const char *)hs->ch.sni;
	size_t len = hs->ch.sni_len < TLS_MAX_SNI_LEN ? hs->ch.sni_len : TLS_MAX_SNI_LEN;
	unsigned n_dns; /* counted only for a message: a leaf can carry thousands of names */
	enum x509_host_match r;
	char name[72];
	struct sbuf m;

	if (!hs->ch.has_sni) {
		/* Without DNS names the server is not reached by name (an IP-only certificate). */
		if (!p->enabled[CHECK_MISSING_SNI] || !first_dns_san(x))
			return;
		if (!add(p, hs, CHECK_MISSING_SNI, "no_sni", &m))
			return;
		n_dns = leaf_dns_sans(l);
		policy__sanitize(name, sizeof(name), first_dns_san(x), 64);
		sbuf__puts(&m, "the client sent no SNI; ");
		sbuf__puts(&m, leaf_label(l));
		sbuf__puts(&m, " names ");
		sbuf__put_u64(&m, n_dns);
		sbuf__puts(&m, n_dns == 1 ? " DNS host (" : " DNS hosts (first ");
		sbuf__puts(&m, name);
		sbuf__puts(&m, ")");
		return;
	}
	if (!p->enabled[CHECK_NAME_MISMATCH])
		return;
	if (x509__host_is_ip(sni, len)) {
		if (!add(p, hs, CHECK_NAME_MISMATCH, "ip_sni", &m))
			return;
		sbuf__puts(&m, "the client sent an IP address as SNI (");
		put_sni(&m, hs);
		sbuf__puts(&m, "), which RFC 6066 3 does not allow and no certificate name matches");
		return;
	}
	r = x509__host_covered(x, sni, len);
	if (r == X509_HOST_MATCH || r == X509_HOST_UNKNOWN)
		return;
	if (!add(p, hs, CHECK_NAME_MISMATCH, r == X509_HOST_NO_DNS_SAN ? "no_dns_san" : "not_covered",
		 &m))
		return;
	sbuf__puts(&m, leaf_label(l));
	if (r == X509_HOST_NO_DNS_SAN) {
		sbuf__puts(&m, " has no DNS name for the SNI ");
		put_sni(&m, hs);
		sbuf__puts(&m, " (browsers do not fall back to the CN)");
		return;
	}
	sbuf__puts(&m, " does not cover the SNI ");
	put_sni(&m, hs);
	sbuf__puts(&m, " (none of its ");
	n_dns = leaf_dns_sans(l);
	sbuf__put_u64(&m, n_dns);
	sbuf__puts(&m, n_dns == 1 ? " DNS name matches)" : " DNS names match)");
}

/* RFC 5280 4.1.2.5: both ends are inside the period, so it lasts notAfter - notBefore + 1 s, and
 * BR 6.3.2 counts any part of a day as a day (`openssl -days 398` makes a 399-day certificate).
 * A self-signed or CA leaf is not a subscriber certificate the Baseline Requirements bind. */
static void check_validity_period(const struct policy *p, struct handshake *hs, struct leaf *l)
{
	const struct x509_info *x = l->x;
	int64_t period, max = (int64_t)p->max_validity_days * 86400;
	struct sbuf m;

	if (!p->enabled[CHECK_LONG_VALIDITY] || !p->max_validity_days || !x->validity_ok ||
	    x->self_signed || x->is_ca || x->not_before < BR_VALIDITY_CAP_SINCE ||
	    x->not_after < x->not_before)
		return;
	period = x->not_after - x->not_before + 1;
	if (period <= max || !add(p, hs, CHECK_LONG_VALIDITY, "leaf", &m))
		return;
	sbuf__puts(&m, leaf_label(l));
	sbuf__puts(&m, " is valid for ");
	sbuf__put_u64(&m, (uint64_t)(period + 86399) / 86400);
	sbuf__puts(&m, " days from ");
	sbuf__puts(&m, x->not_before_str);
	sbuf__puts(&m, " (at most ");
	sbuf__put_u64(&m, p->max_validity_days);
	sbuf__puts(&m, " for certificates issued after 2020-09-01)");
}

void policy__check_leaf_names(const struct policy *p, struct handshake *hs)
{
	struct cert_memo scratch;
	struct leaf l = { .p = p, .x = hs->n_certs ? hs->certs[0] : NULL, .scratch = &scratch };

	if (!l.x || !l.x->parsed)
		return;
	if (hs->has_client_hello)
		check_name(p, hs, &l);
	check_validity_period(p, hs, &l);
}
