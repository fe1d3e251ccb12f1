// SPDX-License-Identifier: GPL-2.0
/* pcap_out: write pcap and pcapng, read them back with pcap_in (and tshark for the comments),
 * and the never-overwrite file creation. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include "check.h"
#include "capture/pcap_in.h"
#include "out/pcap_out.h"

static char tmpdir[64];

static void setup_tmp(void)
{
	snprintf(tmpdir, sizeof(tmpdir), "/tmp/tlsmon-pcapout.XXXXXX");
	if (!mkdtemp(tmpdir))
		abort();
}

static void cleanup_tmp(void)
{
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
	if (system(cmd))
		fprintf(stderr, "cleanup of %s failed\n", tmpdir);
}

static void path_in_tmp(char *buf, size_t size, const char *name)
{
	snprintf(buf, size, "%s/%s", tmpdir, name);
}

static uint8_t payload[3][300];

static struct frame mkframe(int i, uint16_t linktype, uint32_t caplen)
{
	struct frame f = {
		.ts_ns = 1700000000123456789ull + (uint64_t)i * 1000001ull,
		.number = (uint64_t)i + 1,
		.data = payload[i % 3],
		.caplen = caplen,
		.wirelen = caplen + (uint32_t)i, /* lies high: snaplen cut */
		.linktype = linktype,
	};

	for (int k = 0; k < 300; k++)
		payload[i % 3][k] = (uint8_t)(k * 7 + i);
	return f;
}

/* Read path back and compare with the frames written. */
static void check_read_back(const char *path, const struct frame *want, int n)
{
	struct pcap_in *in;
	struct frame got;
	int err = 0, i = 0, rc;

	in = pcap_in__open(path, &err);
	CHECK(in != NULL);
	if (!in)
		return;
	while ((rc = pcap_in__next(in, &got)) > 0 && i < n) {
		CHECK_EQ(got.ts_ns, want[i].ts_ns);
		CHECK_EQ(got.caplen, want[i].caplen);
		CHECK_EQ(got.wirelen, want[i].wirelen);
		CHECK_EQ(got.linktype, want[i].linktype);
		CHECK(!memcmp(got.data, want[i].data, want[i].caplen));
		i++;
	}
	CHECK_EQ(rc, 0);
	CHECK_EQ(i, n);
	pcap_in__close(in);
}

static void test_pcap_roundtrip(void)
{
	struct frame fr[3] = { mkframe(0, LINKTYPE_ETHERNET, 60), mkframe(1, LINKTYPE_ETHERNET, 0),
			       mkframe(2, LINKTYPE_ETHERNET, 299) };
	struct sbuf b;
	struct pcap_out w;
	char path[128];

	sbuf__init(&b);
	pcap_out__begin(&w, &b, PCAP_FMT_PCAP, LINKTYPE_ETHERNET);
	CHECK_EQ(b.len, 24);
	for (int i = 0; i < 3; i++)
		CHECK_EQ(pcap_out__frame(&w, &fr[i], NULL, 0), 0);
	CHECK_EQ(w.frames, 3);
	CHECK_EQ(b.len, 24 + 3 * 16 + 60 + 0 + 299);
	path_in_tmp(path, sizeof(path), "a.pcap");
	CHECK_EQ(pcap_out__save(path, b.buf, b.len, false), 0);
	check_read_back(path, fr, 3);
	sbuf__free(&b);
}

static void test_pcap_rejects_second_linktype(void)
{
	struct frame f0 = mkframe(0, LINKTYPE_ETHERNET, 40), f1 = mkframe(1, LINKTYPE_RAW, 40);
	struct sbuf b;
	struct pcap_out w;
	size_t len;

	sbuf__init(&b);
	pcap_out__begin(&w, &b, PCAP_FMT_PCAP, LINKTYPE_ETHERNET);
	CHECK_EQ(pcap_out__frame(&w, &f0, NULL, 0), 0);
	len = b.len;
	CHECK_EQ(pcap_out__frame(&w, &f1, NULL, 0), -EINVAL);
	CHECK_EQ(b.len, len); /* nothing half-written */
	sbuf__free(&b);
}

/* Walk pcapng blocks: each total length is a multiple of 4, repeated at the block's end. */
static int count_blocks(const struct sbuf *b, uint32_t type)
{
	size_t off = 0;
	int n = 0;

	while (off + 12 <= b->len) {
		uint32_t t, len, len2;

		memcpy(&t, b->buf + off, 4);
		memcpy(&len, b->buf + off + 4, 4);
		if (len < 12 || len % 4 || len > b->len - off)
			return -1;
		memcpy(&len2, b->buf + off + len - 4, 4);
		if (len2 != len)
			return -1;
		if (t == type)
			n++;
		off += len;
	}
	return off == b->len ? n : -1;
}

