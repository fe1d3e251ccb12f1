// SPDX-License-Identifier: GPL-2.0
/* The control-socket line parsers: a DUMP request as the daemon receives it from any local client
 * allowed on the socket, and a reply line as `tlsmon dump` receives it.
 *
 * Input: byte 0 bit 0 picks the parser (0: request, 1: reply); the line follows. An accepted
 * request must format back to a line that parses to the same request. */
#include <errno.h>
#include <string.h>

#include "daemon/ctl.h"
#include "fuzz.h"

static void request(const char *line, size_t len)
{
	struct ctl_request req, again;
	const char *why = NULL;
	char buf[CTL_MAX_REQUEST];
	int n, ret;

	memset(&req, 0xa5, sizeof(req));
	ret = ctl__parse_request(line, len, &req, &why);
	FUZZ_ASSERT(ret == 0 || ret == -EINVAL);
	if (ret) {
		FUZZ_ASSERT(why && strlen(why) < 256);
		return;
	}
	FUZZ_ASSERT(len < CTL_MAX_REQUEST);
	FUZZ_ASSERT(req.since_s <= CTL_MAX_SINCE);
	FUZZ_ASSERT(req.format == PCAP_FMT_PCAP || req.format == PCAP_FMT_PCAPNG);
	n = ctl__format_request(&req, buf, sizeof(buf));
	FUZZ_ASSERT(n > 0 && (size_t)n < sizeof(buf) && buf[n - 1] == '\n');
	FUZZ_ASSERT(ctl__parse_request(buf, (size_t)n - 1, &again, &why) == 0);
	FUZZ_ASSERT(again.since_s == req.since_s && again.format == req.format);
	/* Too small a buffer is refused, not overrun. */
	FUZZ_ASSERT(ctl__format_request(&req, buf, 4) == -E2BIG);
}

static void reply(const char *line, size_t len)
{
	struct ctl_reply r;
	char why[64];
	int ret;

	memset(why, 0x55, sizeof(why));
	ret = ctl__parse_reply(line, len, &r, why, sizeof(why));
	FUZZ_ASSERT(ret == 0 || ret == -EINVAL);
	if (ret)
		FUZZ_ASSERT(memchr(why, '\0', sizeof(why)));
	else
		FUZZ_ASSERT(r.format == PCAP_FMT_PCAP || r.format == PCAP_FMT_PCAPNG);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *line;

	if (size < 1)
		return 0;
	/* Exactly sized and not terminated: the parsers take (line, len). */
	line = malloc(size - 1 ? size - 1 : 1);
	FUZZ_ASSERT(line);
	memcpy(line, data + 1, size - 1);
	if (data[0] & 1)
		reply(line, size - 1);
	else
		request(line, size - 1);
	free(line);
	return 0;
}
