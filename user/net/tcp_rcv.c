// SPDX-License-Identifier: GPL-2.0
/* RST acceptance as the receiver decides it (tcp_rcv.h). */
#include "net/tcp_rcv.h"

bool tcp_rcv__rst_acceptable(const struct flow *f, const struct reasm *r, int side, bool fin_sent,
			     const struct pkt *p)
{
	int peer = !side;
	uint32_t held_end;

	if (!r->started)
		return true;
	if (p->seq == r->next_seq || (fin_sent && p->seq == r->next_seq + 1))
		return true;
	if (!reasm__held_end(r, &held_end) && p->seq == held_end)
		return true;
	return (f->ack_seen >> peer & 1) && p->seq == f->acked[peer];
}
