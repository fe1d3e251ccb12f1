// SPDX-License-Identifier: GPL-2.0
#include "out/pcap_out.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>

#ifndef TLSMON_VERSION
#define TLSMON_VERSION "dev"
#endif

/* Classic pcap with nanosecond timestamps (the 0xa1b23c4d magic), in host byte order: readers
 * detect the order from the magic (draft-ietf-opsawg-pcap 4). */
#define PCAP_MAGIC_NS 0xa1b23c4du

/* draft-ietf-opsawg-pcapng 4.1-4.3 block types and option codes. */
#define PCAPNG_SHB 0x0A0D0D0Au
#define PCAPNG_IDB 0x00000001u
#define PCAPNG_EPB 0x00000006u
#define PCAPNG_BOM 0x1A2B3C4Du
#define OPT_ENDOFOPT 0
#define OPT_COMMENT 1
#define OPT_SHB_USERAPPL 4
#define OPT_IF_TSRESOL 9

const char *pcap_out__format_name(enum pcap_format fmt)
{
	return fmt == PCAP_FMT_PCAPNG ? "pcapng" : "pcap";
}

int pcap_out__parse_format(const char *s, enum pcap_format *fmt)
{
	if (!strcmp(s, "pcap"))
		*fmt = PCAP_FMT_PCAP;
	else if (!strcmp(s, "pcapng"))
		*fmt = PCAP_FMT_PCAPNG;
	else
		return -EINVAL;
	return 0;
}

static void put16(struct sbuf *b, uint16_t v)
{
	sbuf__add(b, &v, sizeof(v));
}

static void put32(struct sbuf *b, uint32_t v)
{
	sbuf__add(b, &v, sizeof(v));
}

static void pad4(struct sbuf *b, size_t len)
{
	static const uint8_t zero[4];

	if (len & 3)
		sbuf__add(b, zero, 4 - (len & 3));
}

/* pcapng 3.5: option code, length, value padded to 32 bits. */
static void put_option(struct sbuf *b, uint16_t code, const void *v, size_t len)
{
	put16(b, code);
	put16(b, (uint16_t)len);
	if (len)
		sbuf__add(b, v, len);
	pad4(b, len);
}

/* The total length is written twice (pcapng 3.1), known only once the body is built. */
static size_t block_start(struct sbuf *b, uint32_t type)
{
	size_t start = b->len;

	put32(b, type);
	put32(b, 0);
	return start;
}

static void block_end(struct sbuf *b, size_t start)
{
	uint32_t total = (uint32_t)(b->len - start + 4);

	put32(b, total);
	if (!b->oom)
		memcpy(b->buf + start + 4, &total, sizeof(total));
}

void pcap_out__begin(struct pcap_out *w, struct sbuf *out, enum pcap_format fmt, uint16_t linktype)
{
	static const char app[] = "tlsmon " TLSMON_VERSION;
	size_t start;

	memset(w, 0, sizeof(*w));
	w->out = out;
	w->fmt = fmt;
	w->linktype = linktype;
	if (fmt == PCAP_FMT_PCAP) {
		put32(out, PCAP_MAGIC_NS);
		put16(out, 2);
		put16(out, 4);
		put32(out, 0); /* thiszone */
		put32(out, 0); /* sigfigs */
		put32(out, PCAP_OUT_SNAPLEN);
		put32(out, linktype);
		return;
	}
	start = block_start(out, PCAPNG_SHB);
	put32(out, PCAPNG_BOM);
	put16(out, 1);
	put16(out, 0);
	put32(out, 0xffffffffu); /* section length unknown (-1) */
	put32(out, 0xffffffffu);
	put_option(out, OPT_SHB_USERAPPL, app, sizeof(app) - 1);
	put_option(out, OPT_ENDOFOPT, NULL, 0);
	block_end(out, start);
}

