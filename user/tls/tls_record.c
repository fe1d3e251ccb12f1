// SPDX-License-Identifier: GPL-2.0
/* TLS record layer for one direction: in-order bytes -> records -> events. Records and handshake
 * messages are handed out in place when they sit whole inside the fed buffer; only pieces that
 * straddle feeds are copied, into per-stream buffers that grow once and are then reused. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "tls/tls_record.h"

#define REC_HDR_LEN 5
#define HS_HDR_LEN 4
#define DEFAULT_MAX_HS_MSG (256 * 1024)
#define REC_INITIAL_CAP 2048
#define MSG_INITIAL_CAP 1024
/* Kept buffers are bounded: one connection's 64 KiB message buffer is kept, a 256 KiB one is
 * not. */
#define SPARE_MAX_BYTES (96u * 1024)

#define STAT_ADD(e, field, n)                  \
	do {                                   \
		if ((e) && (e)->stats)         \
			(e)->stats->field += (n); \
	} while (0)
#define STAT_INC(e, field) STAT_ADD(e, field, 1)

/* Only streams that saw a record or message cut across feeds carry these. */
struct tls_bufs {
	uint8_t *rec; /* record body buffer (grown up to TLS_MAX_RECORD_LEN) */
	uint8_t *msg; /* handshake message being reassembled across records */
	uint32_t rec_cap;
	uint32_t msg_cap, msg_len;
	/* Bytes at the start of the current record that went straight into msg (see
	 * stream_into_msg()); rec holds the record's bytes after them. */
	uint16_t rec_off;
};

_Static_assert(sizeof(struct tls_stream) == 24, "two per connection: keep it small");

enum plausible { PL_NO, PL_MAYBE, PL_YES };

static size_t min_sz(size_t a, size_t b)
{
	return a < b ? a : b;
}

static uint32_t max_msg(const struct tls_env *env)
{
	uint32_t m = env && env->limits ? env->limits->max_handshake_msg : DEFAULT_MAX_HS_MSG;

	/* The 24-bit length field caps it anyway; keeps HS_HDR_LEN + m from wrapping. */
	return m < 0xffffff ? m : 0xffffff;
}

static void emit(tls_event_fn cb, void *ctx, const struct tls_event *ev)
{
	if (cb)
		cb(ctx, ev);
}

static bool plausible_hs_type(uint8_t t)
{
	switch (t) {
	case TLS_HS_HELLO_REQUEST:
	case TLS_HS_CLIENT_HELLO:
	case TLS_HS_SERVER_HELLO:
	case TLS_HS_NEW_SESSION_TICKET:
	case 5: /* end_of_early_data */
	case TLS_HS_ENCRYPTED_EXTENSIONS:
	case TLS_HS_CERTIFICATE:
	case TLS_HS_SERVER_KEY_EXCHANGE:
	case TLS_HS_CERTIFICATE_REQUEST:
	case TLS_HS_SERVER_HELLO_DONE:
	case TLS_HS_CERTIFICATE_VERIFY:
	case TLS_HS_CLIENT_KEY_EXCHANGE:
	case TLS_HS_FINISHED:
	case 21: /* certificate_url */
	case TLS_HS_CERTIFICATE_STATUS:
	case 24: /* key_update */
	case 25: /* compressed_certificate, RFC 8879 */
	case 254: /* message_hash */
		return true;
	default:
		return false;
	}
}

/* Judge the first n (<= 6) bytes of a would-be record: PL_MAYBE means "so far so good, show me
 * more". The sixth byte is the handshake type, checked only where it is plaintext. */
static enum plausible plausible(const uint8_t *w, size_t n, bool check_hs)
{
	uint32_t rl;

