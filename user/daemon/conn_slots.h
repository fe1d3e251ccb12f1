/* Connection slots shared by the daemon's two small servers (/metrics in http.c, the control
 * socket in ctl.c): a bounded array of non-blocking connections that read a request, then write
 * a reply, each with a deadline, and the one dispatch of a poll round over them. Each server's
 * connection struct begins with struct conn_slot; the functions walk the array by the caller's
 * element size. The protocols stay in the servers. */
#ifndef TLSMON_CONN_SLOTS_H
#define TLSMON_CONN_SLOTS_H

#include <poll.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct conn_slot {
	int fd; /* -1: free */
	bool writing; /* request read, reply being sent */
	/* Poll for the other direction than writing says: a TLS read that must first write
	 * (handshake), or a TLS write that must first read. read() or write() still follows
	 * writing. Cleared by accept. */
	bool poll_reverse;
	uint64_t deadline_ms; /* monotonic; the connection is dropped past it */
};

/* A server as conn_slots__dispatch() drives it: its listener, its slots, and its protocol. A
 * free slot must hold a fresh request state (close() leaves it so), because a connection is
 * accepted straight into it. */
struct conn_server {
	int lfd; /* non-blocking listener */
	void *slots;
	size_t stride;
	int n;
	uint64_t timeout_ms; /* a new connection's deadline, from its accept */
	/* revents that close a connection at once; others go to read() or write(), whose own
	 * read or send then meets the error */
	short close_events;
	/* The connection is ready: read() while it reads its request, write() once writing. */
	void (*read)(struct conn_slot *slot, void *ctx, uint64_t now_ms);
	void (*write)(struct conn_slot *slot, void *ctx, uint64_t now_ms);
	/* Close the descriptor, mark the slot free, reset its request state. */
	void (*close)(struct conn_slot *slot, void *ctx);
	void *ctx;
	uint64_t *dropped; /* counts evicted, refused and timed-out connections */
};

/* Mark all n slots free. */
void conn_slots__init(void *slots, size_t stride, int n);

/* The listener plus one entry per open connection (POLLIN while reading, POLLOUT while
 * writing); returns how many of max were filled. */
int conn_slots__pollfds(int lfd, void *slots, size_t stride, int n, struct pollfd *fds, int max);

/* Where a newly accepted connection goes: a free slot, else the connection that has waited
 * longest without completing its request (slow or idle clients must not lock others out; the
 * caller closes it first, and counts it), else NULL: every slot is sending, refuse. */
struct conn_slot *conn_slots__pick(void *slots, size_t stride, int n);

/* Accept the next pending connection on the non-blocking listener lfd into the slot that
 * conn_slots__pick() gives; the connection that gives way is closed through evict(slot, ctx)
 * first. Connections refused because every slot is sending are closed here. Evictions and
 * refusals both count in *dropped. Returns the slot with its fd and deadline set and writing
 * cleared (the caller resets its own request state), or NULL once nothing is pending. */
struct conn_slot *conn_slots__accept(int lfd, void *slots, size_t stride, int n,
				     uint64_t deadline_ms,
				     void (*evict)(struct conn_slot *slot, void *ctx), void *ctx,
				     uint64_t *dropped);

/* The open slot with this descriptor, or NULL. */
struct conn_slot *conn_slots__find(void *slots, size_t stride, int n, int fd);

/* The next open slot past its deadline at or after *cursor (start at 0), or NULL. */
struct conn_slot *conn_slots__next_expired(void *slots, size_t stride, int n, uint64_t now_ms,
					   int *cursor);

/* One poll round of a server: fds (n of them, as conn_slots__pollfds() filled them, with
 * revents set by poll()) accepts what the listener has pending, reads or writes each ready
 * connection, then closes those past their deadline. Entries of other descriptors are ignored. */
void conn_slots__dispatch(const struct conn_server *srv, const struct pollfd *fds, int n,
			  uint64_t now_ms);

#endif
