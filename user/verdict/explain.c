// SPDX-License-Identifier: GPL-2.0
#include "verdict/explain.h"

#include <string.h>
#include <time.h>

#include "util/sbuf.h"
#include "tls/tls_names.h"
#include "tls/tls_record.h"

/* Sentences are appended piece by piece into the handshake's fixed array (one per handshake of a
 * busy host: vsnprintf was a visible part of the offline profile); a cut one ends in "...". */
static void put(struct sbuf *o, const char *s)
{
	sbuf__add(o, s, strlen(s));
}

static const char *side(bool client)
{
	return client ? "client" : "server";
}

static unsigned n_events(const struct handshake *hs)
{
	return hs->n_events < HS_MAX_EVENTS ? hs->n_events : HS_MAX_EVENTS;
}

/* What a peer sent, as opposed to connection teardown and capture artefacts. */
static bool is_message(const struct hs_event *e)
{
	switch (e->kind) {
	case HS_EV_MESSAGE:
	case HS_EV_SSLV2_HELLO:
	case HS_EV_ALERT:
	case HS_EV_CCS:
	case HS_EV_APP_DATA:
	case HS_EV_ENCRYPTED_HANDSHAKE:
	case HS_EV_HEARTBEAT:
		return true;
	}
	return false;
}

static const struct hs_event *last_message_before(const struct handshake *hs, unsigned stop)
{
	for (unsigned i = stop; i > 0; i--)
		if (is_message(&hs->events[i - 1]))
			return &hs->events[i - 1];
	return NULL;
}

static void describe(char *buf, size_t size, const struct hs_event *e)
{
	const char *who = side(e->from_client), *name;
	struct sbuf o;

	sbuf__init_fixed(&o, buf, size);
	switch (e->kind) {
	case HS_EV_MESSAGE:
		put(&o, "the ");
		put(&o, who);
		put(&o, "'s ");
		name = tls__handshake_name(e->hs_type);
		if (name) {
			put(&o, name);
		} else {
			put(&o, "handshake message ");
			sbuf__put_u64(&o, e->hs_type);
		}
		return;
	case HS_EV_SSLV2_HELLO:
		put(&o, "the client's SSLv2 ClientHello");
		return;
	case HS_EV_HEARTBEAT:
		put(&o, "the ");
		put(&o, who);
		put(&o, e->hs_type == 1 ? "'s heartbeat request" :
			e->hs_type == 2 ? "'s heartbeat response" :
					  "'s heartbeat");
		return;
	case HS_EV_ALERT:
	case HS_EV_CCS:
	case HS_EV_APP_DATA:
	case HS_EV_ENCRYPTED_HANDSHAKE:
		put(&o, "the ");
		put(&o, who);
		put(&o, e->kind == HS_EV_ALERT	       ? "'s alert" :
			e->kind == HS_EV_CCS	       ? "'s ChangeCipherSpec" :
			e->kind == HS_EV_APP_DATA      ? "'s first application data" :
						 "'s encrypted handshake messages");
		return;
	}
	put(&o, "event ");
	sbuf__put_u64(&o, e->kind);
}

/* " 12 ms after X", or " after X" when the clock went backwards or is unknown. */
static void put_after(struct sbuf *o, uint64_t from, uint64_t to, const char *what)
{
	uint64_t d = to - from;

	if (!from || !to || to < from) {
		put(o, " after ");
	} else if (d < 1000000) {
		put(o, " 0.");
		sbuf__put_u64(o, d / 100000);
		put(o, " ms after ");
	} else if (d < 10000000000ull) {
		put(o, " ");
		sbuf__put_u64(o, (d + 500000) / 1000000);
		put(o, " ms after ");
	} else {
		put(o, " ");
		sbuf__put_u64(o, d / 1000000000ull);
		put(o, ".");
		sbuf__put_u64(o, d % 1000000000ull / 100000000ull);
		put(o, " s after ");
	}
	put(o, what);
}

