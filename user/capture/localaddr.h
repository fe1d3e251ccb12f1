/* Which addresses are local: the host's own (loaded from the interfaces and kept current through
 * rtnetlink address notifications, in whatever network namespace the daemon runs) and networks
 * given as CIDRs (--local-net). A handshake none of whose ends is local was sent to or from
 * someone else (spoofed, forwarded, seen in promiscuous mode) and is kept apart from real ones. */
#ifndef TLSMON_LOCALADDR_H
#define TLSMON_LOCALADDR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define LOCALADDR_MAX 1024 /* prefixes, host addresses and CIDRs together; more are refused */

enum not_local_action {
	NOT_LOCAL_MARK = 0, /* analysed, flagged "not_local": true, kept apart in the flagged store */
	NOT_LOCAL_DROP, /* frames not analysed at all, only counted */
	NOT_LOCAL_ANALYSE, /* analysed like any other handshake (tlsmon before --not-local) */
};

/* "drop", "mark", "analyse" (or "analyze") -> 0 and *out; -EINVAL otherwise. */
int localaddr__parse_action(const char *s, enum not_local_action *out);
const char *localaddr__action_name(enum not_local_action a);

/* What became of not-local traffic, for /metrics. */
struct not_local_stats {
	uint64_t handshakes[5]; /* decided, by enum hs_outcome (mark and analyse) */
	uint64_t frames_dropped; /* --not-local drop */
};

struct localaddr;

struct localaddr *localaddr__new(void);
void localaddr__free(struct localaddr *la);

/* Add "10.0.0.0/8", "2001:db8::/32", or a bare address (a /32 or /128). Returns 0, -EINVAL for
 * a malformed CIDR, -E2BIG when LOCALADDR_MAX prefixes are already held. */
int localaddr__add_cidr(struct localaddr *la, const char *cidr);

/* A comma-separated list of CIDRs (--local-net 10.0.0.0/8,fd00::/8): each added; la NULL only
 * checks them. Returns 0 or the first error. */
int localaddr__add_list(struct localaddr *la, const char *list);

/* Replace the host's addresses with those the interfaces have now (getifaddrs), each as a /32 or
 * /128, plus 127.0.0.0/8 and ::1; the CIDRs added stay. Returns how many host addresses are held,
 * or -errno. */
int localaddr__load_host(struct localaddr *la);

/* Subscribe to address changes (RTMGRP_IPV4_IFADDR, RTMGRP_IPV6_IFADDR); poll the descriptor for
 * POLLIN and call localaddr__handle(), which drains it and reloads the host's addresses. Returns
 * 0 or -errno. */
int localaddr__watch(struct localaddr *la);
int localaddr__fd(const struct localaddr *la); /* -1 when not watching */
int localaddr__handle(struct localaddr *la);

/* family 4 or 6; addr as struct pkt holds it (IPv4 in the first 4 bytes). */
bool localaddr__contains(const struct localaddr *la, uint8_t family, const uint8_t *addr);

/* Either end local (NULL la: everything is local). */
bool localaddr__either(const struct localaddr *la, uint8_t family, const uint8_t *a,
		       const uint8_t *b);

int localaddr__count(const struct localaddr *la);

#endif
