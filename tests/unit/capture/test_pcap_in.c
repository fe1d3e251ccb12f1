// SPDX-License-Identifier: MIT
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "capture/frame.h"
#include "capture/pcap_in.h"

#define SHARED_PCAPS "../shared/pcaps"

/* Growable byte buffer that writes integers in a chosen byte order. */
struct wb {
	uint8_t b[1 << 16];
	size_t n;
	bool be;
	size_t blk;	 /* start of the open pcapng block */
	size_t ends[64]; /* end offset of every packet record, for the truncation tests */
	int nends;
};

static void w8(struct wb *w, uint8_t v)
{
	w->b[w->n++] = v;
}

static void w16(struct wb *w, uint16_t v)
{
	if (w->be) {
		w8(w, (uint8_t)(v >> 8));
		w8(w, (uint8_t)v);
	} else {
		w8(w, (uint8_t)v);
		w8(w, (uint8_t)(v >> 8));
	}
}

static void w32(struct wb *w, uint32_t v)
{
	if (w->be) {
		w16(w, (uint16_t)(v >> 16));
		w16(w, (uint16_t)v);
	} else {
		w16(w, (uint16_t)v);
		w16(w, (uint16_t)(v >> 16));
	}
}

static void w64(struct wb *w, uint64_t v)
{
	if (w->be) {
		w32(w, (uint32_t)(v >> 32));
		w32(w, (uint32_t)v);
	} else {
		w32(w, (uint32_t)v);
		w32(w, (uint32_t)(v >> 32));
	}
}

static void wdata(struct wb *w, const void *p, size_t n)
{
	memcpy(w->b + w->n, p, n);
	w->n += n;
}

static void wpad(struct wb *w)
{
	while (w->n & 3)
		w8(w, 0);
}

static void patch32(struct wb *w, size_t at, uint32_t v)
{
	size_t save = w->n;

	w->n = at;
	w32(w, v);
	w->n = save;
}

static void frame_bytes(uint8_t *p, size_t n, uint8_t tag)
{
	size_t i;

	for (i = 0; i < n; i++)
		p[i] = (uint8_t)(tag + i * 3);
}

static char *write_tmp(const uint8_t *p, size_t n)
{
	static char path[64];
	int fd;

	strcpy(path, "/tmp/tlsmon_pcap_in_XXXXXX");
	fd = mkstemp(path);
	if (fd < 0)
		return NULL;
	if (write(fd, p, n) != (ssize_t)n) {
		close(fd);
		return NULL;
	}
	close(fd);
	return path;
}

/* Opens the bytes through a file (mmap path). */
static struct pcap_in *open_bytes(const uint8_t *p, size_t n, int *err)
{
	char *path = write_tmp(p, n);
	struct pcap_in *in;

	if (!path) {
		*err = -EIO;
		return NULL;
	}
	in = pcap_in__open(path, err);
	unlink(path);
	return in;
}

/* Opens the bytes through a pipe: the reader copies them into an exactly sized heap buffer,
 * so ASan reports any read past the end of the input. */
static struct pcap_in *open_pipe(const uint8_t *p, size_t n, int *err)
{
	struct pcap_in *in;
	char path[64];
	int fds[2];

	if (n > 65536 || pipe(fds) < 0) {
		*err = -EIO;
		return NULL;
	}
	if (write(fds[1], p, n) != (ssize_t)n)
		n = 0;
	close(fds[1]);
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fds[0]);
	in = pcap_in__open(path, err);
	close(fds[0]);
	return in;
}

/* Reads to the end; returns the last pcap_in__next() result and the frame count. Touches every
 * frame byte so that ASan checks the frame bounds. */
static int drain(struct pcap_in *in, int *count)
{
	struct frame f;
	unsigned int sum = 0;
	uint32_t i;
	int ret;

	*count = 0;
	while ((ret = pcap_in__next(in, &f)) == 1) {
		for (i = 0; i < f.caplen; i++)
			sum += f.data[i];
		(*count)++;
		CHECK_EQ(f.number, (uint64_t)*count);
		if (*count > 100000)
			return -1;
	}
	(void)sum;
	return ret;
}

