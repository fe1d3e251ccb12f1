// SPDX-License-Identifier: GPL-2.0
#include "out/report.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "capture/frame.h"
#include "verdict/policy.h"
#include "tls/tls_names.h"
#include "tls/tls_record.h"
#include "util/sbuf_splice.h"

/* The n low decimal digits of v, zero-padded, two at a time (every event's microseconds). */
static void put_digits(char *p, unsigned v, int n)
{
	static const char pairs[] = "00010203040506070809101112131415161718192021222324"
				    "25262728293031323334353637383940414243444546474849"
				    "50515253545556575859606162636465666768697071727374"
				    "75767778798081828384858687888990919293949596979899";

	while (n >= 2) {
		n -= 2;
		memcpy(p + n, pairs + 2 * (v % 100), 2);
		v /= 100;
	}
	if (n)
		p[0] = (char)('0' + v % 10);
}

/* Every event of every handshake carries a timestamp: no gmtime (it takes the timezone lock) and
 * no printf. Days to civil date after H. Hinnant, "chrono-Compatible Low-Level Date Algorithms". */
char *report__rfc3339(uint64_t ts_ns, char *buf, size_t size)
{
	uint64_t secs = ts_ns / 1000000000ull;
	unsigned us = (unsigned)((ts_ns % 1000000000ull) / 1000);
	int64_t z = (int64_t)(secs / 86400) + 719468;
	unsigned sod = (unsigned)(secs % 86400);
	int64_t era = z / 146097;
	unsigned doe = (unsigned)(z - era * 146097);
	unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	unsigned mp = (5 * doy + 2) / 153;
	unsigned day = doy - (153 * mp + 2) / 5 + 1;
	unsigned month = mp < 10 ? mp + 3 : mp - 9;
	unsigned year = (unsigned)(yoe + era * 400) + (month <= 2);
	char tmp[] = "0000-00-00T00:00:00.000000Z";

	put_digits(tmp, year, 4);
	put_digits(tmp + 5, month, 2);
	put_digits(tmp + 8, day, 2);
	put_digits(tmp + 11, sod / 3600, 2);
	put_digits(tmp + 14, sod / 60 % 60, 2);
	put_digits(tmp + 17, sod % 60, 2);
	put_digits(tmp + 20, us, 6);
	if (size) {
		size_t n = sizeof(tmp) <= size ? sizeof(tmp) : size;

		memcpy(buf, tmp, n);
		buf[n - 1] = '\0';
	}
	return buf;
}

/* Keys are our own constants: nothing to escape, and their length is known at compile time. */
/* The events of one handshake mostly fall in the same second: format the date and time once and
 * only the microseconds after that. */
struct ts_cache {
	uint64_t secs;
	bool valid;
	char text[32];
};

static const char *rfc3339_cached(struct ts_cache *c, uint64_t ts_ns)
{
	uint64_t secs = ts_ns / 1000000000ull;

	if (c->valid && c->secs == secs) {
		put_digits(c->text + 20, (unsigned)((ts_ns % 1000000000ull) / 1000), 6);
		return c->text;
	}
	c->valid = true;
	c->secs = secs;
	return report__rfc3339(ts_ns, c->text, sizeof(c->text));
}

/* Every key but an object's first carries its comma: the writer never reads back what it wrote
 * (reading the last byte stalled on the store that had just written it). */
#define key(b, name) sbuf__add(b, ",\"" name "\":", sizeof(name) + 3)
#define key1(b, name) sbuf__add(b, "\"" name "\":", sizeof(name) + 2)
#define kv_str(b, name, value) (key(b, name), json__cstr_or_null(b, value))
#define kv_int(b, name, value) (key(b, name), sbuf__put_int(b, value))
#define kv_bool(b, name, value) (key(b, name), put_bool(b, value))
/* Only for values that can never need escaping: timestamps, endpoints and the names of our own
 * tables (every event of every handshake goes through here). */
#define kv_plain(b, name, value) (key(b, name), put_plain(b, value))

