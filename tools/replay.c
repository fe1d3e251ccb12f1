// SPDX-License-Identifier: GPL-2.0
/* replay: many real TCP connections that carry recorded handshake byte streams, no crypto. Both
 * ends run this tool with the same turn list (c:FILE = bytes the client sends, s:FILE = bytes the
 * server sends, in order); each side writes its own turns and reads exactly the other side's. The
 * server closes first once its turns are done, so TIME_WAIT stays on the server and the client's
 * ephemeral ports are not exhausted; the client counts a connection complete when it has read
 * every server byte and the server's FIN.
 *
 *   replay server -l IP:PORT [-d SECONDS] TURN...
 *   replay client -s IP:PORT [-c CONCURRENCY] [-r RATE] [-n COUNT] [-d SECONDS] TURN...
 *
 * The client prints "replay: completed=N failed=N seconds=S rate=R conn/s". Used by
 * bench/capture_load.sh between two network namespaces. */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define MAX_TURNS 32
#define MAX_TURN_BYTES (1u << 20)
#define MAX_EVENTS 256

struct turn {
	bool client; /* sent by the client */
	uint8_t *data;
	size_t len;
};

enum cstate { C_FREE, C_CONNECTING, C_TURNS, C_WAIT_EOF };

struct conn {
	enum cstate st;
	int turn;
	size_t off;
	uint32_t events;
};

struct replay {
	bool server;
	struct turn turns[MAX_TURNS];
	int nturns;
	struct sockaddr_storage addr;
	socklen_t addrlen;
	uint32_t concurrency;
	double rate; /* connections started per second; 0 = as fast as possible */
	uint64_t count; /* 0 = unbounded */
	double seconds;
	int ep;
	struct conn *conns; /* indexed by fd */
	int maxfd;
	uint64_t started, completed, failed, active;
};

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void usage(FILE *out)
{
	fprintf(out,
		"usage: replay server -l IP:PORT [-d SECONDS] TURN...\n"
		"       replay client -s IP:PORT [-c CONCURRENCY] [-r RATE] [-n COUNT] [-d SECONDS]\n"
		"                     TURN...\n"
		"Replays recorded TCP byte streams over real connections, as fast as it can.\n"
		"  TURN is c:FILE (the client sends FILE) or s:FILE (the server sends FILE), in order;\n"
		"  both ends get the same list.\n"
		"  -c N   connections open at once (client, default 16)\n"
		"  -r R   start at most R connections per second (client; default: no limit)\n"
		"  -n N   connections to make (client; default: until -d runs out)\n"
		"  -d S   client: stop starting connections after S seconds (default 5 when no -n);\n"
		"         server: exit after S seconds (default 600)\n");
}

static int parse_addr(const char *s, struct sockaddr_storage *ss, socklen_t *len)
{
	char host[128];
	const char *colon = strrchr(s, ':');
	struct sockaddr_in *a4 = (struct sockaddr_in *)ss;
	struct sockaddr_in6 *a6 = (struct sockaddr_in6 *)ss;
	size_t hl;
	long port;

	if (!colon || colon == s)
		return -EINVAL;
	port = strtol(colon + 1, NULL, 10);
	if (port <= 0 || port > 65535)
		return -EINVAL;
	hl = (size_t)(colon - s);
	if (s[0] == '[' && hl >= 2 && s[hl - 1] == ']') {
		s++;
		hl -= 2;
	}
	if (hl >= sizeof(host))
		return -EINVAL;
	memcpy(host, s, hl);
	host[hl] = 0;
	memset(ss, 0, sizeof(*ss));
	if (inet_pton(AF_INET, host, &a4->sin_addr) == 1) {
		a4->sin_family = AF_INET;
		a4->sin_port = htons((uint16_t)port);
		*len = sizeof(*a4);
		return 0;
	}
	if (inet_pton(AF_INET6, host, &a6->sin6_addr) == 1) {
		a6->sin6_family = AF_INET6;
		a6->sin6_port = htons((uint16_t)port);
		*len = sizeof(*a6);
		return 0;
	}
	return -EINVAL;
}

static int load_turn(const char *arg, struct turn *t)
{
	struct stat st;
	FILE *f;

	if ((arg[0] != 'c' && arg[0] != 's') || arg[1] != ':')
		return -EINVAL;
	t->client = arg[0] == 'c';
	f = fopen(arg + 2, "rb");
	if (!f)
		return -errno;
	if (fstat(fileno(f), &st) || st.st_size <= 0 || st.st_size > MAX_TURN_BYTES) {
		fclose(f);
		return -E2BIG;
	}
	t->len = (size_t)st.st_size;
	t->data = malloc(t->len);
	if (!t->data || fread(t->data, 1, t->len, f) != t->len) {
		fclose(f);
		return -EIO;
	}
	fclose(f);
	return 0;
}