#define M(c) (1u << (c))
#define CERT_CHECKS                                                                                \
	(M(CHECK_WEAK_SIGNATURE) | M(CHECK_WEAK_KEY) | M(CHECK_EXPIRED) | M(CHECK_NOT_YET_VALID) | \
	 M(CHECK_SELF_SIGNED) | M(CHECK_UNPARSABLE_CERT) | M(CHECK_NAME_MISMATCH) |          \
	 M(CHECK_LONG_VALIDITY) | M(CHECK_UNTRUSTED_CHAIN))
#define PROTO_CHECKS                                                                               \
	(M(CHECK_WEAK_PROTOCOL) | M(CHECK_WEAK_CIPHER) | M(CHECK_WEAK_DH) | M(CHECK_DOWNGRADE))

/* Which findings can explain an alert: first the checks the alert names directly, then the
 * family (certificate or protocol) it belongs to, then anything. */
struct preference {
	uint32_t direct, family;
};

/* Meanings from RFC 5246 7.2.2, RFC 8446 6.2 and RFC 7507 (inappropriate_fallback). */
static struct preference alert_preference(uint8_t desc)
{
	struct preference p = { 0, 0 };

	switch (desc) {
	case 42: /* bad_certificate: also OpenSSL's alert for a host name mismatch */
	case 43: /* unsupported_certificate */
		p.direct = M(CHECK_WEAK_SIGNATURE) | M(CHECK_WEAK_KEY) | M(CHECK_UNPARSABLE_CERT) |
			   M(CHECK_NAME_MISMATCH);
		p.family = CERT_CHECKS;
		break;
	case 45: /* certificate_expired */
		p.direct = M(CHECK_EXPIRED) | M(CHECK_NOT_YET_VALID);
		p.family = CERT_CHECKS;
		break;
	case 48: /* unknown_ca */
		p.direct = M(CHECK_SELF_SIGNED) | M(CHECK_UNTRUSTED_CHAIN);
		p.family = CERT_CHECKS;
		break;
	case 44: /* certificate_revoked */
	case 46: /* certificate_unknown */
		p.family = CERT_CHECKS;
		break;
	case 40: /* handshake_failure: no acceptable set of parameters */
		p.direct = M(CHECK_WEAK_CIPHER) | M(CHECK_WEAK_PROTOCOL) | M(CHECK_WEAK_DH);
		p.family = PROTO_CHECKS;
		break;
	case 47: /* illegal_parameter */
		p.direct = M(CHECK_DOWNGRADE) | M(CHECK_WEAK_DH);
		p.family = PROTO_CHECKS;
		break;
	case 70: /* protocol_version */
		p.direct = M(CHECK_WEAK_PROTOCOL) | M(CHECK_DOWNGRADE);
		p.family = PROTO_CHECKS;
		break;
	case 71: /* insufficient_security: the server's parameters are below the client's floor */
		p.direct = M(CHECK_WEAK_CIPHER) | M(CHECK_WEAK_DH) | M(CHECK_WEAK_KEY);
		p.family = PROTO_CHECKS;
		break;
	case 86: /* inappropriate_fallback */
		p.direct = M(CHECK_DOWNGRADE);
		p.family = PROTO_CHECKS;
		break;
	case 112: /* unrecognized_name (RFC 6066 3): the server has nothing for this SNI */
		p.direct = M(CHECK_NAME_MISMATCH) | M(CHECK_MISSING_SNI);
		p.family = CERT_CHECKS;
		break;
	}
	return p;
}

#define ANY_SIDE (-1)

/* Highest severity among the checks in mask of one side (or ANY_SIDE); the first one found wins
 * a tie (chain order). */
static const struct finding *worst_of(const struct handshake *hs, uint32_t mask, int side)
{
	const struct finding *best = NULL;
	unsigned n = hs->n_findings < HS_MAX_FINDINGS ? hs->n_findings : HS_MAX_FINDINGS;

	for (unsigned i = 0; i < n; i++) {
		const struct finding *f = &hs->findings[i];

		if (f->check >= 32 || !(mask & M(f->check)) || (side != ANY_SIDE && f->side != side))
			continue;
		if (!best || f->severity > best->severity)
			best = f;
	}
	return best;
}