static void put_bool(struct sbuf *b, bool value)
{
	if (value)
		sbuf__add(b, "true", 4);
	else
		sbuf__add(b, "false", 5);
}

static void put_plain(struct sbuf *b, const char *s)
{
	sbuf__putc(b, '"');
	sbuf__puts(b, s);
	sbuf__putc(b, '"');
}

/* An ALPN protocol_name_list (RFC 7301 3.1) as a JSON array of its entries. */
static void alpn_list(struct sbuf *b, const uint8_t *p, size_t len)
{
	size_t off = 0;
	bool first = true;

	sbuf__putc(b, '[');
	while (off < len) {
		size_t n = p[off++];

		if (n > len - off)
			n = len - off; /* truncated copy: keep what is there */
		if (!first)
			sbuf__putc(b, ',');
		json__str(b, p + off, n);
		first = false;
		off += n;
	}
	sbuf__putc(b, ']');
}

static void certificate_body(struct sbuf *b, const struct x509_info *c)
{
	key1(b, "sha256");
	json__cstr_or_null(b, c->sha256_hex);
	kv_bool(b, "parsed", c->parsed);
	if (!c->parsed) {
		kv_str(b, "error", c->error);
		kv_int(b, "der_length", c->der_len);
		kv_str(b, "sha1", c->sha1_hex[0] ? c->sha1_hex : NULL);
		return;
	}
	kv_str(b, "subject", c->subject);
	kv_str(b, "issuer", c->issuer);
	kv_str(b, "serial", c->serial);
	kv_str(b, "not_before", c->validity_ok ? c->not_before_str : NULL);
	kv_str(b, "not_after", c->validity_ok ? c->not_after_str : NULL);
	kv_str(b, "signature_algorithm", c->sig_name);
	kv_str(b, "signature_oid", c->sig_oid);
	kv_str(b, "key_type", c->key_type);
	kv_int(b, "key_bits", c->key_bits);
	kv_str(b, "curve", c->curve[0] ? c->curve : NULL);
	if (c->pq_pub_len) {
		kv_bool(b, "pq", true);
		kv_str(b, "parameter_set", c->key_type);
		kv_int(b, "public_key_bytes", c->pq_pub_len);
		kv_int(b, "nist_level", c->pq_level);
	}
	if (c->pq_sig)
		kv_bool(b, "signature_pq", true);
	kv_bool(b, "self_signed", c->self_signed);
	kv_bool(b, "is_ca", c->is_ca);
	key(b, "san");
	sbuf__putc(b, '[');
	for (uint32_t i = 0; i < c->n_san; i++) {
		if (i)
			sbuf__putc(b, ',');
		json__cstr(b, c->san[i]);
	}
	sbuf__putc(b, ']');
	kv_int(b, "der_length", c->der_len);
	kv_str(b, "sha1", c->sha1_hex[0] ? c->sha1_hex : NULL);
	kv_int(b, "san_count", c->san_count);
	kv_bool(b, "san_truncated", c->san_truncated);
}

/* A certificate's fields are the same in every handshake that carries it: render them once and
 * keep the text on the (cached) info, shared: a line written with splicing references it
 * instead of copying it (util/sbuf_splice.h). Only once a cache hit has served the info
 * (reused): a certificate seen in one handshake, each leaf of a host that issues one per
 * connection, would otherwise keep a copy never read, which cost an allocation and a write of
 * some 1 KB of cold memory per new certificate, and its free. */
static void certificate(struct sbuf *b, const struct x509_info *c, int position)
{
	struct x509_info *mut = (struct x509_info *)c;
	size_t start;

	sbuf__putc(b, '{');
	key1(b, "position");
	sbuf__put_int(b, position);
	if (!c) {
		kv_bool(b, "parsed", false);
		sbuf__putc(b, '}');
		return;
	}
	sbuf__putc(b, ',');
	if (c->json) {
		sbuf__add_shared(b, c->json);
		sbuf__putc(b, '}');
		return;
	}
	start = b->len;
	certificate_body(b, c);
	if (c->reused && !b->oom)
		mut->json = shared_text__new(b->buf + start, b->len - start);
	sbuf__putc(b, '}');
}

