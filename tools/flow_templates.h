/* Recorded TCP flows as templates for tools/inject.c: pcap files read whole,
 * every TCP flow's frames (IP header onwards) kept in capture order in one
 * arena, with the sums that let each replayed copy get new addresses, ports and
 * sequence numbers and correct checksums in a few additions (RFC 1071, RFC
 * 1624). Memory is bounded (MAX_TEMPLATES, max_bytes); frames that are not TCP
 * over IP are skipped and frames over the limits refused, both counted; a flow
 * with a frame cut short by the snap length or over the MTU is marked and not
 * replayed. */
#ifndef TLSMON_FLOW_TEMPLATES_H
#define TLSMON_FLOW_TEMPLATES_H

#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pkt_build.h"

#define MAX_TEMPLATES 65536
#define MAX_FILE_BYTES (512u << 20)
#define FLOW_BUCKETS 16384
/* Ethernet + the longest IPv4 and TCP headers: what a rewrite writes in front
 * of the payload. */
#define HDR_MAX (14 + 60 + 60)
/* An Ethernet MTU: larger frames (TSO/GRO super-frames in a capture) do not fit
 * a device. */
#define MAX_L3 1500

/* One recorded frame: its IP header onwards in the arena, and what a rewrite
 * needs. */
struct tframe {
	uint32_t tmpl;
	uint32_t off; /* IP header in the arena */
	uint16_t len; /* IP header + TCP header + payload */
	uint8_t iphl, tcphl;
	bool from_first;   /* sent by the side that sent the flow's first frame */
	uint32_t ip_part;  /* IPv4 header sum without addresses and checksum */
	/* TCP sum (pseudo-header protocol and length included) without addresses,
	 * ports, seq, ack and checksum */
	uint32_t tcp_part;
};

struct tmpl {
	uint32_t first, nframes; /* frames[first .. first + nframes) after grouping */
	uint64_t bytes;
	bool v6, first_is_server, truncated; /* truncated: a frame cut short or over the MTU */
	uint8_t addr[2][16];		     /* [0] = first sender */
	uint16_t port[2];
	const char *file;
};

/* Every TCP flow of the files loaded: frames in one arena, grouped by flow;
 * what was refused. */
struct templates {
	uint8_t *arena;
	size_t arena_len, arena_cap, max_bytes;
	struct tframe *frames;
	size_t nframes, frames_cap;
	struct tmpl *tmpls; /* MAX_TEMPLATES of them, allocated by the caller */
	uint32_t ntmpls;
	uint32_t *keep; /* template indices replayed, in order */
	uint32_t nkeep;
	uint64_t skipped_frames, refused_frames;
};

static inline uint16_t get16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static inline uint32_t get32(const uint8_t *p)
{
	return (uint32_t)get16(p) << 16 | get16(p + 2);
}

static inline uint32_t rd32(const uint8_t *p, bool swap)
{
	uint32_t v;

	memcpy(&v, p, 4);
	return swap ? __builtin_bswap32(v) : v;
}

/* The IP packet inside one link-layer frame, or NULL (not IP, or a link type we
 * do not read). */
static inline const uint8_t *l3_of(const uint8_t *p, size_t len, uint32_t linktype, size_t *l3len)
{
	size_t off;
	uint16_t type;

	switch (linktype) {
	case 1: /* Ethernet, up to two VLAN tags */
		if (len < 14)
			return NULL;
		off = 12;
		type = get16(p + off);
		for (int i = 0; i < 2 && (type == 0x8100 || type == 0x88a8); i++) {
			off += 4;
			if (off + 2 > len)
				return NULL;
			type = get16(p + off);
		}
		if (type != 0x0800 && type != 0x86dd)
			return NULL;
		off += 2;
		break;
	case 0: /* BSD loopback: a 4-byte address family in the writer's byte order */
		off = 4;
		break;
	case 113: /* Linux cooked capture v1 */
		off = 16;
		break;
	case 101: /* raw IP */
	case 228:
	case 229:
		off = 0;
		break;
	default:
		return NULL;
	}
	if (off >= len)
		return NULL;
	*l3len = len - off;
	return p + off;
}

