// SPDX-License-Identifier: GPL-2.0
#include "verdict/hs.h"

#include <stdio.h>
#include <string.h>

#include "tls/tls_names.h"
#include "util/sbuf.h"

const char *hs__outcome_name(enum hs_outcome o)
{
	switch (o) {
	case HS_OUTCOME_INCOMPLETE:
		return "incomplete";
	case HS_OUTCOME_ESTABLISHED:
		return "established";
	case HS_OUTCOME_ALERT:
		return "alert";
	case HS_OUTCOME_ABORTED:
		return "aborted";
	case HS_OUTCOME_RESET:
		return "reset";
	}
	return "unknown";
}

const char *hs__side_name(enum hs_side s)
{
	return s == HS_SIDE_CLIENT ? "client" : "server";
}

const char *hs__lib_result_name(enum hs_lib_result r)
{
	static const char *const names[] = { "accepted", "rejected", "ignored", "failed" };

	return (unsigned)r < sizeof(names) / sizeof(names[0]) ? names[r] : "unknown";
}

const char *hs__resumption_name(enum hs_resumption r)
{
	switch (r) {
	case HS_RESUMED_SESSION_ID:
		return "session_id";
	case HS_RESUMED_TICKET:
		return "ticket";
	case HS_RESUMED_PSK:
		return "psk";
	case HS_RESUMED_NONE:
		break;
	}
	return NULL;
}

const char *hs__ambiguity_name(enum hs_ambiguity_kind k)
{
	switch (k) {
	case HS_AMBIGUITY_OVERLAP:
		return "overlap";
	case HS_AMBIGUITY_URGENT:
		return "urgent";
	case HS_AMBIGUITY_CHECKSUM:
		return "checksum";
	case HS_AMBIGUITY__COUNT:
		break;
	}
	return "unknown";
}

void hs__add_event(struct handshake *hs, const struct hs_event *ev)
{
	/* Keeping the newest event in the last slot means "what happened last" (what explain needs)
	 * stays right even when a long handshake overflows the timeline. */
	if (hs->n_events < HS_MAX_EVENTS) {
		hs->events[hs->n_events++] = *ev;
		return;
	}
	hs->events[HS_MAX_EVENTS - 1] = *ev;
	hs->events_truncated = true;
}

struct finding *hs__add_finding(struct handshake *hs, enum check_id check, enum severity sev,
				int position, const char *detail)
{
	struct finding_list l = { .at = hs->findings, .n = &hs->n_findings, .cap = HS_MAX_FINDINGS };

	return finding_list__add(&l, check, sev, position, detail);
}

struct finding *finding_list__add(struct finding_list *l, enum check_id check, enum severity sev,
				  int position, const char *detail)
{
	struct finding *f;

	if (*l->n >= l->cap)
		return NULL;
	f = &l->at[(*l->n)++];
	memset(f, 0, sizeof(*f));
	f->check = (uint8_t)check;
	f->severity = (uint8_t)sev;
	f->position = (int16_t)(position < -1 ? -1 : position > INT16_MAX ? INT16_MAX : position);
	/* cut on a character boundary (util/sbuf), without printf: several findings per handshake */
	if (detail) {
		struct sbuf d;

		sbuf__init_fixed(&d, f->detail, sizeof(f->detail));
		sbuf__add(&d, detail, strnlen(detail, sizeof(f->detail)));
	}
	return f;
}

uint16_t hs__kx_group(const struct handshake *hs)
{
	if (!hs->has_server_hello)
		return 0;
	if (hs->version == TLS_VERSION_TLS13)
		return hs->sh.hello_retry_request ? 0 : hs->sh.key_share_group;
	if (hs->has_server_key_exchange &&
	    (hs->ske.kx == TLS_KX_ECDHE || hs->ske.kx == TLS_KX_ECDH_ANON))
		return hs->ske.curve;
	return 0;
}

const char *hs__kx_label(const struct handshake *hs)
{
	const struct tls_cipher_info *ci;
	uint16_t group = hs__kx_group(hs);

	/* A HelloRetryRequest alone settled nothing: the second ServerHello never came. */
	if (!hs->has_server_hello || hs->sh.hello_retry_request)
		return NULL;
	if (group)
		return tls__group_label(group);
	if (hs->version == TLS_VERSION_TLS13)
		return "psk"; /* RFC 8446 4.2.9 psk_ke: resumption without a key share */
	ci = tls__cipher_info(hs->sh.cipher);
	if (!ci)
		return NULL;
	switch (ci->kx) {
	case TLS_KX_RSA:
		return "RSA";
	case TLS_KX_DHE:
	case TLS_KX_DH_ANON:
		return "DHE"; /* finite field, no named group before TLS 1.3 */
	case TLS_KX_PSK:
		return "psk";
	case TLS_KX_ECDHE:
	case TLS_KX_ECDH_ANON:
		return "none"; /* the ServerKeyExchange was not seen */
	default:
		return NULL;
	}
}
