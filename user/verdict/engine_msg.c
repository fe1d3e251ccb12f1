// SPDX-License-Identifier: GPL-2.0
/* What each handshake message tells the connection's pending handshake: the hellos, the
 * server's chain, its key exchange. The outcome is the lifecycle's business (engine.c). */
#include "verdict/engine_conn.h"

#include "tls/tls_names.h"
#include "x509/der_name.h"

void conn__client_hello(struct engine *e, struct conn *c, const struct tls_event *ev, bool sslv2)
{
	char ja3[JA3_HEX_LEN + 1] = "", ja4[JA4_LEN + 1] = "";
	int err;

	if (!c->client_known)
		set_client_side(c, c->cur_side);
	if (c->hs->has_client_hello)
		return; /* a second ClientHello (after HelloRetryRequest) keeps the first's fingerprint */
	err = sslv2 ? tls__parse_sslv2_client_hello(ev->body, ev->len, &e->ch) :
		      tls__parse_client_hello(ev->body, ev->len, &e->ch);
	if (err) {
		parse_error(e, c);
		e->stats.msg_parse_errors++;
		return;
	}
	fp__client_with(&e->digests, &e->ch, ja3, ja4);
	/* Only the fingerprints and names outlive the parse: see hs_pending.h. */
	if (hs_pending__set_client_hello(&c->hs, &e->hs_blocks, &e->ch, ja3, ja4))
		e->stats.handshake_alloc_failures++;
}

void conn__server_hello(struct engine *e, struct conn *c, const struct tls_event *ev)
{
	struct hs_pending *hs = c->hs;
	struct hs_server_side *srv;

	if (!c->client_known)
		set_client_side(c, !c->cur_side);
	srv = hs_pending__server(hs);
	if (!srv) {
		e->stats.handshake_alloc_failures++;
		return;
	}
	if (tls__parse_server_hello(ev->body, ev->len, &srv->sh)) {
		srv->parse_errors++;
		e->stats.msg_parse_errors++;
		return;
	}
	hs->has_server_hello = true;
	srv->version = srv->sh.version;
	if (srv->sh.hello_retry_request) {
		srv->hrr = true;
		srv->hrr_group = srv->sh.key_share_group;
		for (int side = 0; side < 2; side++)
			if (hs_pending__version(hs) == TLS_VERSION_TLS13 && tls_found(c, side))
				tls_stream__set_tls13(&conn_dir(e, c, side)->tls);
	}
	fp__ja3s_with(&e->digests, &srv->sh, NULL, 0, srv->ja3s);
	/* RFC 8446 2: everything after the ServerHello is encrypted, both ways. */
	if (hs_pending__version(hs) == TLS_VERSION_TLS13 && !srv->sh.hello_retry_request) {
		for (int side = 0; side < 2; side++) {
			if (tls_found(c, side))
				tls_stream__set_encrypted(&conn_dir(e, c, side)->tls);
			else
				c->enc_pending |= 1u << side;
		}
	}
}

/* The client's chain (RFC 5246 7.4.6), kept and analysed as the server's; the first one wins. */
static void client_certificate(struct engine *e, struct conn *c, const struct tls_event *ev,
			       const struct tls_certificate_msg *msg)
{
	struct hs_client_auth *auth;

	if (!msg->n_total || (c->hs->srv && c->hs->srv->auth && c->hs->srv->auth->n_certs_total))
		return;
	auth = hs_pending__client_auth(c->hs);
	if (!auth) {
		e->stats.handshake_alloc_failures++;
		return;
	}
	auth->cert_ts_ns = e->cur_ts;
	auth->cert_frame = c->cur_frame;
	auth->n_certs_total = msg->n_total;
	for (int i = 0; i < msg->n_certs; i++) {
		const struct x509_info *info =
			x509_cache__get(e->x509, ev->body + msg->certs[i].off, msg->certs[i].len);

		if (!info)
			break;
		if (!info->parsed)
			e->stats.cert_parse_errors++;
		auth->certs[auth->n_certs++] = info;
	}
}

/* The DER is at hand only now, so the chain is verified here, at the packet's time (RFC 5280
 * 6.1: validation is at a given time; a capture read later is judged as it was then). */
static void verify_chain(struct engine *e, struct conn *c, const struct tls_event *ev,
			 const struct tls_certificate_msg *msg, struct hs_server_side *srv)
{
	const uint8_t *der[X509_TRUST_MAX_CHAIN];
	uint32_t len[X509_TRUST_MAX_CHAIN];
	unsigned n = srv->n_certs < X509_TRUST_MAX_CHAIN ? srv->n_certs : X509_TRUST_MAX_CHAIN;

	if (!e->trust || !n || !policy__enabled(e->opts.policy, CHECK_UNTRUSTED_CHAIN))
		return;
	for (unsigned i = 0; i < n; i++) {
		der[i] = ev->body + msg->certs[i].off;
		len[i] = msg->certs[i].len;
	}
	x509_trust__verify(e->trust, der, len, srv->certs, n,
			   (int64_t)(srv->cert_ts_ns / 1000000000ull), &srv->trust);
}

void conn__certificate(struct engine *e, struct conn *c, const struct tls_event *ev)
{
	struct hs_pending *hs = c->hs;
	struct hs_server_side *srv;
	struct tls_certificate_msg msg;

	if (tls__parse_certificate(ev->body, ev->len, &msg)) {
		parse_error(e, c);
		e->stats.msg_parse_errors++;
		return;
	}
	if (from_client(c)) {
		hs->client_sent_certificate = msg.n_total > 0;
		client_certificate(e, c, ev, &msg);
		return;
	}
	if (hs->has_certificate)
		return;
	srv = hs_pending__server(hs);
	if (!srv) {
		e->stats.handshake_alloc_failures++;
		return;
	}
	hs->has_certificate = true;
	srv->cert_ts_ns = e->cur_ts;
	srv->cert_frame = c->cur_frame;
	srv->n_certs_total = msg.n_total;
	for (int i = 0; i < msg.n_certs; i++) {
		const struct x509_info *info =
			x509_cache__get(e->x509, ev->body + msg.certs[i].off, msg.certs[i].len);

		if (!info)
			break;
		if (!info->parsed)
			e->stats.cert_parse_errors++;
		srv->certs[srv->n_certs++] = info;
	}
	verify_chain(e, c, ev, &msg, srv);
}