/* "0x%04x" */
static const char *hex16(char buf[7], uint16_t v)
{
	static const char hex[] = "0123456789abcdef";

	buf[0] = '0';
	buf[1] = 'x';
	buf[2] = hex[v >> 12];
	buf[3] = hex[(v >> 8) & 0xf];
	buf[4] = hex[(v >> 4) & 0xf];
	buf[5] = hex[v & 0xf];
	buf[6] = '\0';
	return buf;
}

/* A group by its IANA name, else as hex; null for 0. */
static void put_group(struct sbuf *b, uint16_t group)
{
	const char *g = tls__group_name(group);
	char hex[8];

	if (!group)
		sbuf__puts(b, "null");
	else
		put_plain(b, g ? g : hex16(hex, group));
}

#define kv_group(b, name, group) (key(b, name), put_group(b, group))

static void put_group_list(struct sbuf *b, const uint16_t *g, unsigned n)
{
	char hex[8];

	sbuf__putc(b, '[');
	for (unsigned i = 0; i < n; i++) {
		const char *s = tls__group_name(g[i]);

		if (i)
			sbuf__putc(b, ',');
		put_plain(b, s ? s : hex16(hex, g[i]));
	}
	sbuf__putc(b, ']');
}

/* TLS 1.2 from the ServerKeyExchange; TLS 1.3 from the ServerHello's key_share (RFC 8446
 * 4.2.8), which no suite names. pq says whether the group resists a quantum computer. */
static void key_exchange(struct sbuf *b, const struct handshake *hs)
{
	static const char *const kx_names[] = {
		[TLS_KX_UNKNOWN] = "unknown", [TLS_KX_RSA] = "RSA",	  [TLS_KX_DHE] = "DHE",
		[TLS_KX_ECDHE] = "ECDHE",     [TLS_KX_DH_ANON] = "DH_anon", [TLS_KX_ECDH_ANON] = "ECDH_anon",
		[TLS_KX_PSK] = "PSK",	      [TLS_KX_TLS13] = "TLS1.3",
	};
	const struct tls_server_key_exchange *ske = &hs->ske;
	bool tls13 = hs->has_server_hello && hs->version == TLS_VERSION_TLS13;
	uint16_t group = hs__kx_group(hs);
	unsigned flags = tls__group_flags(group);
	char hex[8];

	key(b, "key_exchange");
	if (!hs->has_server_key_exchange && !tls13) {
		sbuf__puts(b, "null");
		return;
	}
	sbuf__putc(b, '{');
	key1(b, "type");
	if (tls13) {
		put_plain(b, kx_names[TLS_KX_TLS13]);
		kv_group(b, "group", group);
	} else {
		put_plain(b, ske->kx < sizeof(kx_names) / sizeof(kx_names[0]) ? kx_names[ske->kx] :
										      "unknown");
	}
	if (!tls13 && (ske->kx == TLS_KX_ECDHE || ske->kx == TLS_KX_ECDH_ANON))
		kv_plain(b, "group", tls__group_name(ske->curve) ? tls__group_name(ske->curve) :
								  hex16(hex, ske->curve));
	if (!tls13 && (ske->kx == TLS_KX_DHE || ske->kx == TLS_KX_DH_ANON))
		kv_int(b, "dh_bits", ske->dh_p_bits);
	if (!tls13 && ske->sig_alg) {
		const char *s = tls__sigscheme_name(ske->sig_alg);

		if (!s)
			s = hex16(hex, ske->sig_alg);
		kv_plain(b, "signature", s);
	}
	kv_bool(b, "pq", flags & TLS_GROUP_PQ);
	if (flags & TLS_GROUP_PQ)
		kv_bool(b, "hybrid", flags & TLS_GROUP_HYBRID);
	if (flags & TLS_GROUP_DRAFT)
		kv_bool(b, "draft", true);
	if (hs->hrr)
		kv_group(b, "hrr_group", hs->hrr_group);
	sbuf__putc(b, '}');
}

