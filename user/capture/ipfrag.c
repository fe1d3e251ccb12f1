// SPDX-License-Identifier: GPL-2.0
/* IP fragment reassembly: a fixed array of incomplete datagrams (looked up by a scan: fragments
 * are rare, and the array is small), each a list of its pieces sorted by offset. Pieces are
 * copied, since the frame they came in is gone after the call. */
#include "capture/ipfrag.h"

#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#define IPV4_MIN_HLEN 20
#define IPV6_HLEN 40
#define FRAG_HLEN 8
#define IP_MAX_LEN 65535
/* Link-layer + IP headers (+ IPv6 extension headers) of the first fragment that we keep. */
#define HEAD_MAX 512
#define IPV6_MAX_EXT 16 /* as decode.c */

#define IPPROTO_HOPOPTS_ 0
#define IPPROTO_ROUTING_ 43
#define IPPROTO_FRAGMENT_ 44
#define IPPROTO_DSTOPTS_ 60

struct piece {
	struct piece *next;
	uint32_t off, len;
	uint8_t data[];
};

struct dgram {
	bool used;
	bool have_last;
	uint8_t family;
	uint8_t proto; /* IPv4 only: part of the RFC 791 key */
	uint32_t id;
	uint8_t src[16], dst[16];
	uint64_t first_ts_ns;
	struct piece *pieces;
	uint32_t npieces;
	uint32_t end; /* bytes of data: the highest end seen, exact once have_last */
	uint32_t bytes; /* held: pieces + head */
	/* The offset-0 fragment's bytes up to its data; head_len 0 until it came. */
	uint8_t head[HEAD_MAX];
	uint32_t head_len;
	uint32_t l3_off;
	uint32_t frag_hdr_at; /* IPv6: where the fragment header starts in head */
	struct frame meta; /* linktype, ifindex, direction of the first fragment */
};

struct ipfrag {
	struct ipfrag_limits lim;
	struct ipfrag_stats *st;
	struct dgram *d;
	uint32_t held;
	uint64_t held_bytes;
	uint8_t out[HEAD_MAX + IP_MAX_LEN];
};

/* What one fragment says about itself. */
struct frag_info {
	uint8_t family, proto;
	uint32_t id;
	const uint8_t *src, *dst;
	uint32_t off; /* of its data within the datagram's data */
	uint32_t len; /* of its data */
	bool more;
	const uint8_t *data;
	uint32_t hdr_end; /* frame offset where its data starts */
	uint32_t frag_hdr_at; /* IPv6: frame offset of the fragment header */
};