	if (n < 1)
		return PL_MAYBE;
	if (w[0] < TLS_CT_CHANGE_CIPHER_SPEC || w[0] > TLS_CT_APPLICATION_DATA)
		return PL_NO;
	if (n < 2)
		return PL_MAYBE;
	if (w[1] != 3)
		return PL_NO;
	if (n < 3)
		return PL_MAYBE;
	if (w[2] > 4)
		return PL_NO;
	if (n < 5)
		return PL_MAYBE;
	rl = (uint32_t)w[3] << 8 | w[4];
	if (rl == 0 || rl > TLS_MAX_RECORD_LEN)
		return PL_NO;
	/* RFC 5246 7.1: ChangeCipherSpec is one byte; an alert at least two. */
	if ((w[0] == TLS_CT_CHANGE_CIPHER_SPEC && rl != 1) || (w[0] == TLS_CT_ALERT && rl < 2))
		return PL_NO;
	if (w[0] != TLS_CT_HANDSHAKE || !check_hs)
		return PL_YES;
	if (n < 6)
		return PL_MAYBE;
	return plausible_hs_type(w[5]) ? PL_YES : PL_NO;
}

/* RFC 5246 E.2: 2-byte header with the high bit set, msg_type 1, then the client version. */
static bool sslv2_hello(const uint8_t *h, uint32_t *rlen)
{
	uint32_t n = (uint32_t)(h[0] & 0x7f) << 8 | h[1];
	uint16_t v = (uint16_t)(h[3] << 8 | h[4]);

	if (!(h[0] & 0x80) || h[2] != 1 || n < 9 || n > TLS_MAX_RECORD_LEN)
		return false;
	if (v != 0x0002 && (v < 0x0300 || v > 0x0303))
		return false;
	*rlen = n;
	return true;
}

bool tls__looks_like_record(const uint8_t *p, size_t len)
{
	uint32_t rlen;

	if (len < REC_HDR_LEN)
		return false;
	if (sslv2_hello(p, &rlen))
		return true;
	return plausible(p, min_sz(len, 6), true) != PL_NO;
}

void tls_stream__init(struct tls_stream *s)
{
	memset(s, 0, sizeof(*s));
	s->in_sync = true;
}

enum {
	PACK_STARTED = 0x01,
	PACK_IN_SYNC = 0x02,
	PACK_ENCRYPTED = 0x04,
	PACK_APP_DATA_SEEN = 0x08,
	PACK_CCS_NOOP = 0x10,
};

bool tls_stream__pack(const struct tls_stream *s, uint8_t *flags)
{
	if (s->bufs || s->msg_skip || s->hdr_len || s->rec_len || s->rec_want)
		return false;
	*flags = (s->started ? PACK_STARTED : 0) | (s->in_sync ? PACK_IN_SYNC : 0) |
		 (s->encrypted ? PACK_ENCRYPTED : 0) | (s->app_data_seen ? PACK_APP_DATA_SEEN : 0) |
		 (s->ccs_noop ? PACK_CCS_NOOP : 0);
	return true;
}

void tls_stream__unpack(struct tls_stream *s, uint8_t flags)
{
	memset(s, 0, sizeof(*s));
	s->started = flags & PACK_STARTED;
	s->in_sync = flags & PACK_IN_SYNC;
	s->encrypted = flags & PACK_ENCRYPTED;
	s->app_data_seen = flags & PACK_APP_DATA_SEEN;
	s->ccs_noop = flags & PACK_CCS_NOOP;
}

static void free_bufs(struct tls_bufs *b)
{
	free(b->rec);
	free(b->msg);
	free(b);
}

void tls_spare__fini(struct tls_spare *sp)
{
	while (sp->n)
		free_bufs(sp->b[--sp->n]);
}

void tls_stream__free(struct tls_stream *s, const struct tls_env *env)
{
	struct tls_spare *sp = env ? env->spare : NULL;
	struct tls_bufs *b = s->bufs;

	if (b) {
		if (sp && sp->n < TLS_SPARE_MAX && b->rec_cap + b->msg_cap <= SPARE_MAX_BYTES) {
			b->msg_len = 0;
			b->rec_off = 0;
			sp->b[sp->n++] = b;
		} else {
			free_bufs(b);
		}
		s->bufs = NULL;
	}
	s->rec_len = s->rec_want = 0;
	s->msg_skip = 0;
	s->hdr_len = 0;
}