static int raise_nofile(void)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl))
		return 1024;
	rl.rlim_cur = rl.rlim_max;
	if (rl.rlim_cur > (1u << 20))
		rl.rlim_cur = 1u << 20;
	setrlimit(RLIMIT_NOFILE, &rl);
	getrlimit(RLIMIT_NOFILE, &rl);
	return (int)rl.rlim_cur;
}

static void set_events(struct replay *r, int fd, uint32_t ev)
{
	struct epoll_event e = { .events = ev, .data.fd = fd };

	if (r->conns[fd].events == ev)
		return;
	r->conns[fd].events = ev;
	epoll_ctl(r->ep, EPOLL_CTL_MOD, fd, &e);
}

static void conn_close(struct replay *r, int fd, bool ok)
{
	if (r->conns[fd].st == C_FREE)
		return;
	epoll_ctl(r->ep, EPOLL_CTL_DEL, fd, NULL);
	close(fd);
	r->conns[fd].st = C_FREE;
	r->active--;
	if (!r->server) {
		if (ok)
			r->completed++;
		else
			r->failed++;
	}
}

static int conn_add(struct replay *r, int fd, enum cstate st, uint32_t ev)
{
	struct epoll_event e = { .events = ev, .data.fd = fd };

	if (fd >= r->maxfd || epoll_ctl(r->ep, EPOLL_CTL_ADD, fd, &e)) {
		close(fd);
		return -1;
	}
	r->conns[fd] = (struct conn){ .st = st, .events = ev };
	r->active++;
	return 0;
}

/* Whose turn it is decides the direction; the last turn done, the server closes and the client
 * waits for that FIN. */
static void conn_step(struct replay *r, int fd)
{
	struct conn *c = &r->conns[fd];
	uint8_t sink[16384];

	while (c->st == C_TURNS && c->turn < r->nturns) {
		const struct turn *t = &r->turns[c->turn];
		bool mine = t->client != r->server;
		ssize_t n;

		if (mine) {
			n = send(fd, t->data + c->off, t->len - c->off, MSG_NOSIGNAL);
		} else {
			size_t want = t->len - c->off;

			n = recv(fd, sink, want < sizeof(sink) ? want : sizeof(sink), 0);
			if (n == 0) {
				conn_close(r, fd, false);
				return;
			}
		}
		if (n < 0) {
			if (errno == EAGAIN || errno == EINTR) {
				set_events(r, fd, mine ? EPOLLOUT : EPOLLIN);
				return;
			}
			conn_close(r, fd, false);
			return;
		}
		c->off += (size_t)n;
		if (c->off == t->len) {
			c->turn++;
			c->off = 0;
		}
	}
	if (c->st == C_TURNS && r->server) {
		conn_close(r, fd, true);
		return;
	}
	if (c->st == C_TURNS)
		c->st = C_WAIT_EOF;
	while (c->st == C_WAIT_EOF) {
		ssize_t n = recv(fd, sink, sizeof(sink), 0);

		if (n == 0) {
			conn_close(r, fd, true);
			return;
		}
		if (n > 0) { /* the server sent more than recorded */
			conn_close(r, fd, false);
			return;
		}
		if (errno == EAGAIN || errno == EINTR) {
			set_events(r, fd, EPOLLIN);
			return;
		}
		conn_close(r, fd, false);
		return;
	}
}

static int client_start(struct replay *r)
{
	int fd = socket(r->addr.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	int one = 1;

	if (fd < 0)
		return -1;
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	r->started++;
	if (connect(fd, (struct sockaddr *)&r->addr, r->addrlen) && errno != EINPROGRESS) {
		close(fd);
		r->failed++;
		return -1;
	}
	if (conn_add(r, fd, C_CONNECTING, EPOLLOUT)) {
		r->failed++;
		return -1;
	}
	return 0;
}

static void client_event(struct replay *r, int fd, uint32_t ev)
{
	struct conn *c = &r->conns[fd];

	if (c->st == C_CONNECTING) {
		int err = 0;
		socklen_t l = sizeof(err);

		getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &l);
		if (err) {
			conn_close(r, fd, false);
			return;
		}
		c->st = C_TURNS;
	} else if ((ev & (EPOLLERR | EPOLLHUP)) && !(ev & EPOLLIN)) {
		conn_close(r, fd, false);
		return;
	}
	conn_step(r, fd);
}

