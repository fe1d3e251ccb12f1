// SPDX-License-Identifier: GPL-2.0
#include "verdict/hs_pending.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "tls/tls_names.h"

_Static_assert(HS_MAX_EVENTS < 128, "n_events is 7 bits");
_Static_assert(JA4_LEN < 64, "ja4_raw_len is 6 bits");
_Static_assert(sizeof(struct hs_pending) == 80, "a ClientHello-only handshake: one 104-byte block");
_Static_assert(HS_PENDING_BLOCK % 8 == 0 && HS_PENDING_BLOCK >= sizeof(struct hs_pending) + 24,
	       "a block holds the fixed part and a flood's names, 8-byte aligned");

/* Most undecided handshakes in a flood hold one event (the ClientHello), kept inline; a
 * finished TLS 1.2 handshake holds about a dozen, on the heap. */
#define EVENTS_HEAP_INITIAL_CAP 4

/* Room for short names from the start: the ClientHello's summary then never moves the block
 * (a realloc per handshake leaves holes in the heap that a flood never fills again). With the
 * 80-byte fixed part, 104 bytes: a pool's block (HS_PENDING_BLOCK), or glibc's 112-byte chunk. */
#define NAMES_SLACK (HS_PENDING_BLOCK - sizeof(struct hs_pending))

struct hs_pending *hs_pending__new(struct block_pool *pool)
{
	struct hs_pending *p = pool ? block_pool__get(pool) : NULL;

	return p ? p : calloc(1, HS_PENDING_BLOCK);
}

void hs_pending__free(struct hs_pending *p, struct block_pool *pool, struct x509_cache *cache)
{
	if (!p)
		return;
	if (p->srv) {
		for (int i = 0; i < p->srv->n_certs; i++)
			if (p->srv->certs[i])
				x509_info__put(cache, p->srv->certs[i]);
		if (p->srv->auth) {
			for (int i = 0; i < p->srv->auth->n_certs; i++)
				if (p->srv->auth->certs[i])
					x509_info__put(cache, p->srv->auth->certs[i]);
			free(p->srv->auth);
		}
		free(p->srv->events);
		free(p->srv);
	}
	if (block_pool__owns(pool, p))
		block_pool__put(pool, p);
	else
		free(p);
}

