// SPDX-License-Identifier: GPL-2.0
/* IP fragment reassembly on arbitrary fragments: the input is a sequence of raw IP packets
 * (LINKTYPE_RAW), each a 1-byte control (bits 0-1: the clock moves on 0, 1, 10 or 40 s) and a
 * 2-byte length before it. Those the decoder calls fragments go to ipfrag__feed() under small
 * bounds; a whole datagram it gives back must decode (an IPv4 one is never a fragment again), and
 * the bytes held stay within the bound. */
#include <errno.h>

#include "fuzz.h"
#include "capture/frame.h"
#include "capture/ipfrag.h"

#define MAX_BYTES 16384

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const uint64_t step_s[4] = { 0, 1, 10, 40 };
	struct ipfrag_limits lim = { .max_datagrams = 8, .max_bytes = MAX_BYTES, .max_pieces = 16 };
	struct ipfrag_stats st = { 0 };
	struct ipfrag *r = ipfrag__new(&lim, &st);
	uint64_t now = 1000000000ull, held;
	size_t off = 0;

	FUZZ_ASSERT(r);
	while (size - off >= 3) {
		size_t len = (size_t)data[off + 1] << 8 | data[off + 2];
		struct frame fr = { 0 }, out;
		struct pkt p;
		int rc;

		now += step_s[data[off] & 3] * 1000000000ull;
		off += 3;
		if (len > size - off)
			len = size - off;
		fr.data = data + off;
		fr.caplen = fr.wirelen = (uint32_t)len;
		fr.linktype = LINKTYPE_RAW;
		fr.ts_ns = now;
		off += len;
		if (decode__frame(fr.linktype, fr.data, fr.caplen, &p) != DECODE_FRAGMENT)
			continue;
		rc = ipfrag__feed(r, &fr, p.l3_off, p.family, &out);
		FUZZ_ASSERT(rc == 0 || rc == 1 || rc == -EINVAL || rc == -E2BIG || rc == -ENOMEM);
		if (rc == 1) {
			FUZZ_ASSERT(out.caplen <= 65535 + 512);
			/* it decodes like any frame; an IPv6 datagram may hold another fragment
			 * header (nested), which the engine does not reassemble a second time */
			rc = decode__frame(out.linktype, out.data, out.caplen, &p);
			FUZZ_ASSERT(rc == DECODE_TCP || rc == DECODE_NOT_TCP || rc == DECODE_FRAGMENT ||
				    rc == -EINVAL);
			FUZZ_ASSERT(rc != DECODE_FRAGMENT || p.family == 6);
		}
		ipfrag__held(r, &held);
		FUZZ_ASSERT(held <= MAX_BYTES);
	}
	ipfrag__free(r);
	return 0;
}