static const struct finding *worst(const struct handshake *hs, uint32_t mask)
{
	return worst_of(hs, mask, ANY_SIDE);
}

/* Never the fallback cause on their own: a certificate that is still valid cannot be why a peer
 * refused the handshake; a missing SNI or a long validity period is a guess unless the alert or
 * the moment points at it (unrecognized_name; the client leaving after the certificate); a chain
 * this host's store does not trust is a cause only where the alert or close is about
 * certificates: the client's store may trust it; how an observer had to read the TCP stream
 * is never why a peer refused. */
#define NOT_A_FALLBACK_CAUSE                                                                     \
	(M(CHECK_EXPIRES_SOON) | M(CHECK_MISSING_SNI) | M(CHECK_LONG_VALIDITY) |                 \
	 M(CHECK_UNTRUSTED_CHAIN) | M(CHECK_TCP_AMBIGUITY))

/* The peer that sends an alert judged the other side's chain (mutual TLS: a server refuses the
 * client's certificate): its findings come first. */
static const struct finding *likely_cause_judged(const struct handshake *hs, struct preference p,
						 int judged)
{
	const struct finding *f = NULL;

	if (p.direct)
		f = worst_of(hs, p.direct, judged);
	if (!f && p.family)
		f = worst_of(hs, p.family, judged);
	if (!f && p.direct)
		f = worst(hs, p.direct);
	if (!f && p.family)
		f = worst(hs, p.family);
	return f ? f : worst(hs, ~NOT_A_FALLBACK_CAUSE);
}

static const struct finding *likely_cause(const struct handshake *hs, struct preference p)
{
	const struct finding *f = NULL;

	if (p.direct)
		f = worst(hs, p.direct);
	if (!f && p.family)
		f = worst(hs, p.family);
	return f ? f : worst(hs, ~NOT_A_FALLBACK_CAUSE);
}

static void put_finding(struct sbuf *o, const struct finding *f)
{
	if (!f)
		put(o, "unknown");
	else if (f->message[0])
		sbuf__add(o, f->message, strnlen(f->message, sizeof(f->message)));
	else
		sbuf__add(o, f->detail, strnlen(f->detail, sizeof(f->detail)));
}

static void put_cause(struct sbuf *o, const struct finding *f)
{
	if (!f) {
		put(o, "; no weak cryptography seen (the cause is not visible in plaintext)");
		return;
	}
	put(o, "; most likely cause: ");
	put_finding(o, f);
}

/* The event of the alert that decided the outcome, else where it falls in time. */
static unsigned alert_index(const struct handshake *hs)
{
	unsigned n = n_events(hs);

	for (unsigned i = 0; i < n; i++) {
		const struct hs_event *e = &hs->events[i];

		if (e->kind == HS_EV_ALERT && e->frame == hs->alert.frame &&
		    e->from_client == hs->alert.from_client)
			return i;
	}
	for (unsigned i = 0; i < n; i++)
		if (hs->events[i].ts_ns > hs->alert.ts_ns)
			return i;
	return n;
}

/* RFC 5246 7.4.6: a client without a suitable certificate sends an empty Certificate, and a
 * server that requires one ends the handshake with a fatal alert: nothing weak to blame. */
static bool refused_without_client_certificate(const struct handshake *hs)
{
	unsigned n = n_events(hs);

	if (!hs->has_certificate_request || hs->client_sent_certificate || hs->alert.encrypted)
		return false;
	for (unsigned i = 0; i < n; i++) {
		const struct hs_event *e = &hs->events[i];

		if (e->kind == HS_EV_MESSAGE && e->from_client && e->hs_type == TLS_HS_CERTIFICATE)
			return hs->alert.level == 2 && (hs->alert.desc == 40 || hs->alert.desc == 42 ||
							hs->alert.desc == 116);
	}
	return false;
}

