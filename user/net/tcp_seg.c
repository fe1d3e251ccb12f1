// SPDX-License-Identifier: GPL-2.0
/* TCP checksum and urgent pointer. struct pkt does not say where the TCP header starts (IPv4
 * options and IPv6 extension headers sit in between), so it is found back from the payload: the
 * header whose data offset, ports and sequence number are the decoded ones. */
#include "net/tcp_seg.h"

#include <errno.h>
#include <stdbool.h>
#include <string.h>
#ifdef __SSE2__
#include <emmintrin.h>
#endif
#if defined(__x86_64__) && defined(__GNUC__)
#include <immintrin.h>
#define HAVE_SUM_AVX2 1
#endif

#define TCP_MIN_HLEN 20
#define IPPROTO_TCP_ 6

static inline uint16_t be16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static inline uint32_t be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* acc folded to 16 bits with every carry added back in: the same ones' complement sum, in
 * four steps without a loop (64 -> 33 -> 32 -> 17 -> 16 bits); 0 only when acc is. */
static uint16_t fold(uint64_t acc)
{
	acc = (acc & 0xffffffff) + (acc >> 32);
	acc = (acc & 0xffffffff) + (acc >> 32);
	acc = (acc & 0xffff) + (acc >> 16);
	acc = (acc & 0xffff) + (acc >> 16);
	return (uint16_t)acc;
}

/* RFC 1071 4.1: the ones' complement sum of 16-bit big-endian words, an odd last byte padded
 * with zero, folded to 16 bits. The sum does not depend on byte order (RFC 1071 2(B)), so it is
 * taken over 32-bit words as they lie in memory and swapped once at the end: every payload byte
 * passes here, and a big-endian load per two bytes was a tenth of the offline read. Words of 32
 * or 64 bits sum to the same 16-bit result as long as no carry is lost (2^32 and 2^64 are 1 in
 * ones' complement arithmetic mod 0xffff, RFC 1071 2(C)). */
#ifdef __SSE2__
/* SSE2 is part of x86-64: each 16-byte load is split into its four 32-bit words, widened to
 * 64-bit lanes so no carry is lost, 32 bytes a step in four independent sums (the scalar loop
 * below spent six instructions per eight bytes on loads, shifts and adds). */
static uint64_t sum_words_wide(const uint8_t *p, size_t n, size_t *done)
{
	__m128i zero = _mm_setzero_si128(), a0 = zero, a1 = zero, a2 = zero, a3 = zero;
	uint64_t lanes[2];
	size_t i;

	for (i = 0; i + 32 <= n; i += 32) {
		__m128i v0 = _mm_loadu_si128((const __m128i *)(const void *)(p + i));
		__m128i v1 = _mm_loadu_si128((const __m128i *)(const void *)(p + i + 16));

		a0 = _mm_add_epi64(a0, _mm_unpacklo_epi32(v0, zero));
		a1 = _mm_add_epi64(a1, _mm_unpackhi_epi32(v0, zero));
		a2 = _mm_add_epi64(a2, _mm_unpacklo_epi32(v1, zero));
		a3 = _mm_add_epi64(a3, _mm_unpackhi_epi32(v1, zero));
	}
	a0 = _mm_add_epi64(_mm_add_epi64(a0, a1), _mm_add_epi64(a2, a3));
	_mm_storeu_si128((__m128i *)(void *)lanes, a0);
	*done = i;
	return lanes[0] + lanes[1];
}
#else
/* Portable: four independent sums, so the additions do not wait on each other. */
static uint64_t sum_words_wide(const uint8_t *p, size_t n, size_t *done)
{
	uint64_t a[4] = { 0, 0, 0, 0 };
	uint32_t w[4];
	size_t i;

	for (i = 0; i + 16 <= n; i += 16) {
		memcpy(w, p + i, 16);
		a[0] += w[0];
		a[1] += w[1];
		a[2] += w[2];
		a[3] += w[3];
	}
	*done = i;
	return a[0] + a[1] + a[2] + a[3];
}
#endif