static void classic_file(struct wb *w, uint32_t magic, bool be, uint32_t linktype)
{
	static const uint32_t caps[3] = { 60, 1, 1514 };
	uint8_t data[1514];
	int i;

	memset(w, 0, sizeof(*w));
	w->be = be;
	w32(w, magic);
	w16(w, 2);
	w16(w, 4);
	w32(w, 0);
	w32(w, 0);
	w32(w, 65535);
	w32(w, linktype);
	for (i = 0; i < 3; i++) {
		w32(w, 1700000000u + (uint32_t)i);
		w32(w, 123456u * (uint32_t)(i + 1));
		w32(w, caps[i]);
		w32(w, i == 1 ? 0 : caps[i] + 100); /* orig_len below caplen on the second */
		frame_bytes(data, caps[i], (uint8_t)i);
		wdata(w, data, caps[i]);
		w->ends[w->nends++] = w->n;
	}
}

static void test_classic_formats(void)
{
	static const uint32_t caps[3] = { 60, 1, 1514 };
	uint8_t expect[1514];
	struct pcap_in *in;
	struct wb *w = malloc(sizeof(*w));
	struct frame f;
	int ns, be, i, err;

	for (ns = 0; ns <= 1; ns++) {
		for (be = 0; be <= 1; be++) {
			/* FCS bits in the upper half of the link-layer field must be ignored */
			classic_file(w, ns ? 0xa1b23c4d : 0xa1b2c3d4, be, 0x14000000 | 101);
			in = open_bytes(w->b, w->n, &err);
			CHECK(in != NULL);
			if (!in)
				continue;
			for (i = 0; i < 3; i++) {
				uint64_t frac = 123456ull * (uint64_t)(i + 1) * (ns ? 1 : 1000);

				CHECK_EQ(pcap_in__next(in, &f), 1);
				CHECK_EQ(f.number, i + 1);
				CHECK_EQ(f.ts_ns,
					 (1700000000ull + (uint64_t)i) * 1000000000ull + frac);
				CHECK_EQ(f.caplen, caps[i]);
				CHECK_EQ(f.wirelen, i == 1 ? 1 : caps[i] + 100);
				CHECK_EQ(f.linktype, LINKTYPE_RAW);
				frame_bytes(expect, caps[i], (uint8_t)i);
				CHECK(memcmp(f.data, expect, caps[i]) == 0);
			}
			CHECK_EQ(pcap_in__next(in, &f), 0);
			CHECK_EQ(pcap_in__next(in, &f), 0);
			pcap_in__close(in);
		}
	}
	free(w);
}

/* Every prefix of a file: a short header is an unknown format, a short record is end of file. */
static void truncate_all(struct wb *w, size_t min_hdr, bool via_pipe)
{
	struct pcap_in *in;
	size_t cut;
	int err, count, want, i, ret;

	for (cut = 0; cut <= w->n; cut++) {
		in = via_pipe ? open_pipe(w->b, cut, &err) : open_bytes(w->b, cut, &err);
		if (cut < min_hdr) {
			CHECK(in == NULL);
			CHECK_EQ(err, -EINVAL);
			pcap_in__close(in);
			continue;
		}
		CHECK(in != NULL);
		if (!in)
			continue;
		ret = drain(in, &count);
		want = 0;
		for (i = 0; i < w->nends; i++)
			want += w->ends[i] <= cut;
		CHECK_EQ(ret, 0);
		CHECK_EQ(count, want);
		if (ret != 0 || count != want)
			fprintf(stderr, "  cut at %zu of %zu\n", cut, w->n);
		pcap_in__close(in);
	}
}

static void test_classic_truncation(void)
{
	struct wb *w = malloc(sizeof(*w));

	classic_file(w, 0xa1b2c3d4, false, 1);
	truncate_all(w, 24, false);
	classic_file(w, 0xa1b23c4d, true, 1);
	truncate_all(w, 24, true);
	free(w);
}

