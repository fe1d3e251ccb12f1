// SPDX-License-Identifier: MIT
/* Capture file reader. The whole file is mapped (or, for pipes, read) into memory once, so frames
 * point straight into it and reading costs no copy and no per-frame allocation.
 *
 * Formats: classic pcap (https://www.tcpdump.org/manpages/pcap-savefile.5.html) and pcapng
 * (draft-ietf-opsawg-pcapng, cited as "pcapng N.N" below), either one gzip-compressed (inflated
 * into memory first). */
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include "capture/pcap_in.h"

#define PCAP_MAGIC_US 0xa1b2c3d4u
#define PCAP_MAGIC_NS 0xa1b23c4du
/* Kuznetzov's patched libpcap: 8 more bytes per record header (ifindex, protocol, pkt_type). */
#define PCAP_MAGIC_KUZ 0xa1b2cd34u
#define PCAP_FILE_HDR_LEN 24
#define PCAP_REC_HDR_LEN 16

#define PCAPNG_SHB 0x0a0d0d0au
#define PCAPNG_IDB 0x00000001u
#define PCAPNG_PB 0x00000002u /* obsolete Packet Block, pcapng Appendix A */
#define PCAPNG_SPB 0x00000003u
#define PCAPNG_EPB 0x00000006u
#define PCAPNG_BOM 0x1a2b3c4du
#define PCAPNG_SHB_MIN_LEN 28
#define PCAPNG_OPT_ENDOFOPT 0
#define PCAPNG_OPT_IF_TSRESOL 9
#define PCAPNG_OPT_IF_TSOFFSET 14
#define PCAPNG_OPT_EPB_FLAGS 2

/* A record larger than this is a corrupt length, not a big frame: libpcap and Wireshark use
 * 256 KiB as the largest snaplen, and 16 MiB as the largest pcapng block. */
#define MAX_FRAME_LEN (256u * 1024)
#define MAX_BLOCK_LEN (16u * 1024 * 1024)
#define MAX_IFACES 4096
#define READ_CHUNK (1u << 20)
#define POPULATE_WINDOW (4u << 20) /* a multiple of the page size */
/* Far enough that the bytes arrive before the checksum reads them, near enough that the
 * prefetches do not queue behind each other: on offline_rate.sh's mix 4 KiB took about 3 % less
 * CPU than 16 KiB or 8 KiB, 64 KiB and 2 KiB were no better than 16, 1 KiB and none 7-10 % worse. */
#define PREFETCH_AHEAD (4u << 10)
#ifndef MADV_POPULATE_READ
#define MADV_POPULATE_READ 22 /* Linux 5.14 */
#endif

enum pcap_fmt {
	FMT_PCAP,
	FMT_PCAPNG,
};

struct pcap_iface {
	uint16_t linktype;
	uint32_t snaplen;
	uint8_t tsresol;  /* raw if_tsresol byte: bit 7 set = power of 2, else power of 10 */
	int64_t tsoffset; /* seconds */
};

struct pcap_in {
	uint8_t *buf;
	size_t size;
	size_t off;
	size_t populated; /* mapped files: bytes before this are mapped in (see populate()) */
	size_t released; /* mapped files: bytes before this are unmapped (pcap_in__release_before()) */
	size_t prefetched; /* bytes before this were prefetched into the cache */
	bool mapped;
	enum pcap_fmt fmt;
	bool swap;
	/* classic pcap */
	uint16_t linktype;
	uint32_t snaplen;
	bool nsec;
	size_t rec_hdr_len;
	/* pcapng: interfaces of the current section */
	struct pcap_iface *ifaces;
	uint32_t nifaces;
	uint32_t cap_ifaces;
	uint64_t last_ts_ns;
	uint64_t number;
};

static uint32_t get32(const struct pcap_in *in, const uint8_t *p)
{
	uint32_t v;

	memcpy(&v, p, 4);
	return in->swap ? __builtin_bswap32(v) : v;
}