static void test_pcapng_roundtrip_mixed_linktypes(void)
{
	struct frame fr[3] = { mkframe(0, LINKTYPE_ETHERNET, 61), mkframe(1, LINKTYPE_RAW, 42),
			       mkframe(2, LINKTYPE_ETHERNET, 3) };
	const char *c1[] = { "tlsmon: first comment", "tlsmon: second comment" };
	struct sbuf b;
	struct pcap_out w;
	char path[128];

	sbuf__init(&b);
	pcap_out__begin(&w, &b, PCAP_FMT_PCAPNG, 0);
	CHECK_EQ(pcap_out__frame(&w, &fr[0], NULL, 0), 0);
	CHECK_EQ(pcap_out__frame(&w, &fr[1], c1, 2), 0);
	CHECK_EQ(pcap_out__frame(&w, &fr[2], c1, 1), 0);
	CHECK_EQ(w.n_ifaces, 2);
	CHECK_EQ(count_blocks(&b, 0x0A0D0D0A), 1);
	CHECK_EQ(count_blocks(&b, 1), 2);
	CHECK_EQ(count_blocks(&b, 6), 3);
	CHECK(memmem(b.buf, b.len, "tlsmon: second comment", 22) != NULL);
	path_in_tmp(path, sizeof(path), "b.pcapng");
	CHECK_EQ(pcap_out__save(path, b.buf, b.len, false), 0);
	check_read_back(path, fr, 3);
	sbuf__free(&b);
}

static void test_pcapng_empty_is_valid(void)
{
	struct sbuf b;
	struct pcap_out w;
	char path[128];

	sbuf__init(&b);
	pcap_out__begin(&w, &b, PCAP_FMT_PCAPNG, 0);
	CHECK_EQ(count_blocks(&b, 0x0A0D0D0A), 1);
	path_in_tmp(path, sizeof(path), "empty.pcapng");
	CHECK_EQ(pcap_out__save(path, b.buf, b.len, false), 0);
	check_read_back(path, NULL, 0);
	sbuf__free(&b);
}

static void test_pcapng_interface_limit(void)
{
	struct sbuf b;
	struct pcap_out w;

	sbuf__init(&b);
	pcap_out__begin(&w, &b, PCAP_FMT_PCAPNG, 0);
	for (int i = 0; i < PCAP_OUT_MAX_IFACES; i++) {
		struct frame f = mkframe(0, (uint16_t)(300 + i), 10);

		CHECK_EQ(pcap_out__frame(&w, &f, NULL, 0), 0);
	}
	{
		struct frame f = mkframe(0, 999, 10), g = mkframe(1, 300, 10);

		CHECK_EQ(pcap_out__frame(&w, &f, NULL, 0), -E2BIG);
		CHECK_EQ(pcap_out__frame(&w, &g, NULL, 0), 0); /* a known one still works */
	}
	sbuf__free(&b);
}

/* A long comment is cut on a UTF-8 boundary: never half a character. */
static void test_comment_cut_utf8(void)
{
	char *c = malloc(PCAP_OUT_MAX_COMMENT + 100);
	const char *cs[1] = { c };
	struct frame f = mkframe(0, LINKTYPE_ETHERNET, 10);
	struct sbuf b;
	struct pcap_out w;
	uint16_t optlen;
	size_t start;

	memset(c, 'a', PCAP_OUT_MAX_COMMENT + 99);
	c[PCAP_OUT_MAX_COMMENT + 99] = '\0';
	/* a 2-byte character straddling the limit */
	c[PCAP_OUT_MAX_COMMENT - 1] = (char)0xc3;
	c[PCAP_OUT_MAX_COMMENT] = (char)0xa9;
	sbuf__init(&b);
	pcap_out__begin(&w, &b, PCAP_FMT_PCAPNG, 0);
	CHECK_EQ(pcap_out__frame(&w, &f, NULL, 0), 0); /* describes the interface first */
	start = b.len;
	CHECK_EQ(pcap_out__frame(&w, &f, cs, 1), 0);
	/* EPB: 28 bytes of fixed fields, 10 data bytes padded to 12, then the option header */
	memcpy(&optlen, b.buf + start + 28 + 12 + 2, 2);
	CHECK_EQ(optlen, PCAP_OUT_MAX_COMMENT - 1);
	sbuf__free(&b);
	free(c);
}

static void test_save_never_overwrites(void)
{
	char path[128], link[128], buf[16];
	struct stat st;
	mode_t old;
	int fd;

	path_in_tmp(path, sizeof(path), "x.pcap");
	fd = open(path, O_WRONLY | O_CREAT, 0644);
	CHECK(fd >= 0);
	CHECK_EQ(write(fd, "keep", 4), 4);
	close(fd);
	CHECK_EQ(pcap_out__save(path, "new!", 4, false), -EEXIST);
	fd = open(path, O_RDONLY);
	CHECK_EQ(read(fd, buf, sizeof(buf)), 4);
	close(fd);
	CHECK(!memcmp(buf, "keep", 4));

	/* a symlink planted where the dump goes is neither followed nor replaced */
	path_in_tmp(link, sizeof(link), "link.pcap");
	CHECK_EQ(symlink(path, link), 0);
	CHECK(pcap_out__save(link, "new!", 4, false) < 0);
	fd = open(path, O_RDONLY);
	CHECK_EQ(read(fd, buf, sizeof(buf)), 4);
	close(fd);
	CHECK(!memcmp(buf, "keep", 4));

	/* 0600 whatever the umask */
	old = umask(0);
	path_in_tmp(path, sizeof(path), "mode.pcap");
	CHECK_EQ(pcap_out__save(path, "abc", 3, false), 0);
	umask(old);
	CHECK_EQ(stat(path, &st), 0);
	CHECK_EQ(st.st_mode & 0777, 0600);

	path_in_tmp(path, sizeof(path), "nodir/x.pcap");
	CHECK_EQ(pcap_out__save(path, "abc", 3, false), -ENOENT);
}

