/* The engine set up for fuzzing: small limits so eviction, expiry and the reassembly and record
 * limits are reached with small inputs, and a handshake callback that checks what a sink would
 * print (the JSON line must be valid JSON) and walks the retained frames. */
#ifndef TLSMON_FUZZ_ENGINE_H
#define TLSMON_FUZZ_ENGINE_H

#include <string.h>

#include "verdict/engine.h"
#include "fuzz.h"
#include "verdict/policy.h"
#include "out/report.h"
#include "util/sbuf.h"

static volatile uint8_t fuzz_sink;

static void fuzz_on_handshake(void *ctx, struct handshake *hs,
			      const struct tlsmon_flow_key *key, const struct engine_frames *frames)
{
	struct sbuf *b = ctx;
	struct frame f;
	size_t cursor = 0;
	uint32_t n = 0;
	uint8_t x = 0;

	FUZZ_ASSERT(hs->outcome <= HS_OUTCOME_RESET);
	FUZZ_ASSERT(hs->n_events <= HS_MAX_EVENTS && hs->n_findings <= HS_MAX_FINDINGS);
	FUZZ_ASSERT(memchr(hs->explain, '\0', sizeof(hs->explain)));
	sbuf__reset(b);
	report__json(b, hs);
	FUZZ_ASSERT(!b->oom);
	if (!fuzz_json_valid(b->buf, b->len)) {
		fprintf(stderr, "invalid JSON: %.*s\n", (int)b->len, b->buf);
		abort();
	}
	FUZZ_ASSERT(frames);
	while (engine_frames__next(frames, &cursor, &f)) {
		FUZZ_ASSERT(f.data >= frames->buf && f.caplen <= frames->len &&
			    f.data + f.caplen <= frames->buf + frames->len);
		for (uint32_t i = 0; i < f.caplen; i++)
			x ^= f.data[i];
		n++;
	}
	FUZZ_ASSERT(n == frames->count);
	fuzz_sink = x;
}

/* flags bit 0: retain frames, as the daemon does. */
static struct engine *fuzz_engine_new(struct sbuf *b, unsigned flags)
{
	static struct policy *policy;
	struct engine_opts o = {
		.max_flows = 4,
		.idle_timeout_ns = 2000000000ull,
		.max_held_bytes = 8192,
		.max_handshake_msg = 32768,
		.probe_bytes = 2048,
		.x509_cache_entries = 4,
		.retain_bytes = flags & 1 ? 16384 : 0,
		.on_handshake = fuzz_on_handshake,
		.ctx = b,
	};
	struct engine *e;

	/* Built once; the engine only reads it. */
	if (!policy)
		policy = policy__new();
	FUZZ_ASSERT(policy);
	o.policy = policy;
	e = engine__new(&o);
	FUZZ_ASSERT(e);
	return e;
}

#endif