static uint16_t get16(const struct pcap_in *in, const uint8_t *p)
{
	uint16_t v;

	memcpy(&v, p, 2);
	return in->swap ? __builtin_bswap16(v) : v;
}

static uint32_t raw32(const uint8_t *p)
{
	uint32_t v;

	memcpy(&v, p, 4);
	return v;
}

static int load_file(struct pcap_in *in, int fd)
{
	struct stat st;
	size_t cap = 0;
	uint8_t *shrunk;

	if (fstat(fd, &st) < 0)
		return -errno;
	if (S_ISREG(st.st_mode)) {
		if (st.st_size == 0)
			return -EINVAL;
		in->buf = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
		if (in->buf != MAP_FAILED) {
			in->size = (size_t)st.st_size;
			in->mapped = true;
			/* read once front to back: let the kernel read ahead and drop behind */
			madvise(in->buf, in->size, MADV_SEQUENTIAL);
			return 0;
		}
		in->buf = NULL;
	}
	/* Not mappable (pipe, special file): read it all. */
	for (;;) {
		ssize_t n;

		if (in->size == cap) {
			uint8_t *nb;

			if (cap > SIZE_MAX / 2 - READ_CHUNK)
				return -E2BIG;
			nb = realloc(in->buf, cap + READ_CHUNK);
			if (!nb)
				return -ENOMEM;
			in->buf = nb;
			cap += READ_CHUNK;
		}
		n = read(fd, in->buf + in->size, cap - in->size);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		if (n == 0)
			break;
		in->size += (size_t)n;
	}
	if (!in->size)
		return -EINVAL;
	/* Exact size, so that a read past the end is caught by ASan in the tests. */
	shrunk = realloc(in->buf, in->size);
	if (shrunk)
		in->buf = shrunk;
	return 0;
}

/* RFC 1952: `tlsmon dump --gzip` and `gzip` write this; several members are one stream. */
static bool is_gzip(const struct pcap_in *in)
{
	return in->size >= 2 && in->buf[0] == 0x1f && in->buf[1] == 0x8b;
}

/* Replace the compressed bytes with the capture they hold. Corrupt or truncated compressed data
 * is -EBADMSG. */
static int gunzip(struct pcap_in *in)
{
	z_stream z = { 0 };
	uint8_t *out = NULL, *nb;
	size_t cap = 0, len = 0;
	int zrc = Z_OK, ret = 0;

	if (inflateInit2(&z, 16 + MAX_WBITS) != Z_OK)
		return -ENOMEM;
	z.next_in = in->buf;
	z.avail_in = 0;
	for (size_t fed = 0;;) {
		if (!z.avail_in && fed < in->size) {
			/* avail_in is 32-bit: feed big files in slices */
			size_t n = in->size - fed > (1u << 30) ? (1u << 30) : in->size - fed;

			z.next_in = in->buf + fed;
			z.avail_in = (uInt)n;
			fed += n;
		}
		if (len == cap) {
			if (cap > SIZE_MAX / 2 - READ_CHUNK) {
				ret = -E2BIG;
				break;
			}
			nb = realloc(out, cap ? cap * 2 : READ_CHUNK);
			if (!nb) {
				ret = -ENOMEM;
				break;
			}
			out = nb;
			cap = cap ? cap * 2 : READ_CHUNK;
		}
		z.next_out = out + len;
		z.avail_out = (uInt)(cap - len > (1u << 30) ? (1u << 30) : cap - len);
		zrc = inflate(&z, Z_NO_FLUSH);
		len = (size_t)(z.next_out - out);
		if (zrc == Z_STREAM_END) {
			/* another member follows, or the end */
			if (!z.avail_in && fed == in->size)
				break;
			if (inflateReset(&z) != Z_OK) {
				ret = -EBADMSG;
				break;
			}
			continue;
		}
		if (zrc == Z_BUF_ERROR && !z.avail_in && fed == in->size) {
			ret = -EBADMSG; /* truncated */
			break;
		}
		if (zrc != Z_OK && zrc != Z_BUF_ERROR) {
			ret = zrc == Z_MEM_ERROR ? -ENOMEM : -EBADMSG;
			break;
		}
	}
	inflateEnd(&z);
	if (!ret && !len)
		ret = -EINVAL;
	if (ret) {
		free(out);
		return ret;
	}
	if (in->mapped)
		munmap(in->buf, in->size);
	else
		free(in->buf);
	in->mapped = false;
	/* Exact size, so that a read past the end is caught by ASan in the tests. */
	nb = realloc(out, len);
	in->buf = nb ? nb : out;
	in->size = len;
	return 0;
}