static void test_classic_corrupt(void)
{
	static const uint8_t junk[32] = "this is not a capture file....";
	struct wb *w = malloc(sizeof(*w));
	struct pcap_in *in;
	struct frame f;
	int err;

	classic_file(w, 0xa1b2c3d4, false, 1);
	/* caplen far beyond any snaplen: a corrupt record, not a short file */
	patch32(w, 24 + 16 + 60 + 8, 0x7fffffff);
	in = open_bytes(w->b, w->n, &err);
	CHECK(in != NULL);
	if (in) {
		CHECK_EQ(pcap_in__next(in, &f), 1);
		CHECK_EQ(pcap_in__next(in, &f), -EINVAL);
		pcap_in__close(in);
	}
	/* A 300 KB record is corrupt with a 64 KiB snaplen, merely cut short with a 1 MiB one. */
	classic_file(w, 0xa1b2c3d4, false, 1);
	w->n = 24;
	w32(w, 1);
	w32(w, 2);
	w32(w, 300000);
	w32(w, 300000);
	w32(w, 0x01020304);
	in = open_bytes(w->b, w->n, &err);
	CHECK(in != NULL);
	if (in) {
		CHECK_EQ(pcap_in__next(in, &f), -EINVAL);
		pcap_in__close(in);
	}
	patch32(w, 16, 1 << 20);
	in = open_bytes(w->b, w->n, &err);
	CHECK(in != NULL);
	if (in) {
		CHECK_EQ(pcap_in__next(in, &f), 0);
		pcap_in__close(in);
	}

	in = open_bytes(junk, sizeof(junk), &err);
	CHECK(in == NULL);
	CHECK_EQ(err, -EINVAL);
	in = open_bytes(junk, 0, &err);
	CHECK(in == NULL);
	CHECK_EQ(err, -EINVAL);
	in = pcap_in__open("/nonexistent/tlsmon.pcap", &err);
	CHECK(in == NULL);
	CHECK_EQ(err, -ENOENT);
	free(w);
}

static void blk_begin(struct wb *w, uint32_t type)
{
	w->blk = w->n;
	w32(w, type);
	w32(w, 0);
}

static void blk_end(struct wb *w)
{
	uint32_t len;

	wpad(w);
	len = (uint32_t)(w->n - w->blk + 4);
	w32(w, len);
	patch32(w, w->blk + 4, len);
}

static void opt(struct wb *w, uint16_t code, const void *v, uint16_t len)
{
	w16(w, code);
	w16(w, len);
	wdata(w, v, len);
	wpad(w);
}

static void shb(struct wb *w)
{
	blk_begin(w, 0x0a0d0d0a);
	w32(w, 0x1a2b3c4d);
	w16(w, 1);
	w16(w, 0);
	w64(w, ~0ull);
	opt(w, 4, "tlsmon test", 11); /* shb_userappl */
	w32(w, 0);		      /* opt_endofopt */
	blk_end(w);
}

static void idb(struct wb *w, uint16_t linktype, int tsresol, bool with_offset, int64_t off)
{
	uint8_t r = (uint8_t)tsresol;

	blk_begin(w, 1);
	w16(w, linktype);
	w16(w, 0);
	w32(w, linktype == LINKTYPE_ETHERNET ? 96 : 65535);
	opt(w, 2, "eth0", 4); /* if_name */
	if (tsresol >= 0)
		opt(w, 9, &r, 1);
	if (with_offset) {
		w16(w, 14);
		w16(w, 8);
		w64(w, (uint64_t)off);
	}
	blk_end(w);
}

static void epb(struct wb *w, uint32_t ifid, uint64_t ts, uint32_t caplen, uint32_t flags)
{
	uint8_t data[1600];

	blk_begin(w, 6);
	w32(w, ifid);
	w32(w, (uint32_t)(ts >> 32));
	w32(w, (uint32_t)ts);
	w32(w, caplen);
	w32(w, caplen + 4);
	frame_bytes(data, caplen, (uint8_t)ifid);
	wdata(w, data, caplen);
	wpad(w);
	if (flags) {
		w16(w, 2);
		w16(w, 4);
		w32(w, flags);
		w32(w, 0);
	}
	blk_end(w);
	w->ends[w->nends++] = w->n;
}

static void spb(struct wb *w, uint32_t origlen, uint32_t datalen)
{
	uint8_t data[256];

	blk_begin(w, 3);
	w32(w, origlen);
	frame_bytes(data, datalen, 0x77);
	wdata(w, data, datalen);
	blk_end(w);
	w->ends[w->nends++] = w->n;
}

static void pb(struct wb *w, uint16_t ifid, uint64_t ts, uint32_t caplen)
{
	uint8_t data[256];

	blk_begin(w, 2);
	w16(w, ifid);
	w16(w, 0);
	w32(w, (uint32_t)(ts >> 32));
	w32(w, (uint32_t)ts);
	w32(w, caplen);
	w32(w, caplen);
	frame_bytes(data, caplen, (uint8_t)ifid);
	wdata(w, data, caplen);
	blk_end(w);
	w->ends[w->nends++] = w->n;
}

