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

#include "pkt_build.h"

#define MAX_HELLO 4096

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

		struct eth_tcp4 h = { .dmac = dmac, .smac = smac, .saddr = saddr,
				      .daddr = ntohl(da.s_addr), .sport = sport, .dport = 443,
				      .seq = isn, .ack = 0x50000001u, .flags = 0x02, .win = 64240 };

		while ((double)i > rate * (now_s() - t0))
			usleep(200);
		len = eth_tcp4_frame(f, &h, NULL, 0);
		if (sendto(fd, f, len, 0, (struct sockaddr *)&sll, sizeof(sll)) == (ssize_t)len)
			sent++;
		h.seq = isn + 1;
		h.flags = 0x18;
		len = eth_tcp4_frame(f, &h, hello, hlen);
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