static int open_classic(struct pcap_in *in)
{
	const uint8_t *h = in->buf;
	uint32_t magic = raw32(h);

	if (in->size < PCAP_FILE_HDR_LEN)
		return -EINVAL;
	in->swap = false;
	if (__builtin_bswap32(magic) == PCAP_MAGIC_US ||
	    __builtin_bswap32(magic) == PCAP_MAGIC_NS ||
	    __builtin_bswap32(magic) == PCAP_MAGIC_KUZ) {
		in->swap = true;
		magic = __builtin_bswap32(magic);
	}
	in->nsec = magic == PCAP_MAGIC_NS;
	in->rec_hdr_len = magic == PCAP_MAGIC_KUZ ? PCAP_REC_HDR_LEN + 8 : PCAP_REC_HDR_LEN;
	in->snaplen = get32(in, h + 16);
	/* The upper bits of the link-layer field carry FCS information (pcap-savefile 5). */
	in->linktype = (uint16_t)(get32(in, h + 20) & 0xffff);
	in->fmt = FMT_PCAP;
	in->off = PCAP_FILE_HDR_LEN;
	return 0;
}

struct pcap_in *pcap_in__open(const char *path, int *err)
{
	struct pcap_in *in;
	int fd;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		*err = -errno;
		return NULL;
	}
	in = pcap_in__open_fd(fd, err);
	close(fd);
	return in;
}

struct pcap_in *pcap_in__open_fd(int fd, int *err)
{
	struct pcap_in *in;
	uint32_t magic;
	int ret;

	in = calloc(1, sizeof(*in));
	if (!in) {
		*err = -ENOMEM;
		return NULL;
	}
	ret = load_file(in, fd);
	if (!ret && is_gzip(in))
		ret = gunzip(in);
	if (ret)
		goto cleanup;
	ret = -EINVAL;
	if (in->size < 4)
		goto cleanup;
	magic = raw32(in->buf);
	if (magic == PCAPNG_SHB) {
		/* Byte order is decided per section by the SHB itself (pcapng 4.1). */
		in->fmt = FMT_PCAPNG;
		in->off = 0;
		if (in->size < PCAPNG_SHB_MIN_LEN)
			goto cleanup;
		ret = 0;
	} else if (magic == PCAP_MAGIC_US || magic == PCAP_MAGIC_NS || magic == PCAP_MAGIC_KUZ ||
		   __builtin_bswap32(magic) == PCAP_MAGIC_US ||
		   __builtin_bswap32(magic) == PCAP_MAGIC_NS ||
		   __builtin_bswap32(magic) == PCAP_MAGIC_KUZ) {
		ret = open_classic(in);
	}
	if (ret)
		goto cleanup;
	*err = 0;
	return in;

cleanup:
	pcap_in__close(in);
	*err = ret;
	return NULL;
}

void pcap_in__close(struct pcap_in *in)
{
	if (!in)
		return;
	if (in->mapped && in->size > in->released)
		munmap(in->buf + in->released, in->size - in->released);
	else
		free(in->buf);
	free(in->ifaces);
	free(in);
}