void conn__server_key_exchange(struct engine *e, struct conn *c, const struct tls_event *ev)
{
	struct hs_pending *hs = c->hs;
	const struct tls_cipher_info *ci;

	/* A ServerHello was kept, so the server side exists. */
	if (!hs->has_server_hello || hs->has_server_key_exchange)
		return;
	ci = tls__cipher_info(hs->srv->sh.cipher);
	if (!ci)
		return;
	if (tls__parse_server_key_exchange(ev->body, ev->len, hs_pending__version(hs), ci->kx,
					   &hs->srv->ske)) {
		hs->srv->parse_errors++;
		e->stats.msg_parse_errors++;
		return;
	}
	hs->has_server_key_exchange = true;
}

/* A requested CA: DistinguishedName is the DER of a Name (RFC 5246 7.4.4), a SEQUENCE whose
 * contents der_name reads; anything it cannot read stays "". */
static void ca_name(const uint8_t *der, size_t len, char *dst, size_t size)
{
	struct der_span all = { der, len }, name;
	struct der_name_ent ents[DER_NAME_MAX_ENTRIES];

	dst[0] = '\0';
	if (der_get(&all, TAG_SEQ, &name) || all.len || der_name__entries(name, ents) < 0)
		return;
	der_name__rfc2253(name, dst, size);
}

void conn__certificate_request(struct engine *e, struct conn *c, const struct tls_event *ev)
{
	struct hs_pending *hs = c->hs;
	struct tls_certificate_request cr;
	struct hs_client_auth *auth;
	struct hs_cert_request *out;

	/* RFC 8446 4.3.2: TLS 1.3's is encrypted and never reaches here. */
	if (from_client(c) || !hs->has_server_hello || hs_pending__version(hs) == TLS_VERSION_TLS13)
		return;
	if (hs->srv->auth && hs->srv->auth->has_certificate_request)
		return;
	if (tls__parse_certificate_request(ev->body, ev->len, hs_pending__version(hs), &cr)) {
		hs->srv->parse_errors++;
		e->stats.msg_parse_errors++;
		return;
	}
	auth = hs_pending__client_auth(hs);
	if (!auth) {
		e->stats.handshake_alloc_failures++;
		return;
	}
	auth->has_certificate_request = true;
	out = &auth->cr;
	out->n_types = cr.n_types;
	memcpy(out->types, cr.types, sizeof(out->types));
	out->has_sigalgs = cr.has_sigalgs;
	out->truncated = cr.truncated;
	out->n_sigalgs = cr.n_sigalgs;
	memcpy(out->sigalgs, cr.sigalgs, sizeof(out->sigalgs));
	out->n_cas = cr.n_cas;
	out->n_cas_total = cr.n_cas_total;
	for (int i = 0; i < cr.n_cas; i++)
		ca_name(ev->body + cr.cas[i].off, cr.cas[i].len, out->cas[i], sizeof(out->cas[i]));
}

static uint16_t clamp16(uint32_t v)
{
	return v > UINT16_MAX ? UINT16_MAX : (uint16_t)v;
}

/* As Zeek's heartbleed.zeek: a plaintext request that claims more payload than it carries; a
 * response after one (the peer answered it: its memory went out); an encrypted heartbeat
 * shorter than any valid one. */
void conn__heartbeat(struct engine *e, struct conn *c, const struct tls_event *ev)
{
	struct hs_server_side *srv = rare(e, c);
	bool client = from_client(c);
	struct tls_heartbeat hb = { 0 };
	struct hs_heartbeats *h;
	struct hs_event hev = {
		.ts_ns = e->cur_ts,
		.frame = c->cur_frame,
		.kind = HS_EV_HEARTBEAT,
		.from_client = client,
		.len = ev->len,
	};

	if (!ev->encrypted && tls__parse_heartbeat(ev->body, ev->body ? ev->len : 0, &hb))
		parse_error(e, c);
	hev.hs_type = ev->encrypted ? 0 : hb.type;
	hs_pending__add_event(c->hs, &hev);
	if (!srv)
		return;
	h = &srv->heartbeats;
	if (ev->encrypted) {
		if (h->encrypted < UINT16_MAX)
			h->encrypted++;
		if (ev->len < TLS_HEARTBEAT_MIN_LEN && !h->short_encrypted) {
			h->short_encrypted = true;
			h->short_from_client = client;
			h->short_len = clamp16(ev->len);
		}
		return;
	}
	if (hb.type == TLS_HEARTBEAT_REQUEST) {
		if (h->requests < UINT16_MAX)
			h->requests++;
		if (hb.overlong && !h->overlong_request) {
			h->overlong_request = true;
			h->overlong_from_client = client;
			h->overlong_payload_length = hb.payload_length;
			h->overlong_record_len = clamp16(ev->len);
		}
	} else if (hb.type == TLS_HEARTBEAT_RESPONSE) {
		if (h->responses < UINT16_MAX)
			h->responses++;
		if (h->overlong_request && h->overlong_from_client != client &&
		    !h->leaked_response) {
			h->leaked_response = true;
			h->leak_from_client = client;
			h->leak_record_len = clamp16(ev->len);
		}
	}
}