/* The interface of a linktype, described (IDB) the first time a frame needs it. */
static int iface_for(struct pcap_out *w, uint16_t linktype)
{
	static const uint8_t tsresol = 9; /* 10^-9 s units */
	size_t start;

	for (int i = 0; i < w->n_ifaces; i++)
		if (w->iface_linktype[i] == linktype)
			return i;
	if (w->n_ifaces >= PCAP_OUT_MAX_IFACES)
		return -E2BIG;
	start = block_start(w->out, PCAPNG_IDB);
	put16(w->out, linktype);
	put16(w->out, 0);
	put32(w->out, PCAP_OUT_SNAPLEN);
	put_option(w->out, OPT_IF_TSRESOL, &tsresol, 1);
	put_option(w->out, OPT_ENDOFOPT, NULL, 0);
	block_end(w->out, start);
	w->iface_linktype[w->n_ifaces] = linktype;
	return w->n_ifaces++;
}

/* Cut at PCAP_OUT_MAX_COMMENT on a UTF-8 character boundary (comments are UTF-8, pcapng 3.5). */
static size_t comment_len(const char *s)
{
	size_t n = strlen(s);

	if (n <= PCAP_OUT_MAX_COMMENT)
		return n;
	n = PCAP_OUT_MAX_COMMENT;
	while (n > 0 && ((unsigned char)s[n] & 0xc0) == 0x80)
		n--;
	return n;
}

int pcap_out__frame(struct pcap_out *w, const struct frame *f, const char *const *comments,
		    int n_comments)
{
	uint32_t caplen = f->caplen < PCAP_OUT_SNAPLEN ? f->caplen : PCAP_OUT_SNAPLEN;
	uint32_t wirelen = f->wirelen > f->caplen ? f->wirelen : f->caplen;
	struct sbuf *b = w->out;
	size_t start;
	int iface;

	if (w->fmt == PCAP_FMT_PCAP) {
		if (f->linktype != w->linktype)
			return -EINVAL;
		put32(b, (uint32_t)(f->ts_ns / 1000000000ull));
		put32(b, (uint32_t)(f->ts_ns % 1000000000ull));
		put32(b, caplen);
		put32(b, wirelen);
		if (caplen)
			sbuf__add(b, f->data, caplen);
		w->frames++;
		return b->oom ? -ENOMEM : 0;
	}
	iface = iface_for(w, f->linktype);
	if (iface < 0)
		return iface;
	start = block_start(b, PCAPNG_EPB);
	put32(b, (uint32_t)iface);
	put32(b, (uint32_t)(f->ts_ns >> 32));
	put32(b, (uint32_t)f->ts_ns);
	put32(b, caplen);
	put32(b, wirelen);
	if (caplen)
		sbuf__add(b, f->data, caplen);
	pad4(b, caplen);
	for (int i = 0; comments && i < n_comments; i++)
		if (comments[i] && comments[i][0])
			put_option(b, OPT_COMMENT, comments[i], comment_len(comments[i]));
	if (comments && n_comments > 0)
		put_option(b, OPT_ENDOFOPT, NULL, 0);
	block_end(b, start);
	w->frames++;
	return b->oom ? -ENOMEM : 0;
}

static int write_all(int fd, const uint8_t *p, size_t len)
{
	while (len) {
		ssize_t n = write(fd, p, len);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

static int gz_write_all(int fd, const uint8_t *p, size_t len)
{
	gzFile gz = gzdopen(fd, "wb");
	int err = 0;

	if (!gz) {
		close(fd);
		return -ENOMEM;
	}
	while (len && !err) {
		unsigned int chunk = len > (1u << 30) ? 1u << 30 : (unsigned int)len;
		int n = gzwrite(gz, p, chunk);

		if (n <= 0)
			err = -EIO;
		else {
			p += n;
			len -= (size_t)n;
		}
	}
	/* gzclose closes fd as well and flushes the trailer: its result decides success. */
	if (gzclose(gz) != Z_OK && !err)
		err = -EIO;
	return err;
}

int pcap_out__save(const char *path, const void *buf, size_t len, bool gzip)
{
	int fd, err;

	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0)
		return -errno;
	if (gzip) {
		err = gz_write_all(fd, buf, len);
	} else {
		err = write_all(fd, buf, len);
		if (!err && fsync(fd) && errno != EINVAL)
			err = -errno;
		if (close(fd) && !err)
			err = -EIO;
	}
	if (err)
		unlink(path);
	return err;
}