static int next_classic(struct pcap_in *in, struct frame *out)
{
	const uint8_t *r;
	uint32_t sec, frac, caplen, wirelen, limit;

	if (in->size - in->off < in->rec_hdr_len)
		return 0;
	r = in->buf + in->off;
	sec = get32(in, r);
	frac = get32(in, r + 4);
	caplen = get32(in, r + 8);
	wirelen = get32(in, r + 12);
	limit = in->snaplen > MAX_FRAME_LEN && in->snaplen <= MAX_BLOCK_LEN ? in->snaplen
									    : MAX_FRAME_LEN;
	if (caplen > limit)
		return -EINVAL;
	if (caplen > in->size - in->off - in->rec_hdr_len)
		return 0; /* truncated last record */
	memset(out, 0, sizeof(*out));
	out->ts_ns = (uint64_t)sec * 1000000000u + (uint64_t)frac * (in->nsec ? 1u : 1000u);
	out->data = r + in->rec_hdr_len;
	out->caplen = caplen;
	out->wirelen = wirelen < caplen ? caplen : wirelen;
	out->linktype = in->linktype;
	if (in->rec_hdr_len > PCAP_REC_HDR_LEN) {
		out->ifindex = get32(in, r + 16);
		/* pkt_type as in Linux sockaddr_ll: 4 = PACKET_OUTGOING */
		out->direction = r[22] == 4 ? FRAME_DIR_EGRESS : FRAME_DIR_INGRESS;
	}
	in->off += in->rec_hdr_len + caplen;
	out->number = ++in->number;
	return 1;
}

/* Timestamp units -> ns for if_tsresol (pcapng 4.2): bit 7 clear = 10^-n s, set = 2^-n s. */
static uint64_t ts_to_ns(uint64_t ts, uint8_t tsresol)
{
	unsigned int n = tsresol & 0x7f;
	uint64_t scale = 1;
	unsigned int i;

	if (tsresol & 0x80)
		return (uint64_t)(((unsigned __int128)ts * 1000000000u) >> n);
	if (n <= 9) {
		for (i = n; i < 9; i++)
			scale *= 10;
		return ts * scale;
	}
	if (n - 9 > 19)
		return 0;
	for (i = 9; i < n; i++)
		scale *= 10;
	return ts / scale;
}

/* Walk a TLV option list (pcapng 3.5); calls back per option. Options run to the end of the
 * block body; a value overrunning it means a corrupt block. */
static int parse_opts(const struct pcap_in *in, const uint8_t *p, size_t len, void *ctx,
		      void (*fn)(const struct pcap_in *in, uint16_t code, const uint8_t *v,
				 uint16_t vlen, void *ctx))
{
	while (len >= 4) {
		uint16_t code = get16(in, p), vlen = get16(in, p + 2);
		size_t padded = ((size_t)vlen + 3) & ~(size_t)3;

		if (code == PCAPNG_OPT_ENDOFOPT)
			return 0;
		if (padded > len - 4)
			return -EINVAL;
		fn(in, code, p + 4, vlen, ctx);
		p += 4 + padded;
		len -= 4 + padded;
	}
	return 0;
}

static void idb_opt(const struct pcap_in *in, uint16_t code, const uint8_t *v, uint16_t vlen,
		    void *ctx)
{
	struct pcap_iface *ifc = ctx;
	uint64_t off;

	if (code == PCAPNG_OPT_IF_TSRESOL && vlen >= 1) {
		ifc->tsresol = v[0];
	} else if (code == PCAPNG_OPT_IF_TSOFFSET && vlen >= 8) {
		memcpy(&off, v, 8);
		ifc->tsoffset = (int64_t)(in->swap ? __builtin_bswap64(off) : off);
	}
}

static void epb_opt(const struct pcap_in *in, uint16_t code, const uint8_t *v, uint16_t vlen,
		    void *ctx)
{
	struct frame *out = ctx;
	uint32_t flags;

	/* epb_flags bits 0-1: 01 inbound, 10 outbound (pcapng 4.3.1) */
	if (code == PCAPNG_OPT_EPB_FLAGS && vlen >= 4) {
		flags = get32(in, v);
		if ((flags & 3) == 1)
			out->direction = FRAME_DIR_INGRESS;
		else if ((flags & 3) == 2)
			out->direction = FRAME_DIR_EGRESS;
	}
}

