/* Reader for capture files: classic pcap (us/ns, either byte order) and pcapng (several
 * interfaces, each with its own linktype and timestamp resolution), also gzip-compressed. */
#ifndef TLSMON_PCAP_IN_H
#define TLSMON_PCAP_IN_H

#include "capture/frame.h"

struct pcap_in;

/* Open a capture file, plain or gzip-compressed. Returns NULL and sets *err (-errno; -EINVAL for
 * an unknown format, -EBADMSG for corrupt or truncated gzip data). */
struct pcap_in *pcap_in__open(const char *path, int *err);

/* The same from an open descriptor (a pipe too: stdin), read to its end; fd stays open. */
struct pcap_in *pcap_in__open_fd(int fd, int *err);

/* Next frame. Returns 1 with *out filled, 0 at end of file, -EINVAL for a corrupt file (a
 * truncated last record is end of file, not an error). out->data points into the whole file,
 * which is held (mapped, read or inflated) until pcap_in__close(): `read -j` hands frames to
 * its workers without copying them. */
int pcap_in__next(struct pcap_in *in, struct frame *out);

void pcap_in__close(struct pcap_in *in);

#endif