/* Fields of one IP + TCP packet that a template needs; 0, or -EINVAL for
 * anything else (fragments, IPv6 extension headers, bad lengths). */
struct seg {
	bool v6;
	const uint8_t *saddr, *daddr;
	size_t iphl, tcphl, len;
};

static inline int seg_parse(const uint8_t *p, size_t len, struct seg *s)
{
	size_t tot;

	if (len < 1)
		return -EINVAL;
	if (p[0] >> 4 == 4) {
		if (len < 20 || (p[0] & 15) < 5 || p[9] != 6 || (get16(p + 6) & 0x3fff))
			return -EINVAL;
		s->v6 = false;
		s->iphl = (size_t)(p[0] & 15) * 4;
		tot = get16(p + 2);
		s->saddr = p + 12;
		s->daddr = p + 16;
	} else if (p[0] >> 4 == 6) {
		if (len < 40 || p[6] != 6)
			return -EINVAL;
		s->v6 = true;
		s->iphl = 40;
		tot = 40 + (size_t)get16(p + 4);
		s->saddr = p + 8;
		s->daddr = p + 24;
	} else {
		return -EINVAL;
	}
	/* tot > len (cut short by the snap length) is the caller's to judge. */
	if (tot < s->iphl + 20 || tot > 65535 || s->iphl + 20 > len)
		return -EINVAL;
	s->tcphl = (size_t)(p[s->iphl + 12] >> 4) * 4;
	if (s->tcphl < 20 || s->iphl + s->tcphl > tot || s->iphl + s->tcphl > len ||
	    s->iphl + s->tcphl > HDR_MAX - 14)
		return -EINVAL;
	s->len = tot;
	return 0;
}

static inline int grow(void **p, size_t *cap, size_t need, size_t elem)
{
	size_t ncap = *cap ? *cap : 1024;
	void *np;

	if (need <= *cap)
		return 0;
	while (ncap < need)
		ncap *= 2;
	np = realloc(*p, ncap * elem);
	if (!np)
		return -ENOMEM;
	*p = np;
	*cap = ncap;
	return 0;
}

static inline uint32_t flow_hash(const struct seg *s, const uint8_t *tcp)
{
	size_t alen = s->v6 ? 16 : 4;
	uint32_t h = 2166136261u, x = 0;

	/* Both directions hash alike: sum the two endpoints' bytes in an order-free
   * way. */
	for (size_t i = 0; i < alen; i++)
		x += (uint32_t)(s->saddr[i] ^ s->daddr[i]) * 16777619u + s->saddr[i] + s->daddr[i];
	h ^= x + get16(tcp) + get16(tcp + 2);
	return (h * 2654435761u) >> 18;
}

static inline bool same_flow(const struct tmpl *t, const struct seg *s, const uint8_t *tcp,
			     bool *first)
{
	size_t alen = s->v6 ? 16 : 4;
	uint16_t sp = get16(tcp), dp = get16(tcp + 2);

	if (t->v6 != s->v6)
		return false;
	if (!memcmp(t->addr[0], s->saddr, alen) && !memcmp(t->addr[1], s->daddr, alen) &&
	    t->port[0] == sp && t->port[1] == dp) {
		*first = true;
		return true;
	}
	if (!memcmp(t->addr[1], s->saddr, alen) && !memcmp(t->addr[0], s->daddr, alen) &&
	    t->port[1] == sp && t->port[0] == dp) {
		*first = false;
		return true;
	}
	return false;
}

/* Template sums with the rewritten fields zeroed, so each instance costs a few
 * additions. */