/* After a HelloRetryRequest, sh is the second ServerHello: the first one was the request. */
static bool first_server_hello(const struct handshake *hs, const struct hs_event *ev)
{
	for (int i = 0; i < hs->n_events; i++)
		if (hs->events[i].kind == HS_EV_MESSAGE && hs->events[i].hs_type == TLS_HS_SERVER_HELLO)
			return &hs->events[i] == ev;
	return false;
}

/* What an event was, for the "events" timeline: "ClientHello", "Alert fatal bad_certificate(42)",
 * "ChangeCipherSpec", "FIN", "gap 1200 bytes"... */
static const char *event_what(const struct handshake *hs, const struct hs_event *ev, char *buf,
			      size_t size)
{
	struct sbuf w;
	const char *s;

	switch (ev->kind) {
	case HS_EV_MESSAGE:
		s = tls__handshake_name(ev->hs_type);
		if (!s) {
			snprintf(buf, size, "handshake type %u", ev->hs_type);
			return buf;
		}
		if (ev->hs_type == TLS_HS_SERVER_HELLO && hs->has_server_hello &&
		    (hs->sh.hello_retry_request || (hs->hrr && first_server_hello(hs, ev))))
			return "HelloRetryRequest";
		return s;
	case HS_EV_SSLV2_HELLO:
		return "SSLv2 ClientHello";
	case HS_EV_ALERT:
		if (!hs->alert.present || ev->frame != hs->alert.frame)
			return "Alert";
		if (hs->alert.encrypted)
			return "Alert (encrypted)";
		/* "Alert %s %s(%u)" without snprintf, which was most of an alert line's events */
		s = tls__alert_level_name(hs->alert.level);
		sbuf__init_fixed(&w, buf, size);
		sbuf__puts(&w, "Alert ");
		sbuf__puts(&w, s ? s : "level?");
		sbuf__putc(&w, ' ');
		s = tls__alert_name(hs->alert.desc);
		sbuf__puts(&w, s ? s : "unknown");
		sbuf__putc(&w, '(');
		sbuf__put_u64(&w, hs->alert.desc);
		sbuf__putc(&w, ')');
		return buf;
	case HS_EV_CCS:
		return "ChangeCipherSpec";
	case HS_EV_APP_DATA:
		return "ApplicationData";
	case HS_EV_ENCRYPTED_HANDSHAKE:
		return "encrypted handshake";
	case HS_EV_FIN:
		return "FIN";
	case HS_EV_RST:
		return "RST";
	case HS_EV_GAP:
		snprintf(buf, size, "gap %u bytes", ev->len);
		return buf;
	case HS_EV_HEARTBEAT:
		if (ev->hs_type == 0)
			snprintf(buf, size, "Heartbeat (encrypted) %u bytes", ev->len);
		else if (ev->hs_type == TLS_HEARTBEAT_REQUEST || ev->hs_type == TLS_HEARTBEAT_RESPONSE)
			snprintf(buf, size, "Heartbeat %s %u bytes",
				 ev->hs_type == TLS_HEARTBEAT_REQUEST ? "request" : "response", ev->len);
		else
			snprintf(buf, size, "Heartbeat type %u %u bytes", ev->hs_type, ev->len);
		return buf;
	}
	return "unknown";
}

#define TS_LEN (sizeof("0000-00-00T00:00:00.000000Z") - 1) /* report__rfc3339: fixed width */

/* Memory in a place of our own, then past it: the event writer's pieces. */
static inline char *put_mem(char *p, const void *s, size_t n)
{
	memcpy(p, s, n);
	return p + n;
}

#define PUT_LIT(p, lit) put_mem(p, lit, sizeof(lit) - 1)

/* The wire timeline: which frame completed each message, so a reader can find it in the pcap.
 * About ten events per handshake: each is written through one sbuf__room of its bounded size. */
