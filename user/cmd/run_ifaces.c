// SPDX-License-Identifier: GPL-2.0
/* Which interfaces `tlsmon run` watches: the default route's when none is named, and what
 * --list prints. */
#include "cmd/run_ifaces.h"

#include <errno.h>
#include <net/if.h>
#include <stdio.h>
#include <string.h>

#include "capture/live_bpf.h"

/* The interface of the IPv4 (else IPv6) default route, from procfs. */
int run__default_route_iface(char *name, size_t size)
{
	char line[512], ifn[IF_NAMESIZE + 1], dst[64];
	FILE *f = fopen("/proc/net/route", "r");
	int found = 0;

	if (f) {
		while (!found && fgets(line, sizeof(line), f))
			if (sscanf(line, "%16s %63s", ifn, dst) == 2 && !strcmp(dst, "00000000"))
				found = 1;
		fclose(f);
	}
	f = found ? NULL : fopen("/proc/net/ipv6_route", "r");
	if (f) {
		char plen[8], cols[8][64];

		while (!found && fgets(line, sizeof(line), f)) {
			if (sscanf(line, "%63s %7s %63s %63s %63s %63s %63s %63s %63s %16s", dst, plen,
				   cols[0], cols[1], cols[2], cols[3], cols[4], cols[5], cols[6],
				   ifn) == 10 &&
			    !strcmp(dst, "00000000000000000000000000000000") && !strcmp(plen, "00") &&
			    strcmp(ifn, "lo"))
				found = 1;
		}
		fclose(f);
	}
	if (!found)
		return -ENOENT;
	snprintf(name, size, "%s", ifn);
	return 0;
}

/* --list: what the daemon would attach, resolved as attach resolves it, without attaching. */
int run__list_ifaces(const struct run_opts *o)
{
	int status = 0;

	for (int i = 0; i < o->n_ifaces; i++) {
		if (!if_nametoindex(o->ifaces[i])) {
			fprintf(stderr, "tlsmon: %s: no such interface\n", o->ifaces[i]);
			status = 1;
			continue;
		}
		printf("%s ingress %s egress tc\n", o->ifaces[i],
		       live_bpf__ingress_name(live_bpf__plan_ingress(o->ifaces[i], o->ingress).mode));
	}
	return status;
}
