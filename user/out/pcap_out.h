/* Writers for capture files: classic pcap (one linktype per file) and pcapng (one interface per
 * linktype, nanosecond timestamps, per-packet comments). Frames are appended to a memory buffer;
 * pcap_out__save() puts a buffer into a new file (never over an existing one), gzip optional. */
#ifndef TLSMON_PCAP_OUT_H
#define TLSMON_PCAP_OUT_H

#include <stdbool.h>
#include <stdint.h>

#include "capture/frame.h"
#include "util/sbuf.h"

enum pcap_format {
	PCAP_FMT_PCAP = 0,
	PCAP_FMT_PCAPNG = 1,
};

#define PCAP_OUT_SNAPLEN 262144
#define PCAP_OUT_MAX_IFACES 16 /* distinct linktypes in one pcapng section */
#define PCAP_OUT_MAX_COMMENT 2048 /* bytes of one comment (longer ones are cut) */

struct pcap_out {
	struct sbuf *out;
	enum pcap_format fmt;
	uint16_t linktype; /* classic pcap: the file's linktype */
	int n_ifaces; /* pcapng: interfaces described so far, by linktype */
	uint16_t iface_linktype[PCAP_OUT_MAX_IFACES];
	uint64_t frames;
};

/* "pcap" / "pcapng", and back (-EINVAL for anything else). */
const char *pcap_out__format_name(enum pcap_format fmt);
int pcap_out__parse_format(const char *s, enum pcap_format *fmt);

/* Start a file in out: the pcap global header (linktype is the file's) or the pcapng section
 * header (linktype unused: interfaces are added as frames need them). */
void pcap_out__begin(struct pcap_out *w, struct sbuf *out, enum pcap_format fmt, uint16_t linktype);

/* Append one frame with its original timestamp. comments (pcapng only, may be NULL) become
 * opt_comment options of the packet block. Returns 0, -EINVAL when a classic pcap file gets a
 * frame of another linktype, -E2BIG for more linktypes than PCAP_OUT_MAX_IFACES, or -ENOMEM. */
int pcap_out__frame(struct pcap_out *w, const struct frame *f, const char *const *comments,
		    int n_comments);

/* Create path (O_CREAT|O_EXCL, mode 0600, no symlink followed) and write len bytes of buf, gzip
 * compressed when gzip is set. Returns 0 or -errno (-EEXIST: the file exists, left untouched).
 * A failed write removes the partial file. */
int pcap_out__save(const char *path, const void *buf, size_t len, bool gzip);

#endif
