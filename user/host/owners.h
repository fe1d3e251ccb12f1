/* The owner records of sockets on watched ports, until a handshake claims them: keyed by the
 * local and remote end as the wire shows them and whether the socket connected or accepted, with
 * the network namespace beside the key, so that namespaces reusing the same addresses (containers
 * on their own bridges) are told apart instead of confused. Bounded: the oldest record gives way
 * (counted). */
#ifndef TLSMON_HOST_OWNERS_H
#define TLSMON_HOST_OWNERS_H

#include <stdbool.h>
#include <stdint.h>

#include "host/proc_names.h"
#include "tlsmon_host.h"

struct owner_entry {
	struct tlsmon_owner rec;
	bool has_names; /* names read from /proc when the record arrived */
	struct proc_names names;
};

struct owner_stats {
	uint64_t added, replaced, evicted, taken, missed, ambiguous;
	uint64_t names_dropped; /* a record kept without its names: no memory to store them */
};

struct owner_table;

/* max_entries: a power of two. */
struct owner_table *owner_table__new(uint32_t max_entries);
void owner_table__free(struct owner_table *t);

/* Add (or, for the same socket ends, kind and namespace, replace: a port used again) a record. */
void owner_table__add(struct owner_table *t, const struct owner_entry *e);

/* The owner of a socket with these ends (family 4 or 6, addresses as in struct tlsmon_owner) and
 * kind: 1 when exactly one namespace has one (copied to out and removed: a connection has one
 * handshake to claim it), 0 when none does, -EEXIST when several namespaces do (which is meant
 * cannot be told from the wire: left alone, counted ambiguous). */
int owner_table__take(struct owner_table *t, uint8_t family, const uint8_t local[16],
		      uint16_t local_port, const uint8_t remote[16], uint16_t remote_port,
		      uint8_t kind, struct owner_entry *out);

const struct owner_stats *owner_table__stats(const struct owner_table *t);

#endif