void tls_stream__caps(const struct tls_stream *s, uint32_t *rec_cap, uint32_t *msg_cap)
{
	*rec_cap = s->bufs ? s->bufs->rec_cap : 0;
	*msg_cap = s->bufs ? s->bufs->msg_cap : 0;
}

static uint32_t msg_len(const struct tls_stream *s)
{
	return s->bufs ? s->bufs->msg_len : 0;
}

static void set_msg_len(struct tls_stream *s, uint32_t n)
{
	if (s->bufs)
		s->bufs->msg_len = n;
}

static struct tls_bufs *bufs(struct tls_stream *s, const struct tls_env *env)
{
	struct tls_spare *sp = env ? env->spare : NULL;

	if (!s->bufs)
		s->bufs = sp && sp->n ? sp->b[--sp->n] : calloc(1, sizeof(*s->bufs));
	return s->bufs;
}

static void new_record(struct tls_stream *s)
{
	s->rec_len = 0;
	if (s->bufs)
		s->bufs->rec_off = 0;
}

static void drop_state(struct tls_stream *s)
{
	s->in_sync = false;
	s->hdr_len = 0;
	new_record(s);
	s->rec_want = 0;
	set_msg_len(s, 0);
	s->msg_skip = 0;
}

void tls_stream__gap(struct tls_stream *s, size_t len)
{
	(void)len;
	drop_state(s);
	/* An SSLv2 hello is only believed as the very first bytes of a stream. */
	s->started = true;
}

void tls_stream__set_tls13(struct tls_stream *s)
{
	s->ccs_noop = true;
}

void tls_stream__set_encrypted(struct tls_stream *s)
{
	s->encrypted = true;
	set_msg_len(s, 0);
	s->msg_skip = 0;
}

static void fail(struct tls_stream *s, const struct tls_env *env, int err, const char *reason,
		 tls_event_fn cb, void *ctx)
{
	struct tls_event ev = { .type = TLS_EV_ERROR, .error = err, .reason = reason };

	if (err == -EINVAL)
		STAT_INC(env, malformed);
	else
		STAT_INC(env, oversized);
	emit(cb, ctx, &ev);
}

/* Grow a buffer by doubling up to limit; false when the limit or memory says no. */
static bool reserve(uint8_t **buf, uint32_t *cap, uint32_t need, uint32_t initial, uint32_t limit)
{
	uint32_t n = *cap ? *cap : initial < limit ? initial : limit;
	uint8_t *b;

	if (need <= *cap)
		return true;
	if (need > limit)
		return false;
	while (n < need && n < limit)
		n = n > limit / 2 ? limit : n * 2;
	if (n < need)
		n = need;
	b = realloc(*buf, n);
	if (!b)
		return false;
	*buf = b;
	*cap = n;
	return true;
}

static void emit_msg(struct tls_stream *s, const struct tls_env *env, uint16_t ver,
		     const uint8_t *m, uint32_t blen, tls_event_fn cb, void *ctx)
{
	struct tls_event ev = {
		.type = TLS_EV_HANDSHAKE,
		.record_version = ver,
		.hs_type = m[0],
		.body = m + HS_HDR_LEN,
		.len = blen,
	};

	STAT_INC(env, handshake_msgs);
	emit(cb, ctx, &ev);
}

static uint32_t hs_body_len(const uint8_t *m)
{
	return (uint32_t)m[1] << 16 | (uint32_t)m[2] << 8 | m[3];
}

/* RFC 5246 6.2.1 / RFC 8446 5.1: handshake messages may be split across records and several
 * may share one. Whole messages inside b are handed out in place; the rest goes to s->bufs. */