static void explain_alert(struct sbuf *o, const struct handshake *hs)
{
	const struct hs_alert *a = &hs->alert;
	const struct hs_event *last = last_message_before(hs, alert_index(hs));
	struct preference pref = { 0, 0 };
	char what[80];

	if (!a->present) {
		put(o, "the handshake ended with an alert");
		put_cause(o, likely_cause(hs, pref));
		return;
	}
	put(o, side(a->from_client));
	if (a->encrypted) {
		put(o, " sent an encrypted alert");
	} else {
		const char *level = tls__alert_level_name(a->level),
			   *name = tls__alert_name(a->desc);

		if (level) {
			put(o, " sent ");
			put(o, level);
			put(o, " alert");
		} else {
			put(o, " sent alert (level ");
			sbuf__put_u64(o, a->level);
			put(o, ")");
		}
		put(o, " ");
		put(o, name ? name : "unassigned");
		put(o, "(");
		sbuf__put_u64(o, a->desc);
		put(o, ")");
		pref = alert_preference(a->desc);
	}
	/* The client judges the certificate chain: time its verdict from the Certificate. */
	if (a->from_client && hs->has_certificate && hs->cert_ts_ns && a->ts_ns >= hs->cert_ts_ns) {
		put_after(o, hs->cert_ts_ns, a->ts_ns, "the server's Certificate");
	} else if (last) {
		describe(what, sizeof(what), last);
		put_after(o, last->ts_ns, a->ts_ns, what);
	} else {
		put_after(o, hs->start_ts_ns, a->ts_ns, "the connection started");
	}
	if (!a->from_client && refused_without_client_certificate(hs)) {
		put(o, "; most likely cause: the server asked for a client certificate and the client "
		       "sent none");
		return;
	}
	put_cause(o, likely_cause_judged(hs, pref, a->from_client ? HS_SIDE_SERVER : HS_SIDE_CLIENT));
}

static unsigned close_index(const struct handshake *hs, uint8_t kind)
{
	unsigned n = n_events(hs);

	for (unsigned i = 0; i < n; i++)
		if (hs->events[i].kind == kind && hs->events[i].from_client == hs->closed_by_client)
			return i;
	for (unsigned i = 0; i < n; i++)
		if (hs->events[i].kind == kind)
			return i;
	return n;
}

static void explain_close(struct sbuf *o, const struct handshake *hs)
{
	bool rst = hs->outcome == HS_OUTCOME_RESET;
	unsigned at = close_index(hs, rst ? HS_EV_RST : HS_EV_FIN);
	const struct hs_event *last = last_message_before(hs, at);
	uint64_t ts = at < n_events(hs) ? hs->events[at].ts_ns : hs->end_ts_ns;
	struct preference pref = { 0, 0 };
	char what[80];

	put(o, side(hs->closed_by_client));
	put(o, rst ? " closed the connection (RST)" : " closed the connection (FIN)");
	if (!last) {
		put(o, " before any handshake message");
		put_cause(o, likely_cause(hs, pref));
		return;
	}
	describe(what, sizeof(what), last);
	put_after(o, last->ts_ns, ts, what);
	/* A client hanging up right after the server's certificate flight is rejecting it; a
	 * server hanging up on a ClientHello found nothing it accepts. */
	if (hs->closed_by_client && !last->from_client)
		pref.family = CERT_CHECKS;
	else if (!hs->closed_by_client && last->from_client)
		pref.family = PROTO_CHECKS;
	put_cause(o, likely_cause(hs, pref));
}

