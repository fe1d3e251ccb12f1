/* What the engine's flood tests (test_engine_flood.c, test_engine_hello_flood.c) share: the
 * IPv4/TCP frame of one flow of a flood, the process's resident memory, and whether
 * AddressSanitizer's allocator (which makes heap and RSS figures meaningless) is in. */
#ifndef TLSMON_TEST_FLOOD_FRAMES_H
#define TLSMON_TEST_FLOOD_FRAMES_H

#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "verdict/engine.h"
#include "pkt_build.h"

#if defined(__SANITIZE_ADDRESS__)
#define UNDER_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define UNDER_ASAN 1
#endif
#endif
#ifndef UNDER_ASAN
#define UNDER_ASAN 0
#endif

#define FLOOD_SERVER_PORT 443

/* The process's resident set in kB (/proc/self/statm), -1 when unreadable. */
static inline long rss_kb(void)
{
	long pages = 0, resident = 0;
	FILE *f = fopen("/proc/self/statm", "r");

	if (!f)
		return -1;
	if (fscanf(f, "%ld %ld", &pages, &resident) != 2)
		resident = -1;
	fclose(f);
	return resident < 0 ? -1 : resident * (sysconf(_SC_PAGESIZE) / 1024);
}

/* Flow's IPv4/TCP frame from 10.1.x.y:port to 10.0.0.2:443, n bytes of data, into pkt (room for
 * 40 + n); its TCP checksum left 0 (unverifiable). Returns its length. */
static inline size_t flood_pkt(uint8_t *pkt, uint32_t flow, uint8_t flags, uint32_t seq,
			       const uint8_t *data, size_t n)
{
	memset(pkt, 0, 40);
	pkt[0] = 0x45;
	put16(pkt + 2, (uint16_t)(40 + n));
	pkt[8] = 64;
	pkt[9] = 6;
	put32(pkt + 12, 0x0a010000 + (flow >> 14));
	put32(pkt + 16, 0x0a000002);
	put16(pkt + 20, (uint16_t)(1024 + (flow & 0x3fff)));
	put16(pkt + 22, FLOOD_SERVER_PORT);
	put32(pkt + 24, seq);
	pkt[32] = 5 << 4;
	pkt[33] = flags;
	put16(pkt + 34, 65535);
	if (n)
		memcpy(pkt + 40, data, n);
	return 40 + n;
}

/* pkt (LINKTYPE_RAW) into the engine, captured at ts. */
static inline void flood_feed(struct engine *e, uint64_t ts, const uint8_t *pkt, size_t len)
{
	struct frame f = { 0 };

	f.data = pkt;
	f.caplen = f.wirelen = (uint32_t)len;
	f.linktype = LINKTYPE_RAW;
	f.ts_ns = ts;
	engine__feed(e, &f);
}

#endif
