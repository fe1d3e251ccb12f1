/* The loader of bpf/tlslib.bpf.c: the socket hook, uprobes on every copy of a hooked TLS library
 * (the host's, and containers' copies found through /proc/PID/root, one attachment per file by
 * (dev, inode), bounded), and the consumer of the verdicts' ring buffer. Nothing of it is loaded
 * with --no-uprobes. */
#ifndef TLSMON_TLSLIB_HOOKS_H
#define TLSMON_TLSLIB_HOOKS_H

#include <stddef.h>
#include <stdint.h>

#include "tlslib_event.h"

#define TLSLIB_MAX_LIBS 64 /* distinct library files attached */
#define TLSLIB_SCAN_MAX_PIDS 4096 /* processes read per discovery scan */

struct tlslib_stats {
	uint64_t libs_attached; /* files with every probe attached (gauge) */
	uint64_t libs_from_processes; /* of those, found through a process's mappings */
	uint64_t lib_attach_failures; /* files a probe could not attach to */
	uint64_t libs_refused; /* files past TLSLIB_MAX_LIBS */
	uint64_t depth_unreadable; /* files whose depth getter is not one load: depth unknown */
	uint64_t events; /* verdicts read from the kernel */
	uint64_t events_dropped; /* the kernel's ring buffer was full */
};

typedef void (*tlslib_verdict_fn)(void *ctx, const struct tlslib_event *e);

struct tlslib_hooks;

/* Load, attach the socket hook and the host's libraries. NULL with one line in err (old
 * kernel, no BTF, missing capability, no library) on failure: the caller goes on without. */
struct tlslib_hooks *tlslib_hooks__open(tlslib_verdict_fn fn, void *ctx, char *err, size_t err_size);
void tlslib_hooks__close(struct tlslib_hooks *t);

int tlslib_hooks__fd(const struct tlslib_hooks *t);
int tlslib_hooks__consume(struct tlslib_hooks *t); /* events handled, or -errno */

/* Attach to the libraries the running processes map (containers' own copies): at most
 * TLSLIB_SCAN_MAX_PIDS processes read. Returns the files newly attached. */
int tlslib_hooks__scan(struct tlslib_hooks *t);

const struct tlslib_stats *tlslib_hooks__stats(struct tlslib_hooks *t);

#endif