static int add_iface(struct pcap_in *in, const uint8_t *body, size_t len)
{
	struct pcap_iface *ifc;

	if (len < 8)
		return -EINVAL;
	if (in->nifaces == in->cap_ifaces) {
		uint32_t ncap = in->cap_ifaces ? in->cap_ifaces * 2 : 4;
		struct pcap_iface *n;

		if (ncap > MAX_IFACES)
			return -E2BIG;
		n = realloc(in->ifaces, ncap * sizeof(*n));
		if (!n)
			return -ENOMEM;
		in->ifaces = n;
		in->cap_ifaces = ncap;
	}
	ifc = &in->ifaces[in->nifaces];
	ifc->linktype = get16(in, body);
	ifc->snaplen = get32(in, body + 4);
	ifc->tsresol = 6; /* default: microseconds (pcapng 4.2) */
	ifc->tsoffset = 0;
	if (parse_opts(in, body + 8, len - 8, ifc, idb_opt))
		return -EINVAL;
	in->nifaces++;
	return 0;
}

static void fill_ts(const struct pcap_in *in, const struct pcap_iface *ifc, uint32_t hi,
		    uint32_t lo, struct frame *out)
{
	uint64_t ns = ts_to_ns(((uint64_t)hi << 32) | lo, ifc->tsresol);

	out->ts_ns = ns + (uint64_t)ifc->tsoffset * 1000000000u;
}

/* Enhanced / obsolete Packet Block body after the interface id field(s). */
static int packet_block(struct pcap_in *in, uint32_t ifid, const uint8_t *b, size_t len,
			struct frame *out)
{
	const struct pcap_iface *ifc;
	uint32_t caplen, padded;

	if (len < 16 || ifid >= in->nifaces)
		return -EINVAL;
	ifc = &in->ifaces[ifid];
	caplen = get32(in, b + 8);
	if (caplen > len - 16)
		return -EINVAL;
	memset(out, 0, sizeof(*out));
	fill_ts(in, ifc, get32(in, b), get32(in, b + 4), out);
	out->caplen = caplen;
	out->wirelen = get32(in, b + 12);
	if (out->wirelen < caplen)
		out->wirelen = caplen;
	out->data = b + 16;
	out->linktype = ifc->linktype;
	out->ifindex = ifid;
	padded = (caplen + 3) & ~3u;
	if (padded <= len - 16 && parse_opts(in, b + 16 + padded, len - 16 - padded, out, epb_opt))
		return -EINVAL;
	return 1;
}

static int simple_block(struct pcap_in *in, const uint8_t *b, size_t len, struct frame *out)
{
	const struct pcap_iface *ifc;
	uint32_t caplen;

	/* SPB: interface 0, no timestamp; captured length = min(original length, SnapLen), and
	 * the block must hold it (pcapng 4.4). */
	if (len < 4 || in->nifaces == 0)
		return -EINVAL;
	ifc = &in->ifaces[0];
	memset(out, 0, sizeof(*out));
	out->wirelen = get32(in, b);
	caplen = out->wirelen;
	if (ifc->snaplen && caplen > ifc->snaplen)
		caplen = ifc->snaplen;
	if (caplen > len - 4)
		return -EINVAL;
	out->caplen = caplen;
	out->data = b + 4;
	out->linktype = ifc->linktype;
	/* No timestamp: reuse the last one so packet time never jumps back to 1970. */
	out->ts_ns = in->last_ts_ns;
	return 1;
}

static int section_header(struct pcap_in *in, const uint8_t *blk, size_t avail, uint32_t *blen)
{
	uint32_t bom = raw32(blk + 8);

	if (avail < 12)
		return 0;
	if (bom == PCAPNG_BOM)
		in->swap = false;
	else if (__builtin_bswap32(bom) == PCAPNG_BOM)
		in->swap = true;
	else
		return -EINVAL;
	*blen = get32(in, blk + 4);
	if (*blen < PCAPNG_SHB_MIN_LEN)
		return -EINVAL;
	return 1;
}

