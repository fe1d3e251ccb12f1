/* The sink, the byte patterns and the stream set-up test_reasm.c and test_reasm_receiver.c share:
 * a stream's delivered bytes are compared with the original pattern, or with a second pattern
 * that marks bytes of a later, different copy. */
#ifndef TLSMON_TEST_REASM_SINK_H
#define TLSMON_TEST_REASM_SINK_H

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "net/reasm.h"

#define STREAM_MAX 8192
#define MAX_EVENTS 1024

/* Byte i of the original stream; a second, different pattern marks bytes that arrived later. */
static inline uint8_t pat(uint32_t i)
{
	return (uint8_t)(i * 7 + 3 + (i >> 8));
}

static inline uint8_t alt(uint32_t i)
{
	return (uint8_t)~pat(i);
}

static uint8_t orig_buf[STREAM_MAX], alt_buf[STREAM_MAX]; /* fill_patterns() */

struct sink {
	uint8_t out[STREAM_MAX]; /* delivered bytes; gaps leave 0xEE */
	uint32_t pos; /* stream offset: delivered bytes plus gap bytes */
	uint32_t data_bytes;
	int nevents;
	long long ev[MAX_EVENTS]; /* > 0: data length, < 0: gap length */
	const uint8_t *last_ptr;
	int overflow;
};

static inline void sink_init(struct sink *s)
{
	memset(s, 0, sizeof(*s));
	memset(s->out, 0xEE, sizeof(s->out));
}

static inline void deliver(void *ctx, const uint8_t *data, size_t len)
{
	struct sink *s = ctx;

	if (s->nevents < MAX_EVENTS)
		s->ev[s->nevents++] = data ? (long long)len : -(long long)len;
	else
		s->overflow = 1;
	if (len == 0)
		s->overflow = 1; /* never expected: empty deliveries are noise */
	if (data) {
		s->last_ptr = data;
		if (s->pos + len <= STREAM_MAX)
			memcpy(s->out + s->pos, data, len);
		else
			s->overflow = 1;
		s->data_bytes += len;
	}
	s->pos += len;
}

static const struct reasm_limits big = { .max_held_bytes = 1 << 20, .max_held_segments = 1024 };

/* The table-wide settings every stream of a test runs with (see init()). */
static struct reasm_cfg cfg;

/* As a flow table would: limits and counters shared, set beside the stream. NULL limits = 0. */
static inline void init(struct reasm *r, const struct reasm_limits *lim, struct reasm_stats *st)
{
	memset(&cfg, 0, sizeof(cfg));
	if (lim)
		cfg.lim = *lim;
	cfg.stats = st;
	reasm__init(r);
}

/* Feed stream bytes [off, off + len) of buf, relative to isn. */
static inline int feed(struct reasm *r, struct sink *s, uint32_t isn, uint32_t off, uint32_t len,
		const uint8_t *buf)
{
	return reasm__feed(r, &cfg, isn + off, buf + off, len, deliver, s);
}

static inline int stream_matches(const struct sink *s, uint32_t from, uint32_t to)
{
	uint32_t i;

	for (i = from; i < to; i++)
		if (s->out[i] != pat(i))
			return 0;
	return 1;
}

/* Where delivered bytes came from after an overlap: the alternate content in [alt_lo, alt_hi),
 * except in the held ranges ([start, end) pairs, up to the first empty one), whose bytes arrived
 * first and win; the original content everywhere else. */
struct mix {
	uint32_t alt_lo, alt_hi;
	uint32_t held[4][2];
};

static inline int mix_matches(const struct sink *s, uint32_t from, uint32_t to, const struct mix *m)
{
	uint32_t b;
	int i, from_alt;

	for (b = from; b < to; b++) {
		from_alt = b >= m->alt_lo && b < m->alt_hi;
		for (i = 0; i < 4 && m->held[i][1]; i++)
			if (b >= m->held[i][0] && b < m->held[i][1])
				from_alt = 0;
		if (s->out[b] != (from_alt ? alt(b) : pat(b))) {
			fprintf(stderr, "  byte %u is 0x%02x\n", b, s->out[b]);
			return 0;
		}
	}
	return 1;
}

/* A stream started at isn, with init()'s limits and counters, and an empty sink. */
static inline void start(struct reasm *r, struct sink *s, const struct reasm_limits *lim,
		  struct reasm_stats *st, uint32_t isn)
{
	sink_init(s);
	init(r, lim, st);
	reasm__start(r, &cfg, isn);
}

static inline void fill_patterns(void)
{
	for (uint32_t i = 0; i < STREAM_MAX; i++) {
		orig_buf[i] = pat(i);
		alt_buf[i] = alt(i);
	}
}

#endif
