/* What the flagged store's tests feed it: frame records in the engine's layout and handshakes
 * built by hand, so that the store is tested alone (test_store.c, test_store_writer.c). */
#ifndef TLSMON_TEST_STORE_SCRIPT_H
#define TLSMON_TEST_STORE_SCRIPT_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "out/store.h"
#include "tls/tls_record.h"
#include "verdict/engine.h"
#include "verdict/policy.h"

#define NS 1000000000ull

/* Frame records in the engine's layout, built by hand so that the store is tested alone. */
struct fbuf {
	uint8_t b[8192];
	size_t len;
	uint32_t count;
};

static inline void fbuf_add(struct fbuf *fb, uint64_t number, uint64_t ts, uint16_t linktype,
			    uint32_t caplen)
{
	struct frame_hdr h = { .ts_ns = ts, .number = number, .caplen = caplen,
			       .wirelen = caplen, .linktype = linktype };

	memcpy(fb->b + fb->len, &h, sizeof(h));
	for (uint32_t i = 0; i < caplen; i++)
		fb->b[fb->len + sizeof(h) + i] = (uint8_t)(number + i);
	fb->len += (sizeof(h) + caplen + 7) & ~(size_t)7;
	fb->count++;
}

static inline struct engine_frames fbuf_view(const struct fbuf *fb)
{
	return (struct engine_frames){ .buf = fb->b, .len = fb->len, .count = fb->count };
}

/* A handshake that ended in an alert, with one finding on certificate #2 (frame 3). */
static inline struct handshake *mkhs(uint16_t port, enum hs_outcome outcome, bool finding,
				     uint64_t end_s)
{
	struct handshake *hs = calloc(1, sizeof(*hs));
	struct hs_event ev[3] = {
		{ .frame = 1, .kind = HS_EV_MESSAGE, .from_client = 1, .hs_type = TLS_HS_CLIENT_HELLO },
		{ .frame = 3, .kind = HS_EV_MESSAGE, .hs_type = TLS_HS_CERTIFICATE },
		{ .frame = 4, .kind = HS_EV_ALERT, .from_client = 1 },
	};

	hs->family = 4;
	hs->client_port = port;
	hs->server_port = 443;
	hs->start_ts_ns = end_s * NS - 1000;
	hs->end_ts_ns = end_s * NS;
	hs->outcome = outcome;
	for (int i = 0; i < 3; i++)
		hs__add_event(hs, &ev[i]);
	hs->has_certificate = true;
	hs->cert_frame = 3;
	if (outcome == HS_OUTCOME_ALERT) {
		hs->alert = (struct hs_alert){ .present = true, .from_client = true, .level = 2,
					       .desc = 42, .frame = 4 };
		snprintf(hs->explain, sizeof(hs->explain), "client sent fatal alert bad_certificate(42)");
	}
	if (finding) {
		struct finding *f = hs__add_finding(hs, CHECK_WEAK_SIGNATURE, SEV_HIGH, 1,
						    "md5WithRSAEncryption");

		snprintf(f->message, sizeof(f->message),
			 "certificate #2 (CN=Weak CA) is signed with md5WithRSAEncryption "
			 "(1.2.840.113549.1.1.4)");
	}
	return hs;
}

static inline void four_frames(struct fbuf *fb, uint16_t lt)
{
	memset(fb, 0, sizeof(*fb));
	for (int i = 1; i <= 4; i++)
		fbuf_add(fb, (uint64_t)i, 1000 * NS + (uint64_t)i, lt, 60 + (uint32_t)i);
}

#endif
