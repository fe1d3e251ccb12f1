// SPDX-License-Identifier: GPL-2.0
/* What a connection's in-order bytes say (engine_conn.h's conn__stream()): where TLS starts
 * (the probe: STARTTLS, mid-stream pickups), the TLS records read from there, and what each
 * record tells the lifecycle (engine.c): the events, the messages (engine_msg.c), an outcome. */
#include "verdict/engine_conn.h"

#include <string.h>

#include "tls/tls_names.h"

static bool tls13(const struct conn *c)
{
	return hs_pending__version(c->hs) == TLS_VERSION_TLS13 && !c->hs->srv->sh.hello_retry_request;
}

static void on_tls_event(void *ctx, const struct tls_event *ev)
{
	const struct conn_call *call = ctx;
	struct engine *e = call->e;
	struct conn *c = call->c;
	struct hs_pending *hs = c->hs;
	struct hs_server_side *srv;
	bool client;

	if (!hs || !conn_wants(c))
		return;
	switch (ev->type) {
	case TLS_EV_HANDSHAKE:
		/* c->hs may move while the ClientHello is kept: not hs in this case. */
		if (ev->hs_type == TLS_HS_CLIENT_HELLO) {
			conn__client_hello(e, c, ev, false);
			/* Read after its TLS 1.3 ServerHello: see conn__stream(). */
			if (c->enc_pending >> c->cur_side & 1)
				tls_stream__set_encrypted(&conn_dir(e, c, c->cur_side)->tls);
		} else if (ev->hs_type == TLS_HS_SERVER_HELLO) {
			conn__server_hello(e, c, ev);
		}
		add_event(e, c, HS_EV_MESSAGE, ev->hs_type, ev->len);
		if (ev->hs_type == TLS_HS_CERTIFICATE) {
			conn__certificate(e, c, ev);
			if (c->hs->has_certificate) /* the server's chain was kept */
				conn_set(e, c, CONN_CERTS);
		} else if (ev->hs_type == TLS_HS_SERVER_KEY_EXCHANGE) {
			conn__server_key_exchange(e, c, ev);
		} else if (ev->hs_type == TLS_HS_CERTIFICATE_REQUEST) {
			conn__certificate_request(e, c, ev);
		}
		break;
	case TLS_EV_SSLV2_CLIENT_HELLO:
		e->stats.sslv2_hellos++;
		conn__client_hello(e, c, ev, true);
		add_event(e, c, HS_EV_SSLV2_HELLO, TLS_HS_CLIENT_HELLO, ev->len);
		break;
	case TLS_EV_ALERT:
		add_event(e, c, HS_EV_ALERT, 0, ev->len);
		client = from_client(c);
		srv = rare(e, c);
		if (srv && (!srv->alert.present || (!ev->encrypted && ev->alert_level == 2))) {
			srv->alert.present = true;
			srv->alert.from_client = client;
			srv->alert.encrypted = ev->encrypted;
			srv->alert.level = ev->alert_level;
			srv->alert.desc = ev->alert_desc;
			srv->alert.ts_ns = e->cur_ts;
			srv->alert.frame = c->cur_frame;
		}
		/* RFC 8446 6.2 / RFC 5246 7.2.2: a fatal alert ends the connection; an encrypted alert
		 * before the handshake finished can only be an error. */
		if (ev->encrypted || ev->alert_level == 2)
			conn_request(e, c, HS_OUTCOME_ALERT);
		break;
	case TLS_EV_CHANGE_CIPHER_SPEC:
		add_event(e, c, HS_EV_CCS, 0, ev->len);
		if (from_client(c)) {
			hs->ccs_client = true;
		} else {
			/* RFC 5246 7.3: only a resumed session's server changes cipher first */
			if (!hs->ccs_client && hs->has_server_hello && !hs->has_certificate &&
			    hs_pending__version(hs) != TLS_VERSION_TLS13)
				hs->srv->abbreviated = true;
			hs->ccs_server = true;
		}
		/* Not in TLS 1.3, where both sides may send one around a HelloRetryRequest (RFC
		 * 8446 D.4) before the second ClientHello and ServerHello. */
		if (hs->has_server_hello && hs_pending__version(hs) != TLS_VERSION_TLS13 && hs->ccs_client &&
		    hs->ccs_server)
			conn_request(e, c, HS_OUTCOME_ESTABLISHED);
		break;
	case TLS_EV_APPLICATION_DATA:
		client = from_client(c);
		if (client ? !hs->app_data_client : !hs->app_data_server)
			add_event(e, c, HS_EV_APP_DATA, 0, ev->len);
		if (client)
			hs->app_data_client = true;
		else
			hs->app_data_server = true;
		if (!hs->has_server_hello)
			break;
		if (!tls13(c)) {
			if (hs->app_data_client && hs->app_data_server)
				conn_request(e, c, HS_OUTCOME_ESTABLISHED);
			break;
		}
		/* TLS 1.3 hides the handshake in application-data records. The client's first one is
		 * its Finished (or an alert: the two cannot be told apart); the handshake is known
		 * to be done once the server answers after it, or the client sends more. */
		if (client) {
			if (c->client_app_records < 2)
				c->client_app_records++;
			if (c->client_app_records >= 2)
				conn_request(e, c, HS_OUTCOME_ESTABLISHED);
		} else if (c->client_app_records) {
			conn_request(e, c, HS_OUTCOME_ESTABLISHED);
		}
		break;
	case TLS_EV_ENCRYPTED_HANDSHAKE:
		add_event(e, c, HS_EV_ENCRYPTED_HANDSHAKE, 0, ev->len);
		break;
	case TLS_EV_HEARTBEAT:
		conn__heartbeat(e, c, ev);
		break;
	case TLS_EV_ERROR:
		parse_error(e, c);
		break;
	}
}