static void handshake_bytes(struct tls_stream *s, const struct tls_env *env, uint16_t ver,
			    const uint8_t *b, size_t n, tls_event_fn cb, void *ctx)
{
	struct tls_bufs *m;
	uint32_t blen, want;
	size_t k;

	/* The callback may switch the stream to encrypted (TLS 1.3 after ServerHello). */
	while (n && !s->encrypted) {
		if (s->msg_skip) {
			k = min_sz(s->msg_skip, n);
			s->msg_skip -= (uint32_t)k;
			b += k;
			n -= k;
			continue;
		}
		if (msg_len(s) == 0 && n >= HS_HDR_LEN) {
			blen = hs_body_len(b);
			if (blen > max_msg(env)) {
				fail(s, env, -E2BIG, "handshake message over the size limit", cb, ctx);
				s->msg_skip = blen;
				b += HS_HDR_LEN;
				n -= HS_HDR_LEN;
				continue;
			}
			if (n - HS_HDR_LEN >= blen) {
				emit_msg(s, env, ver, b, blen, cb, ctx);
				b += HS_HDR_LEN + blen;
				n -= HS_HDR_LEN + blen;
				continue;
			}
		}
		m = bufs(s, env);
		if (m && m->msg_len < HS_HDR_LEN) {
			if (!reserve(&m->msg, &m->msg_cap, HS_HDR_LEN, MSG_INITIAL_CAP,
				     HS_HDR_LEN + max_msg(env)))
				m = NULL;
		}
		if (!m) {
			/* Without the header the message framing is lost. */
			drop_state(s);
			fail(s, env, -ENOMEM, "out of memory for a handshake message", cb, ctx);
			return;
		}
		if (m->msg_len < HS_HDR_LEN) {
			k = min_sz(HS_HDR_LEN - m->msg_len, n);
			memcpy(m->msg + m->msg_len, b, k);
			m->msg_len += (uint32_t)k;
			b += k;
			n -= k;
			if (m->msg_len < HS_HDR_LEN)
				return;
			blen = hs_body_len(m->msg);
			if (blen > max_msg(env)) {
				fail(s, env, -E2BIG, "handshake message over the size limit", cb, ctx);
				s->msg_skip = blen;
				m->msg_len = 0;
				continue;
			}
		}
		want = HS_HDR_LEN + hs_body_len(m->msg);
		k = min_sz(want - m->msg_len, n);
		/* Grow with the bytes that arrived, not with what the length field claims: a peer
		 * announcing a 500 KB message must not cost 500 KB per connection up front. */
		if (!reserve(&m->msg, &m->msg_cap, m->msg_len + k, MSG_INITIAL_CAP,
			     HS_HDR_LEN + max_msg(env))) {
			blen = hs_body_len(m->msg);
			fail(s, env, -ENOMEM, "out of memory for a handshake message", cb, ctx);
			s->msg_skip = blen - (m->msg_len - HS_HDR_LEN);
			m->msg_len = 0;
			continue;
		}
		memcpy(m->msg + m->msg_len, b, k);
		m->msg_len += (uint32_t)k;
		b += k;
		n -= k;
		if (m->msg_len == want) {
			m->msg_len = 0;
			emit_msg(s, env, ver, m->msg, want - HS_HDR_LEN, cb, ctx);
		}
	}
}

/* A whole record is in body (NULL for records whose bytes nobody needs), but for its first off
 * bytes, which a handshake record may have passed to the message buffer already. */