static void unknown_block(struct wb *w, uint32_t type, size_t len, uint8_t fill)
{
	size_t i;

	blk_begin(w, type);
	for (i = 0; i < len; i++)
		w8(w, fill);
	blk_end(w);
}

static const uint64_t NS = 1000000000ull;

/* Section 1 (writer's byte order `be`): four interfaces with different linktypes and
 * resolutions, every packet block kind, unknown blocks. Section 2 (the other byte order):
 * interfaces numbered from 0 again. */
static void pcapng_file(struct wb *w, bool be)
{
	memset(w, 0, sizeof(*w));
	w->be = be;
	shb(w);
	idb(w, LINKTYPE_ETHERNET, -1, false, 0); /* default: microseconds */
	idb(w, LINKTYPE_RAW, 9, false, 0);
	unknown_block(w, 4, 8, 0);		/* Name Resolution Block, empty: skipped */
	unknown_block(w, 0x0b0b0b0b, 20, 0xee); /* a type nobody knows */
	idb(w, LINKTYPE_LINUX_SLL, 0x80 | 20, true, -100);
	idb(w, LINKTYPE_LINUX_SLL2, 3, false, 0);
	epb(w, 0, 1700000000123456ull, 60, 1);
	epb(w, 1, 1700000000987654321ull, 41, 2);
	unknown_block(w, 0x00000bad, 4, 0); /* custom block, PEN 0 */
	epb(w, 2, (1700000000ull << 20) | (1u << 19), 3, 0);
	epb(w, 3, 1700000000123ull, 0, 3);
	spb(w, 1000, 96); /* interface 0, snaplen 96 */
	pb(w, 1, 1700000001000000001ull, 20);
	spb(w, 5, 8); /* 3 bytes of padding beyond the original length */
	w->be = !be;
	shb(w);
	idb(w, LINKTYPE_NULL, 0x80 | 10, false, 0);
	epb(w, 0, (1700000002ull << 10) | 256, 44, 0);
}

static void check_frame(struct pcap_in *in, uint64_t num, uint16_t lt, uint32_t ifid, uint64_t ts,
			uint32_t caplen, uint32_t wirelen, int dir)
{
	struct frame f;

	CHECK_EQ(pcap_in__next(in, &f), 1);
	CHECK_EQ(f.number, num);
	CHECK_EQ(f.linktype, lt);
	CHECK_EQ(f.ifindex, ifid);
	CHECK_EQ(f.ts_ns, ts);
	CHECK_EQ(f.caplen, caplen);
	CHECK_EQ(f.wirelen, wirelen);
	CHECK_EQ(f.direction, dir);
	if (caplen)
		CHECK_EQ(f.data[0], (uint8_t)ifid);
}

static void check_pcapng(struct pcap_in *in)
{
	struct frame f;
	uint64_t spb_ts;

	check_frame(in, 1, LINKTYPE_ETHERNET, 0, 1700000000123456000ull, 60, 64, FRAME_DIR_INGRESS);
	check_frame(in, 2, LINKTYPE_RAW, 1, 1700000000987654321ull, 41, 45, FRAME_DIR_EGRESS);
	/* 2^-20 s units, half a second, minus the 100 s if_tsoffset */
	check_frame(in, 3, LINKTYPE_LINUX_SLL, 2, (1700000000ull - 100) * NS + NS / 2, 3, 7, 0);
	check_frame(in, 4, LINKTYPE_LINUX_SLL2, 3, 1700000000123000000ull, 0, 4, 0);
	spb_ts = 1700000000123000000ull; /* an SPB has no timestamp: the previous one stands */
	CHECK_EQ(pcap_in__next(in, &f), 1);
	CHECK_EQ(f.number, 5);
	CHECK_EQ(f.linktype, LINKTYPE_ETHERNET);
	CHECK_EQ(f.caplen, 96);
	CHECK_EQ(f.wirelen, 1000);
	CHECK_EQ(f.ts_ns, spb_ts);
	CHECK_EQ(f.data[0], 0x77);
	CHECK_EQ(f.data[95], (uint8_t)(0x77 + 95 * 3));
	check_frame(in, 6, LINKTYPE_RAW, 1, 1700000001000000001ull, 20, 20, 0);
	CHECK_EQ(pcap_in__next(in, &f), 1);
	CHECK_EQ(f.caplen, 5);
	CHECK_EQ(f.wirelen, 5);
	CHECK_EQ(f.ts_ns, 1700000001000000001ull);
	/* second section: 2^-10 s units, 256/1024 = 0.25 s */
	check_frame(in, 8, LINKTYPE_NULL, 0, 1700000002ull * NS + NS / 4, 44, 48, 0);
	CHECK_EQ(pcap_in__next(in, &f), 0);
}