/* No TLS start within the probe budget on this side, nor on the other: not a TLS flow. */
static void not_tls(struct engine *e, struct conn *c)
{
	e->stats.non_tls_flows++;
	conn_set(e, c, CONN_DONE);
	/* nothing more to learn from it: the kernel may stop copying it too */
	if (e->opts.on_flow_done)
		e->opts.on_flow_done(e->opts.ctx, &conn_flow(c)->key);
}

/* STARTTLS protocols talk in plaintext first, and mid-stream pickups may start anywhere: see
 * tls_probe.h. Returns true when TLS starts at the probed position (then the probe's head
 * holds its first bytes, to be fed before *data). */
static bool probe(struct engine *e, struct conn *c, int side, const uint8_t **data, size_t *len)
{
	switch (tls_probe__feed(&conn_dir(e, c, side)->probe, data, len, e->opts.probe_bytes)) {
	case TLS_PROBE_FOUND:
		return true;
	case TLS_PROBE_SPENT:
		if (c->state == CONN_OPEN) /* TLS found on either side leaves OPEN */
			not_tls(e, c);
		return false;
	default:
		return false;
	}
}

void conn__stream(void *ctx, const uint8_t *data, size_t len)
{
	const struct conn_call *call = ctx;
	struct engine *e = call->e;
	struct conn *c = call->c;
	int side = c->cur_side;

	if (!conn_wants(c))
		return;
	if (!data) {
		if (c->hs) {
			struct hs_server_side *srv = rare(e, c);

			if (srv) {
				srv->gaps++;
				srv->gap_bytes += len;
			}
			add_event(e, c, HS_EV_GAP, 0, (uint32_t)len);
		}
		if (tls_found(c, side))
			tls_stream__gap(&conn_dir(e, c, side)->tls, len);
		else
			tls_probe__gap(&conn_dir(e, c, side)->probe);
		return;
	}
	if (!tls_found(c, side)) {
		uint8_t head[TLS_PROBE_HEAD], head_len;
		bool plain;

		if (!probe(e, c, side, &data, &len))
			return;
		/* A ClientHello captured after the TLS 1.3 ServerHello that answers it is still
		 * plaintext: its direction turns encrypted once it is read (on_tls_event()). */
		plain = tls_probe__opens_client_hello(&conn_dir(e, c, side)->probe, data, len);
		/* The probe's bytes make way for the TLS stream (they share conn_dir()). */
		head_len = conn_dir(e, c, side)->probe.head_len;
		memcpy(head, conn_dir(e, c, side)->probe.head, sizeof(head));
		tls_stream__init(&conn_dir(e, c, side)->tls);
		if (c->enc_pending >> side & 1 && !plain)
			tls_stream__set_encrypted(&conn_dir(e, c, side)->tls);
		c->found |= 1u << side;
		conn_set(e, c, CONN_HELLO); /* refused past OPEN: the other side found TLS first */
		if (c->state == CONN_DONE)
			return;
		if (head_len)
			tls_stream__feed(&conn_dir(e, c, side)->tls, &e->tls_env, head, head_len,
					 on_tls_event, ctx);
	}
	if (len && conn_wants(c))
		tls_stream__feed(&conn_dir(e, c, side)->tls, &e->tls_env, data, len, on_tls_event,
				 ctx);
}
