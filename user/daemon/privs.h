/* Dropping privileges in the daemon once it no longer needs them. */
#ifndef TLSMON_PRIVS_H
#define TLSMON_PRIVS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Keep only CAP_BPF (CAP_SYS_ADMIN on kernels that predate it), empty the bounding set, set
 * no_new_privs and, when user is given, switch to that user. Call after attaching and binding.
 * Returns 0, or -errno with a one-line reason in err. */
int privs__drop(const char *user, char *err, size_t err_size);

/* The effective capability set, as a bit mask (for tests and the startup line). */
int privs__effective_caps(uint64_t *out);

#endif
