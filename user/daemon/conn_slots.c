// SPDX-License-Identifier: GPL-2.0
#include "daemon/conn_slots.h"

#include <sys/socket.h>
#include <unistd.h>

static struct conn_slot *at(void *slots, size_t stride, int i)
{
	return (struct conn_slot *)((char *)slots + (size_t)i * stride);
}

void conn_slots__init(void *slots, size_t stride, int n)
{
	for (int i = 0; i < n; i++) {
		at(slots, stride, i)->fd = -1;
		at(slots, stride, i)->writing = false;
		at(slots, stride, i)->poll_reverse = false;
	}
}

int conn_slots__pollfds(int lfd, void *slots, size_t stride, int n, struct pollfd *fds, int max)
{
	int k = 0;

	if (max < 1)
		return 0;
	fds[k++] = (struct pollfd){ .fd = lfd, .events = POLLIN };
	for (int i = 0; i < n && k < max; i++) {
		struct conn_slot *c = at(slots, stride, i);

		if (c->fd >= 0)
			fds[k++] = (struct pollfd){ .fd = c->fd,
						    .events = c->writing != c->poll_reverse ? POLLOUT :
											      POLLIN };
	}
	return k;
}

struct conn_slot *conn_slots__pick(void *slots, size_t stride, int n)
{
	struct conn_slot *oldest = NULL;

	for (int i = 0; i < n; i++) {
		struct conn_slot *c = at(slots, stride, i);

		if (c->fd < 0)
			return c;
		if (!c->writing && (!oldest || c->deadline_ms < oldest->deadline_ms))
			oldest = c;
	}
	return oldest;
}

struct conn_slot *conn_slots__accept(int lfd, void *slots, size_t stride, int n,
				     uint64_t deadline_ms,
				     void (*evict)(struct conn_slot *slot, void *ctx), void *ctx,
				     uint64_t *dropped)
{
	for (;;) {
		int fd = accept4(lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
		struct conn_slot *c;

		if (fd < 0)
			return NULL;
		c = conn_slots__pick(slots, stride, n);
		if (!c) {
			(*dropped)++;
			close(fd);
			continue;
		}
		if (c->fd >= 0) {
			(*dropped)++;
			evict(c, ctx);
		}
		c->fd = fd;
		c->deadline_ms = deadline_ms;
		c->writing = false;
		c->poll_reverse = false;
		return c;
	}
}

struct conn_slot *conn_slots__find(void *slots, size_t stride, int n, int fd)
{
	for (int i = 0; i < n; i++)
		if (at(slots, stride, i)->fd == fd)
			return at(slots, stride, i);
	return NULL;
}

struct conn_slot *conn_slots__next_expired(void *slots, size_t stride, int n, uint64_t now_ms,
					   int *cursor)
{
	while (*cursor < n) {
		struct conn_slot *c = at(slots, stride, (*cursor)++);

		if (c->fd >= 0 && now_ms > c->deadline_ms)
			return c;
	}
	return NULL;
}

static void evict(struct conn_slot *slot, void *ctx)
{
	const struct conn_server *srv = ctx;

	srv->close(slot, srv->ctx);
}

void conn_slots__dispatch(const struct conn_server *srv, const struct pollfd *fds, int n,
			  uint64_t now_ms)
{
	struct conn_slot *c;
	int cursor = 0;

	for (int i = 0; i < n; i++) {
		if (!fds[i].revents)
			continue;
		if (fds[i].fd == srv->lfd) {
			while (conn_slots__accept(srv->lfd, srv->slots, srv->stride, srv->n,
						  now_ms + srv->timeout_ms, evict, (void *)srv,
						  srv->dropped))
				;
			continue;
		}
		c = conn_slots__find(srv->slots, srv->stride, srv->n, fds[i].fd);
		if (!c)
			continue;
		if (fds[i].revents & srv->close_events)
			srv->close(c, srv->ctx);
		else if (c->writing)
			srv->write(c, srv->ctx, now_ms);
		else
			srv->read(c, srv->ctx, now_ms);
	}
	while ((c = conn_slots__next_expired(srv->slots, srv->stride, srv->n, now_ms, &cursor))) {
		(*srv->dropped)++;
		srv->close(c, srv->ctx);
	}
}
