// SPDX-License-Identifier: GPL-2.0
/* The BPF ring buffer's layout (kernel/bpf/ringbuf.c): page 0 holds the consumer position, the
 * reader's to write; page 1 the producer position; the data pages follow, max_entries bytes, a
 * power of two. Each record is an 8-byte header (length, with the busy and discard bits) and its
 * bytes, rounded up to 8, at the producer position modulo the size. Only the consumer page is
 * mapped writable; the producer page and one copy of the data are mapped read-only. A header
 * never wraps (positions are multiples of 8 and the size is a multiple of 8); a record's bytes
 * can, and are then copied into wrap_buf. */
#include <errno.h>
#include <limits.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/mman.h>
#include <unistd.h>

#include <linux/bpf.h>
#include <bpf/bpf.h>

#include "capture/ringbuf.h"

struct ringbuf {
	ringbuf_sample_fn cb;
	void *ctx;
	int map_fd;
	int epoll_fd;
	size_t page;
	uint64_t size; /* data bytes, a power of two */
	uint64_t *consumer_pos; /* page 0, read-write */
	void *ro; /* the producer page, then the data */
	const uint8_t *data;
	uint8_t *wrap_buf; /* a wrapped record's bytes, contiguous */
	size_t wrap_cap;
	uint64_t wrapped;
};

static inline uint64_t load_acquire(const void *p)
{
	return __atomic_load_n((const uint64_t *)p, __ATOMIC_ACQUIRE);
}

static inline uint32_t load_acquire32(const void *p)
{
	return __atomic_load_n((const uint32_t *)p, __ATOMIC_ACQUIRE);
}

struct ringbuf *ringbuf__new(int map_fd, ringbuf_sample_fn cb, void *ctx)
{
	struct bpf_map_info info;
	uint32_t info_len = sizeof(info);
	struct epoll_event ev = { .events = EPOLLIN };
	struct ringbuf *rb;
	int e;

	memset(&info, 0, sizeof(info));
	if (bpf_obj_get_info_by_fd(map_fd, &info, &info_len))
		return NULL;
	if (info.type != BPF_MAP_TYPE_RINGBUF || !info.max_entries ||
	    (info.max_entries & (info.max_entries - 1))) {
		errno = EINVAL;
		return NULL;
	}
	rb = calloc(1, sizeof(*rb));
	if (!rb)
		return NULL;
	rb->cb = cb;
	rb->ctx = ctx;
	rb->map_fd = map_fd;
	rb->page = (size_t)sysconf(_SC_PAGESIZE);
	rb->size = info.max_entries;
	rb->consumer_pos = MAP_FAILED;
	rb->ro = MAP_FAILED;
	rb->epoll_fd = epoll_create1(EPOLL_CLOEXEC);
	if (rb->epoll_fd < 0)
		goto cleanup;
	rb->consumer_pos =
		mmap(NULL, rb->page, PROT_READ | PROT_WRITE, MAP_SHARED, map_fd, 0);
	if (rb->consumer_pos == MAP_FAILED)
		goto cleanup;
	rb->ro = mmap(NULL, rb->page + rb->size, PROT_READ, MAP_SHARED, map_fd, (off_t)rb->page);
	if (rb->ro == MAP_FAILED)
		goto cleanup;
	rb->data = (const uint8_t *)rb->ro + rb->page;
	if (epoll_ctl(rb->epoll_fd, EPOLL_CTL_ADD, map_fd, &ev) < 0)
		goto cleanup;
	return rb;
cleanup:
	e = errno;
	ringbuf__free(rb);
	errno = e;
	return NULL;
}

void ringbuf__free(struct ringbuf *rb)
{
	if (!rb)
		return;
	if (rb->ro != MAP_FAILED)
		munmap(rb->ro, rb->page + rb->size);
	if (rb->consumer_pos != MAP_FAILED)
		munmap(rb->consumer_pos, rb->page);
	if (rb->epoll_fd >= 0)
		close(rb->epoll_fd);
	free(rb->wrap_buf);
	free(rb);
}

/* The record's bytes at offset off (past its header), len of them, contiguous; NULL without
 * memory for a wrapped one. */
static void *record_bytes(struct ringbuf *rb, uint64_t off, uint32_t len)
{
	uint64_t first;

	off &= rb->size - 1;
	if (off + len <= rb->size)
		return (void *)(rb->data + off);
	if (len > rb->wrap_cap) {
		uint8_t *n = realloc(rb->wrap_buf, len);

		if (!n)
			return NULL;
		rb->wrap_buf = n;
		rb->wrap_cap = len;
	}
	first = rb->size - off;
	memcpy(rb->wrap_buf, rb->data + off, first);
	memcpy(rb->wrap_buf + first, rb->data, len - first);
	rb->wrapped++;
	return rb->wrap_buf;
}

/* As libbpf's ringbuf_process_ring(): read until the producer position, again while records
 * keep coming, and publish the consumer position after each record. */
int ringbuf__consume(struct ringbuf *rb)
{
	uint64_t cons = load_acquire(rb->consumer_pos), prod;
	int64_t n = 0;
	bool more = true;

	while (more) {
		more = false;
		prod = load_acquire((const uint8_t *)rb->ro);
		while (cons < prod) {
			const uint8_t *hdr = rb->data + (cons & (rb->size - 1));
			uint32_t len = load_acquire32(hdr), bytes;
			uint64_t at = cons + BPF_RINGBUF_HDR_SZ;
			void *rec;
			int r = 0;

			if (len & BPF_RINGBUF_BUSY_BIT)
				goto done;
			more = true;
			bytes = len & ~(uint32_t)BPF_RINGBUF_DISCARD_BIT;
			cons += (BPF_RINGBUF_HDR_SZ + (uint64_t)bytes + 7) & ~(uint64_t)7;
			if (!(len & BPF_RINGBUF_DISCARD_BIT)) {
				rec = record_bytes(rb, at, bytes);
				r = rec ? rb->cb(rb->ctx, rec, bytes) : -ENOMEM;
				if (r >= 0)
					n++;
			}
			__atomic_store_n(rb->consumer_pos, cons, __ATOMIC_RELEASE);
			if (r < 0)
				return r;
		}
	}
done:
	return n > INT_MAX ? INT_MAX : (int)n;
}

int ringbuf__poll(struct ringbuf *rb, int timeout_ms)
{
	struct epoll_event ev;
	int n = epoll_wait(rb->epoll_fd, &ev, 1, timeout_ms);

	if (n < 0)
		return -errno;
	return n ? ringbuf__consume(rb) : 0;
}

int ringbuf__epoll_fd(const struct ringbuf *rb)
{
	return rb->epoll_fd;
}

uint64_t ringbuf__wrapped(const struct ringbuf *rb)
{
	return rb->wrapped;
}
