// SPDX-License-Identifier: GPL-2.0
/* hsflood: COUNT unfinished TLS handshakes on the wire, for the memory benchmark. For each flow a
 * SYN and then a ClientHello segment (the recorded bytes of FILE) from its own source port (and,
 * past 60,000 flows, its own source address), sent as raw Ethernet frames on IFACE with an
 * AF_PACKET socket. No server ever answers: the flows stay open in whatever watches them.
 * Bounded by COUNT; paced at RATE flows per second so a watcher's ring buffer is not the subject.
 *
 * Usage: hsflood -i IFACE --dst-mac MAC --src IP --dst IP -n COUNT [-r RATE] CLIENTHELLO.bin
 * (root; meant for a veth between namespaces whose far end does not own --dst, so the frames are
 * dropped there, after the capture hooks, without a RST) */
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <linux/if_packet.h>
#include <net/ethernet.h>
#include <net/if.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "../tools/pkt_build.h"

#define MAX_HELLO 4096

static size_t frame(uint8_t *f, const uint8_t dmac[6], const uint8_t smac[6], uint32_t saddr,
		    uint32_t daddr, uint16_t sport, uint32_t seq, uint8_t flags, const uint8_t *pl,
		    size_t plen)
{
	uint8_t *ip = f + 14, *tcp = ip + 20, ph[12];

	memcpy(f, dmac, 6);
	memcpy(f + 6, smac, 6);
	put16(f + 12, 0x0800);
	memset(ip, 0, 20);
	ip[0] = 0x45;
	put16(ip + 2, (uint16_t)(40 + plen));
	put16(ip + 6, 0x4000);
	ip[8] = 64;
	ip[9] = 6;
	put32(ip + 12, saddr);
	put32(ip + 16, daddr);
	put16(ip + 10, csum_fold(csum_add(0, ip, 20)));
	put16(tcp, sport);
	put16(tcp + 2, 443);
	put32(tcp + 4, seq);
	put32(tcp + 8, flags & 0x10 ? 0x50000001u : 0);
	memset(tcp + 12, 0, 8);
	tcp[12] = 5 << 4;
	tcp[13] = flags;
	put16(tcp + 14, 64240);
	if (plen)
		memcpy(tcp + 20, pl, plen);
	memcpy(ph, ip + 12, 8);
	ph[8] = 0;
	ph[9] = 6;
	put16(ph + 10, (uint16_t)(20 + plen));
	put16(tcp + 16, csum_fold(csum_add(csum_add(0, ph, 12), tcp, 20 + plen)));
	return 54 + plen;
}

static int parse_mac(const char *s, uint8_t mac[6])
{
	unsigned v[6];

	if (sscanf(s, "%x:%x:%x:%x:%x:%x", &v[0], &v[1], &v[2], &v[3], &v[4], &v[5]) != 6)
		return -EINVAL;
	for (int i = 0; i < 6; i++)
		mac[i] = (uint8_t)v[i];
	return 0;
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = { { "dst-mac", required_argument, NULL, 'm' },
					      { "src", required_argument, NULL, 's' },
					      { "dst", required_argument, NULL, 'd' },
					      { NULL, 0, NULL, 0 } };
	uint8_t hello[MAX_HELLO], dmac[6], smac[6], f[64 + MAX_HELLO];
	const char *ifname = NULL, *src = NULL, *dst = NULL, *dmac_s = NULL;
	struct sockaddr_ll sll = { .sll_family = AF_PACKET, .sll_halen = 6 };
	struct in_addr sa, da;
	unsigned long n = 0, sent = 0;
	double rate = 20000, t0;
	struct ifreq ifr;
	size_t hlen, len;
	int opt, fd;
	FILE *hf;

	while ((opt = getopt_long(argc, argv, "i:n:r:h", opts, NULL)) != -1) {
		switch (opt) {
		case 'i':
			ifname = optarg;
			break;
		case 'n':
			n = strtoul(optarg, NULL, 10);
			break;
		case 'r':
			rate = strtod(optarg, NULL);
			break;
		case 'm':
			dmac_s = optarg;
			break;
		case 's':
			src = optarg;
			break;
		case 'd':
			dst = optarg;
			break;
		default:
			goto usage;
		}
	}
	if (!ifname || !src || !dst || !dmac_s || !n || n > 10000000 || rate <= 0 ||
	    optind != argc - 1 || parse_mac(dmac_s, dmac) || inet_pton(AF_INET, src, &sa) != 1 ||
	    inet_pton(AF_INET, dst, &da) != 1)
		goto usage;
	hf = fopen(argv[optind], "rb");
	if (!hf) {
		perror(argv[optind]);
		return 1;
	}
	hlen = fread(hello, 1, sizeof(hello), hf);
	fclose(hf);
	if (!hlen || hlen > 1400) {
		fprintf(stderr, "hsflood: the ClientHello must be 1..1400 bytes (one segment)\n");
		return 1;
	}
	fd = socket(AF_PACKET, SOCK_RAW, 0);
	if (fd < 0) {
		perror("hsflood: socket");
		return 1;
	}
	memset(&ifr, 0, sizeof(ifr));
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", ifname);
	if (ioctl(fd, SIOCGIFHWADDR, &ifr)) {
		perror("hsflood: SIOCGIFHWADDR");
		return 1;
	}
	memcpy(smac, ifr.ifr_hwaddr.sa_data, 6);
	sll.sll_ifindex = (int)if_nametoindex(ifname);
	memcpy(sll.sll_addr, dmac, 6);
	t0 = now_s();
	for (unsigned long i = 0; i < n; i++) {
		uint32_t saddr = ntohl(sa.s_addr) + (uint32_t)(i / 60000);
		uint16_t sport = (uint16_t)(2000 + i % 60000);
		uint32_t isn = 0x1000 + (uint32_t)i * 104729u;

		while ((double)i > rate * (now_s() - t0))
			usleep(200);
		len = frame(f, dmac, smac, saddr, ntohl(da.s_addr), sport, isn, 0x02, NULL, 0);
		if (sendto(fd, f, len, 0, (struct sockaddr *)&sll, sizeof(sll)) == (ssize_t)len)
			sent++;
		len = frame(f, dmac, smac, saddr, ntohl(da.s_addr), sport, isn + 1, 0x18, hello,
			    hlen);
		if (sendto(fd, f, len, 0, (struct sockaddr *)&sll, sizeof(sll)) == (ssize_t)len)
			sent++;
	}
	printf("hsflood: %lu flows, %lu frames sent in %.2f s\n", n, sent, now_s() - t0);
	close(fd);
	return sent == 2 * n ? 0 : 1;
usage:
	fprintf(stderr, "usage: hsflood -i IFACE --dst-mac MAC --src IP --dst IP -n COUNT [-r RATE] "
			"CLIENTHELLO.bin\n");
	return 2;
}
