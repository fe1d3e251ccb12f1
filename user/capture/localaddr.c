// SPDX-License-Identifier: GPL-2.0
#include "capture/localaddr.h"

#include <arpa/inet.h>
#include <errno.h>
#include <ifaddrs.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

struct prefix {
	uint8_t family; /* 4 or 6 */
	uint8_t bits;
	bool host; /* from the interfaces (replaced at each reload), else a CIDR given */
	uint8_t addr[16];
};

struct localaddr {
	struct prefix p[LOCALADDR_MAX];
	int n;
	int fd; /* rtnetlink, -1 when not watching */
};

int localaddr__parse_action(const char *s, enum not_local_action *out)
{
	if (!strcmp(s, "mark"))
		*out = NOT_LOCAL_MARK;
	else if (!strcmp(s, "drop"))
		*out = NOT_LOCAL_DROP;
	else if (!strcmp(s, "analyse") || !strcmp(s, "analyze"))
		*out = NOT_LOCAL_ANALYSE;
	else
		return -EINVAL;
	return 0;
}

const char *localaddr__action_name(enum not_local_action a)
{
	return a == NOT_LOCAL_DROP ? "drop" : a == NOT_LOCAL_ANALYSE ? "analyse" : "mark";
}

struct localaddr *localaddr__new(void)
{
	struct localaddr *la = calloc(1, sizeof(*la));

	if (la)
		la->fd = -1;
	return la;
}

void localaddr__free(struct localaddr *la)
{
	if (!la)
		return;
	if (la->fd >= 0)
		close(la->fd);
	free(la);
}

static int add(struct localaddr *la, uint8_t family, const uint8_t *addr, unsigned bits, bool host)
{
	struct prefix *p;

	if (la->n >= LOCALADDR_MAX)
		return -E2BIG;
	p = &la->p[la->n++];
	memset(p, 0, sizeof(*p));
	p->family = family;
	p->bits = (uint8_t)bits;
	p->host = host;
	memcpy(p->addr, addr, family == 4 ? 4 : 16);
	return 0;
}

static int parse_cidr(const char *cidr, size_t len, uint8_t *family, uint8_t *addr,
		      unsigned long *bits)
{
	char text[INET6_ADDRSTRLEN + 8];
	const char *slash = memchr(cidr, '/', len);
	size_t alen = slash ? (size_t)(slash - cidr) : len;
	char *end;

	if (!alen || alen >= INET6_ADDRSTRLEN || len - alen > 4)
		return -EINVAL;
	memcpy(text, cidr, alen);
	text[alen] = '\0';
	if (inet_pton(AF_INET, text, addr) == 1)
		*family = 4;
	else if (inet_pton(AF_INET6, text, addr) == 1)
		*family = 6;
	else
		return -EINVAL;
	*bits = *family == 4 ? 32 : 128;
	if (!slash)
		return 0;
	memcpy(text, slash + 1, len - alen - 1);
	text[len - alen - 1] = '\0';
	errno = 0;
	*bits = strtoul(text, &end, 10);
	if (!text[0] || *end || errno || *bits > (*family == 4 ? 32u : 128u))
		return -EINVAL;
	return 0;
}

int localaddr__add_cidr(struct localaddr *la, const char *cidr)
{
	uint8_t addr[16] = { 0 }, family;
	unsigned long bits;
	int rc = parse_cidr(cidr, strlen(cidr), &family, addr, &bits);

	return rc ? rc : add(la, family, addr, (unsigned)bits, false);
}

int localaddr__add_list(struct localaddr *la, const char *list)
{
	const char *p = list;

	do {
		size_t len = strcspn(p, ",");
		uint8_t addr[16] = { 0 }, family;
		unsigned long bits;
		int rc = parse_cidr(p, len, &family, addr, &bits);

		if (!rc && la)
			rc = add(la, family, addr, (unsigned)bits, false);
		if (rc)
			return rc;
		p += len;
	} while (*p++ == ',');
	return 0;
}

int localaddr__load_host(struct localaddr *la)
{
	static const uint8_t lo4[4] = { 127, 0, 0, 0 };
	static const uint8_t lo6[16] = { [15] = 1 };
	struct ifaddrs *ifa, *i;
	int kept = 0, hosts = 0, rc = 0;

	if (getifaddrs(&ifa))
		return -errno;
	for (int j = 0; j < la->n; j++)
		if (!la->p[j].host)
			la->p[kept++] = la->p[j];
	la->n = kept;
	if (add(la, 4, lo4, 8, true) || add(la, 6, lo6, 128, true))
		rc = -E2BIG;
	for (i = ifa; i && !rc; i = i->ifa_next) {
		if (!i->ifa_addr)
			continue;
		if (i->ifa_addr->sa_family == AF_INET)
			rc = add(la, 4, (const uint8_t *)&((struct sockaddr_in *)i->ifa_addr)->sin_addr,
				 32, true);
		else if (i->ifa_addr->sa_family == AF_INET6)
			rc = add(la, 6,
				 ((struct sockaddr_in6 *)i->ifa_addr)->sin6_addr.s6_addr, 128, true);
		else
			continue;
		hosts += !rc;
	}
	freeifaddrs(ifa);
	return rc ? rc : hosts;
}

int localaddr__watch(struct localaddr *la)
{
	struct sockaddr_nl sa = { .nl_family = AF_NETLINK,
				  .nl_groups = RTMGRP_IPV4_IFADDR | RTMGRP_IPV6_IFADDR };
	int fd = socket(AF_NETLINK, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC, NETLINK_ROUTE);

	if (fd < 0)
		return -errno;
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa))) {
		int e = -errno;

		close(fd);
		return e;
	}
	la->fd = fd;
	return 0;
}

int localaddr__fd(const struct localaddr *la)
{
	return la ? la->fd : -1;
}

/* The messages themselves are not parsed: any address change (or an overflow, ENOBUFS, which
 * lost some) means reading the whole set again, which getifaddrs() does in one dump. Bounded:
 * a flood of notifications is drained at most 64 reads per call. */
int localaddr__handle(struct localaddr *la)
{
	char buf[8192];
	int reads = 0;

	while (reads < 64 && (recv(la->fd, buf, sizeof(buf), 0) > 0 || errno == ENOBUFS))
		reads++;
	return localaddr__load_host(la);
}

static bool in_prefix(const struct prefix *p, const uint8_t *addr)
{
	unsigned full = p->bits / 8, rest = p->bits % 8;

	if (memcmp(p->addr, addr, full))
		return false;
	if (!rest)
		return true;
	return ((p->addr[full] ^ addr[full]) & (uint8_t)(0xff << (8 - rest))) == 0;
}

bool localaddr__contains(const struct localaddr *la, uint8_t family, const uint8_t *addr)
{
	for (int i = 0; i < la->n; i++)
		if (la->p[i].family == family && in_prefix(&la->p[i], addr))
			return true;
	return false;
}

bool localaddr__either(const struct localaddr *la, uint8_t family, const uint8_t *a,
		       const uint8_t *b)
{
	return !la || localaddr__contains(la, family, a) || localaddr__contains(la, family, b);
}

int localaddr__count(const struct localaddr *la)
{
	return la->n;
}
