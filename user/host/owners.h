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

/* A process's names (the strings of struct proc_names), packed in one allocation of their
 * length and shared: the records of one process hold one copy, counted (a copy per record, and
 * its malloc and free, cost the daemon more than the rest of the table). Not thread-safe: the
 * table's users serialize. */
struct owner_names;

enum owner_name {
	OWNER_NAME_EXE,
	OWNER_NAME_CGROUP,
	OWNER_NAME_UNIT,
	OWNER_NAME_RUNTIME,
	OWNER_NAME_CONTAINER_ID,
	OWNER_NAME_POD_UID,
	OWNER_NAME__COUNT,
};

/* One reference; NULL without memory. */
struct owner_names *owner_names__new(const struct proc_names *n);
/* Another reference to n (returned). */
struct owner_names *owner_names__ref(struct owner_names *n);
/* Gives a reference back; n NULL: nothing. */
void owner_names__put(struct owner_names *n);
/* The name, NUL-terminated, as long as in struct proc_names at most. */
const char *owner_names__get(const struct owner_names *n, enum owner_name which);
void owner_names__unpack(const struct owner_names *n, struct proc_names *out);

struct owner_entry {
	struct tlsmon_owner rec;
	bool has_names; /* names resolved when the record arrived (/proc, or the kernel's) */
	struct owner_names *names; /* NULL without, or when there was no memory for them */
};

struct owner_stats {
	uint64_t added, replaced, evicted, taken, missed, ambiguous;
	uint64_t names_dropped; /* a record kept without its names: no memory to store them */
};

struct owner_table;

/* max_entries: a power of two. */
struct owner_table *owner_table__new(uint32_t max_entries);
void owner_table__free(struct owner_table *t);

/* Add (or, for the same socket ends, kind and namespace, replace: a port used again) a record;
 * the table takes a reference of its own to e->names. has_names without names is counted
 * (names_dropped). */
void owner_table__add(struct owner_table *t, const struct owner_entry *e);

/* The owner of a socket with these ends (family 4 or 6, addresses as in struct tlsmon_owner) and
 * kind: 1 when exactly one namespace has one (copied to out and removed: a connection has one
 * handshake to claim it; out->names is the caller's reference to put), 0 when none does, -EEXIST when several namespaces do (which is meant
 * cannot be told from the wire: left alone, counted ambiguous). */
int owner_table__take(struct owner_table *t, uint8_t family, const uint8_t local[16],
		      uint16_t local_port, const uint8_t remote[16], uint16_t remote_port,
		      uint8_t kind, struct owner_entry *out);

const struct owner_stats *owner_table__stats(const struct owner_table *t);

#endif