#ifdef HAVE_SUM_AVX2
/* The same as the SSE2 loop, 64 bytes a step in 256-bit registers, on CPUs that have AVX2 (the
 * binary is built for every x86-64, so it is chosen at run time): certificates and hellos come
 * in segments of a kilobyte or more, and this halves the instructions spent on them. */
__attribute__((target("avx2"))) static uint64_t sum_words_avx2(const uint8_t *p, size_t n,
								 size_t *done)
{
	__m256i zero = _mm256_setzero_si256(), a0 = zero, a1 = zero, a2 = zero, a3 = zero;
	uint64_t lanes[4];
	size_t i;

	for (i = 0; i + 64 <= n; i += 64) {
		__m256i v0 = _mm256_loadu_si256((const __m256i *)(const void *)(p + i));
		__m256i v1 = _mm256_loadu_si256((const __m256i *)(const void *)(p + i + 32));

		a0 = _mm256_add_epi64(a0, _mm256_unpacklo_epi32(v0, zero));
		a1 = _mm256_add_epi64(a1, _mm256_unpackhi_epi32(v0, zero));
		a2 = _mm256_add_epi64(a2, _mm256_unpacklo_epi32(v1, zero));
		a3 = _mm256_add_epi64(a3, _mm256_unpackhi_epi32(v1, zero));
	}
	a0 = _mm256_add_epi64(_mm256_add_epi64(a0, a1), _mm256_add_epi64(a2, a3));
	_mm256_storeu_si256((__m256i *)(void *)lanes, a0);
	*done = i;
	return lanes[0] + lanes[1] + lanes[2] + lanes[3];
}
#endif

/* acc + w with the carry out of bit 63 added back in (ones' complement addition). */
static inline uint64_t add_end_around(uint64_t acc, uint64_t w)
{
	acc += w;
	return acc + (acc < w);
}

/* The sum of p[0, n) as 16-bit words in memory order, not folded (see sum16()). */
static uint64_t sum_mem(const uint8_t *p, size_t n)
{
	uint64_t acc = 0, q;
	uint32_t w;
	uint16_t h;
	size_t i = 0, d;

#ifdef HAVE_SUM_AVX2
	if (n >= 64 && __builtin_cpu_supports("avx2"))
		acc = sum_words_avx2(p, n, &i);
#endif
	acc += sum_words_wide(p + i, n - i, &d);
	i += d;
	/* what is left, 8 bytes at a time (fewer than 32 after the wide loop) */
	for (; i + 8 <= n; i += 8) {
		memcpy(&q, p + i, 8);
		acc = add_end_around(acc, q);
	}
	if (i + 4 <= n) {
		memcpy(&w, p + i, 4);
		acc = add_end_around(acc, w);
		i += 4;
	}
	if (i + 2 <= n) {
		memcpy(&h, p + i, 2);
		acc = add_end_around(acc, h);
		i += 2;
	}
	if (i < n) {
		uint8_t last[2] = { p[i], 0 };

		memcpy(&h, last, 2);
		acc = add_end_around(acc, h);
	}
	return acc;
}

/* A 16-bit big-endian value as sum_mem() would have summed its two bytes. */
static inline uint16_t as_mem(uint16_t v)
{
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
	return (uint16_t)(v << 8 | v >> 8);
#else
	return v;
#endif
}

static uint16_t sum16(const uint8_t *p, size_t n)
{
	return as_mem(fold(sum_mem(p, n)));
}

/* struct pkt's addresses as sum_mem() sums them. */
static uint64_t sum_addrs(const struct pkt *p)
{
	uint64_t acc = 0, q;
	uint32_t a, b;

	if (p->family == 4) {
		memcpy(&a, p->saddr, 4);
		memcpy(&b, p->daddr, 4);
		return (uint64_t)a + b;
	}
	for (int i = 0; i < 16; i += 8) {
		memcpy(&q, p->saddr + i, 8);
		acc = add_end_around(acc, q);
		memcpy(&q, p->daddr + i, 8);
		acc = add_end_around(acc, q);
	}
	return acc;
}