/* Only when there is one: a handshake read one way only keeps the schema it had. */
static void ambiguous(struct sbuf *b, const struct handshake *hs)
{
	if (!hs->n_ambiguous)
		return;
	key(b, "ambiguous");
	sbuf__putc(b, '[');
	for (unsigned i = 0; i < hs->n_ambiguous; i++) {
		const struct hs_ambiguity *a = &hs->ambiguous[i];

		if (i)
			sbuf__putc(b, ',');
		sbuf__putc(b, '{');
		key1(b, "direction");
		json__cstr_or_null(b, a->from_client ? "client" : "server");
		kv_int(b, "offset", a->offset);
		kv_str(b, "kind", hs__ambiguity_name(a->kind));
		kv_int(b, "count", a->count);
		sbuf__putc(b, '}');
	}
	sbuf__putc(b, ']');
}

static void events(struct sbuf *b, const struct handshake *hs, struct ts_cache *tc)
{
	int n = hs->n_events < HS_MAX_EVENTS ? hs->n_events : HS_MAX_EVENTS;
	char what[64], dec[SBUF_DEC_MAX];

	key(b, "events");
	sbuf__putc(b, '[');
	for (int i = 0; i < n; i++) {
		const struct hs_event *ev = &hs->events[i];
		/* names from our tables and numbers (test_report checks the tables) */
		const char *w = event_what(hs, ev, what, sizeof(what));
		const char *ts = rfc3339_cached(tc, ev->ts_ns);
		const char *num = sbuf__dec(dec, ev->frame);
		size_t wl = strlen(w);
		char *p = sbuf__room(b, 100 + SBUF_DEC_MAX + TS_LEN + wl);

		if (!p)
			return;
		if (i)
			*p++ = ',';
		p = PUT_LIT(p, "{\"frame\":");
		p = put_mem(p, num, (size_t)(dec + sizeof(dec) - num));
		p = PUT_LIT(p, ",\"ts\":\"");
		p = put_mem(p, ts, TS_LEN);
		p = ev->from_client ? PUT_LIT(p, "\",\"from\":\"client\",\"what\":\"") :
				      PUT_LIT(p, "\",\"from\":\"server\",\"what\":\"");
		p = put_mem(p, w, wl);
		p = PUT_LIT(p, "\"}");
		sbuf__commit(b, p);
	}
	sbuf__putc(b, ']');
	if (hs->events_truncated)
		kv_bool(b, "events_truncated", true);
}

/* A TLS 1.2 SignatureScheme by name, else as "0x0401"-style hex (RFC 5246 7.4.1.4.1 pairs). */
static void put_sigscheme(struct sbuf *b, uint16_t v)
{
	const char *name = tls__sigscheme_name(v);
	char hex[7];

	if (name)
		put_plain(b, name);
	else
		put_plain(b, hex16(hex, v));
}

/* Mutual TLS: what the server's CertificateRequest asked for, and the client's chain. */
static void client_auth(struct sbuf *b, const struct handshake *hs)
{
	const struct hs_cert_request *cr = &hs->cr;

	key(b, "certificate_request");
	if (!hs->has_certificate_request) {
		sbuf__puts(b, "null");
	} else {
		sbuf__putc(b, '{');
		key1(b, "certificate_types");
		sbuf__putc(b, '[');
		for (int i = 0; i < cr->n_types; i++) {
			const char *name = tls__client_cert_type_name(cr->types[i]);

			if (i)
				sbuf__putc(b, ',');
			if (name)
				put_plain(b, name);
			else
				sbuf__put_int(b, cr->types[i]);
		}
		sbuf__putc(b, ']');
		key(b, "signature_algorithms");
		if (cr->has_sigalgs) {
			sbuf__putc(b, '[');
			for (int i = 0; i < cr->n_sigalgs; i++) {
				if (i)
					sbuf__putc(b, ',');
				put_sigscheme(b, cr->sigalgs[i]);
			}
			sbuf__putc(b, ']');
		} else {
			sbuf__puts(b, "null");
		}
		key(b, "certificate_authorities");
		sbuf__putc(b, '[');
		for (int i = 0; i < cr->n_cas; i++) {
			if (i)
				sbuf__putc(b, ',');
			json__cstr_or_null(b, cr->cas[i][0] ? cr->cas[i] : NULL);
		}
		sbuf__putc(b, ']');
		kv_int(b, "certificate_authorities_total", cr->n_cas_total);
		if (cr->truncated)
			kv_bool(b, "truncated", true);
		sbuf__putc(b, '}');
	}
	key(b, "client_certificates");
	sbuf__putc(b, '[');
	for (int i = 0; i < hs->n_client_certs; i++) {
		if (i)
			sbuf__putc(b, ',');
		certificate(b, hs->client_certs[i], i);
	}
	sbuf__putc(b, ']');
	if (hs->n_client_certs_total > hs->n_client_certs)
		kv_int(b, "client_certificates_total", hs->n_client_certs_total);
}