static inline void frame_sums(struct tframe *f, const uint8_t *ip, bool v6)
{
	uint8_t hdr[60], ph[4] = { 0, 6, 0, 0 };
	const uint8_t *tcp = ip + f->iphl;
	size_t tlen = (size_t)f->len - f->iphl;
	uint32_t sum;

	f->ip_part = 0;
	if (!v6) {
		memcpy(hdr, ip, f->iphl);
		memset(hdr + 10, 0, 10); /* checksum, saddr, daddr */
		f->ip_part = csum_add(0, hdr, f->iphl);
	}
	memcpy(hdr, tcp, f->tcphl);
	memset(hdr, 0, 12); /* ports, seq, ack */
	memset(hdr + 16, 0, 2);
	sum = csum_add(0, hdr, f->tcphl);
	/* The payload starts at an even offset (the TCP header is a multiple of 4
   * bytes). */
	sum = csum_add(sum, tcp + f->tcphl, tlen - f->tcphl);
	put16(ph + 2, (uint16_t)tlen);
	f->tcp_part = csum_add(sum, ph, 4);
}

static inline int templates__load_pcap(struct templates *in, const char *path)
{
	uint32_t *bucket = NULL, *chain = NULL, linktype, base = in->ntmpls;
	size_t flen, pos = 24, chain_cap = 0;
	uint8_t *buf = NULL;
	bool swap;
	FILE *f;
	int rc = -EINVAL;
	long sz;

	f = fopen(path, "rb");
	if (!f)
		return -errno;
	if (fseek(f, 0, SEEK_END) || (sz = ftell(f)) < 24 || (size_t)sz > MAX_FILE_BYTES ||
	    fseek(f, 0, SEEK_SET))
		goto cleanup;
	flen = (size_t)sz;
	buf = malloc(flen);
	bucket = malloc(FLOW_BUCKETS * sizeof(*bucket));
	rc = -ENOMEM;
	if (!buf || !bucket)
		goto cleanup;
	memset(bucket, 0xff, FLOW_BUCKETS * sizeof(*bucket));
	rc = -EIO;
	if (fread(buf, 1, flen, f) != flen)
		goto cleanup;
	rc = -EINVAL;
	/* pcap-savefile(5): micro- or nanosecond magic, either byte order; pcapng is
   * not read. */
	if (rd32(buf, false) == 0xa1b2c3d4u || rd32(buf, false) == 0xa1b23c4du)
		swap = false;
	else if (rd32(buf, true) == 0xa1b2c3d4u || rd32(buf, true) == 0xa1b23c4du)
		swap = true;
	else
		goto cleanup;
	linktype = rd32(buf + 20, swap) & 0xffff;
	while (pos + 16 <= flen) {
		uint32_t caplen = rd32(buf + pos + 8, swap);
		const uint8_t *l3, *tcp;
		struct tframe *fr;
		struct tmpl *t = NULL;
		size_t l3len;
		struct seg s;
		uint32_t h, ti;
		bool first = true;

		if (caplen > flen - pos - 16)
			break;
		l3 = l3_of(buf + pos + 16, caplen, linktype, &l3len);
		pos += 16 + caplen;
		if (!l3 || seg_parse(l3, l3len, &s)) {
			in->skipped_frames++;
			continue;
		}
		tcp = l3 + s.iphl;
		h = flow_hash(&s, tcp);
		for (ti = bucket[h]; ti != UINT32_MAX; ti = chain[ti - base]) {
			if (same_flow(&in->tmpls[ti], &s, tcp, &first)) {
				t = &in->tmpls[ti];
				break;
			}
		}
		if (!t) {
			if (in->ntmpls >= MAX_TEMPLATES) {
				in->refused_frames++;
				continue;
			}
			ti = in->ntmpls;
			if (grow((void **)&chain, &chain_cap, ti - base + 1, sizeof(*chain)))
				goto nomem;
			chain[ti - base] = bucket[h];
			bucket[h] = ti;
			t = &in->tmpls[in->ntmpls++];
			memset(t, 0, sizeof(*t));
			t->v6 = s.v6;
			memcpy(t->addr[0], s.saddr, s.v6 ? 16 : 4);
			memcpy(t->addr[1], s.daddr, s.v6 ? 16 : 4);
			t->port[0] = get16(tcp);
			t->port[1] = get16(tcp + 2);
			t->file = path;
			first = true;
		}
		/* A frame cut short by the snap length would be replayed with other bytes;
     * one over the MTU (a TSO/GRO super-frame) does not fit the device: the
     * flow is not used. */
		if (s.len > l3len || s.len > MAX_L3) {
			t->truncated = true;
			continue;
		}
		if (in->arena_len + s.len > in->max_bytes) {
			in->refused_frames++;
			continue;
		}
		if (grow((void **)&in->arena, &in->arena_cap, in->arena_len + s.len, 1) ||
		    grow((void **)&in->frames, &in->frames_cap, in->nframes + 1, sizeof(*fr)))
			goto nomem;
		fr = &in->frames[in->nframes++];
		fr->tmpl = ti;
		fr->off = (uint32_t)in->arena_len;
		fr->len = (uint16_t)s.len;
		fr->iphl = (uint8_t)s.iphl;
		fr->tcphl = (uint8_t)s.tcphl;
		fr->from_first = first;
		memcpy(in->arena + in->arena_len, l3, s.len);
		in->arena_len += s.len;
		frame_sums(fr, l3, s.v6);
		t->nframes++;
		t->bytes += s.len;
		/* The client is whoever sends a SYN without ACK; else the lower port
     * serves. */
		if ((tcp[13] & 0x12) == 0x02)
			t->first_is_server = !first;
		else if (t->nframes == 1)
			t->first_is_server = t->port[0] < t->port[1];
	}
	rc = 0;
	goto cleanup;
nomem:
	rc = -ENOMEM;
cleanup:
	free(chain);
	free(bucket);
	free(buf);
	fclose(f);
	return rc;
}

