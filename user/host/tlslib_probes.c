// SPDX-License-Identifier: GPL-2.0
/* The registry of library rows (one file each: tlslib_openssl.c) and the BPF program of each
 * role. */
#include "host/tlslib_probes.h"

#include <string.h>

extern const struct tlslib_family_def tlslib_openssl;

/* By enum tlslib_family, the index the BPF side carries in its events. */
const struct tlslib_family_def *const tlslib_families[TLSLIB__COUNT] = {
	[TLSLIB_OPENSSL] = &tlslib_openssl,
};

/* The programs of bpf/tlslib.bpf.c. */
static const char *const role_progs[TLSLIB_ROLE__COUNT] = {
	[TLSLIB_ROLE_VERIFY_ENTER] = "verify_enter",
	[TLSLIB_ROLE_VERIFY_EXIT] = "verify_exit",
	[TLSLIB_ROLE_ERROR_CTX_ENTER] = "error_ctx_enter",
	[TLSLIB_ROLE_ERROR_EXIT] = "error_exit",
	[TLSLIB_ROLE_DEPTH_EXIT] = "depth_exit",
	[TLSLIB_ROLE_MODE_ARG2_ENTER] = "mode_arg2_enter",
};

const char *tlslib__role_prog(enum tlslib_role role)
{
	return role < TLSLIB_ROLE__COUNT ? role_progs[role] : NULL;
}

bool tlslib__role_is_return(enum tlslib_role role)
{
	return role == TLSLIB_ROLE_VERIFY_EXIT || role == TLSLIB_ROLE_ERROR_EXIT ||
	       role == TLSLIB_ROLE_DEPTH_EXIT;
}

int tlslib__family_of_file(const char *basename)
{
	for (int f = 0; f < TLSLIB__COUNT; f++)
		for (int i = 0; i < TLSLIB_MAX_FILES && tlslib_families[f]->files[i]; i++)
			if (!strcmp(basename, tlslib_families[f]->files[i]))
				return f;
	return -1;
}
