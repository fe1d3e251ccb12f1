/* Classic pcap files written with stdio by the tools that make test and benchmark captures
 * (tools/pcapgen.c, bench/hsgen.c): microsecond timestamps, this host's byte order
 * (pcap-savefile(5)). tlsmon's own writer, user/out/pcap_out.c, is another thing: nanosecond pcap or
 * pcapng assembled in memory for files it must never overwrite; these tools stream captures of
 * any size to a path they may replace. */
#ifndef TLSMON_PCAP_WRITE_H
#define TLSMON_PCAP_WRITE_H

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

/* The file header: magic 0xa1b2c3d4 (microseconds), version 2.4, no zone or sigfigs. */
static inline int pcap_write_header(FILE *f, uint32_t snaplen, uint32_t linktype)
{
	uint32_t magic = 0xa1b2c3d4, zone = 0, sigfigs = 0;
	uint16_t major = 2, minor = 4;
	uint8_t hdr[24];

	memcpy(hdr, &magic, 4);
	memcpy(hdr + 4, &major, 2);
	memcpy(hdr + 6, &minor, 2);
	memcpy(hdr + 8, &zone, 4);
	memcpy(hdr + 12, &sigfigs, 4);
	memcpy(hdr + 16, &snaplen, 4);
	memcpy(hdr + 20, &linktype, 4);
	return fwrite(hdr, sizeof(hdr), 1, f) == 1 ? 0 : -EIO;
}

/* One record: its header (time, captured and original length, both len) and the frame. */
static inline int pcap_write_frame(FILE *f, uint64_t ts_us, const void *frame, uint32_t len)
{
	uint32_t rec[4] = { (uint32_t)(ts_us / 1000000u), (uint32_t)(ts_us % 1000000u), len, len };

	if (fwrite(rec, sizeof(rec), 1, f) != 1 || (len && fwrite(frame, len, 1, f) != 1))
		return -EIO;
	return 0;
}

#endif