static inline uint16_t be16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static inline uint32_t be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static inline void put16(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

/* RFC 791 3.1: offset in 8-octet units, MF; the data ends where Total Length says. */
static int parse_v4(const uint8_t *p, size_t len, uint32_t l3, struct frag_info *fi)
{
	const uint8_t *ih = p + l3;
	uint32_t ihl, tot, end;

	if (len < l3 || len - l3 < IPV4_MIN_HLEN)
		return -EINVAL;
	ihl = (ih[0] & 0x0f) * 4u;
	tot = be16(ih + 2);
	if (ihl < IPV4_MIN_HLEN || tot < ihl || len - l3 < ihl)
		return -EINVAL;
	end = l3 + tot;
	if (end > len)
		return -EINVAL; /* a fragment cut by the snap length cannot be reassembled */
	fi->family = 4;
	fi->proto = ih[9];
	fi->id = be16(ih + 4);
	fi->src = ih + 12;
	fi->dst = ih + 16;
	fi->off = (be16(ih + 6) & 0x1fff) * 8u;
	fi->more = be16(ih + 6) & 0x2000;
	fi->hdr_end = l3 + ihl;
	fi->data = p + fi->hdr_end;
	fi->len = tot - ihl;
	return 0;
}

/* RFC 8200 4.5: the unfragmentable part (hop-by-hop, routing, and destination options before
 * a routing header) precedes the fragment header. */
static int parse_v6(const uint8_t *p, size_t len, uint32_t l3, struct frag_info *fi)
{
	const uint8_t *ih = p + l3;
	uint32_t cur = l3 + IPV6_HLEN, end, hlen;
	uint8_t nh;
	int i;

	if (len < l3 || len - l3 < IPV6_HLEN)
		return -EINVAL;
	end = l3 + IPV6_HLEN + be16(ih + 4);
	if (end > len)
		return -EINVAL;
	nh = ih[6];
	for (i = 0; i < IPV6_MAX_EXT; i++) {
		if (nh == IPPROTO_FRAGMENT_)
			break;
		if (nh != IPPROTO_HOPOPTS_ && nh != IPPROTO_ROUTING_ && nh != IPPROTO_DSTOPTS_)
			return -EINVAL;
		if (end - cur < 2)
			return -EINVAL;
		hlen = (p[cur + 1] + 1u) * 8;
		if (hlen > end - cur)
			return -EINVAL;
		nh = p[cur];
		cur += hlen;
	}
	if (nh != IPPROTO_FRAGMENT_ || end - cur < FRAG_HLEN)
		return -EINVAL;
	fi->family = 6;
	fi->proto = 0;
	fi->id = be32(p + cur + 4);
	fi->src = ih + 8;
	fi->dst = ih + 24;
	fi->off = be16(p + cur + 2) & 0xfff8;
	fi->more = p[cur + 3] & 1;
	fi->frag_hdr_at = cur;
	fi->hdr_end = cur + FRAG_HLEN;
	fi->data = p + fi->hdr_end;
	fi->len = end - fi->hdr_end;
	return 0;
}

struct ipfrag *ipfrag__new(const struct ipfrag_limits *lim, struct ipfrag_stats *stats)
{
	struct ipfrag *r = calloc(1, sizeof(*r));

	if (!r)
		return NULL;
	if (lim)
		r->lim = *lim;
	if (!r->lim.max_datagrams)
		r->lim.max_datagrams = 256;
	if (!r->lim.max_bytes)
		r->lim.max_bytes = 4u << 20;
	if (!r->lim.max_pieces)
		r->lim.max_pieces = 64;
	if (!r->lim.timeout_ns)
		r->lim.timeout_ns = 30ull * 1000000000ull;
	r->st = stats;
	r->d = calloc(r->lim.max_datagrams, sizeof(*r->d));
	if (!r->d) {
		free(r);
		return NULL;
	}
	return r;
}

static void dgram_drop(struct ipfrag *r, struct dgram *d)
{
	struct piece *pc, *next;

	for (pc = d->pieces; pc; pc = next) {
		next = pc->next;
		free(pc);
	}
	r->held_bytes -= d->bytes;
	r->held--;
	memset(d, 0, offsetof(struct dgram, head));
	d->head_len = 0;
}

void ipfrag__free(struct ipfrag *r)
{
	uint32_t i;

	if (!r)
		return;
	for (i = 0; i < r->lim.max_datagrams; i++)
		if (r->d[i].used)
			dgram_drop(r, &r->d[i]);
	free(r->d);
	free(r);
}

void ipfrag__expire(struct ipfrag *r, uint64_t now_ns)
{
	uint32_t i;

	for (i = 0; r->held && i < r->lim.max_datagrams; i++) {
		struct dgram *d = &r->d[i];

		if (d->used && now_ns > d->first_ts_ns &&
		    now_ns - d->first_ts_ns > r->lim.timeout_ns) {
			r->st->timeouts++;
			dgram_drop(r, d);
		}
	}
}

uint32_t ipfrag__held(const struct ipfrag *r, uint64_t *bytes)
{
	if (bytes)
		*bytes = r->held_bytes;
	return r->held;
}

static struct dgram *oldest(struct ipfrag *r, const struct dgram *spare)
{
	struct dgram *o = NULL;
	uint32_t i;

	for (i = 0; i < r->lim.max_datagrams; i++) {
		struct dgram *d = &r->d[i];

		if (d->used && d != spare && (!o || d->first_ts_ns < o->first_ts_ns))
			o = d;
	}
	return o;
}

static bool same_key(const struct dgram *d, const struct frag_info *fi)
{
	size_t alen = fi->family == 4 ? 4 : 16;

	return d->family == fi->family && d->id == fi->id && d->proto == fi->proto &&
	       !memcmp(d->src, fi->src, alen) && !memcmp(d->dst, fi->dst, alen);
}

static struct dgram *find_or_make(struct ipfrag *r, const struct frag_info *fi,
				  const struct frame *fr)
{
	struct dgram *free_slot = NULL;
	size_t alen = fi->family == 4 ? 4 : 16;
	uint32_t i;

	for (i = 0; i < r->lim.max_datagrams; i++) {
		struct dgram *d = &r->d[i];

		if (d->used && same_key(d, fi))
			return d;
		if (!d->used && !free_slot)
			free_slot = d;
	}
	if (!free_slot) {
		free_slot = oldest(r, NULL);
		r->st->evicted++;
		dgram_drop(r, free_slot);
	}
	free_slot->used = true;
	free_slot->family = fi->family;
	free_slot->proto = fi->proto;
	free_slot->id = fi->id;
	memcpy(free_slot->src, fi->src, alen);
	memcpy(free_slot->dst, fi->dst, alen);
	free_slot->first_ts_ns = fr->ts_ns;
	free_slot->meta.linktype = fr->linktype;
	free_slot->meta.ifindex = fr->ifindex;
	free_slot->meta.direction = fr->direction;
	r->held++;
	return free_slot;
}

/* Linux inet_frag_queue_insert(): a piece equal in place to one held is a duplicate, any other
 * overlap kills the datagram. Returns 1 for a duplicate, 0 inserted, -EINVAL overlap, -ENOMEM. */
static int insert_piece(struct dgram *d, const struct frag_info *fi)
{
	struct piece **pp = &d->pieces, *pc;
	uint32_t end = fi->off + fi->len;

	for (; *pp; pp = &(*pp)->next) {
		pc = *pp;
		if (pc->off == fi->off && pc->len == fi->len)
			return 1;
		if (end <= pc->off)
			break;
		if (fi->off < pc->off + pc->len)
			return -EINVAL;
	}
	pc = malloc(sizeof(*pc) + fi->len);
	if (!pc)
		return -ENOMEM;
	pc->off = fi->off;
	pc->len = fi->len;
	memcpy(pc->data, fi->data, fi->len);
	pc->next = *pp;
	*pp = pc;
	d->npieces++;
	d->bytes += fi->len;
	return 0;
}

static bool complete(const struct dgram *d)
{
	const struct piece *pc;
	uint32_t at = 0;

	if (!d->have_last || !d->head_len)
		return false;
	for (pc = d->pieces; pc; pc = pc->next) {
		if (pc->off != at)
			return false;
		at += pc->len;
	}
	return at == d->end;
}

/* The whole datagram into r->out, as a frame. */
static void build(struct ipfrag *r, struct dgram *d, const struct frame *last, struct frame *out)
{
	uint8_t *o = r->out, *ip = o + d->l3_off;
	const struct piece *pc;
	uint32_t n = d->head_len, sum = 0, i;

	memcpy(o, d->head, d->head_len);
	for (pc = d->pieces; pc; pc = pc->next) {
		memcpy(o + n, pc->data, pc->len);
		n += pc->len;
	}
	if (d->family == 4) {
		uint32_t ihl = (ip[0] & 0x0f) * 4u;

		put16(ip + 2, n - d->l3_off);
		put16(ip + 6, 0);
		put16(ip + 10, 0);
		/* RFC 1071: a correct header checksum, so that tools reading a dump agree */
		for (i = 0; i < ihl; i += 2)
			sum += be16(ip + i);
		while (sum >> 16)
			sum = (sum & 0xffff) + (sum >> 16);
		put16(ip + 10, ~sum & 0xffff);
	} else {
		put16(ip + 4, n - d->l3_off - IPV6_HLEN);
		put16(o + d->frag_hdr_at + 2, 0); /* offset 0, M 0: an atomic fragment */
	}
	*out = d->meta;
	out->ts_ns = last->ts_ns;
	out->number = last->number;
	out->data = o;
	out->caplen = out->wirelen = n;
}

int ipfrag__feed(struct ipfrag *r, const struct frame *fr, uint32_t l3_off, uint8_t family,
		 struct frame *out)
{
	struct frag_info fi = { 0 };
	struct dgram *d;
	uint32_t end, head_len, limit;
	int rc;

	ipfrag__expire(r, fr->ts_ns);
	rc = family == 4 ? parse_v4(fr->data, fr->caplen, l3_off, &fi) :
	     family == 6 ? parse_v6(fr->data, fr->caplen, l3_off, &fi) :
			   -EINVAL;
	if (rc) {
		r->st->malformed++;
		return rc;
	}
	/* RFC 8200 4.5: a fragment other than the last must be a multiple of 8 octets long (Linux
	 * drops it); IPv4 receivers (Linux ip_frag_queue()) use the whole 8-octet part. */
	if (fi.more && (fi.len & 7)) {
		if (family == 6) {
			r->st->malformed++;
			return -EINVAL;
		}
		fi.len &= ~7u;
	}
	end = fi.off + fi.len;
	head_len = fi.off == 0 ? fi.hdr_end : 0;
	limit = family == 4 ? IP_MAX_LEN - (fi.hdr_end - l3_off) : IP_MAX_LEN;
	if (head_len > HEAD_MAX) {
		r->st->malformed++;
		return -E2BIG;
	}
	d = find_or_make(r, &fi, fr);
	/* Linux ip_frag_queue(): a last piece must not end before data already seen, nor a second
	 * last piece elsewhere than the first; nothing may go past the end a last piece fixed. */
	if (end > limit || (!fi.more && (end < d->end || (d->have_last && end != d->end))) ||
	    (fi.more && d->have_last && end > d->end) || (fi.len == 0 && fi.more)) {
		r->st->invalid++;
		dgram_drop(r, d);
		return -EINVAL;
	}
	if (d->npieces >= r->lim.max_pieces) {
		r->st->evicted++;
		dgram_drop(r, d);
		return -E2BIG;
	}
	/* Room for the piece (and the head): the oldest other datagrams give way. */
	while (r->held_bytes + fi.len + head_len > r->lim.max_bytes) {
		struct dgram *o = oldest(r, d);

		if (!o) {
			r->st->evicted++;
			dgram_drop(r, d);
			return -E2BIG;
		}
		r->st->evicted++;
		dgram_drop(r, o);
	}
	rc = insert_piece(d, &fi);
	if (rc == 1) {
		r->st->duplicates++;
		return 0;
	}
	if (rc) {
		if (rc == -EINVAL)
			r->st->overlaps++;
		dgram_drop(r, d);
		return rc;
	}
	r->held_bytes += fi.len;
	if (!fi.more)
		d->have_last = true;
	if (end > d->end)
		d->end = end;
	if (fi.off == 0 && !d->head_len) {
		memcpy(d->head, fr->data, head_len);
		d->head_len = head_len;
		d->l3_off = l3_off;
		d->frag_hdr_at = fi.frag_hdr_at;
		d->bytes += head_len;
		r->held_bytes += head_len;
		d->meta.linktype = fr->linktype;
		d->meta.ifindex = fr->ifindex;
		d->meta.direction = fr->direction;
	}
	if (!complete(d))
		return 0;
	if (d->head_len + d->end > sizeof(r->out) ||
	    (family == 6 && d->end + (d->frag_hdr_at - d->l3_off) + FRAG_HLEN - IPV6_HLEN >
				    IP_MAX_LEN)) {
		r->st->invalid++;
		dgram_drop(r, d);
		return -E2BIG;
	}
	build(r, d, fr, out);
	r->st->reassembled++;
	dgram_drop(r, d);
	return 1;
}
