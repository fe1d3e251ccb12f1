// SPDX-License-Identifier: MIT
/* capture/pcap_in: gzip-compressed captures (`tlsmon dump --gzip` writes them) and reading from
 * a descriptor (stdin): the same frames as the plain file, several gzip members as one stream,
 * corrupt or truncated compressed data refused with -EBADMSG. */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>

#include "check.h"
#include "capture/frame.h"
#include "capture/pcap_in.h"

#define N_FRAMES 50
#define FRAME_LEN 300

/* A classic pcap (microseconds, little endian, Ethernet) of N_FRAMES frames, frame i filled
 * with i and stamped i seconds. */
static size_t make_pcap(uint8_t *buf)
{
	const uint32_t hdr[6] = { 0xa1b2c3d4u, 0x00040002u, 0, 0, 65535, 1 };
	size_t n = sizeof(hdr);

	memcpy(buf, hdr, sizeof(hdr));
	for (uint32_t i = 0; i < N_FRAMES; i++) {
		const uint32_t rec[4] = { i, 0, FRAME_LEN, FRAME_LEN };

		memcpy(buf + n, rec, sizeof(rec));
		n += sizeof(rec);
		memset(buf + n, (int)i, FRAME_LEN);
		n += FRAME_LEN;
	}
	return n;
}

/* One gzip member of p (RFC 1952), appended at out; returns its length. */
static size_t gz(const uint8_t *p, size_t n, uint8_t *out, size_t cap)
{
	z_stream z = { 0 };
	size_t len;

	CHECK_EQ(deflateInit2(&z, 6, Z_DEFLATED, 16 + MAX_WBITS, 8, Z_DEFAULT_STRATEGY), Z_OK);
	z.next_in = (uint8_t *)p;
	z.avail_in = (uInt)n;
	z.next_out = out;
	z.avail_out = (uInt)cap;
	CHECK_EQ(deflate(&z, Z_FINISH), Z_STREAM_END);
	len = z.total_out;
	deflateEnd(&z);
	return len;
}

/* pcap_in of the bytes p, through a pipe (as stdin would be) or a temporary file. */
static struct pcap_in *open_bytes(const uint8_t *p, size_t n, bool pipe_it, int *err)
{
	char path[] = "/tmp/tlsmon-gz-XXXXXX";
	struct pcap_in *in;
	int fds[2], fd;

	if (pipe_it) {
		/* small enough for the pipe buffer: written whole before reading */
		CHECK(n < 65536);
		CHECK_EQ(pipe(fds), 0);
		CHECK_EQ(write(fds[1], p, n), (ssize_t)n);
		close(fds[1]);
		in = pcap_in__open_fd(fds[0], err);
		close(fds[0]);
		return in;
	}
	fd = mkstemp(path);
	CHECK(fd >= 0);
	CHECK_EQ(write(fd, p, n), (ssize_t)n);
	close(fd);
	in = pcap_in__open(path, err);
	unlink(path);
	return in;
}

/* All frames, checked against what make_pcap() wrote. */
static void expect_frames(struct pcap_in *in)
{
	struct frame f;
	int i = 0, rc;

	CHECK(in != NULL);
	if (!in)
		return;
	while ((rc = pcap_in__next(in, &f)) > 0) {
		CHECK_EQ(f.caplen, FRAME_LEN);
		CHECK_EQ(f.ts_ns, (uint64_t)i * 1000000000ull);
		CHECK_EQ(f.data[0], i);
		CHECK_EQ(f.data[FRAME_LEN - 1], i);
		i++;
	}
	CHECK_EQ(rc, 0);
	CHECK_EQ(i, N_FRAMES);
	pcap_in__close(in);
}

static uint8_t plain[N_FRAMES * (FRAME_LEN + 16) + 24];
static uint8_t packed[sizeof(plain) + 4096];

static void test_gzip_file_and_pipe(void)
{
	size_t n = make_pcap(plain), zn = gz(plain, n, packed, sizeof(packed));
	int err = 1;

	CHECK(zn < n); /* frames of one repeated byte compress well */
	expect_frames(open_bytes(plain, n, false, &err));
	expect_frames(open_bytes(plain, n, true, &err));
	expect_frames(open_bytes(packed, zn, false, &err));
	CHECK_EQ(err, 0);
	expect_frames(open_bytes(packed, zn, true, &err));
	CHECK_EQ(err, 0);
}

/* gzip a b > f, and `cat a.gz b.gz`, make one stream of several members (RFC 1952 2.2). */
static void test_gzip_members(void)
{
	size_t n = make_pcap(plain), half = n / 2 + 7, zn;
	int err = 1;

	zn = gz(plain, half, packed, sizeof(packed));
	zn += gz(plain + half, n - half, packed + zn, sizeof(packed) - zn);
	expect_frames(open_bytes(packed, zn, false, &err));
	CHECK_EQ(err, 0);
}

static void test_gzip_corrupt(void)
{
	size_t n = make_pcap(plain), zn = gz(plain, n, packed, sizeof(packed));
	uint8_t bad[64];
	int err = 0;

	/* truncated anywhere after the magic */
	for (size_t cut = 2; cut < zn; cut += zn / 7 + 1) {
		err = 0;
		CHECK(open_bytes(packed, cut, false, &err) == NULL);
		CHECK_EQ(err, -EBADMSG);
	}
	/* the magic, then garbage */
	memset(bad, 0x5a, sizeof(bad));
	bad[0] = 0x1f;
	bad[1] = 0x8b;
	CHECK(open_bytes(bad, sizeof(bad), true, &err) == NULL);
	CHECK_EQ(err, -EBADMSG);
	/* a good stream of something that is not a capture */
	zn = gz((const uint8_t *)"hello, world\n", 13, packed, sizeof(packed));
	CHECK(open_bytes(packed, zn, false, &err) == NULL);
	CHECK_EQ(err, -EINVAL);
	/* an empty pipe */
	CHECK(open_bytes(packed, 0, true, &err) == NULL);
	CHECK_EQ(err, -EINVAL);
}

int main(void)
{
	RUN_TEST(test_gzip_file_and_pipe);
	RUN_TEST(test_gzip_members);
	RUN_TEST(test_gzip_corrupt);
	return CHECK_DONE();
}
