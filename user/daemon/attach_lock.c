// SPDX-License-Identifier: GPL-2.0
/* The per-interface attach lock: an abstract Unix socket name (see attach_lock.h for why not a
 * lock file). */
#include "daemon/attach_lock.h"

#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#define LOCK_PREFIX "tlsmon/attach/"

static socklen_t lock_addr(struct sockaddr_un *sa, int ifindex)
{
	int n;

	memset(sa, 0, sizeof(*sa));
	sa->sun_family = AF_UNIX;
	/* sun_path[0] = '\0': the abstract namespace; the name is the bytes after it, no NUL */
	n = snprintf(sa->sun_path + 1, sizeof(sa->sun_path) - 1, LOCK_PREFIX "%d", ifindex);
	return (socklen_t)(offsetof(struct sockaddr_un, sun_path) + 1 + (size_t)n);
}

/* The holder's pid, from the credentials its listening socket recorded; 0 if unknown (the
 * holder's short backlog is full of earlier probes, or its pid is not visible from here). */
static pid_t holder_pid(const struct sockaddr_un *sa, socklen_t len)
{
	struct ucred cred = { 0 };
	socklen_t clen = sizeof(cred);
	int fd;

	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return 0;
	if (connect(fd, (const struct sockaddr *)sa, len) ||
	    getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &clen))
		cred.pid = 0;
	close(fd);
	return cred.pid;
}

int attach_lock__take(int ifindex, const char *ifname, char *err, size_t err_size)
{
	struct sockaddr_un sa;
	socklen_t len = lock_addr(&sa, ifindex);
	pid_t pid;
	int fd, e;

	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		e = -errno;
		snprintf(err, err_size, "attach lock for %s: socket: %s", ifname, strerror(-e));
		return e;
	}
	/* Listening (never accepting) lets a refused instance learn our pid through SO_PEERCRED;
	 * a backlog of 4 bounds what its probes can queue here. */
	if (!bind(fd, (const struct sockaddr *)&sa, len) && !listen(fd, 4))
		return fd;
	e = -errno;
	close(fd);
	if (e != -EADDRINUSE) {
		snprintf(err, err_size, "attach lock for %s: %s", ifname, strerror(-e));
		return e;
	}
	pid = holder_pid(&sa, len);
	if (pid > 0)
		snprintf(err, err_size, "tlsmon is already attached to %s: pid %d holds its attach "
					"lock (@" LOCK_PREFIX "%d)", ifname, (int)pid, ifindex);
	else
		snprintf(err, err_size, "tlsmon is already attached to %s: another process holds its "
					"attach lock (@" LOCK_PREFIX "%d)", ifname, ifindex);
	return -EEXIST;
}