static void explain_incomplete(struct sbuf *o, const struct handshake *hs)
{
	const struct hs_event *last = last_message_before(hs, n_events(hs));
	char what[80];

	if (last) {
		describe(what, sizeof(what), last);
		put(o, "capture ended before the handshake finished (last seen: ");
		put(o, what);
		put(o, ")");
	} else {
		put(o, "capture ended before the handshake finished (no handshake message seen)");
	}
	if (hs->gaps && hs->gap_bytes) {
		put(o, "; ");
		sbuf__put_u64(o, hs->gap_bytes);
		put(o, " bytes lost in reassembly");
	} else if (hs->gaps) {
		put(o, "; ");
		sbuf__put_u64(o, hs->gaps);
		put(o, hs->gaps == 1 ? " gap in reassembly" : " gaps in reassembly");
	}
	if (hs->n_findings) {
		put(o, "; ");
		sbuf__put_u64(o, hs->n_findings);
		put(o, hs->n_findings == 1 ? " finding, worst: " : " findings, worst: ");
		put_finding(o, worst(hs, ~0u));
	}
}

/* A resumed session sent no chain, so nothing above judged one: say so, and whose it was. */
static void explain_resumption(struct sbuf *o, const struct handshake *hs)
{
	time_t t = (time_t)(hs->chain_from_ts_ns / 1000000000ull);
	char when[32] = "";
	struct tm tm;

	put(o, "; resumed (");
	put(o, hs__resumption_name(hs->resumption));
	put(o, "): no certificates sent");
	if (!hs->has_chain_from) {
		put(o, ", the full handshake was not seen");
		return;
	}
	if (gmtime_r(&t, &tm))
		strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", &tm);
	put(o, ", the session comes from the full handshake at ");
	put(o, when);
	if (hs->chain_from_leaf_sha256[0]) {
		put(o, " (leaf sha256 ");
		sbuf__add(o, hs->chain_from_leaf_sha256, 16);
		put(o, "...)");
	}
}

/* "curl (pid 4242, unit backup.service)": the name an operator knows the process by, and where
 * it runs: its container, else its systemd unit. */
static void put_process(struct sbuf *o, const struct hs_process *p)
{
	/* without sbuf__printf: two per handshake with attribution on, whose format parsing was
	 * about 0.3 us of the daemon's time per handshake */
	sbuf__puts(o, p->comm[0] ? p->comm : "?");
	sbuf__puts(o, " (pid ");
	sbuf__put_u64(o, p->pid);
	if (p->container_id[0]) {
		sbuf__puts(o, ", ");
		sbuf__puts(o, p->container_runtime[0] ? p->container_runtime : "a");
		sbuf__puts(o, " container ");
		sbuf__add(o, p->container_id, strnlen(p->container_id, 12));
	} else if (p->unit[0]) {
		sbuf__puts(o, ", unit ");
		sbuf__puts(o, p->unit);
	}
	sbuf__putc(o, ')');
}

/* Who, when the daemon knows: "curl (pid 4242) to s_server (pid 17): ..." */
static void put_who(struct sbuf *o, const struct handshake *hs)
{
	if (!hs->process.present)
		return;
	if (hs->process.server_end)
		put(o, "server ");
	put_process(o, &hs->process);
	if (hs->peer_process.present) {
		put(o, " to ");
		put_process(o, &hs->peer_process);
	}
	put(o, ": ");
}

void explain__handshake(struct handshake *hs)
{
	struct sbuf o;

	sbuf__init_fixed(&o, hs->explain, sizeof(hs->explain));
	put_who(&o, hs);
	switch (hs->outcome) {
	case HS_OUTCOME_ALERT:
		explain_alert(&o, hs);
		break;
	case HS_OUTCOME_ABORTED:
	case HS_OUTCOME_RESET:
		explain_close(&o, hs);
		break;
	case HS_OUTCOME_ESTABLISHED:
		if (!hs->n_findings) {
			put(&o, "handshake established; no weak cryptography found");
			break;
		}
		put(&o, "handshake established despite ");
		sbuf__put_u64(&o, hs->n_findings);
		put(&o, hs->n_findings == 1 ? " finding; worst: " : " findings; worst: ");
		put_finding(&o, worst(hs, ~0u));
		break;
	default:
		explain_incomplete(&o, hs);
		break;
	}
	if (hs->resumption)
		explain_resumption(&o, hs);
	explain__lib_verdicts(&o, hs);
	sbuf__end_cut(&o, "...");
}
