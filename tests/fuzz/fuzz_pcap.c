// SPDX-License-Identifier: GPL-2.0
/* The capture-file reader (classic pcap and pcapng) on arbitrary file contents, and the L2-L4
 * decoder on every frame it returns.
 *
 * pcap_in has no memory API, so the input is handed over as a file: a pipe, opened through
 * /proc/self/fd. A pipe (unlike a memfd, which pcap_in would mmap with page granularity) is read
 * into an exactly sized heap buffer, so ASan sees a read even one byte past the end. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "capture/frame.h"
#include "fuzz.h"
#include "capture/pcap_in.h"

#define MAX_FRAMES 100000

static volatile uint8_t sink;

static bool write_all(int fd, const uint8_t *p, size_t len)
{
	while (len) {
		ssize_t n = write(fd, p, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return false;
		p += n;
		len -= (size_t)n;
	}
	return true;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct pcap_in *in;
	struct frame f;
	struct pkt pkt;
	char path[64];
	int fds[2], err, ret, n = 0;
	uint8_t x = 0;

	FUZZ_ASSERT(pipe2(fds, O_CLOEXEC) == 0);
	if (size > 65536 && fcntl(fds[1], F_SETPIPE_SZ, (int)size) < 0)
		goto out; /* bigger than a pipe can hold: not an input we can give */
	FUZZ_ASSERT(write_all(fds[1], data, size));
	close(fds[1]);
	fds[1] = -1;
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fds[0]);
	in = pcap_in__open(path, &err);
	if (!in) {
		/* -EBADMSG: corrupt or truncated gzip data (pcap_in.h) */
		FUZZ_ASSERT(err == -EINVAL || err == -E2BIG || err == -EBADMSG);
		goto out;
	}
	while ((ret = pcap_in__next(in, &f)) == 1) {
		FUZZ_ASSERT(++n <= MAX_FRAMES);
		/* a gzip-compressed input inflates: its frames may be longer than the input */
		FUZZ_ASSERT(f.caplen <= size || (size >= 2 && data[0] == 0x1f && data[1] == 0x8b));
		for (uint32_t i = 0; i < f.caplen; i++)
			x ^= f.data[i];
		ret = decode__frame(f.linktype, f.data, f.caplen, &pkt);
		FUZZ_ASSERT(ret == DECODE_TCP || ret == DECODE_NOT_TCP || ret == DECODE_FRAGMENT ||
			    ret == DECODE_TOO_DEEP || ret == -EINVAL || ret == -EPROTONOSUPPORT);
		if (ret == DECODE_TCP) {
			FUZZ_ASSERT(pkt.family == 4 || pkt.family == 6);
			FUZZ_ASSERT(pkt.payload_len <= f.caplen);
			FUZZ_ASSERT(!pkt.payload_len || (pkt.payload >= f.data &&
					pkt.payload + pkt.payload_len <= f.data + f.caplen));
		}
	}
	sink = x;
	FUZZ_ASSERT(ret == 0 || ret == -EINVAL);
	pcap_in__close(in);
out:
	close(fds[0]);
	if (fds[1] >= 0)
		close(fds[1]);
	return 0;
}
