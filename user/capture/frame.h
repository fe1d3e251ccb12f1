/* A captured frame and its decoded TCP/IP view: what every source (pcap file, ring buffer) hands to
 * the engine. */
#ifndef TLSMON_FRAME_H
#define TLSMON_FRAME_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "tlsmon_shared.h"

/* pcap LINKTYPE_* values we decode (https://www.tcpdump.org/linktypes.html). */
#define LINKTYPE_NULL 0
#define LINKTYPE_ETHERNET 1
#define LINKTYPE_RAW 101
#define LINKTYPE_LOOP 108
#define LINKTYPE_LINUX_SLL 113
#define LINKTYPE_IPV4 228
#define LINKTYPE_IPV6 229
#define LINKTYPE_LINUX_SLL2 276

enum frame_dir {
	FRAME_DIR_UNKNOWN = 0,
	FRAME_DIR_INGRESS = 1,
	FRAME_DIR_EGRESS = 2,
};

struct frame {
	uint64_t ts_ns; /* wall clock, ns since the Unix epoch */
	uint64_t number; /* 1-based position in its source (pcap frame number) */
	const uint8_t *data;
	uint32_t caplen;
	uint32_t wirelen;
	uint32_t ifindex;
	uint16_t linktype; /* LINKTYPE_* */
	uint8_t direction; /* enum frame_dir */
};

/* A frame's metadata without its bytes: the header of a frame copied into a ring or an arena,
 * its bytes following it or staying where they are. One layout for every such copy, so a
 * field added to struct frame is added here once. */
struct frame_hdr {
	uint64_t ts_ns;
	uint64_t number;
	uint32_t caplen;
	uint32_t wirelen;
	uint32_t ifindex;
	uint16_t linktype;
	uint8_t direction;
	uint8_t tag; /* the carrier's own: a ring's record kind; 0 where unused */
};
_Static_assert(sizeof(struct frame_hdr) == 32, "frame_hdr layout");

static inline struct frame_hdr frame_hdr__of(const struct frame *f, uint8_t tag)
{
	return (struct frame_hdr){
		.ts_ns = f->ts_ns,
		.number = f->number,
		.caplen = f->caplen,
		.wirelen = f->wirelen,
		.ifindex = f->ifindex,
		.linktype = f->linktype,
		.direction = f->direction,
		.tag = tag,
	};
}

/* The frame h describes, its bytes at data (h->caplen of them). */
static inline struct frame frame_hdr__frame(const struct frame_hdr *h, const uint8_t *data)
{
	return (struct frame){
		.ts_ns = h->ts_ns,
		.number = h->number,
		.data = data,
		.caplen = h->caplen,
		.wirelen = h->wirelen,
		.ifindex = h->ifindex,
		.linktype = h->linktype,
		.direction = h->direction,
	};
}

#define PKT_MAX_VLANS 2

/* One encapsulation layer around the TCP/IP packet (what the JSON's "encap" names). */
enum encap_kind {
	ENCAP_PPPOE = 1, /* id: session ID */
	ENCAP_MPLS, /* id: the bottom-of-stack label (the service / VPN label) */
	ENCAP_GRE, /* no key */
	ENCAP_GRE_KEY, /* id: key */
	ENCAP_VXLAN, /* id: VNI */
	ENCAP_GENEVE, /* id: VNI */
	ENCAP_IPIP, /* id: outer family * 10 + inner family (44, 46, 64, 66) */
};

/* The layers outermost first: TLSMON_MAX_ENCAP of them at most, a frame nested deeper is
 * DECODE_TOO_DEEP. Kept per flow, so compact. */
struct encap_chain {
	uint32_t id[TLSMON_MAX_ENCAP];
	uint8_t kind[TLSMON_MAX_ENCAP]; /* enum encap_kind */
	uint8_t n;
	uint8_t pad[3];
};

struct pkt {
	uint8_t family; /* 4 or 6 */
	uint8_t tcp_flags; /* TH_FIN.. as in the TCP header byte 13 */
	uint16_t sport, dport; /* host order */
	uint8_t saddr[16], daddr[16]; /* IPv4 in the first 4 bytes, rest zero */
	uint32_t seq, ack; /* host order */
	uint16_t window;
	uint8_t nvlan;
	uint16_t vlan[PKT_MAX_VLANS]; /* VLAN IDs, outermost first */
	struct encap_chain encap;
	/* the innermost tunnel naming a virtual network: the flow key's (tlsmon_shared.h) */
	uint8_t tunnel; /* enum tlsmon_tunnel */
	uint32_t tunnel_id;
	uint32_t l3_off; /* offset of the (innermost) IP header within the frame */
	const uint8_t *payload;
	uint32_t payload_len; /* clipped to what was captured */
	uint32_t payload_missing; /* bytes the IP length claims beyond the capture (snaplen) */
};

#define TCPF_FIN 0x01
#define TCPF_SYN 0x02
#define TCPF_RST 0x04
#define TCPF_PSH 0x08
#define TCPF_ACK 0x10

/* Non-negative results of decode__frame(); negative ones are -errno. */
enum decode_result {
	DECODE_TCP = 0, /* *out filled */
	DECODE_NOT_TCP = 1, /* non-IP, or IP but not TCP: skipped */
	DECODE_FRAGMENT = 2, /* IPv4/IPv6 fragment: counted and skipped */
	DECODE_TOO_DEEP = 3, /* more than TLSMON_MAX_ENCAP encapsulations: counted and skipped */
};

/* Decode L2 (linktype) -> VLANs -> IPv4 (options) / IPv6 (extension headers) -> TCP (options),
 * through PPPoE sessions, MPLS, GRE, VXLAN (UDP 4789), GENEVE (UDP 6081) and IP-in-IP.
 * Returns enum decode_result, or -EINVAL for a malformed or truncated header, -EPROTONOSUPPORT
 * for a linktype we do not decode. Never reads past len. */
int decode__frame(uint16_t linktype, const uint8_t *p, size_t len, struct pkt *out);

/* Format "ip:port" or "[ip6]:port" into buf (>= 64 bytes); returns buf. */
/* "vxlan:vni=42", "gre:key=7", "mpls:label=100", "pppoe:session=5", "ipip:6in4", "gre", ...
 * into buf; returns buf. */
char *encap__format(uint8_t kind, uint32_t id, char *buf, size_t size);

char *pkt__format_endpoint(uint8_t family, const uint8_t *addr, uint16_t port, char *buf, size_t size);

#endif
