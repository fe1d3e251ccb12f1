// SPDX-License-Identifier: GPL-2.0
/* The check on a TLS library's own verdict (uprobes, user/host/): unverified_peer, a process that
 * does not verify its peer's certificates (verify mode none) while the chain it accepted has
 * findings: the wire checks' (TLS 1.0-1.2), or the library's own error (any version: TLS 1.3
 * encrypts the chain). It runs after the wire checks, whose findings it needs. */
#include "verdict/policy_int.h"

#include <stdio.h>
#include <string.h>

#include "util/sbuf.h"

/* The worst finding above info about a certificate of side's chain, NULL when none. */
static const struct finding *worst_cert_finding(const struct handshake *hs, enum hs_side side)
{
	const struct finding *w = NULL;

	for (unsigned i = 0; i < hs->n_findings && i < HS_MAX_FINDINGS; i++) {
		const struct finding *f = &hs->findings[i];

		if (f->side != side || f->position < 0 || f->severity == SEV_INFO ||
		    f->check == CHECK_UNVERIFIED_PEER)
			continue;
		if (!w || f->severity > w->severity)
			w = f;
	}
	return w;
}

void policy__check_lib_verdicts(const struct policy *p, struct handshake *hs)
{
	enum severity sev = (enum severity)(p->severity[CHECK_UNVERIFIED_PEER] != SEV_AUTO ?
						    p->severity[CHECK_UNVERIFIED_PEER] :
						    policy_checks[CHECK_UNVERIFIED_PEER].severity);

	if (!p->enabled[CHECK_UNVERIFIED_PEER])
		return;
	for (int verifier = HS_SIDE_SERVER; verifier <= HS_SIDE_CLIENT; verifier++) {
		const struct hs_lib_verdict *v = &hs->lib_verdict[verifier];
		enum hs_side peer = verifier == HS_SIDE_CLIENT ? HS_SIDE_SERVER : HS_SIDE_CLIENT;
		const struct finding *w;
		struct finding *f;
		char worst[FINDING_MESSAGE_LEN];
		struct sbuf m;

		if (!v->present || v->verify_mode != 0)
			continue;
		w = worst_cert_finding(hs, peer);
		if (!w && !v->code)
			continue;
		/* copied first: adding may reuse the last slot */
		if (w)
			memcpy(worst, w->message[0] ? w->message : w->detail, sizeof(worst));
		else
			snprintf(worst, sizeof(worst), "%s says %s (%d)", v->library, v->reason, v->code);
		worst[sizeof(worst) - 1] = '\0';
		f = hs__add_finding(hs, CHECK_UNVERIFIED_PEER, sev, -1, "verify_none");
		if (!f)
			continue;
		f->side = (uint8_t)verifier;
		sbuf__init_fixed(&m, f->message, sizeof(f->message));
		sbuf__puts(&m, v->comm[0] ? v->comm : hs__side_name((enum hs_side)verifier));
		sbuf__puts(&m, " does not verify the ");
		sbuf__puts(&m, hs__side_name(peer));
		sbuf__puts(&m, "'s certificates (");
		sbuf__puts(&m, v->library);
		sbuf__puts(&m, " verify mode none) and its chain has findings: ");
		sbuf__puts(&m, worst);
		sbuf__end_cut(&m, "...");
	}
}
