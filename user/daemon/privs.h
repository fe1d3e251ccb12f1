/* Dropping privileges in the daemon once it no longer needs them. */
#ifndef TLSMON_PRIVS_H
#define TLSMON_PRIVS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Keep only CAP_BPF (CAP_SYS_ADMIN on kernels that predate it) effective and permitted, empty
 * the inheritable and ambient sets, set no_new_privs, empty the bounding set when CAP_SETPCAP
 * allows it and, when user is given and is not the current user already, switch to that user.
 * Call after attaching and binding. Returns 0, with note set to a one-line account of what stayed
 * in the bounding set (empty when nothing did), or -errno with a one-line reason in err. */
int privs__drop(const char *user, char *note, size_t note_size, char *err, size_t err_size);

/* The effective capability set, as a bit mask (for tests and the startup line). */
int privs__effective_caps(uint64_t *out);

#endif
