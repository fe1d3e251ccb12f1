/* A consumer of a BPF ring buffer (BPF_MAP_TYPE_RINGBUF) that maps its data pages once. The
 * kernel can map them twice in a row, so that every record is contiguous, and libbpf's consumer
 * does: each page then counts twice in the reader's resident memory (8 MiB of ring was 16 MiB of
 * VmRSS). Here a record that wraps past the end is copied into a buffer first; the others are
 * handed over in place, as libbpf does. */
#ifndef TLSMON_RINGBUF_H
#define TLSMON_RINGBUF_H

#include <stddef.h>
#include <stdint.h>

/* A record: valid during the call only. A negative return stops the consumption there and is
 * returned (the record counts as read). */
typedef int (*ringbuf_sample_fn)(void *ctx, void *data, size_t size);

struct ringbuf;

/* The consumer of the ring buffer map map_fd; NULL with errno set on failure. */
struct ringbuf *ringbuf__new(int map_fd, ringbuf_sample_fn cb, void *ctx);
void ringbuf__free(struct ringbuf *rb);

/* Read every record written so far: their count (at most INT_MAX), or a negative errno. */
int ringbuf__consume(struct ringbuf *rb);

/* Wait up to timeout_ms (-1: no limit) for the kernel's wake-up, then read what is there: the
 * count of records read, or a negative errno (-EINTR included). */
int ringbuf__poll(struct ringbuf *rb, int timeout_ms);

/* An epoll descriptor that is readable when the kernel woke the reader (for a poll loop). */
int ringbuf__epoll_fd(const struct ringbuf *rb);

/* Records that wrapped past the end of the ring and were copied (tests). */
uint64_t ringbuf__wrapped(const struct ringbuf *rb);

#endif
