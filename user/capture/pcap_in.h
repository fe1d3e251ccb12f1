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
 * which is held (mapped, read or inflated) until pcap_in__close() (or, mapped, the frames'
 * pcap_in__release_before()): `read -j` hands frames to its workers without copying them. */
int pcap_in__next(struct pcap_in *in, struct frame *out);

/* Where the next record starts: the bytes of every frame returned so far lie before it. */
size_t pcap_in__offset(const struct pcap_in *in);

/* The frames before offset off (a pcap_in__offset() value) are done with: a mapped file lets go
 * of their pages now (whole pages), instead of all at pcap_in__close(), where taking down the
 * mapping of a large file is time that nothing else overlaps (about 10 ms for 420 MB). Their
 * bytes must not be read again. A file read into memory is kept whole. */
void pcap_in__release_before(struct pcap_in *in, size_t off);

/* The whole input every frame's data points into (*size bytes), readable and unchanged until
 * pcap_in__close() as long as pcap_in__release_before() is not called; NULL once it was. */
const uint8_t *pcap_in__bytes(const struct pcap_in *in, size_t *size);

void pcap_in__close(struct pcap_in *in);

#endif