static void test_save_gzip(void)
{
	static char big[200000];
	char path[128], *back = malloc(sizeof(big) + 10);
	gzFile gz;
	struct stat st;
	int n;

	for (size_t i = 0; i < sizeof(big); i++)
		big[i] = (char)(i % 251);
	path_in_tmp(path, sizeof(path), "z.pcap.gz");
	CHECK_EQ(pcap_out__save(path, big, sizeof(big), true), 0);
	CHECK_EQ(stat(path, &st), 0);
	CHECK_EQ(st.st_mode & 0777, 0600);
	CHECK(st.st_size > 0 && st.st_size < (off_t)sizeof(big));
	gz = gzopen(path, "rb");
	CHECK(gz != NULL);
	n = gz ? gzread(gz, back, sizeof(big) + 10) : -1;
	CHECK_EQ(n, sizeof(big));
	CHECK(n == sizeof(big) && !memcmp(back, big, sizeof(big)));
	if (gz)
		gzclose(gz);
	CHECK_EQ(pcap_out__save(path, big, 10, true), -EEXIST);
	free(back);
}

static void test_format_names(void)
{
	enum pcap_format f = PCAP_FMT_PCAP;

	CHECK_EQ(pcap_out__parse_format("pcapng", &f), 0);
	CHECK_EQ(f, PCAP_FMT_PCAPNG);
	CHECK_EQ(pcap_out__parse_format("pcap", &f), 0);
	CHECK_EQ(f, PCAP_FMT_PCAP);
	CHECK_EQ(pcap_out__parse_format("PCAP", &f), -EINVAL);
	CHECK_EQ(pcap_out__parse_format("", &f), -EINVAL);
	CHECK_EQ(pcap_out__parse_format("pcapngx", &f), -EINVAL);
	CHECK_STR(pcap_out__format_name(PCAP_FMT_PCAPNG), "pcapng");
	CHECK_STR(pcap_out__format_name(PCAP_FMT_PCAP), "pcap");
}

/* What Wireshark shows: tshark reads the comments back from the frames they were put on. */
static void test_tshark_sees_comments(void)
{
	struct frame fr[3] = { mkframe(0, LINKTYPE_ETHERNET, 60), mkframe(1, LINKTYPE_ETHERNET, 60),
			       mkframe(2, LINKTYPE_ETHERNET, 60) };
	const char *c[] = { "tlsmon: certificate #3 (root, CN=Weak Root) is signed with "
			    "md2WithRSAEncryption (1.2.840.113549.1.1.2)" };
	char path[128], cmd[300], line[512];
	struct sbuf b;
	struct pcap_out w;
	FILE *p;
	int lines = 0, hits = 0;

	if (system("command -v tshark >/dev/null 2>&1")) {
		printf("SKIP test_tshark_sees_comments: tshark not installed\n");
		return;
	}
	sbuf__init(&b);
	pcap_out__begin(&w, &b, PCAP_FMT_PCAPNG, 0);
	pcap_out__frame(&w, &fr[0], NULL, 0);
	pcap_out__frame(&w, &fr[1], c, 1);
	pcap_out__frame(&w, &fr[2], NULL, 0);
	path_in_tmp(path, sizeof(path), "t.pcapng");
	CHECK_EQ(pcap_out__save(path, b.buf, b.len, false), 0);
	snprintf(cmd, sizeof(cmd), "tshark -r '%s' -T fields -e frame.number -e frame.comment 2>/dev/null",
		 path);
	p = popen(cmd, "r");
	CHECK(p != NULL);
	while (p && fgets(line, sizeof(line), p)) {
		lines++;
		if (strstr(line, "md2WithRSAEncryption (1.2.840.113549.1.1.2)")) {
			hits++;
			CHECK(!strncmp(line, "2\t", 2));
		}
	}
	if (p)
		pclose(p);
	CHECK_EQ(lines, 3);
	CHECK_EQ(hits, 1);
	sbuf__free(&b);
}

int main(void)
{
	setup_tmp();
	RUN_TEST(test_pcap_roundtrip);
	RUN_TEST(test_pcap_rejects_second_linktype);
	RUN_TEST(test_pcapng_roundtrip_mixed_linktypes);
	RUN_TEST(test_pcapng_empty_is_valid);
	RUN_TEST(test_pcapng_interface_limit);
	RUN_TEST(test_comment_cut_utf8);
	RUN_TEST(test_save_never_overwrites);
	RUN_TEST(test_save_gzip);
	RUN_TEST(test_format_names);
	RUN_TEST(test_tshark_sees_comments);
	cleanup_tmp();
	return CHECK_DONE();
}
