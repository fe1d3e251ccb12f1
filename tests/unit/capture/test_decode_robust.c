// SPDX-License-Identifier: MIT
/* L2-L4 decode of every prefix of valid frames and of random byte flips over them: a header cut
 * is -EINVAL, a payload cut keeps the header, and nothing reads past the frame (ASan). */
#include "decode_frames.h"

/* Every prefix of a valid frame: header cuts are -EINVAL, payload cuts keep the header. */
static void truncate_all(uint16_t lt, const struct fb *f)
{
	size_t cut, full = f->n - f->hdr_end;
	struct pkt k;
	int ret;

	for (cut = 0; cut <= f->n; cut++) {
		ret = dec(lt, f->b, cut, &k);
		if (cut < f->hdr_end) {
			CHECK_EQ(ret, -EINVAL);
			if (ret != -EINVAL)
				fprintf(stderr, "  linktype %u cut %zu\n", lt, cut);
		} else {
			CHECK_EQ(ret, DECODE_TCP);
			CHECK_EQ(k.payload_len, cut - f->hdr_end);
			CHECK_EQ(k.payload_len + k.payload_missing, full);
		}
	}
}

static void test_truncation_every_offset(void)
{
	struct fb f;

	v4_tcp_frame(&f, 30);
	truncate_all(LINKTYPE_ETHERNET, &f);

	memset(&f, 0, sizeof(f));
	eth(&f, 0x88a8);
	vlan_tag(&f, 10, 0x8100);
	vlan_tag(&f, 20, 0x8100);
	vlan_tag(&f, 30, 0x86dd);
	ipv6(&f, 0);
	ext6(&f, 44, 1);
	put8(&f, 51);
	zeros(&f, 7);
	put8(&f, 6);
	put8(&f, 1);
	zeros(&f, 10);
	tcp(&f, 4, TCPF_ACK, 25);
	fin(&f);
	truncate_all(LINKTYPE_ETHERNET, &f);

	memset(&f, 0, sizeof(f));
	zeros(&f, 14);
	put16(&f, 0x0800);
	ipv4(&f, 10, 0, 6);
	tcp(&f, 10, TCPF_ACK, 5);
	fin(&f);
	truncate_all(LINKTYPE_LINUX_SLL, &f);

	memset(&f, 0, sizeof(f));
	put16(&f, 0x86dd);
	zeros(&f, 18);
	ipv6(&f, 60);
	ext6(&f, 6, 3);
	tcp(&f, 1, TCPF_ACK, 5);
	fin(&f);
	truncate_all(LINKTYPE_LINUX_SLL2, &f);

	null_frame(&f, 30, 1, 1);
	truncate_all(LINKTYPE_LOOP, &f);
	null_frame(&f, 2, 0, 0);
	truncate_all(LINKTYPE_NULL, &f);

	memset(&f, 0, sizeof(f));
	ipv4(&f, 1, 0, 6);
	tcp(&f, 0, TCPF_ACK, 5);
	fin(&f);
	truncate_all(LINKTYPE_RAW, &f);
	truncate_all(LINKTYPE_IPV4, &f);
}

static uint64_t rng_next(uint64_t *s)
{
	uint64_t z = (*s += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

/* Random byte flips over valid frames of every linktype: any result is fine, a crash or an
 * out-of-bounds read (ASan) is not. */
static void test_mutation_no_crash(void)
{
	static const uint16_t lts[] = { LINKTYPE_ETHERNET, LINKTYPE_LINUX_SLL, LINKTYPE_LINUX_SLL2,
					LINKTYPE_RAW,	   LINKTYPE_NULL,      LINKTYPE_LOOP };
	uint64_t seed = 42;
	struct fb base, f;
	struct pkt k;
	int i, j, counts[4] = { 0 }, ret;

	memset(&base, 0, sizeof(base));
	eth(&base, 0x8100);
	vlan_tag(&base, 5, 0x86dd);
	ipv6(&base, 0);
	ext6(&base, 44, 0);
	put8(&base, 6);
	zeros(&base, 7);
	tcp(&base, 2, TCPF_ACK, 40);
	fin(&base);
	for (i = 0; i < 200000; i++) {
		uint16_t lt = lts[rng_next(&seed) % (sizeof(lts) / sizeof(lts[0]))];
		size_t len = rng_next(&seed) % (base.n + 1);
		int flips = (int)(rng_next(&seed) % 6);

		f = base;
		for (j = 0; j < flips; j++)
			f.b[rng_next(&seed) % base.n] = (uint8_t)rng_next(&seed);
		ret = dec(lt, f.b, len, &k);
		CHECK(ret == -EINVAL || (ret >= DECODE_TCP && ret <= DECODE_TOO_DEEP));
		if (ret >= 0)
			counts[ret]++;
		if (ret == DECODE_TCP)
			CHECK(k.payload_len <= len);
	}
	/* The mutations must reach every outcome, or this test proves little. */
	CHECK(counts[DECODE_TCP] > 100);
	CHECK(counts[DECODE_NOT_TCP] > 100);
	CHECK(counts[DECODE_FRAGMENT] > 10);
}

int main(void)
{
	RUN_TEST(test_truncation_every_offset);
	RUN_TEST(test_mutation_no_crash);
	return CHECK_DONE();
}