/* A resumed session sends no chain; chain_from names the full handshake whose chain it uses. */
static void resumption(struct sbuf *b, const struct handshake *hs, struct ts_cache *tc)
{
	kv_bool(b, "resumed", hs->resumption != HS_RESUMED_NONE);
	if (hs->resumption == HS_RESUMED_NONE)
		return;
	kv_plain(b, "resumption", hs__resumption_name(hs->resumption));
	key(b, "chain_from");
	if (!hs->has_chain_from) {
		sbuf__puts(b, "null");
		return;
	}
	sbuf__putc(b, '{');
	key1(b, "ts");
	put_plain(b, rfc3339_cached(tc, hs->chain_from_ts_ns));
	kv_str(b, "leaf_sha256", hs->chain_from_leaf_sha256[0] ? hs->chain_from_leaf_sha256 : NULL);
	sbuf__putc(b, '}');
}

/* "encap": ["vxlan:vni=42", ...], outermost first (encap__format() names each layer). */
static void put_encap(struct sbuf *b, const struct encap_chain *c)
{
	char buf[32];

	key(b, "encap");
	sbuf__putc(b, '[');
	for (unsigned i = 0; i < c->n && i < TLSMON_MAX_ENCAP; i++) {
		if (i)
			sbuf__putc(b, ',');
		encap__format(c->kind[i], c->id[i], buf, sizeof(buf));
		json__str(b, buf, strlen(buf));
	}
	sbuf__putc(b, ']');
}

static const char *or_null(const char *s)
{
	return s[0] ? s : NULL;
}

static void process_object(struct sbuf *b, const struct hs_process *p)
{
	sbuf__putc(b, '{');
	key1(b, "side");
	put_plain(b, p->server_end ? "server" : "client");
	kv_int(b, "pid", p->pid);
	kv_int(b, "tid", p->tid);
	kv_str(b, "comm", p->comm);
	kv_str(b, "exe", or_null(p->exe));
	kv_int(b, "uid", p->uid);
	kv_str(b, "cgroup", or_null(p->cgroup));
	kv_str(b, "unit", or_null(p->unit));
	key(b, "container");
	if (p->container_id[0]) {
		sbuf__putc(b, '{');
		key1(b, "runtime");
		json__cstr_or_null(b, or_null(p->container_runtime));
		kv_str(b, "id", p->container_id);
		sbuf__putc(b, '}');
	} else {
		sbuf__puts(b, "null");
	}
	kv_str(b, "pod_uid", or_null(p->pod_uid));
	sbuf__putc(b, '}');
}

/* The local processes at the connection's ends (user/host/): present only when the daemon
 * attributed them, so files read offline keep their output. */
static void processes(struct sbuf *b, const struct handshake *hs)
{
	if (!hs->process.present)
		return;
	key(b, "process");
	process_object(b, &hs->process);
	if (hs->peer_process.present) {
		key(b, "peer_process");
		process_object(b, &hs->peer_process);
	}
}

