// SPDX-License-Identifier: GPL-2.0
/* What each handshake message tells the connection's pending handshake: the hellos, the
 * server's chain, its key exchange. The outcome is the lifecycle's business (engine.c). */
#include "verdict/engine_conn.h"

#include "tls/tls_names.h"

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