static void test_pcapng_sections_and_ifaces(void)
{
	struct wb *w = malloc(sizeof(*w));
	struct pcap_in *in;
	int be, err;

	for (be = 0; be <= 1; be++) {
		pcapng_file(w, be);
		in = open_bytes(w->b, w->n, &err);
		CHECK(in != NULL);
		if (in) {
			check_pcapng(in);
			pcap_in__close(in);
		}
		in = open_pipe(w->b, w->n, &err);
		CHECK(in != NULL);
		if (in) {
			check_pcapng(in);
			pcap_in__close(in);
		}
	}
	free(w);
}

static void test_pcapng_truncation(void)
{
	struct wb *w = malloc(sizeof(*w));

	pcapng_file(w, false);
	truncate_all(w, 28, false);
	pcapng_file(w, true);
	truncate_all(w, 28, true);
	free(w);
}

/* Builds the standard file, lets `edit` damage it, and expects `good` frames then -EINVAL. */
static void expect_corrupt(const char *what, void (*edit)(struct wb *w), int good)
{
	struct wb *w = malloc(sizeof(*w));
	struct pcap_in *in;
	int err, count, ret;

	pcapng_file(w, false);
	edit(w);
	in = open_pipe(w->b, w->n, &err);
	CHECK(in != NULL);
	if (in) {
		ret = drain(in, &count);
		CHECK_EQ(ret, -EINVAL);
		CHECK_EQ(count, good);
		if (ret != -EINVAL || count != good)
			fprintf(stderr, "  case: %s\n", what);
		pcap_in__close(in);
	}
	free(w);
}

/* w->ends[0] is the end of the first EPB; the second starts there. */
static void edit_len_unaligned(struct wb *w)
{
	patch32(w, w->ends[0] + 4, 61);
}

static void edit_len_tiny(struct wb *w)
{
	patch32(w, w->ends[0] + 4, 8);
}

static void edit_len_huge(struct wb *w)
{
	patch32(w, w->ends[0] + 4, 0x7ffffff0);
}

static void edit_trailer(struct wb *w)
{
	patch32(w, w->ends[1] - 4, 12345);
}

static void edit_caplen_high(struct wb *w)
{
	patch32(w, w->ends[0] + 20, 1000);
}

static void edit_bad_ifid(struct wb *w)
{
	patch32(w, w->ends[0] + 8, 4);
}

static void edit_second_shb_bom(struct wb *w)
{
	/* the second SHB follows the 7th packet record */
	w->b[w->ends[6] + 8] ^= 0xff;
}

static void edit_second_shb_version(struct wb *w)
{
	w->n = w->ends[6] + 12;
	w16(w, 2);
	w->n = w->ends[7];
}

static void edit_spb_first(struct wb *w)
{
	/* a fresh section whose first packet is an SPB: there is no interface 0 */
	w->be = !w->be;
	w->n = w->ends[7];
	shb(w);
	spb(w, 10, 10);
}

static void edit_spb_short(struct wb *w)
{
	/* original length 100, snaplen 65535, but only 33 bytes in the block */
	w->n = w->ends[7];
	spb(w, 100, 33);
}

static void edit_idb_option_overrun(struct wb *w)
{
	/* second section's IDB: if_tsresol option length 1 -> 200 */
	size_t shb_len = 48;
	size_t idb_at = w->ends[6] + shb_len;

	w->n = idb_at + 16 + 8 + 2;
	w16(w, 200);
	w->n = w->ends[7];
}

static void test_pcapng_corrupt(void)
{
	expect_corrupt("unaligned block length", edit_len_unaligned, 1);
	expect_corrupt("block length below 12", edit_len_tiny, 1);
	expect_corrupt("block length over the limit", edit_len_huge, 1);
	expect_corrupt("trailing length differs", edit_trailer, 1);
	expect_corrupt("caplen beyond the block", edit_caplen_high, 1);
	expect_corrupt("unknown interface id", edit_bad_ifid, 1);
	expect_corrupt("bad byte-order magic", edit_second_shb_bom, 7);
	expect_corrupt("SHB major version 2", edit_second_shb_version, 7);
	expect_corrupt("SPB without IDB", edit_spb_first, 8);
	expect_corrupt("SPB shorter than its length", edit_spb_short, 8);
	expect_corrupt("IDB option overruns block", edit_idb_option_overrun, 7);
}