static void finish_record(struct tls_stream *s, const struct tls_env *env, const uint8_t *body,
			  uint32_t off, tls_event_fn cb, void *ctx)
{
	struct tls_event ev = { 0 };
	uint8_t type = s->hdr[0];
	uint32_t n = s->rec_want;

	ev.record_version = (uint16_t)(s->hdr[1] << 8 | s->hdr[2]);
	ev.body = off ? NULL : body;
	ev.len = n;
	s->hdr_len = 0;
	new_record(s);
	s->rec_want = 0;

	if (type & 0x80) {
		ev.type = TLS_EV_SSLV2_CLIENT_HELLO;
		ev.record_version = 0x0002;
		ev.hs_type = TLS_HS_CLIENT_HELLO;
		STAT_INC(env, sslv2_hellos);
		emit(cb, ctx, &ev);
		return;
	}
	switch (type) {
	case TLS_CT_CHANGE_CIPHER_SPEC:
		ev.type = TLS_EV_CHANGE_CIPHER_SPEC;
		/* A message cut by ChangeCipherSpec can never complete in plaintext. */
		if (!s->ccs_noop)
			tls_stream__set_encrypted(s);
		emit(cb, ctx, &ev);
		break;
	case TLS_CT_ALERT:
		ev.type = TLS_EV_ALERT;
		/* RFC 5246 7.2: a plaintext alert is exactly level + description. A protected one
		 * always carries a MAC or AEAD tag, so a 2-byte alert record is plaintext even after
		 * ChangeCipherSpec (e.g. a TLS 1.3 client rejecting the ServerHello). */
		if (n == 2) {
			ev.alert_level = body[0];
			ev.alert_desc = body[1];
		} else {
			ev.encrypted = true;
		}
		emit(cb, ctx, &ev);
		break;
	case TLS_CT_HANDSHAKE:
		if (s->encrypted) {
			ev.type = TLS_EV_ENCRYPTED_HANDSHAKE;
			ev.encrypted = true;
			emit(cb, ctx, &ev);
		} else {
			handshake_bytes(s, env, ev.record_version, body, n - off, cb, ctx);
		}
		break;
	case TLS_CT_APPLICATION_DATA:
		ev.type = TLS_EV_APPLICATION_DATA;
		ev.encrypted = true;
		s->app_data_seen = true;
		emit(cb, ctx, &ev);
		break;
	case TLS_CT_HEARTBEAT:
		/* RFC 6520: plaintext before ChangeCipherSpec (body holds it: Heartbleed is told by
		 * its payload_length), encrypted after (only the length is known). */
		ev.type = TLS_EV_HEARTBEAT;
		ev.encrypted = s->encrypted;
		if (ev.encrypted)
			ev.body = NULL;
		emit(cb, ctx, &ev);
		break;
	}
}

static void regain_sync(struct tls_stream *s, const struct tls_env *env)
{
	s->in_sync = true;
	STAT_INC(env, resyncs);
}

/* Out of sync: discard bytes until a plausible record header. A candidate cut by the end of p
 * is kept in s->hdr, so the outcome does not depend on how the stream was chunked. */
static size_t resync(struct tls_stream *s, const struct tls_env *env, const uint8_t *p, size_t len)
{
	bool check_hs = !s->encrypted;
	enum plausible r;
	uint8_t w[6];
	size_t i, k, wn;

	while (s->hdr_len) {
		wn = s->hdr_len;
		memcpy(w, s->hdr, wn);
		k = min_sz(sizeof(w) - wn, len);
		memcpy(w + wn, p, k);
		wn += k;
		r = plausible(w, wn, check_hs);
		if (r == PL_YES) {
			regain_sync(s, env);
			return 0;
		}
		if (r == PL_MAYBE) {
			/* Only when all of p was looked at, so hdr_len + len <= 5. */
			memcpy(s->hdr + s->hdr_len, p, len);
			s->hdr_len = (uint8_t)(s->hdr_len + len);
			return len;
		}
		STAT_INC(env, skipped_bytes);
		s->hdr_len--;
		memmove(s->hdr, s->hdr + 1, s->hdr_len);
	}
	for (i = 0; i < len; i++) {
		if (p[i] < TLS_CT_CHANGE_CIPHER_SPEC || p[i] > TLS_CT_APPLICATION_DATA)
			continue;
		r = plausible(p + i, min_sz(len - i, sizeof(w)), check_hs);
		if (r == PL_NO)
			continue;
		STAT_ADD(env, skipped_bytes, i);
		if (r == PL_YES) {
			regain_sync(s, env);
			return i;
		}
		memcpy(s->hdr, p + i, len - i);
		s->hdr_len = (uint8_t)(len - i);
		return len;
	}
	STAT_ADD(env, skipped_bytes, len);
	return len;
}

