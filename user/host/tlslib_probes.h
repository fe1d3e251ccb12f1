/* The TLS libraries tlsmon hooks: one row per library family, naming the shared objects it ships,
 * the exported functions to probe (and which BPF program each runs), and how its error codes read.
 * Adding a library (GnuTLS, NSS...) is one more row, its programs, and its describe function. */
#ifndef TLSMON_TLSLIB_PROBES_H
#define TLSMON_TLSLIB_PROBES_H

#include <stdbool.h>

#include "tlslib_event.h"
#include "verdict/hs.h"

#define TLSLIB_MAX_PROBES 8
#define TLSLIB_MAX_FILES 4

struct tlslib_probe {
	const char *file; /* the shared object's name, e.g. "libcrypto.so.3" */
	const char *symbol; /* an exported function */
	const char *prog; /* the BPF program in bpf/tlslib.bpf.c */
	bool ret; /* uretprobe */
};

struct tlslib_family_def {
	const char *name; /* "OpenSSL" */
	const char *files[TLSLIB_MAX_FILES]; /* NULL-terminated */
	struct tlslib_probe probes[TLSLIB_MAX_PROBES]; /* ends at .symbol == NULL */
	/* Fill v's words (result, code_name, reason, alert, mode_name) from code, depth, mode and
	 * the verification function's return value. */
	void (*describe)(struct hs_lib_verdict *v, int verify_ret);
};

extern const struct tlslib_family_def tlslib_families[TLSLIB__COUNT];

/* The family that ships a file of this name (basename), or -1. */
int tlslib__family_of_file(const char *basename);

#endif
