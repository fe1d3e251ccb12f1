/* What struct pkt leaves out of a TCP segment and the receiver acts on: the checksum (RFC 9293
 * 3.1, RFC 1071; a segment with a bad one is dropped by the host, TcpInCsumErrors, and must not
 * become stream data here either) and the urgent pointer. */
#ifndef TLSMON_TCP_SEG_H
#define TLSMON_TCP_SEG_H

#include <stddef.h>
#include <stdint.h>

#include "capture/frame.h"

enum tcp_csum_result {
	TCP_CSUM_GOOD = 0,
	TCP_CSUM_BAD = 1,
	/* The field holds the pseudo-header sum only: a frame the host itself is sending with
	 * checksum offload (CHECKSUM_PARTIAL: seen at TC egress, on loopback and veth, and in
	 * captures taken on the sending host); the NIC, or nobody, fills it in. Unverifiable. */
	TCP_CSUM_PARTIAL = 2,
	/* The segment was not captured whole (snaplen), so it cannot be summed. */
	TCP_CSUM_UNKNOWN = 3,
};

/* Sum the segment p (decoded from frame[0..caplen)). Never reads outside the frame. */
enum tcp_csum_result tcp_seg__csum(const uint8_t *frame, size_t caplen, const struct pkt *p);

#define TCPF_URG 0x20

/* With URG set: the sequence number of the urgent byte as Linux reads the pointer
 * (tcp_check_urg(): seq + urg_ptr - 1, the byte before the one it points at, as RFC 793
 * first said; seq itself when the pointer is 0) into *urg_seq. Returns 0, or -ENOENT when
 * URG is not set or the header is not in the frame. */
int tcp_seg__urgent(const uint8_t *frame, const struct pkt *p, uint32_t *urg_seq);

#endif