/* Collect and judge a record header. Returns the bytes of p consumed. */
static size_t take_header(struct tls_stream *s, const struct tls_env *env, const uint8_t *p,
			  size_t len, tls_event_fn cb, void *ctx)
{
	bool direct = s->hdr_len == 0 && len >= REC_HDR_LEN;
	struct tls_bufs *r;
	const char *reason;
	size_t used = 0;
	uint32_t rlen;
	bool v2;

	if (direct) {
		memcpy(s->hdr, p, REC_HDR_LEN);
	} else {
		used = min_sz(REC_HDR_LEN - s->hdr_len, len);
		memcpy(s->hdr + s->hdr_len, p, used);
		s->hdr_len = (uint8_t)(s->hdr_len + used);
		if (s->hdr_len < REC_HDR_LEN)
			return used;
	}

	v2 = !s->started && sslv2_hello(s->hdr, &rlen);
	s->started = true;
	if (!v2) {
		rlen = (uint32_t)s->hdr[3] << 8 | s->hdr[4];
		/* RFC 5246 6.2.1: content types 20-24 (RFC 6520 heartbeat), major version 3. */
		if (s->hdr[0] < TLS_CT_CHANGE_CIPHER_SPEC || s->hdr[0] > TLS_CT_HEARTBEAT)
			reason = "unknown record content type";
		else if (s->hdr[1] != 3 || s->hdr[2] > 4)
			reason = "unknown record version";
		/* RFC 8446 5.1/5.2: no empty records, at most 2^14 + 2048 bytes. */
		else if (rlen == 0 || rlen > TLS_MAX_RECORD_LEN)
			reason = "bad record length";
		else
			reason = NULL;
		if (reason) {
			fail(s, env, -EINVAL, reason, cb, ctx);
			/* Rescan from the second header byte; the first is discarded. */
			drop_state(s);
			STAT_INC(env, skipped_bytes);
			if (direct)
				return 1;
			s->hdr_len = REC_HDR_LEN - 1;
			memmove(s->hdr, s->hdr + 1, s->hdr_len);
			/* Judge what the carried bytes alone can decide, as the direct path would. */
			resync(s, env, p + used, 0);
			return used;
		}
	}

	STAT_INC(env, records);
	s->hdr_len = REC_HDR_LEN;
	s->rec_want = (uint16_t)rlen;
	new_record(s);
	if (!v2)
		return direct ? REC_HDR_LEN : used;
	/* The SSLv2 message starts right after its 2-byte header, inside s->hdr. */
	if (direct)
		return 2;
	r = bufs(s, env);
	if (!r || !reserve(&r->rec, &r->rec_cap, rlen, REC_INITIAL_CAP, TLS_MAX_RECORD_LEN)) {
		drop_state(s);
		fail(s, env, -ENOMEM, "out of memory for a record", cb, ctx);
		return used;
	}
	memcpy(r->rec, s->hdr + 2, REC_HDR_LEN - 2);
	s->rec_len = REC_HDR_LEN - 2;
	return used;
}

/* The first bytes of a plaintext handshake record cut across feeds, when they start a message
 * that goes on past the record (the first record of a 30 KB Certificate): into the message
 * buffer at once, as stream_into_msg() does with the records after it, instead of into the
 * record buffer and then copied again at the record's end. Nothing is emitted before the record
 * is whole either way, and the message buffer then holds the same bytes. A message over the
 * size limit is left to handshake_bytes(), which reports it when the record is whole. Returns
 * the bytes taken, 0 when this does not apply. */
static size_t start_msg_stream(struct tls_stream *s, const struct tls_env *env, const uint8_t *p,
			       size_t len)
{
	struct tls_bufs *m;
	uint32_t blen;

	if (len < HS_HDR_LEN || len >= s->rec_want)
		return 0;
	blen = hs_body_len(p);
	if (blen > max_msg(env) || HS_HDR_LEN + blen <= s->rec_want)
		return 0;
	m = bufs(s, env);
	if (!m || !reserve(&m->msg, &m->msg_cap, (uint32_t)len, MSG_INITIAL_CAP,
			   HS_HDR_LEN + max_msg(env)))
		return 0;
	memcpy(m->msg, p, len);
	m->msg_len = (uint32_t)len;
	m->rec_off = (uint16_t)len;
	s->rec_len = (uint16_t)len;
	return len;
}

/* A plaintext handshake record cut across feeds, in the middle of a message that started in an
 * earlier record: its bytes go straight into the message buffer instead of being assembled in
 * the record buffer first and copied again (a 30 KB certificate spans several records of a
 * dozen segments each). Only while no message can complete: until the record is whole, events
 * come out exactly as if it had been assembled first (a gap or the end of the stream still
 * loses the whole record). Returns the bytes taken, 0 when this does not apply. */
