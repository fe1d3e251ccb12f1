/* IP fragment reassembly (RFC 791 3.2, RFC 8200 4.5) for the frames both sources hand in: the
 * pieces of a datagram are held, bounded in datagrams, bytes and time, until it is whole, and
 * then given back as one frame that decode__frame() reads like any other. Overlaps are refused
 * as Linux refuses them (RFC 5722 for IPv6, and the same rule for IPv4 since Linux 4.19): the
 * whole datagram is dropped, while an exact duplicate is ignored. */
#ifndef TLSMON_IPFRAG_H
#define TLSMON_IPFRAG_H

#include <stdint.h>

#include "capture/frame.h"

struct ipfrag_stats {
	uint64_t reassembled; /* datagrams made whole */
	uint64_t duplicates; /* fragments identical in place to one held: ignored */
	uint64_t overlaps; /* datagrams dropped for an overlapping fragment */
	uint64_t invalid; /* datagrams dropped for inconsistent ends / lengths, or over 64 KiB */
	uint64_t timeouts; /* datagrams dropped incomplete after the timeout */
	uint64_t evicted; /* datagrams dropped, oldest first, to stay within the bounds */
	uint64_t malformed; /* fragments refused alone: headers that do not parse, or cut short */
};

struct ipfrag_limits {
	uint32_t max_datagrams; /* incomplete datagrams held at once (default 256) */
	uint32_t max_bytes; /* fragment bytes held in total (default 4 MiB, Linux ipfrag_high_thresh) */
	uint32_t max_pieces; /* fragments held per datagram (default 64) */
	uint64_t timeout_ns; /* from a datagram's first fragment (default 30 s, Linux ipfrag_time) */
};

struct ipfrag;

/* stats is the caller's, counted into. NULL on -ENOMEM. */
struct ipfrag *ipfrag__new(const struct ipfrag_limits *lim, struct ipfrag_stats *stats);
void ipfrag__free(struct ipfrag *r);

/* Feed one frame that decode__frame() called DECODE_FRAGMENT; l3_off and family are those it
 * left in struct pkt. Returns 1 when this fragment completed its datagram: *out is then the whole
 * frame (the first fragment's link-layer header, its IP header with the lengths set and the
 * fragment fields cleared, IPv6 keeping an atomic fragment header, RFC 6946), valid until the
 * next call. Returns 0 when held or ignored, -EINVAL for a malformed fragment, -E2BIG when it
 * made its datagram exceed a bound. Never reads past fr->caplen. */
int ipfrag__feed(struct ipfrag *r, const struct frame *fr, uint32_t l3_off, uint8_t family,
		 struct frame *out);

/* Drop datagrams whose first fragment came more than the timeout before now_ns. */
void ipfrag__expire(struct ipfrag *r, uint64_t now_ns);

/* Incomplete datagrams and bytes held now. */
uint32_t ipfrag__held(const struct ipfrag *r, uint64_t *bytes);

#endif
