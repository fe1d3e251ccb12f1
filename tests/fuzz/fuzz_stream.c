// SPDX-License-Identifier: GPL-2.0
/* The whole pipeline on a sequence of frames: decode, flow table, reassembly, TLS, X.509, policy,
 * explain and the JSON report.
 *
 * Input: byte 0 picks the linktype (bits 0-2: Ethernet, raw IP, Linux SLL, SLL2, BSD null,
 * OpenBSD loop, raw IPv4, raw IPv6) and options (bit 3: retain frames; bits 4-7: clock step); then
 * frames, each a 2-byte big-endian length and
 * that many bytes (the last one clipped to what is left). */
#include "capture/frame.h"
#include "fuzz_engine.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const uint16_t linktypes[] = { LINKTYPE_ETHERNET, LINKTYPE_RAW, LINKTYPE_LINUX_SLL,
					      LINKTYPE_LINUX_SLL2, LINKTYPE_NULL, LINKTYPE_LOOP,
					      LINKTYPE_IPV4, LINKTYPE_IPV6 };
	struct engine *e;
	struct sbuf b;
	struct frame f = { 0 };
	uint64_t ts = 1700000000ull * 1000000000ull, step;
	size_t off = 1, len;

	if (size < 1)
		return 0;
	/* From 1 ms to 4 s per frame, so idle expiry (2 s) happens in some inputs. */
	step = (1ull << (data[0] >> 4)) * 1000000ull;
	if (step > 4000000000ull)
		step = 4000000000ull;
	sbuf__init(&b);
	e = fuzz_engine_new(&b, data[0] >> 3 & 1);
	f.linktype = linktypes[data[0] & 7];
	while (off + 2 <= size) {
		len = (size_t)data[off] << 8 | data[off + 1];
		off += 2;
		if (len > size - off)
			len = size - off;
		/* Each frame in its own exactly sized buffer, so ASan sees reads past caplen. */
		uint8_t *copy = malloc(len ? len : 1);

		FUZZ_ASSERT(copy);
		memcpy(copy, data + off, len);
		f.data = copy;
		f.caplen = (uint32_t)len;
		f.wirelen = (uint32_t)len;
		f.number++;
		f.ts_ns = ts;
		f.direction = f.number & 1 ? FRAME_DIR_INGRESS : FRAME_DIR_EGRESS;
		engine__feed(e, &f);
		free(copy);
		ts += step;
		off += len;
		if (f.number % 16 == 0)
			engine__tick(e, ts);
	}
	engine__finish(e);
	FUZZ_ASSERT(engine__stats(e)->frames == f.number);
	engine__free(e);
	sbuf__free(&b);
	return 0;
}
