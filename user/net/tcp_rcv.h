/* What the receiving host does with a segment's control bits, so that tlsmon follows it: a RST
 * counts only at the exact sequence number the receiver expects (RFC 5961 3.2, Linux's
 * tcp_validate_incoming()); the receiver's own ACKs say which number that is. */
#ifndef TLSMON_TCP_RCV_H
#define TLSMON_TCP_RCV_H

#include <stdbool.h>

#include "capture/frame.h"
#include "net/flowtab.h"

/* Note what side (the sender of p) acknowledges: its peer's next expected byte. */
static inline void tcp_rcv__note_ack(struct flow *f, int side, const struct pkt *p)
{
	if (p->tcp_flags & TCPF_ACK) {
		f->acked[side] = p->ack;
		f->ack_seen |= (uint8_t)(1u << side);
	}
}

/* Would the receiver reset the connection on this RST from side (r: side's direction of f,
 * flowtab__dir_peek())? True when nothing is known of
 * side's sequence space yet (a RST answering a SYN), when it is at the next byte expected
 * (reassembly's next_seq, one more after side's FIN), at the right edge of what is held out of
 * order (Linux takes that one too: the highest SACK block's end), or at what the receiver last
 * acknowledged (bytes the capture missed). Anything else is answered with a challenge ACK or
 * dropped by the host. */
bool tcp_rcv__rst_acceptable(const struct flow *f, const struct reasm *r, int side, bool fin_sent,
			     const struct pkt *p);

#endif
