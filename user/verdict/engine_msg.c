// SPDX-License-Identifier: GPL-2.0
/* What each handshake message tells the connection's pending handshake: the hellos, the
 * server's chain, its key exchange. The outcome is the lifecycle's business (engine.c). */
#include "verdict/engine_conn.h"

#include "tls/tls_names.h"
#include "x509/der_name.h"

void conn__client_hello(struct conn *c, const struct tls_event *ev, bool sslv2)
{
	struct engine *e = c->e;
	char ja3[JA3_HEX_LEN + 1] = "", ja4[JA4_LEN + 1] = "";
	int err;

	if (!c->client_known)
		set_client_side(c, c->cur_side);
	if (c->hs->has_client_hello)
		return; /* a second ClientHello (after HelloRetryRequest) keeps the first's fingerprint */
	err = sslv2 ? tls__parse_sslv2_client_hello(ev->body, ev->len, &e->ch) :
		      tls__parse_client_hello(ev->body, ev->len, &e->ch);
	if (err) {
		parse_error(c);
		e->stats.msg_parse_errors++;
		return;
	}
	fp__client_with(&e->digests, &e->ch, ja3, ja4);
	/* Only the fingerprints and names outlive the parse: see hs_pending.h. */
	if (hs_pending__set_client_hello(&c->hs, &e->ch, ja3, ja4))
		e->stats.handshake_alloc_failures++;
}

void conn__server_hello(struct conn *c, const struct tls_event *ev)
{
	struct hs_pending *hs = c->hs;
	struct hs_server_side *srv;

	if (!c->client_known)
		set_client_side(c, !c->cur_side);
	srv = hs_pending__server(hs);
	if (!srv) {
		c->e->stats.handshake_alloc_failures++;
		return;
	}
	if (tls__parse_server_hello(ev->body, ev->len, &srv->sh)) {
		srv->parse_errors++;
		c->e->stats.msg_parse_errors++;
		return;
	}
	hs->has_server_hello = true;
	hs->version = srv->sh.version;
	if (srv->sh.hello_retry_request) {
		srv->hrr = true;
		srv->hrr_group = srv->sh.key_share_group;
		for (int side = 0; side < 2; side++)
			if (hs->version == TLS_VERSION_TLS13 && tls_found(c, side))
				tls_stream__set_tls13(&c->dir[side].tls);
	}
	fp__ja3s_with(&c->e->digests, &srv->sh, NULL, 0, srv->ja3s);
	/* RFC 8446 2: everything after the ServerHello is encrypted, both ways. */
	if (hs->version == TLS_VERSION_TLS13 && !srv->sh.hello_retry_request) {
		for (int side = 0; side < 2; side++) {
			if (tls_found(c, side))
				tls_stream__set_encrypted(&c->dir[side].tls);
			else
				c->enc_pending |= 1u << side;
		}
	}
}

/* The client's chain (RFC 5246 7.4.6), kept and analysed as the server's; the first one wins. */
static void client_certificate(struct conn *c, const struct tls_event *ev,
			       const struct tls_certificate_msg *msg)
{
	struct engine *e = c->e;
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

void conn__certificate(struct conn *c, const struct tls_event *ev)
{
	struct engine *e = c->e;
	struct hs_pending *hs = c->hs;
	struct hs_server_side *srv;
	struct tls_certificate_msg msg;

	if (tls__parse_certificate(ev->body, ev->len, &msg)) {
		parse_error(c);
		e->stats.msg_parse_errors++;
		return;
	}
	if (from_client(c)) {
		hs->client_sent_certificate = msg.n_total > 0;
		client_certificate(c, ev, &msg);
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
}

void conn__server_key_exchange(struct conn *c, const struct tls_event *ev)
{
	struct hs_pending *hs = c->hs;
	const struct tls_cipher_info *ci;

	/* A ServerHello was kept, so the server side exists. */
	if (!hs->has_server_hello || hs->has_server_key_exchange)
		return;
	ci = tls__cipher_info(hs->srv->sh.cipher);
	if (!ci)
		return;
	if (tls__parse_server_key_exchange(ev->body, ev->len, hs->version, ci->kx,
					   &hs->srv->ske)) {
		hs->srv->parse_errors++;
		c->e->stats.msg_parse_errors++;
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

void conn__certificate_request(struct conn *c, const struct tls_event *ev)
{
	struct hs_pending *hs = c->hs;
	struct tls_certificate_request cr;
	struct hs_client_auth *auth;
	struct hs_cert_request *out;

	/* RFC 8446 4.3.2: TLS 1.3's is encrypted and never reaches here. */
	if (from_client(c) || !hs->has_server_hello || hs->version == TLS_VERSION_TLS13)
		return;
	if (hs->srv->auth && hs->srv->auth->has_certificate_request)
		return;
	if (tls__parse_certificate_request(ev->body, ev->len, hs->version, &cr)) {
		hs->srv->parse_errors++;
		c->e->stats.msg_parse_errors++;
		return;
	}
	auth = hs_pending__client_auth(hs);
	if (!auth) {
		c->e->stats.handshake_alloc_failures++;
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
