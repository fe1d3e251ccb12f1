// SPDX-License-Identifier: GPL-2.0
#include "out/metrics_kx.h"

#include "tls/tls_names.h"

/* The versions tlsmon_handshakes_total names; anything else is "other". */
static const char *version_label(uint16_t v)
{
	char buf[8];

	switch (v) {
	case TLS_VERSION_SSL2:
	case TLS_VERSION_SSL3:
	case TLS_VERSION_TLS10:
	case TLS_VERSION_TLS11:
	case TLS_VERSION_TLS12:
	case TLS_VERSION_TLS13:
		return tls__version_name(v, buf, sizeof(buf)); /* a static name for these */
	}
	return "other";
}

void metrics_kx__on_handshake(struct metrics_kx *m, const struct handshake *hs)
{
	const char *g = hs__kx_label(hs);
	const struct tls_cipher_info *ci;
	const char *v, *c;
	int i;

	if (g) {
		for (i = 0; i < METRICS_KX_GROUPS && m->groups[i].group != g; i++)
			if (!m->groups[i].group) {
				m->groups[i].group = g;
				break;
			}
		if (i < METRICS_KX_GROUPS) {
			m->groups[i].pq = tls__group_flags(hs__kx_group(hs)) & TLS_GROUP_PQ;
			m->groups[i].count++;
		} else {
			m->groups_other++;
		}
	}
	if (!hs->has_server_hello || hs->sh.hello_retry_request)
		return;
	ci = tls__cipher_info(hs->sh.cipher);
	v = version_label(hs->version);
	c = ci ? ci->name : "other";
	for (i = 0; i < METRICS_KX_CIPHERS; i++) {
		if (!m->ciphers[i].cipher) {
			m->ciphers[i].version = v;
			m->ciphers[i].cipher = c;
			break;
		}
		if (m->ciphers[i].version == v && m->ciphers[i].cipher == c)
			break;
	}
	if (i < METRICS_KX_CIPHERS)
		m->ciphers[i].count++;
	else
		m->ciphers_other++;
}

void metrics_kx__render(const struct metrics_kx *m, struct sbuf *b)
{
	sbuf__puts(b, "# HELP tlsmon_key_exchange_total TLS handshakes by key exchange group (IANA "
		      "name; RSA, DHE or psk when no group was used) and whether it is post-quantum.\n"
		      "# TYPE tlsmon_key_exchange_total counter\n");
	for (int i = 0; i < METRICS_KX_GROUPS && m->groups[i].group; i++)
		sbuf__printf(b, "tlsmon_key_exchange_total{group=\"%s\",pq=\"%s\"} %llu\n",
			     m->groups[i].group, m->groups[i].pq ? "true" : "false",
			     (unsigned long long)m->groups[i].count);
	if (m->groups_other)
		sbuf__printf(b, "tlsmon_key_exchange_total{group=\"other\",pq=\"false\"} %llu\n",
			     (unsigned long long)m->groups_other);
	sbuf__puts(b, "# HELP tlsmon_ciphers_total TLS handshakes by negotiated version and cipher "
		      "suite (IANA name).\n# TYPE tlsmon_ciphers_total counter\n");
	for (int i = 0; i < METRICS_KX_CIPHERS && m->ciphers[i].cipher; i++)
		sbuf__printf(b, "tlsmon_ciphers_total{version=\"%s\",cipher=\"%s\"} %llu\n",
			     m->ciphers[i].version, m->ciphers[i].cipher,
			     (unsigned long long)m->ciphers[i].count);
	if (m->ciphers_other)
		sbuf__printf(b, "tlsmon_ciphers_total{version=\"other\",cipher=\"other\"} %llu\n",
			     (unsigned long long)m->ciphers_other);
}