static int hex_val(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

/* The MD5 is kept as 16 bytes, not 33 characters; fingerprint.c writes lowercase hex, so the
 * round trip is exact. Anything else (an empty string after a digest failure) keeps none. */
static bool ja3_to_md5(const char *hex, uint8_t md5[16])
{
	for (int i = 0; i < 16; i++) {
		int hi = hex_val(hex[2 * i]), lo = hi < 0 ? -1 : hex_val(hex[2 * i + 1]);

		if (hi < 0 || lo < 0)
			return false;
		md5[i] = (uint8_t)(hi << 4 | lo);
	}
	return hex[32] == '\0';
}

static bool hex_to_bytes(const char *hex, uint8_t *out, int n)
{
	for (int i = 0; i < n; i++) {
		int hi = hex_val(hex[2 * i]), lo = hi < 0 ? -1 : hex_val(hex[2 * i + 1]);

		if (hi < 0 || lo < 0)
			return false;
		out[i] = (uint8_t)(hi << 4 | lo);
	}
	return true;
}

static void bytes_to_hex(const uint8_t *in, int n, char *out)
{
	static const char hex[] = "0123456789abcdef";

	for (int i = 0; i < n; i++) {
		out[2 * i] = hex[in[i] >> 4];
		out[2 * i + 1] = hex[in[i] & 0xf];
	}
}

_Static_assert(FP_JA4_VERSIONS <= 16, "a JA4 version index packs in 4 bits");
#define JA4_NO_SNI 0x10

static int ja4_count(const char *two)
{
	if (two[0] < '0' || two[0] > '9' || two[1] < '0' || two[1] > '9')
		return -1;
	return (two[0] - '0') * 10 + (two[1] - '0');
}

/* "t13d1516h2_8daaf6152771_e5627efa2ab1": the head as a byte, each count as a byte, the ALPN
 * characters verbatim, each hash as 6 bytes. */
static bool ja4_pack(struct hs_pending *p, const char *ja4)
{
	int v = -1, nc, ne;

	if (strnlen(ja4, JA4_LEN + 1) != JA4_LEN || ja4[HS_JA4_PREFIX] != '_' ||
	    ja4[HS_JA4_PREFIX + 1 + 2 * HS_JA4_HASH] != '_')
		return false;
	if (memchr(ja4, '\0', HS_JA4_PREFIX) || ja4[0] != 't' || (ja4[3] != 'd' && ja4[3] != 'i'))
		return false;
	for (int i = 0; i < FP_JA4_VERSIONS; i++)
		if (!memcmp(ja4 + 1, fp_ja4_versions[i], 2))
			v = i;
	nc = ja4_count(ja4 + 4);
	ne = ja4_count(ja4 + 6);
	if (v < 0 || nc < 0 || ne < 0)
		return false;
	if (!hex_to_bytes(ja4 + HS_JA4_PREFIX + 1, p->ja4_hash[0], HS_JA4_HASH) ||
	    !hex_to_bytes(ja4 + HS_JA4_PREFIX + 2 + 2 * HS_JA4_HASH, p->ja4_hash[1], HS_JA4_HASH))
		return false;
	p->ja4_head = (uint8_t)(v | (ja4[3] == 'i' ? JA4_NO_SNI : 0));
	p->ja4_counts[0] = (uint8_t)nc;
	p->ja4_counts[1] = (uint8_t)ne;
	memcpy(p->ja4_alpn, ja4 + 8, 2);
	return true;
}

static void ja4_unpack(const struct hs_pending *p, char out[JA4_LEN + 1])
{
	memset(out, 0, JA4_LEN + 1);
	if (!p->ja4_packed) {
		memcpy(out, p->names + p->sni_len + p->alpn_len, p->ja4_raw_len);
		return;
	}
	out[0] = 't';
	memcpy(out + 1, fp_ja4_versions[p->ja4_head & 0xf], 2);
	out[3] = p->ja4_head & JA4_NO_SNI ? 'i' : 'd';
	for (int i = 0; i < 2; i++) {
		out[4 + 2 * i] = (char)('0' + p->ja4_counts[i] / 10);
		out[5 + 2 * i] = (char)('0' + p->ja4_counts[i] % 10);
	}
	memcpy(out + 8, p->ja4_alpn, 2);
	out[HS_JA4_PREFIX] = '_';
	bytes_to_hex(p->ja4_hash[0], HS_JA4_HASH, out + HS_JA4_PREFIX + 1);
	out[HS_JA4_PREFIX + 1 + 2 * HS_JA4_HASH] = '_';
	bytes_to_hex(p->ja4_hash[1], HS_JA4_HASH, out + HS_JA4_PREFIX + 2 + 2 * HS_JA4_HASH);
}

/* Offset of the group lists in names[], and their bytes (0 before a ClientHello). */
static size_t groups_off(const struct hs_pending *p)
{
	return (size_t)p->sni_len + p->alpn_len + p->ja4_raw_len;
}

static size_t groups_bytes(const struct hs_pending *p)
{
	const uint8_t *g = p->names + groups_off(p);

	return p->has_client_hello ? 2 + 2 * ((size_t)g[0] + g[1]) : 0;
}

/* The non-GREASE entries of list, up to max; *truncated when some did not fit. */
static uint8_t copy_groups(uint16_t *out, unsigned max, const uint16_t *list, unsigned n,
			   bool *truncated)
{
	uint8_t k = 0;

	for (unsigned i = 0; i < n; i++) {
		if (tls__is_grease(list[i]))
			continue;
		if (k == max) {
			*truncated = true;
			break;
		}
		out[k++] = list[i];
	}
	return k;
}

/* ch_min_version index -> version; 0: not known. */
static const uint16_t min_versions[8] = { 0, TLS_VERSION_SSL2, TLS_VERSION_SSL3, TLS_VERSION_TLS10,
					  TLS_VERSION_TLS11, TLS_VERSION_TLS12, TLS_VERSION_TLS13 };

static uint8_t min_version_index(const struct tls_client_hello *ch)
{
	uint16_t v = ch->sslv2 ? TLS_VERSION_SSL2 : ch->legacy_version;

	if (!ch->sslv2 && ch->n_versions) {
		v = 0xffff;
		for (unsigned i = 0; i < ch->n_versions && i < TLS_MAX_VERSIONS; i++)
			if (!tls__is_grease(ch->versions[i]) && ch->versions[i] < v)
				v = ch->versions[i];
	}
	for (uint8_t i = 1; i < 7; i++)
		if (min_versions[i] == v)
			return i;
	return 0;
}

static uint8_t offered_kx(const struct tls_client_hello *ch)
{
	uint32_t kx = tls__ciphers_kx(ch->ciphers,
				      ch->n_ciphers < TLS_MAX_CIPHERS ? ch->n_ciphers : TLS_MAX_CIPHERS);

	return (uint8_t)((kx & 1u << TLS_KX_RSA ? HS_KX_RSA : 0) |
			 (kx & 1u << TLS_KX_DHE ? HS_KX_DHE : 0) |
			 (kx & 1u << TLS_KX_ECDHE ? HS_KX_ECDHE : 0) |
			 (kx & 1u << TLS_KX_TLS13 ? HS_KX_TLS13 : 0));
}

int hs_pending__set_client_hello(struct hs_pending **pp, struct block_pool *pool,
				 const struct tls_client_hello *ch,
				 const char ja3_hex[JA3_HEX_LEN + 1], const char ja4[JA4_LEN + 1])
{
	size_t sni_len = ch->sni_len <= TLS_MAX_SNI_LEN ? ch->sni_len : TLS_MAX_SNI_LEN;
	size_t alpn_len = ch->alpn_len <= TLS_MAX_ALPN_LEN ? ch->alpn_len : TLS_MAX_ALPN_LEN;
	struct hs_pending *p = *pp, probe = { 0 };
	bool packed = ja4_pack(&probe, ja4);
	size_t raw = packed ? 0 : strnlen(ja4, JA4_LEN);
	uint16_t groups[HS_MAX_CLIENT_GROUPS + HS_MAX_CLIENT_KEY_SHARES];
	bool truncated = false;
	uint8_t ng = copy_groups(groups, HS_MAX_CLIENT_GROUPS, ch->groups,
				 ch->n_groups < TLS_MAX_GROUPS ? ch->n_groups : TLS_MAX_GROUPS,
				 &truncated);
	uint8_t nks = copy_groups(groups + ng, HS_MAX_CLIENT_KEY_SHARES, ch->key_shares,
				  ch->n_key_shares < TLS_MAX_GROUPS ? ch->n_key_shares :
								      TLS_MAX_GROUPS,
				  &truncated);
	size_t need = sni_len + alpn_len + raw + 2 + 2 * ((size_t)ng + nks);

	if (need > NAMES_SLACK && need > groups_off(p) + groups_bytes(p)) {
		if (block_pool__owns(pool, p)) {
			/* out of its block, onto the heap */
			p = malloc(sizeof(*p) + need);
			if (!p)
				return -ENOMEM;
			memcpy(p, *pp, HS_PENDING_BLOCK);
			block_pool__put(pool, *pp);
		} else {
			p = realloc(p, sizeof(*p) + need);
			if (!p)
				return -ENOMEM;
		}
		*pp = p;
	}
	p->has_client_hello = true;
	p->ch_sslv2 = ch->sslv2;
	p->ch_fallback_scsv = ch->fallback_scsv;
	p->ch_ticket_offered = ch->ticket_offered;
	p->ch_has_sni = ch->has_sni;
	p->ch_legacy_version = ch->legacy_version;
	p->ch_max_version = ch->max_version;
	p->ch_min_version = min_version_index(ch) & 7;
	p->ch_offered_kx = offered_kx(ch) & 0xf;
	p->ch_offered_tls13 = ch->max_version == TLS_VERSION_TLS13;
	for (unsigned i = 0; i < ch->n_versions && i < TLS_MAX_VERSIONS; i++)
		if (ch->versions[i] == TLS_VERSION_TLS13)
			p->ch_offered_tls13 = true;
	p->sni_len = (uint16_t)sni_len;
	p->alpn_len = (uint16_t)alpn_len;
	memcpy(p->names, ch->sni, sni_len);
	memcpy(p->names + sni_len, ch->alpn, alpn_len);
	p->has_ja3 = ja3_to_md5(ja3_hex, p->ja3_md5);
	p->ja4_packed = packed;
	p->ja4_raw_len = (uint8_t)raw;
	if (packed) {
		p->ja4_head = probe.ja4_head;
		memcpy(p->ja4_counts, probe.ja4_counts, sizeof(p->ja4_counts));
		memcpy(p->ja4_alpn, probe.ja4_alpn, sizeof(p->ja4_alpn));
		memcpy(p->ja4_hash, probe.ja4_hash, sizeof(p->ja4_hash));
	} else {
		memcpy(p->names + sni_len + alpn_len, ja4, raw);
	}
	p->ch_groups_truncated = truncated;
	p->names[groups_off(p)] = ng;
	p->names[groups_off(p) + 1] = nks;
	memcpy(p->names + groups_off(p) + 2, groups, 2 * ((size_t)ng + nks));
	return 0;
}

struct hs_server_side *hs_pending__server(struct hs_pending *p)
{
	if (!p->srv)
		p->srv = calloc(1, sizeof(*p->srv));
	return p->srv;
}

struct hs_client_auth *hs_pending__client_auth(struct hs_pending *p)
{
	struct hs_server_side *s = hs_pending__server(p);

	if (s && !s->auth)
		s->auth = calloc(1, sizeof(*s->auth));
	return s ? s->auth : NULL;
}

/* The timeline: event0 until a second event moved it into the server side's array. */
static struct hs_event *events_of(const struct hs_pending *p)
{
	return p->srv && p->srv->events ? p->srv->events : (struct hs_event *)&p->event0;
}

static unsigned cap_events(const struct hs_pending *p)
{
	return p->srv && p->srv->events ? p->srv->cap_events : 1;
}

void hs_pending__add_event(struct hs_pending *p, const struct hs_event *ev)
{
	struct hs_server_side *s;
	struct hs_event *n;
	unsigned cap;

	if (p->n_events && p->n_events == cap_events(p) && cap_events(p) < HS_MAX_EVENTS &&
	    (s = hs_pending__server(p))) {
		cap = s->events ? s->cap_events * 2u : EVENTS_HEAP_INITIAL_CAP;
		if (cap > HS_MAX_EVENTS)
			cap = HS_MAX_EVENTS;
		n = realloc(s->events, cap * sizeof(*n));
		if (n) {
			if (!s->events)
				n[0] = p->event0;
			s->events = n;
			s->cap_events = (uint8_t)cap;
		}
	}
	/* Keeping the newest event in the last slot means "what happened last" (what explain
	 * needs) stays right even when a long handshake overflows the timeline. */
	if (p->n_events < cap_events(p)) {
		events_of(p)[p->n_events++] = *ev;
		return;
	}
	events_of(p)[p->n_events - 1] = *ev;
	p->events_truncated = true;
}

static void md5_to_hex(const uint8_t md5[16], char out[JA3_HEX_LEN + 1])
{
	static const char hex[] = "0123456789abcdef";

	for (int i = 0; i < 16; i++) {
		out[2 * i] = hex[md5[i] >> 4];
		out[2 * i + 1] = hex[md5[i] & 0xf];
	}
	out[JA3_HEX_LEN] = '\0';
}

/* Fields hs_pending keeps under the name struct handshake gives them; the ClientHello's with a
 * ch_ prefix; the server side's in struct hs_server_side. */
#define SAME_NAME_FIELDS(X)                                                                      \
	X(vlan) X(has_client_hello) X(has_server_hello) X(has_certificate)           \
	X(has_server_key_exchange) X(client_sent_certificate) X(ccs_client) X(ccs_server)        \
	X(app_data_client) X(app_data_server) X(closed_by_client) X(n_events) X(events_truncated)
#define CLIENT_HELLO_FIELDS(X) \
	X(sslv2) X(fallback_scsv) X(offered_tls13) X(has_sni) X(legacy_version) X(max_version) \
	X(groups_truncated)
#define SERVER_FIELDS(X)                                                                         \
	X(sh) X(ske) X(n_certs) X(n_certs_total) X(cert_ts_ns) X(cert_frame) X(alert) X(gaps)    \
	X(gap_bytes) X(parse_errors) X(hrr) X(hrr_group) X(trust) X(heartbeats) X(version)

/* RFC 8446 4.2.11: a ServerHello with pre_shared_key resumed (or used an external PSK); before
 * TLS 1.3 the abbreviated flight shows it, and RFC 5077 3.4 says a ticket was what resumed when
 * the client presented one (the session ID is echoed either way). */
static enum hs_resumption resumption_of(const struct hs_pending *p)
{
	const struct hs_server_side *s = p->srv;

	if (!p->has_server_hello || s->sh.hello_retry_request)
		return HS_RESUMED_NONE;
	if (s->version == TLS_VERSION_TLS13)
		return s->sh.psk_selected ? HS_RESUMED_PSK : HS_RESUMED_NONE;
	if (!s->abbreviated || p->has_certificate)
		return HS_RESUMED_NONE;
	return p->ch_ticket_offered ? HS_RESUMED_TICKET : HS_RESUMED_SESSION_ID;
}

void hs_pending__expand(const struct hs_pending *p, struct handshake *out)
{
	const struct hs_server_side *s = p->srv;
	struct hs_client_hello *ch = &out->ch;

	memset(out, 0, HS_FACTS_SIZE);
#define COPY(f) out->f = p->f;
#define COPY_CH(f) ch->f = p->ch_##f;
#define COPY_SRV(f) out->f = s->f;
	SAME_NAME_FIELDS(COPY)
	CLIENT_HELLO_FIELDS(COPY_CH)
	ch->min_version = min_versions[p->ch_min_version];
	ch->offered_kx = p->ch_offered_kx;
	ch->sni_len = p->sni_len;
	memcpy(ch->sni, p->names, p->sni_len);
	ch->alpn_len = p->alpn_len;
	memcpy(ch->alpn, p->names + p->sni_len, p->alpn_len);
	if (p->has_client_hello) {
		const uint8_t *g = p->names + groups_off(p);

		ch->n_groups = g[0];
		ch->n_key_shares = g[1];
		memcpy(ch->groups, g + 2, 2 * (size_t)g[0]);
		memcpy(ch->key_shares, g + 2 + 2 * (size_t)g[0], 2 * (size_t)g[1]);
	}
	if (p->has_ja3)
		md5_to_hex(p->ja3_md5, out->ja3);
	ja4_unpack(p, out->ja4);
	if (s) {
		SERVER_FIELDS(COPY_SRV)
		memcpy(out->ja3s, s->ja3s, sizeof(out->ja3s));
		memcpy(out->certs, s->certs, s->n_certs * sizeof(s->certs[0]));
		out->resumption = resumption_of(p);
	}
	if (s && s->auth) {
		const struct hs_client_auth *a = s->auth;

		out->has_certificate_request = a->has_certificate_request;
		out->cr = a->cr;
		out->n_client_certs = a->n_certs;
		out->n_client_certs_total = a->n_certs_total;
		out->client_cert_ts_ns = a->cert_ts_ns;
		out->client_cert_frame = a->cert_frame;
		memcpy(out->client_certs, a->certs, a->n_certs * sizeof(a->certs[0]));
	}
#undef COPY
#undef COPY_CH
#undef COPY_SRV
	if (p->n_events)
		memcpy(out->events, events_of(p), p->n_events * sizeof(out->events[0]));
}

size_t hs_pending__bytes(const struct hs_pending *p)
{
	size_t names;

	if (!p)
		return 0;
	names = groups_off(p) + groups_bytes(p);
	return sizeof(*p) + (names > NAMES_SLACK ? names : NAMES_SLACK) +
	       (p->srv && p->srv->events ? p->srv->cap_events * sizeof(struct hs_event) : 0) +
	       (p->srv ? sizeof(*p->srv) : 0) +
	       (p->srv && p->srv->auth ? sizeof(*p->srv->auth) : 0);
}