static int run_client(struct replay *r)
{
	struct epoll_event evs[MAX_EVENTS];
	double t0 = now_s(), end = t0 + r->seconds, deadline = 0, t;
	bool starting = true;

	while (!stop) {
		t = now_s();
		if (starting && (t >= end || (r->count && r->started >= r->count)))
			starting = false;
		while (starting && r->active < r->concurrency &&
		       (!r->count || r->started < r->count) &&
		       (r->rate <= 0 || (double)r->started < r->rate * (t - t0)))
			if (client_start(r) && r->failed > r->completed + 1000)
				starting = false; /* the server is not there: do not spin */
		if (!starting && deadline == 0)
			deadline = t + 10; /* in-flight connections get 10 s to finish */
		if (!starting && (r->active == 0 || t > deadline))
			break;
		int n = epoll_wait(r->ep, evs, MAX_EVENTS, r->rate > 0 ? 1 : 100);

		for (int i = 0; i < n; i++)
			client_event(r, evs[i].data.fd, evs[i].events);
	}
	t = now_s() - t0;
	printf("replay: completed=%llu failed=%llu seconds=%.3f rate=%.1f conn/s concurrency=%u\n",
	       (unsigned long long)r->completed, (unsigned long long)r->failed, t,
	       (double)r->completed / t, r->concurrency);
	return r->completed ? 0 : 1;
}

static int run_server(struct replay *r)
{
	struct epoll_event evs[MAX_EVENTS];
	double end = now_s() + r->seconds;
	int one = 1, lfd;

	lfd = socket(r->addr.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (lfd < 0 || setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) ||
	    bind(lfd, (struct sockaddr *)&r->addr, r->addrlen) || listen(lfd, 4096)) {
		perror("replay: listen");
		return 1;
	}
	struct epoll_event le = { .events = EPOLLIN, .data.fd = lfd };

	epoll_ctl(r->ep, EPOLL_CTL_ADD, lfd, &le);
	while (!stop && now_s() < end) {
		int n = epoll_wait(r->ep, evs, MAX_EVENTS, 200);

		for (int i = 0; i < n; i++) {
			int fd = evs[i].data.fd;

			if (fd != lfd) {
				conn_step(r, fd);
				continue;
			}
			for (int k = 0; k < 256; k++) {
				int cfd = accept4(lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);

				if (cfd < 0)
					break;
				setsockopt(cfd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
				if (conn_add(r, cfd, C_TURNS, EPOLLIN) == 0) {
					r->completed++;
					conn_step(r, cfd);
				}
			}
		}
	}
	fprintf(stderr, "replay server: %llu connections accepted\n",
		(unsigned long long)r->completed);
	close(lfd);
	return 0;
}

int main(int argc, char **argv)
{
	struct replay r = { .concurrency = 16 };
	const char *addr = NULL;
	int opt, rc;

	if (argc < 2 || (strcmp(argv[1], "server") && strcmp(argv[1], "client"))) {
		usage(argc >= 2 && !strcmp(argv[1], "--help") ? stdout : stderr);
		return argc >= 2 && !strcmp(argv[1], "--help") ? 0 : 2;
	}
	r.server = !strcmp(argv[1], "server");
	r.seconds = r.server ? 600 : 0;
	optind = 2;
	while ((opt = getopt(argc, argv, "l:s:c:r:n:d:h")) != -1) {
		switch (opt) {
		case 'l':
		case 's':
			addr = optarg;
			break;
		case 'c':
			r.concurrency = (uint32_t)strtoul(optarg, NULL, 10);
			break;
		case 'r':
			r.rate = strtod(optarg, NULL);
			break;
		case 'n':
			r.count = strtoull(optarg, NULL, 10);
			break;
		case 'd':
			r.seconds = strtod(optarg, NULL);
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (!addr || parse_addr(addr, &r.addr, &r.addrlen) || !r.concurrency) {
		usage(stderr);
		return 2;
	}
	if (!r.server && r.seconds <= 0)
		r.seconds = r.count ? 1e9 : 5;
	for (; optind < argc; optind++) {
		if (r.nturns >= MAX_TURNS) {
			fprintf(stderr, "replay: at most %d turns\n", MAX_TURNS);
			return 2;
		}
		rc = load_turn(argv[optind], &r.turns[r.nturns]);
		if (rc) {
			fprintf(stderr, "replay: turn %s: %s\n", argv[optind], strerror(-rc));
			return 2;
		}
		r.nturns++;
	}
	if (!r.nturns) {
		usage(stderr);
		return 2;
	}
	r.maxfd = raise_nofile();
	r.conns = calloc((size_t)r.maxfd, sizeof(*r.conns));
	r.ep = epoll_create1(EPOLL_CLOEXEC);
	if (!r.conns || r.ep < 0) {
		perror("replay");
		return 1;
	}
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	signal(SIGPIPE, SIG_IGN);
	rc = r.server ? run_server(&r) : run_client(&r);
	for (int i = 0; i < r.nturns; i++)
		free(r.turns[i].data);
	free(r.conns);
	close(r.ep);
	return rc;
}
