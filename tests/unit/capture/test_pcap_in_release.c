// SPDX-License-Identifier: MIT
/* capture/pcap_in: pcap_in__release_before(), which `read -j` calls behind its workers. */
#include <errno.h>
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "check.h"
#include "capture/frame.h"
#include "capture/pcap_in.h"

#define SHARED_PCAPS "../shared/pcaps"

/* pcap_in__release_before() as `read -j` calls it, on the largest shared capture: the pages
 * behind the offset given are unmapped (an early frame's page is gone), and every frame after
 * it still reads as from a file kept whole, up to the end and the close. */
static void test_release_before(void)
{
	const char *path = SHARED_PCAPS "/zeek_tls-fragmented-handshake.pcap";
	long page = sysconf(_SC_PAGESIZE);
	struct pcap_in *in, *whole;
	struct frame f, g;
	const uint8_t *first = NULL;
	unsigned char vec;
	int err, ret, frames = 0, differ = 0, releases = 0;

	in = pcap_in__open(path, &err);
	whole = pcap_in__open(path, &err);
	CHECK(in != NULL && whole != NULL);
	if (!in || !whole)
		return;
	while ((ret = pcap_in__next(in, &f)) == 1) {
		CHECK_EQ(pcap_in__next(whole, &g), 1);
		frames++;
		differ += f.caplen != g.caplen || f.number != g.number || f.ts_ns != g.ts_ns ||
			  memcmp(f.data, g.data, f.caplen) != 0;
		if (!first)
			first = f.data;
		if (frames % 16 == 0) {
			pcap_in__release_before(in, pcap_in__offset(in));
			releases++;
		}
	}
	CHECK_EQ(ret, 0);
	CHECK_EQ(pcap_in__next(whole, &g), 0);
	CHECK(frames > 100);
	CHECK(releases > 0);
	CHECK_EQ(differ, 0);
	/* the first frame's page was released: no longer mapped */
	CHECK(first != NULL);
	if (first) {
		void *pg = (void *)((uintptr_t)first - (uintptr_t)first % (uintptr_t)page);

		errno = 0;
		CHECK(mincore(pg, (size_t)page, &vec) == -1 && errno == ENOMEM);
	}
	pcap_in__close(in);
	pcap_in__close(whole);
}

int main(void)
{
	/* a skipped test prints SKIP instead of PASS, so it is not counted twice */
	if (access(SHARED_PCAPS, R_OK | X_OK) == 0)
		RUN_TEST(test_release_before);
	else
		printf("SKIP test_release_before: %s not found (run from the repo root)\n",
		       SHARED_PCAPS);
	return CHECK_DONE();
}
