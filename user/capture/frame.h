/* A captured frame and its decoded TCP/IP view: what every source (pcap file, ring buffer) hands to
 * the engine. */
#ifndef TLSMON_FRAME_H
#define TLSMON_FRAME_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

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

#define PKT_MAX_VLANS 2

struct pkt {
	uint8_t family; /* 4 or 6 */
	uint8_t tcp_flags; /* TH_FIN.. as in the TCP header byte 13 */
	uint16_t sport, dport; /* host order */
	uint8_t saddr[16], daddr[16]; /* IPv4 in the first 4 bytes, rest zero */
	uint32_t seq, ack; /* host order */
	uint16_t window;
	uint8_t nvlan;
	uint16_t vlan[PKT_MAX_VLANS]; /* VLAN IDs, outermost first */
	uint32_t l3_off; /* offset of the IP header within the frame */
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
};

/* Decode L2 (linktype) -> VLANs -> IPv4 (options) / IPv6 (extension headers) -> TCP (options).
 * Returns enum decode_result, or -EINVAL for a malformed or truncated header, -EPROTONOSUPPORT
 * for a linktype we do not decode. Never reads past len. */
int decode__frame(uint16_t linktype, const uint8_t *p, size_t len, struct pkt *out);

/* Format "ip:port" or "[ip6]:port" into buf (>= 64 bytes); returns buf. */
char *pkt__format_endpoint(uint8_t family, const uint8_t *addr, uint16_t port, char *buf, size_t size);

#endif