static size_t stream_into_msg(struct tls_stream *s, const struct tls_env *env, const uint8_t *p,
			      size_t len)
{
	struct tls_bufs *m = s->bufs;
	uint32_t want, k;

	if (s->hdr[0] != TLS_CT_HANDSHAKE || s->encrypted || s->msg_skip)
		return 0;
	if (s->rec_len == 0 && msg_len(s) == 0)
		return start_msg_stream(s, env, p, len);
	if (!m || m->msg_len < HS_HDR_LEN || s->rec_len != m->rec_off)
		return 0;
	want = HS_HDR_LEN + hs_body_len(m->msg);
	/* Stop one byte short of the message's end: handshake_bytes() completes it. */
	k = (uint32_t)min_sz(min_sz(want - m->msg_len - 1, len), s->rec_want - s->rec_len);
	if (!k || !reserve(&m->msg, &m->msg_cap, m->msg_len + k, MSG_INITIAL_CAP,
			   HS_HDR_LEN + max_msg(env)))
		return 0;
	memcpy(m->msg + m->msg_len, p, k);
	m->msg_len += k;
	m->rec_off = (uint16_t)(m->rec_off + k);
	s->rec_len = (uint16_t)(s->rec_len + k);
	return k;
}

static size_t take_body(struct tls_stream *s, const struct tls_env *env, const uint8_t *p,
			size_t len, tls_event_fn cb, void *ctx)
{
	size_t need = s->rec_want - s->rec_len, k;
	struct tls_bufs *r;
	uint32_t off;

	/* Bytes nobody reads: application data, and heartbeats once encrypted. */
	if (s->hdr[0] == TLS_CT_APPLICATION_DATA || (s->hdr[0] == TLS_CT_HEARTBEAT && s->encrypted)) {
		k = min_sz(need, len);
		s->rec_len = (uint16_t)(s->rec_len + k);
		if (s->rec_len == s->rec_want)
			finish_record(s, env, NULL, 0, cb, ctx);
		return k;
	}
	if (s->rec_len == 0 && len >= need) {
		finish_record(s, env, p, 0, cb, ctx);
		return need;
	}
	k = stream_into_msg(s, env, p, len);
	if (k) {
		if (s->rec_len == s->rec_want)
			finish_record(s, env, NULL, s->bufs->rec_off, cb, ctx);
		return k;
	}
	off = s->bufs ? s->bufs->rec_off : 0;
	if (s->rec_len > off || len < need) {
		k = min_sz(need, len);
		/* As for messages: memory follows the bytes received, not the length claimed. */
		r = bufs(s, env);
		if (!r || !reserve(&r->rec, &r->rec_cap, s->rec_len - off + (uint32_t)k,
				   REC_INITIAL_CAP, TLS_MAX_RECORD_LEN)) {
			drop_state(s);
			fail(s, env, -ENOMEM, "out of memory for a record", cb, ctx);
			return 0;
		}
		memcpy(r->rec + s->rec_len - off, p, k);
		s->rec_len = (uint16_t)(s->rec_len + k);
		if (s->rec_len == s->rec_want)
			finish_record(s, env, r->rec, off, cb, ctx);
		return k;
	}
	/* The rest of a record whose start was streamed is whole in p. */
	s->rec_len = s->rec_want;
	finish_record(s, env, p, off, cb, ctx);
	return need;
}

void tls_stream__feed(struct tls_stream *s, const struct tls_env *env, const uint8_t *p, size_t len,
		      tls_event_fn cb, void *ctx)
{
	size_t n;

	while (len) {
		if (!s->in_sync)
			n = resync(s, env, p, len);
		else if (s->hdr_len < REC_HDR_LEN || s->rec_want == 0)
			n = take_header(s, env, p, len, cb, ctx);
		else
			n = take_body(s, env, p, len, cb, ctx);
		p += n;
		len -= n;
	}
}