/* Frames grouped by template, in capture order within each (a stable counting
 * sort). */
static inline int templates__group(struct templates *in)
{
	uint32_t *start = calloc(in->ntmpls + 1, sizeof(*start));
	struct tframe *sorted = malloc((in->nframes ? in->nframes : 1) * sizeof(*sorted));

	if (!start || !sorted) {
		free(start);
		free(sorted);
		return -ENOMEM;
	}
	for (size_t i = 0; i < in->nframes; i++)
		start[in->frames[i].tmpl + 1]++;
	for (uint32_t t = 0; t < in->ntmpls; t++) {
		start[t + 1] += start[t];
		in->tmpls[t].first = start[t];
	}
	for (size_t i = 0; i < in->nframes; i++)
		sorted[start[in->frames[i].tmpl]++] = in->frames[i];
	free(in->frames);
	in->frames = sorted;
	free(start);
	return 0;
}

static inline int templates__keep(struct templates *in, const char *path)
{
	unsigned long v;
	FILE *f = path ? fopen(path, "r") : NULL;

	in->keep = malloc((in->ntmpls ? in->ntmpls : 1) * sizeof(*in->keep));
	if (!in->keep) {
		if (f)
			fclose(f);
		return -ENOMEM;
	}
	if (!path) {
		for (uint32_t t = 0; t < in->ntmpls; t++)
			if (!in->tmpls[t].truncated && in->tmpls[t].nframes)
				in->keep[in->nkeep++] = t;
		return 0;
	}
	if (!f)
		return -errno;
	while (in->nkeep < in->ntmpls && fscanf(f, "%lu", &v) == 1)
		if (v < in->ntmpls && !in->tmpls[v].truncated && in->tmpls[v].nframes)
			in->keep[in->nkeep++] = (uint32_t)v;
	fclose(f);
	return 0;
}

/* Everything the loaders allocated (the set itself is the caller's). */
static inline void templates_free(struct templates *ts)
{
	free(ts->keep);
	free(ts->frames);
	free(ts->arena);
	free(ts->tmpls);
}

#endif