/* The TLS libraries' own verdicts (uprobes, `tlsmon run` only): client_verdict on the server's
 * chain, server_verdict on the client's; absent when no library verdict joined the handshake. */
static void lib_verdicts(struct sbuf *b, const struct handshake *hs)
{
	for (int side = HS_SIDE_CLIENT; side >= HS_SIDE_SERVER; side--) {
		const struct hs_lib_verdict *v = &hs->lib_verdict[side];

		if (!v->present)
			continue;
		if (side == HS_SIDE_CLIENT)
			key(b, "client_verdict");
		else
			key(b, "server_verdict");
		sbuf__putc(b, '{');
		key1(b, "library");
		json__cstr(b, v->library);
		kv_str(b, "result", hs__lib_result_name((enum hs_lib_result)v->result));
		kv_int(b, "code", v->code);
		kv_str(b, "code_name", v->code_name[0] ? v->code_name : NULL);
		kv_str(b, "reason", v->reason[0] ? v->reason : NULL);
		key(b, "depth");
		if (v->depth >= 0)
			sbuf__put_int(b, v->depth);
		else
			sbuf__puts(b, "null");
		kv_str(b, "verify_mode", v->mode_name[0] ? v->mode_name : NULL);
		key(b, "alert");
		if (v->alert >= 0) {
			sbuf__putc(b, '{');
			key1(b, "code");
			sbuf__put_int(b, v->alert);
			kv_str(b, "description", tls__alert_name((uint8_t)v->alert));
			sbuf__putc(b, '}');
		} else {
			sbuf__puts(b, "null");
		}
		kv_int(b, "pid", v->pid);
		kv_str(b, "comm", v->comm);
		sbuf__putc(b, '}');
	}
}

static void finding_body(struct sbuf *b, const struct finding *f)
{
	sbuf__putc(b, '{');
	key1(b, "check");
	json__cstr_or_null(b, policy__check_name(f->check));
	kv_str(b, "severity", policy__severity_name(f->severity));
	key(b, "position");
	if (f->position >= 0)
		sbuf__put_int(b, f->position);
	else
		sbuf__puts(b, "null");
	kv_str(b, "detail", f->detail);
	kv_str(b, "message", f->message);
	kv_plain(b, "side", hs__side_name(f->side));
	sbuf__putc(b, '}');
}

/* A finding copied from a certificate's memo (f->json) is written once and its text kept there
 * for the next handshakes, as long as the finding is its source's equal: anything changed in
 * the copy (its side, for the client's chain) and it is written afresh. */
static void finding(struct sbuf *b, const struct finding *f)
{
	struct finding_json *j = f->json;
	bool same = j && j->source && !memcmp(j->source, f, sizeof(*f));
	size_t start = b->len;

	if (same && j->len) {
		sbuf__add(b, j->text, j->len);
		return;
	}
	finding_body(b, f);
	if (same && !b->oom && b->len - start <= sizeof(j->text)) {
		memcpy(j->text, b->buf + start, b->len - start);
		j->len = (uint16_t)(b->len - start);
	}
}

