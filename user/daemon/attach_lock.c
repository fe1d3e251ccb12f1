// SPDX-License-Identifier: GPL-2.0
/* The per-interface attach lock: an abstract Unix socket name (see attach_lock.h for why not a
 * lock file). */
#include "daemon/attach_lock.h"

#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "util/sbuf.h"

#define LOCK_PREFIX "tlsmon/attach/"
/* enum bpf_attach_type values for TCX (Linux 6.6+), newer than Debian 12's UAPI headers */
#define TCX_INGRESS 46
#define TCX_EGRESS 47
#define QUERY_MAX 64

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

static int add_if_unnamed(uint32_t id, uint32_t *ids, int n, int max)
{
	int fd;

	if (!id)
		return n;
	fd = bpf_prog_get_fd_by_id(id);
	if (fd >= 0) {
		close(fd); /* nameable: live_bpf__attach() tells a tlsmon from the rest itself */
		return n;
	}
	if (errno != EPERM)
		return n; /* gone meanwhile */
	if (n < max)
		ids[n] = id;
	return n + 1;
}

int attach_lock__unnamed_note(int ifindex, const char *ifname, char *note, size_t note_size)
{
	static const int tcx[] = { TCX_INGRESS, TCX_EGRESS };
	LIBBPF_OPTS(bpf_xdp_query_opts, xq);
	__u32 q_ids[QUERY_MAX];
	uint32_t ids[8];
	struct sbuf b;
	int n = 0;

	if (!bpf_xdp_query(ifindex, 0, &xq)) {
		n = add_if_unnamed(xq.drv_prog_id, ids, n, 8);
		n = add_if_unnamed(xq.skb_prog_id, ids, n, 8);
		n = add_if_unnamed(xq.hw_prog_id, ids, n, 8);
	}
	for (size_t t = 0; t < sizeof(tcx) / sizeof(tcx[0]); t++) {
		LIBBPF_OPTS(bpf_prog_query_opts, q, .prog_ids = q_ids, .prog_cnt = QUERY_MAX);

		/* kernels before 6.6 answer EINVAL: no TCX */
		if (bpf_prog_query_opts(ifindex, (enum bpf_attach_type)tcx[t], &q))
			continue;
		for (__u32 i = 0; i < q.prog_cnt && i < QUERY_MAX; i++)
			n = add_if_unnamed(q_ids[i], ids, n, 8);
	}
	if (!n)
		return 0;
	sbuf__init_fixed(&b, note, note_size);
	sbuf__printf(&b, "%s carries BPF programs whose names this user may not read (ids", ifname);
	for (int i = 0; i < n && i < 8; i++)
		sbuf__printf(&b, " %u", ids[i]);
	sbuf__printf(&b, "%s; that needs CAP_SYS_ADMIN): if one is a tlsmon older than the attach "
			 "lock, both count every handshake", n > 8 ? " ..." : "");
	return 1;
}
