/* The TLS libraries tlsmon hooks: one row per library family, naming the shared objects it ships,
 * the exported functions to probe and the role each plays (which generic program of
 * bpf/tlslib.bpf.c runs there), and how its error codes read. Adding a library (GnuTLS, NSS...)
 * is one file with its row (as tlslib_openssl.c), listed in the registry of tlslib_probes.c and
 * in enum tlslib_family; a hook of a shape no role covers also needs its program. */
#ifndef TLSMON_TLSLIB_PROBES_H
#define TLSMON_TLSLIB_PROBES_H

#include <stdbool.h>

#include "tlslib_event.h"
#include "verdict/hs.h"

#define TLSLIB_MAX_PROBES 8
#define TLSLIB_MAX_FILES 4

/* The registry's order: the index the BPF side carries (attach cookie, event). */
enum tlslib_family {
	TLSLIB_OPENSSL = 0,
	TLSLIB__COUNT,
};

/* What a probed function tells (bpf/tlslib.bpf.c, one program each). */
enum tlslib_role {
	TLSLIB_ROLE_VERIFY_ENTER, /* a chain's verification starts */
	TLSLIB_ROLE_VERIFY_EXIT, /* it returns: > 0 verified (or a callback accepted) */
	TLSLIB_ROLE_ERROR_CTX_ENTER, /* the error getter's entry: arg 1 holds the depth (getter) */
	TLSLIB_ROLE_ERROR_EXIT, /* the error getter returns the code */
	TLSLIB_ROLE_DEPTH_EXIT, /* the depth getter returns a callback's depth */
	TLSLIB_ROLE_MODE_ARG2_ENTER, /* the verify mode is argument 2 */
	TLSLIB_ROLE__COUNT,
};

struct tlslib_probe {
	const char *file; /* the shared object's name, e.g. "libcrypto.so.3" */
	const char *symbol; /* an exported function */
	enum tlslib_role role;
	/* TLSLIB_ROLE_ERROR_CTX_ENTER: the exported getter of the depth, whose code
	 * (host/elf_getter.c) says where the context keeps it; NULL: the depth is not read */
	const char *depth_getter;
};

struct tlslib_family_def {
	const char *name; /* "OpenSSL" */
	const char *files[TLSLIB_MAX_FILES]; /* NULL-terminated */
	struct tlslib_probe probes[TLSLIB_MAX_PROBES]; /* ends at .symbol == NULL */
	/* Fill v's words (result, code_name, reason, alert, mode_name) from code, depth, mode and
	 * the verification function's return value. */
	void (*describe)(struct hs_lib_verdict *v, int verify_ret);
};

extern const struct tlslib_family_def *const tlslib_families[TLSLIB__COUNT];

/* The BPF program of a role; whether it is a uretprobe. */
const char *tlslib__role_prog(enum tlslib_role role);
bool tlslib__role_is_return(enum tlslib_role role);

/* The family that ships a file of this name (basename), or -1. */
int tlslib__family_of_file(const char *basename);

#endif
