// SPDX-License-Identifier: GPL-2.0
/* The engine's side of following the Linux receiver (net/tcp_seg.h, net/tcp_rcv.h, net/reasm.h):
 * which segments the host would have taken, and where its byte stream could be read two ways. */
#include "net/tcp_seg.h"
#include "verdict/engine_conn.h"

static void add_ambiguity(struct handshake *hs, enum hs_ambiguity_kind kind, bool client,
			  uint32_t offset, uint32_t count)
{
	struct hs_ambiguity *a;

	if (!count || hs->n_ambiguous >= HS_MAX_AMBIGUOUS)
		return;
	a = &hs->ambiguous[hs->n_ambiguous++];
	a->kind = kind;
	a->from_client = client;
	a->offset = offset;
	a->count = count;
}

/* Where each direction's stream could be read two ways (net/reasm.h): what the host accepted
 * is reported, and these say where another reading existed. */
void engine__fill_ambiguities(struct engine *e, struct conn *c, struct handshake *hs)
{
	struct flow *f = conn_flow(c);
	int cs = client_side(c);

	for (int i = 0; i < 2; i++) {
		const struct reasm *r = flowtab__dir_peek(e->flows, f, i ? !cs : cs);
		const struct reasm_rare *a = reasm__ambiguities(r);

		add_ambiguity(hs, HS_AMBIGUITY_OVERLAP, !i, a->conflict_seq - r->base_seq,
			      a->conflicts);
		add_ambiguity(hs, HS_AMBIGUITY_URGENT, !i, a->urgent_seq - r->base_seq, a->urgents);
		add_ambiguity(hs, HS_AMBIGUITY_CHECKSUM, !i, a->suspect_seq - r->base_seq,
			      a->suspects);
	}
}

/* A segment with a bad TCP checksum never reaches the receiver's stream, once the sender's
 * checksums were seen right or offloaded (a stack that offloads writes the pseudo-header sum,
 * never anything else): a capture whose checksums are all wrong (rewritten addresses, zeroed
 * fields) says nothing about what the host dropped. Offloaded and partly captured segments
 * cannot be checked and are data. Returns false when the segment is to be dropped; its bytes
 * are kept aside in case the receiver's ACK shows it had them (reasm__acked()). */
bool engine__checksum_passes(struct engine *e, struct flow *f, int side, enum tcp_csum_result csum,
			    const struct pkt *p)
{
	struct reasm_stats *rs = flowtab__reasm_stats(e->flows);

	/* The direction's state is made only to be written: a side that sent nothing has none. */
	switch (csum) {
	case TCP_CSUM_GOOD:
		flowtab__dir(e->flows, f, side)->csum_verified = true;
		return true;
	case TCP_CSUM_BAD:
		if (!flowtab__dir_peek(e->flows, f, side)->csum_verified) {
			rs->csum_unknown++;
			return true;
		}
		rs->csum_bad++;
		reasm__suspect(flowtab__dir(e->flows, f, side), e->reasm, p->seq + !!(p->tcp_flags & TCPF_SYN), p->payload,
			       p->payload_len);
		/* kept copies count against the budget like held bytes */
		flowtab__enforce_budget(e->flows, f);
		return false;
	case TCP_CSUM_PARTIAL:
		flowtab__dir(e->flows, f, side)->csum_verified = true;
		rs->csum_partial++;
		return true;
	case TCP_CSUM_UNKNOWN:
		rs->csum_unknown++;
		return true;
	}
	return true;
}

/* Is the connection synchronised, its handshake under way? Then a SYN with a new ISN is
 * answered with a challenge ACK and otherwise ignored (RFC 5961 4.2, tcp_validate_incoming()):
 * it is not a new connection unless the peer answers it with its own SYN-ACK. */
bool engine__synchronised(struct engine *e, const struct conn *c, struct flow *f)
{
	return c->syn_seen && c->client_known &&
	       flowtab__dir_peek(e->flows, f, !c->client)->started &&
	       c->state != CONN_DONE;
}