static uint64_t rng_next(uint64_t *s)
{
	uint64_t z = (*s += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

/* Random damage to both formats, read through the exactly sized buffer: every result must be a
 * frame, end of file or -EINVAL, and no read may leave the input (ASan). */
static void test_mutation_no_crash(void)
{
	struct wb *base = malloc(sizeof(*base)), *w = malloc(sizeof(*w));
	uint64_t seed = 7;
	int i, j, err, count, ret, outcome[2] = { 0 };

	for (i = 0; i < 4000; i++) {
		struct pcap_in *in;
		int flips = 1 + (int)(rng_next(&seed) % 4);

		if (i & 1)
			pcapng_file(base, i & 2);
		else
			classic_file(base, i & 2 ? 0xa1b2c3d4 : 0xa1b23c4d, i & 4, 1);
		memcpy(w->b, base->b, base->n);
		w->n = base->n;
		for (j = 0; j < flips; j++) {
			size_t at = 4 + rng_next(&seed) % (w->n - 4);

			/* bias towards small values, which make interesting lengths */
			w->b[at] = (uint8_t)(rng_next(&seed) & (j & 1 ? 0xff : 0x3f));
		}
		in = open_pipe(w->b, w->n, &err);
		if (!in) {
			CHECK_EQ(err, -EINVAL);
			continue;
		}
		ret = drain(in, &count);
		CHECK(ret == 0 || ret == -EINVAL);
		if (ret == 0 || ret == -EINVAL)
			outcome[ret == 0 ? 0 : 1]++;
		pcap_in__close(in);
	}
	CHECK(outcome[0] > 100);
	CHECK(outcome[1] > 100);
	free(base);
	free(w);
}

static bool is_capture(const char *name)
{
	size_t n = strlen(name);

	return (n > 5 && strcmp(name + n - 5, ".pcap") == 0) ||
	       (n > 7 && strcmp(name + n - 7, ".pcapng") == 0);
}

static void test_shared_pcaps(void)
{
	char path[512];
	struct dirent *de;
	int files = 0;
	DIR *d;

	d = opendir(SHARED_PCAPS);
	CHECK(d != NULL);
	if (!d)
		return;
	while ((de = readdir(d))) {
		struct pcap_in *in;
		struct frame f;
		struct pkt k;
		int err, ret, frames = 0, bad = 0;

		if (!is_capture(de->d_name))
			continue;
		snprintf(path, sizeof(path), "%s/%s", SHARED_PCAPS, de->d_name);
		in = pcap_in__open(path, &err);
		CHECK(in != NULL);
		if (!in) {
			fprintf(stderr, "  %s: open failed %d\n", path, err);
			continue;
		}
		files++;
		while ((ret = pcap_in__next(in, &f)) == 1) {
			frames++;
			CHECK_EQ(f.number, (uint64_t)frames);
			if (decode__frame(f.linktype, f.data, f.caplen, &k) < 0)
				bad++;
		}
		CHECK_EQ(ret, 0);
		CHECK(frames > 0);
		CHECK_EQ(bad, 0);
		if (ret || !frames || bad)
			fprintf(stderr, "  %s: ret %d, %d frames, %d undecodable\n", path, ret,
				frames, bad);
		pcap_in__close(in);
	}
	closedir(d);
	CHECK(files > 0);
}

int main(void)
{
	RUN_TEST(test_classic_formats);
	RUN_TEST(test_classic_truncation);
	RUN_TEST(test_classic_corrupt);
	RUN_TEST(test_pcapng_sections_and_ifaces);
	RUN_TEST(test_pcapng_truncation);
	RUN_TEST(test_pcapng_corrupt);
	RUN_TEST(test_mutation_no_crash);
	/* a skipped test prints SKIP instead of PASS, so it is not counted twice */
	if (access(SHARED_PCAPS, R_OK | X_OK) == 0)
		RUN_TEST(test_shared_pcaps);
	else
		printf("SKIP test_shared_pcaps: %s not found (run from the repo root)\n",
		       SHARED_PCAPS);
	return CHECK_DONE();
}
