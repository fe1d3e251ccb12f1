// SPDX-License-Identifier: GPL-2.0
/* The part of the explain sentence that cites a TLS library's own verdict (uprobes): its words,
 * the certificate it concerns, the alert it sends, and where it disagrees with the wire checks. */
#include "verdict/explain.h"

#include <string.h>

#include "tls/tls_names.h"
#include "util/sbuf.h"

/* TLS 1.3 encrypts the certificates: the wire checks cannot agree or disagree then. */
static bool peer_chain_seen(const struct handshake *hs, enum hs_side peer)
{
	return peer == HS_SIDE_SERVER ? hs->n_certs > 0 : hs->n_client_certs > 0;
}

static bool peer_chain_flagged(const struct handshake *hs, enum hs_side peer)
{
	for (unsigned i = 0; i < hs->n_findings && i < HS_MAX_FINDINGS; i++) {
		const struct finding *f = &hs->findings[i];

		if (f->side == peer && f->position >= 0 && f->severity > SEV_INFO)
			return true;
	}
	return false;
}

static void put_who(struct sbuf *o, const struct hs_lib_verdict *v, enum hs_side verifier)
{
	if (v->comm[0]) {
		sbuf__puts(o, v->comm);
		sbuf__puts(o, " (pid ");
		sbuf__put_u64(o, v->pid);
		sbuf__puts(o, ")");
		return;
	}
	sbuf__puts(o, "the ");
	sbuf__puts(o, hs__side_name(verifier));
	sbuf__puts(o, "'s ");
	sbuf__puts(o, v->library);
}

static void put_words(struct sbuf *o, const struct hs_lib_verdict *v)
{
	sbuf__puts(o, v->reason[0] ? v->reason : "error");
	sbuf__puts(o, " (");
	if (v->code_name[0]) {
		sbuf__puts(o, v->code_name);
		sbuf__puts(o, ", ");
	}
	sbuf__put_int(o, v->code);
	sbuf__puts(o, ")");
}

static void put_alert(struct sbuf *o, const struct handshake *hs, const struct hs_lib_verdict *v,
		      enum hs_side verifier)
{
	const char *name = v->alert >= 0 ? tls__alert_name((uint8_t)v->alert) : NULL;
	bool from_verifier = verifier == HS_SIDE_CLIENT;

	if (v->alert < 0)
		return;
	sbuf__puts(o, "; it sent fatal alert ");
	sbuf__puts(o, name ? name : "unassigned");
	sbuf__puts(o, "(");
	sbuf__put_u64(o, (uint64_t)v->alert);
	sbuf__puts(o, ")");
	if (hs->alert.present && !hs->alert.encrypted && hs->alert.from_client == from_verifier &&
	    hs->alert.desc != v->alert) {
		sbuf__puts(o, ", but the wire shows ");
		name = tls__alert_name(hs->alert.desc);
		sbuf__puts(o, name ? name : "unassigned");
		sbuf__puts(o, "(");
		sbuf__put_u64(o, hs->alert.desc);
		sbuf__puts(o, ")");
	}
}

static void explain_one(struct sbuf *o, const struct handshake *hs, enum hs_side verifier)
{
	const struct hs_lib_verdict *v = &hs->lib_verdict[verifier];
	enum hs_side peer = verifier == HS_SIDE_CLIENT ? HS_SIDE_SERVER : HS_SIDE_CLIENT;
	bool flagged = peer_chain_flagged(hs, peer);

	sbuf__puts(o, "; ");
	put_who(o, v, verifier);
	if (v->result == HS_LIB_ACCEPTED) {
		sbuf__puts(o, " verified the ");
		sbuf__puts(o, hs__side_name(peer));
		sbuf__puts(o, "'s chain with ");
		sbuf__puts(o, v->library);
		if (flagged)
			sbuf__puts(o, ", although the wire checks flag it (they disagree)");
		else if (!peer_chain_seen(hs, peer))
			sbuf__puts(o, " (the chain is encrypted on the wire)");
		return;
	}
	if (v->result == HS_LIB_IGNORED)
		sbuf__puts(o, " went on without verifying (verify mode ");
	if (v->result == HS_LIB_IGNORED)
		sbuf__puts(o, v->mode_name[0] ? v->mode_name : "unknown");
	sbuf__puts(o, v->result == HS_LIB_IGNORED ? "), although it found " :
		      v->result == HS_LIB_REJECTED ? " rejected " : " failed to verify ");
	if (v->depth >= 0) {
		sbuf__puts(o, "certificate #");
		sbuf__put_u64(o, (uint64_t)v->depth + 1);
		sbuf__puts(o, " (depth ");
		sbuf__put_u64(o, (uint64_t)v->depth);
		sbuf__puts(o, ")");
	} else {
		sbuf__puts(o, "the ");
		sbuf__puts(o, hs__side_name(peer));
		sbuf__puts(o, "'s chain");
	}
	sbuf__puts(o, v->result == HS_LIB_IGNORED ? " failing: " : ": ");
	put_words(o, v);
	if (v->result == HS_LIB_REJECTED)
		put_alert(o, hs, v, verifier);
	for (unsigned i = 0; i < hs->n_findings && i < HS_MAX_FINDINGS; i++)
		if (hs->findings[i].check == CHECK_UNVERIFIED_PEER && hs->findings[i].side == verifier)
			sbuf__puts(o, " (unverified_peer)");
	if (!flagged && peer_chain_seen(hs, peer))
		sbuf__puts(o, "; the wire checks found nothing wrong with that chain (they disagree)");
}

void explain__lib_verdicts(struct sbuf *o, const struct handshake *hs)
{
	for (int verifier = HS_SIDE_CLIENT; verifier >= HS_SIDE_SERVER; verifier--)
		if (hs->lib_verdict[verifier].present)
			explain_one(o, hs, (enum hs_side)verifier);
}
