/* Weak-crypto policy: a table of checks with thresholds, defaults that follow today's browser and
 * CA/B Forum practice, overridable by flags (KEY=VALUE) or a config file of such lines. */
#ifndef TLSMON_POLICY_H
#define TLSMON_POLICY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "verdict/hs.h"

struct policy;

struct policy *policy__new(void); /* defaults */
void policy__free(struct policy *p);

/* Set one key, e.g. ("min_rsa_bits", "3072"), ("weak_cipher.enabled", "false"),
 * ("weak_signature.severity", "medium"). Returns 0, or -EINVAL with a reason in err. */
int policy__set(struct policy *p, const char *key, const char *value, char *err, size_t err_size);

/* Config text: "key = value" lines, '#' comments, blank lines. Returns 0 or -EINVAL with
 * "line N: reason" in err. */
int policy__parse(struct policy *p, const char *text, size_t len, char *err, size_t err_size);
int policy__load_file(struct policy *p, const char *path, char *err, size_t err_size);

/* dst becomes a copy of src (a reload replaces the policy the engine holds, in place). */
void policy__copy(struct policy *dst, const struct policy *src);

/* Calls fn once per key whose value differs from a to b, values as policy__print() writes them.
 * Returns how many keys differ, or -ENOMEM. */
typedef void (*policy_diff_fn)(void *ctx, const char *key, const char *from, const char *to);
int policy__diff(const struct policy *a, const struct policy *b, policy_diff_fn fn, void *ctx);

/* Print every key with its current value (for --help / `tlsmon policy`). */
void policy__print(const struct policy *p, FILE *out);

/* Judge a finished handshake: appends findings to hs (certificate times are judged at
 * hs->cert_ts_ns, the time of the packet, not of analysis). */
void policy__evaluate(const struct policy *p, struct handshake *hs);

bool policy__enabled(const struct policy *p, enum check_id c);
/* unverified_peer alone: policy__evaluate() runs it too; user/host/tlslib_join.c calls it for the
 * verdicts it fills in after the engine's evaluation. */
void policy__check_lib_verdicts(const struct policy *p, struct handshake *hs);

const char *policy__check_name(enum check_id c); /* "weak_signature", ... */
const char *policy__severity_name(enum severity s); /* "info", "low", ... */

#endif
