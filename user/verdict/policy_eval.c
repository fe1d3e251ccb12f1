// SPDX-License-Identifier: GPL-2.0
/* Judging a finished handshake against the policy: one finding per weakness, with a bounded
 * detail (a metric label) and a human message. */
#include "verdict/policy_msg.h"

#include <string.h>

#include "util/sbuf.h"
#include "tls/tls_names.h"

void __attribute__((noinline)) policy__msg_mem(struct sbuf *m, const char *s, size_t n)
{
	sbuf__add(m, s, n);
}

/* "0x%04X" */
static void m_hex4(struct sbuf *m, uint16_t v)
{
	static const char hex[] = "0123456789ABCDEF";
	char tmp[6] = { '0', 'x', hex[v >> 12], hex[(v >> 8) & 0xf], hex[(v >> 4) & 0xf],
			hex[v & 0xf] };

	m_mem(m, tmp, sizeof(tmp));
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
	policy__check_certs(p, hs);
	check_tcp_ambiguity(p, hs);
	if (hs->has_server_hello)
		check_protocol(p, hs);
	check_kx(p, hs);
	policy__check_leaf_names(p, hs);
	check_dh(p, hs);
	check_downgrade(p, hs);
	policy__check_trust(p, hs);
	check_heartbeat(p, hs);
	policy__check_lib_verdicts(p, hs); /* last: it reads the chain's findings */
}