void report__json(struct sbuf *b, const struct handshake *hs)
{
	struct ts_cache tc = { .valid = false };
	char buf[64], name[16];
	const char *s;

	sbuf__putc(b, '{');
	key1(b, "ts");
	put_plain(b, rfc3339_cached(&tc, hs->start_ts_ns));
	pkt__format_endpoint(hs->family, hs->client_addr, hs->client_port, buf, sizeof(buf));
	kv_plain(b, "client", buf);
	pkt__format_endpoint(hs->family, hs->server_addr, hs->server_port, buf, sizeof(buf));
	kv_plain(b, "server", buf);
	if (hs->vlan)
		kv_int(b, "vlan", hs->vlan);
	if (hs->not_local)
		kv_bool(b, "not_local", true);
	if (hs->encap.n)
		put_encap(b, &hs->encap);
	key(b, "sni");
	if (hs->has_client_hello && hs->ch.has_sni)
		json__str(b, hs->ch.sni, hs->ch.sni_len);
	else
		sbuf__puts(b, "null");
	key(b, "alpn");
	if (hs->has_server_hello && hs->sh.alpn_len)
		json__str(b, hs->sh.alpn, hs->sh.alpn_len);
	else
		sbuf__puts(b, "null");
	key(b, "alpn_offered");
	if (hs->has_client_hello)
		alpn_list(b, hs->ch.alpn, hs->ch.alpn_len);
	else
		sbuf__puts(b, "[]");
	kv_str(b, "version", hs->version ? tls__version_name(hs->version, name, sizeof(name)) : NULL);
	kv_str(b, "client_version", hs->has_client_hello ?
					    tls__version_name(hs->ch.max_version, name, sizeof(name)) :
					    NULL);
	kv_str(b, "cipher", hs->has_server_hello ? tls__cipher_name(hs->sh.cipher, buf, sizeof(buf)) :
						   NULL);
	kv_str(b, "ja3", hs->ja3[0] ? hs->ja3 : NULL);
	kv_str(b, "ja4", hs->ja4[0] ? hs->ja4 : NULL);
	kv_str(b, "ja3s", hs->ja3s[0] ? hs->ja3s : NULL);
	kv_bool(b, "sslv2_client_hello", hs->has_client_hello && hs->ch.sslv2);
	kv_bool(b, "hello_retry_request",
		hs->has_server_hello && (hs->sh.hello_retry_request || hs->hrr));
	key_exchange(b, hs);
	if (hs->has_client_hello) {
		key(b, "client_groups");
		put_group_list(b, hs->ch.groups, hs->ch.n_groups);
		key(b, "client_key_shares");
		put_group_list(b, hs->ch.key_shares, hs->ch.n_key_shares);
		if (hs->ch.groups_truncated)
			kv_bool(b, "client_groups_truncated", true);
	}
	key(b, "certificates");
	sbuf__putc(b, '[');
	for (int i = 0; i < hs->n_certs; i++) {
		if (i)
			sbuf__putc(b, ',');
		certificate(b, hs->certs[i], i);
	}
	sbuf__putc(b, ']');
	if (hs->n_certs_total > hs->n_certs)
		kv_int(b, "certificates_total", hs->n_certs_total);
	client_auth(b, hs);
	resumption(b, hs, &tc);
	kv_str(b, "outcome", hs__outcome_name(hs->outcome));
	key(b, "alert");
	if (hs->alert.present) {
		sbuf__putc(b, '{');
		key1(b, "sender");
		json__cstr(b, hs->alert.from_client ? "client" : "server");
		kv_bool(b, "encrypted", hs->alert.encrypted);
		if (hs->alert.encrypted) {
			kv_str(b, "level", NULL);
			kv_str(b, "code", NULL);
			kv_str(b, "description", NULL);
		} else {
			s = tls__alert_level_name(hs->alert.level);
			if (s)
				kv_str(b, "level", s);
			else
				kv_int(b, "level", hs->alert.level);
			kv_int(b, "code", hs->alert.desc);
			kv_str(b, "description", tls__alert_name(hs->alert.desc));
		}
		sbuf__putc(b, '}');
	} else {
		sbuf__puts(b, "null");
	}
	key(b, "findings");
	sbuf__putc(b, '[');
	for (int i = 0; i < hs->n_findings; i++) {
		if (i)
			sbuf__putc(b, ',');
		finding(b, &hs->findings[i]);
	}
	sbuf__putc(b, ']');
	kv_str(b, "explain", hs->explain);
	kv_int(b, "duration_us", hs->end_ts_ns > hs->start_ts_ns ?
					 (long long)((hs->end_ts_ns - hs->start_ts_ns) / 1000) :
					 0);
	kv_int(b, "reassembly_gaps", hs->gaps);
	kv_int(b, "parse_errors", hs->parse_errors);
	ambiguous(b, hs);
	events(b, hs, &tc);
	processes(b, hs);
	lib_verdicts(b, hs);
	sbuf__putc(b, '}');
}