/* Does the checksum field hold just the pseudo-header sum? 0 and 0xffff are one value in ones'
 * complement. */
static bool is_partial(uint16_t field, uint16_t pseudo_sum)
{
	return field == pseudo_sum || (!(field && pseudo_sum) && (field ^ pseudo_sum) == 0xffff);
}

/* The TCP header in front of p->payload, or NULL when it cannot be found in the frame. */
static const uint8_t *tcp_header(const uint8_t *frame, const struct pkt *p)
{
	const uint8_t *lo = frame + p->l3_off + 20; /* at least an IPv4 header before it */
	size_t doff;

	for (doff = TCP_MIN_HLEN; doff <= 60; doff += 4) {
		const uint8_t *th = p->payload - doff;

		if (p->payload < lo + doff)
			break;
		if ((size_t)(th[12] >> 4) * 4 == doff && be16(th) == p->sport &&
		    be16(th + 2) == p->dport && be32(th + 4) == p->seq)
			return th;
	}
	return NULL;
}

enum tcp_csum_result tcp_seg__csum(const uint8_t *frame, size_t caplen, const struct pkt *p)
{
	const uint8_t *th, *end = p->payload + p->payload_len;
	size_t alen = p->family == 4 ? 4 : 16, tcp_len;
	uint64_t pseudo;
	uint16_t field;

	if (p->payload_missing || !frame || end > frame + caplen || p->payload < frame)
		return TCP_CSUM_UNKNOWN;
	th = tcp_header(frame, p);
	if (!th)
		return TCP_CSUM_UNKNOWN;
	tcp_len = (size_t)(end - th);
	/* RFC 9293 3.1 (IPv4) and RFC 8200 8.1 (IPv6) pseudo-headers: addresses, protocol,
	 * upper-layer length. A good sum (almost every segment) is found in memory order, its
	 * pseudo-header words as they would lie in memory: the result is the same sum with its
	 * bytes swapped, and the good one, 0xffff, is its own swap. */
	pseudo = sum_mem(th, tcp_len);
	pseudo = add_end_around(pseudo, sum_addrs(p));
	pseudo = add_end_around(pseudo, (uint64_t)as_mem(IPPROTO_TCP_) +
						as_mem((uint16_t)(tcp_len & 0xffff)) +
						as_mem((uint16_t)(tcp_len >> 16)));
	if (fold(pseudo) == 0xffff)
		return TCP_CSUM_GOOD;
	pseudo = sum16(p->saddr, alen);
	pseudo += sum16(p->daddr, alen);
	pseudo += IPPROTO_TCP_;
	pseudo += (uint32_t)(tcp_len & 0xffff) + (uint32_t)(tcp_len >> 16);
	/* Linux sets th->check = ~tcp_v4_check(len, saddr, daddr, 0) (tcp_v4_send_check):
	 * the folded pseudo-header sum, for the device to finish. */
	field = be16(th + 16);
	if (is_partial(field, fold(pseudo)))
		return TCP_CSUM_PARTIAL;
	/* GSO super-frames may carry the sum without the length, which segmentation adds. */
	pseudo -= (uint32_t)(tcp_len & 0xffff) + (uint32_t)(tcp_len >> 16);
	if (is_partial(field, fold(pseudo)))
		return TCP_CSUM_PARTIAL;
	return TCP_CSUM_BAD;
}

int tcp_seg__urgent(const uint8_t *frame, const struct pkt *p, uint32_t *urg_seq)
{
	const uint8_t *th;
	uint16_t ptr;

	if (!(p->tcp_flags & TCPF_URG) || !frame)
		return -ENOENT;
	th = tcp_header(frame, p);
	if (!th)
		return -ENOENT;
	ptr = be16(th + 18);
	*urg_seq = p->seq + ptr - (ptr ? 1 : 0);
	return 0;
}