static int next_pcapng(struct pcap_in *in, struct frame *out)
{
	for (;;) {
		size_t avail = in->size - in->off;
		const uint8_t *blk = in->buf + in->off;
		uint32_t type, blen;
		int ret = 0;

		if (avail < 12)
			return 0;
		type = raw32(blk);
		if (type == PCAPNG_SHB) {
			ret = section_header(in, blk, avail, &blen);
			if (ret <= 0)
				return ret;
		} else {
			type = get32(in, blk);
			blen = get32(in, blk + 4);
		}
		/* Block Total Length: multiple of 4, at least 12 (pcapng 3.1) */
		if (blen < 12 || (blen & 3) || blen > MAX_BLOCK_LEN)
			return -EINVAL;
		if (blen > avail)
			return 0; /* truncated last block */
		if (get32(in, blk + blen - 4) != blen)
			return -EINVAL;

		switch (type) {
		case PCAPNG_SHB:
			if (get16(in, blk + 12) != 1)
				return -EINVAL; /* major version 1 only (pcapng 4.1) */
			in->nifaces = 0;
			ret = 0;
			break;
		case PCAPNG_IDB:
			ret = add_iface(in, blk + 8, blen - 12);
			break;
		case PCAPNG_EPB:
			ret = blen >= 16 ? packet_block(in, get32(in, blk + 8), blk + 12, blen - 16,
							out)
					 : -EINVAL;
			break;
		case PCAPNG_PB:
			ret = blen >= 16 ? packet_block(in, get16(in, blk + 8), blk + 12, blen - 16,
							out)
					 : -EINVAL;
			break;
		case PCAPNG_SPB:
			ret = simple_block(in, blk + 8, blen - 12, out);
			break;
		default:
			break; /* unknown blocks are skipped (pcapng 3.1) */
		}
		if (ret < 0)
			return ret;
		in->off += blen;
		if (ret == 1) {
			in->last_ts_ns = out->ts_ns;
			out->number = ++in->number;
			return 1;
		}
	}
}

/* Faulting the mapping in page by page cost several percent of an offline read: map the next
 * window in with one call before the reader gets there. Older kernels reject
 * MADV_POPULATE_READ; then the pages fault in as they are read. */
static void populate(struct pcap_in *in)
{
	size_t n = in->size - in->populated;

	if (n > POPULATE_WINDOW)
		n = POPULATE_WINDOW;
	if (madvise(in->buf + in->populated, n, MADV_POPULATE_READ))
		n = in->size - in->populated;
	in->populated += n;
}

size_t pcap_in__offset(const struct pcap_in *in)
{
	return in->off;
}

void pcap_in__release_before(struct pcap_in *in, size_t off)
{
	size_t page = (size_t)sysconf(_SC_PAGESIZE);

	if (!in->mapped)
		return;
	if (off > in->off)
		off = in->off;
	off -= off % page;
	if (off <= in->released)
		return;
	/* the mapping starts on a page; released stays a multiple of the page size */
	if (!munmap(in->buf + in->released, off - in->released))
		in->released = off;
}

const uint8_t *pcap_in__bytes(const struct pcap_in *in, size_t *size)
{
	*size = in->size;
	return in->released ? NULL : in->buf;
}

int pcap_in__next(struct pcap_in *in, struct frame *out)
{
	if (in->mapped && in->off + MAX_FRAME_LEN >= in->populated && in->populated < in->size)
		populate(in);
	/* The first touch of each frame's bytes (copying a record that spans segments) waited on
	 * memory; the hardware prefetcher stops at page boundaries. Keep PREFETCH_AHEAD bytes in
	 * flight ahead of the reader. */
	if (in->prefetched < in->off)
		in->prefetched = in->off;
	while (in->prefetched < in->off + PREFETCH_AHEAD && in->prefetched < in->size) {
		__builtin_prefetch(in->buf + in->prefetched);
		in->prefetched += 64;
	}
	return in->fmt == FMT_PCAPNG ? next_pcapng(in, out) : next_classic(in, out);
}
