/* Which interfaces `tlsmon run` watches (run_ifaces.c). */
#ifndef TLSMON_RUN_IFACES_H
#define TLSMON_RUN_IFACES_H

#include <stddef.h>

#include "cmd/run_opts.h"

/* The interface of the IPv4 (else IPv6) default route: 0, or -ENOENT when there is none. */
int run__default_route_iface(char *name, size_t size);

/* --list: each interface with the hooks attach would use; 1 when one does not exist. */
int run__list_ifaces(const struct run_opts *o);

#endif
