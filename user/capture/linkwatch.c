// SPDX-License-Identifier: GPL-2.0
#include "capture/linkwatch.h"

#include <errno.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

struct watched {
	int ifindex;
	char name[IF_NAMESIZE];
	bool up; /* IFF_UP and IFF_RUNNING when last seen */
	bool gone;
};

struct linkwatch {
	int fd;
	int n;
	int n_gone;
	struct watched w[LINKWATCH_MAX];
};

struct linkwatch *linkwatch__open(const char *const *names, int n, int *err)
{
	struct sockaddr_nl sa = { .nl_family = AF_NETLINK, .nl_groups = RTMGRP_LINK };
	struct linkwatch *lw;

	if (n > LINKWATCH_MAX) {
		*err = -E2BIG;
		return NULL;
	}
	lw = calloc(1, sizeof(*lw));
	if (!lw) {
		*err = -ENOMEM;
		return NULL;
	}
	for (int i = 0; i < n; i++) {
		lw->w[i].ifindex = (int)if_nametoindex(names[i]);
		snprintf(lw->w[i].name, sizeof(lw->w[i].name), "%s", names[i]);
		lw->w[i].up = true;
	}
	lw->n = n;
	lw->fd = socket(AF_NETLINK, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC, NETLINK_ROUTE);
	if (lw->fd < 0 || bind(lw->fd, (struct sockaddr *)&sa, sizeof(sa))) {
		*err = -errno;
		linkwatch__close(lw);
		return NULL;
	}
	return lw;
}

void linkwatch__close(struct linkwatch *lw)
{
	if (!lw)
		return;
	if (lw->fd >= 0)
		close(lw->fd);
	free(lw);
}

int linkwatch__fd(const struct linkwatch *lw)
{
	return lw->fd;
}

static struct watched *find(struct linkwatch *lw, int ifindex)
{
	for (int i = 0; i < lw->n; i++)
		if (lw->w[i].ifindex == ifindex && !lw->w[i].gone)
			return &lw->w[i];
	return NULL;
}

/* RFC 3549 / rtnetlink(7): RTM_NEWLINK carries the link's flags, RTM_DELLINK its removal. */
static void on_message(struct linkwatch *lw, const struct nlmsghdr *nh, FILE *log)
{
	const struct ifinfomsg *ifi = NLMSG_DATA(nh);
	struct watched *w;
	bool up;

	if (nh->nlmsg_len < NLMSG_LENGTH(sizeof(*ifi)))
		return;
	w = find(lw, ifi->ifi_index);
	if (!w)
		return;
	if (nh->nlmsg_type == RTM_DELLINK) {
		w->gone = true;
		lw->n_gone++;
		fprintf(log, "tlsmon: interface %s was deleted; its programs went with it\n", w->name);
		return;
	}
	if (nh->nlmsg_type != RTM_NEWLINK)
		return;
	up = (ifi->ifi_flags & IFF_UP) && (ifi->ifi_flags & IFF_RUNNING);
	if (up == w->up)
		return;
	w->up = up;
	fprintf(log, "tlsmon: interface %s is %s%s\n", w->name, up ? "up again" : "down",
		up ? "; watching it as before" : "; programs stay attached");
}

int linkwatch__handle(struct linkwatch *lw, FILE *log)
{
	char buf[16384] __attribute__((aligned(4)));
	ssize_t len;

	while ((len = recv(lw->fd, buf, sizeof(buf), MSG_DONTWAIT)) > 0) {
		for (struct nlmsghdr *nh = (struct nlmsghdr *)buf; NLMSG_OK(nh, (size_t)len);
		     nh = NLMSG_NEXT(nh, len))
			on_message(lw, nh, log);
	}
	if (len < 0 && errno == ENOBUFS)
		fprintf(log, "tlsmon: link notifications overflowed; some interface changes were "
			     "not seen\n");
	return lw->n - lw->n_gone;
}
