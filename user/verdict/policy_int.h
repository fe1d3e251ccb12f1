/* Private to the policy module (policy.c: settings; policy_eval.c: judging): the settings struct
 * and the tables both halves read. */
#ifndef TLSMON_POLICY_INT_H
#define TLSMON_POLICY_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "verdict/policy.h"

#define SEV_AUTO (-1) /* graded per finding (or the check's default) */
#define N_ITEMS(a) (sizeof(a) / sizeof((a)[0]))

struct check_def {
	const char *name;
	bool enabled;
	int8_t severity; /* SEV_AUTO: the severity depends on what was found */
	const char *description;
};

struct named_item {
	const char *name;
	uint8_t sev;
	uint32_t value;	  /* version code point, TLS_CS_* flag */
	const char *what; /* for messages */
};

struct policy {
	bool enabled[CHECK__COUNT];
	int8_t severity[CHECK__COUNT]; /* SEV_AUTO or an override */
	uint32_t min_rsa_bits, min_ec_bits, min_dh_bits;
	uint32_t expires_soon_days;
	uint32_t max_validity_days;
	uint32_t weak_hashes;	    /* bit i: policy_hashes[i] */
	uint32_t weak_protocols;    /* bit i: policy_protocols[i] */
	uint32_t weak_cipher_flags; /* TLS_CS_* */
	uint8_t sha1_root_severity;
	bool dh_below_rsa; /* weak_dh when the DHE prime is shorter than the leaf's RSA key */
};

#define POLICY_N_HASHES 4
#define HASH_SHA1 3 /* index of sha1 in policy_hashes */
#define POLICY_N_PROTOCOLS 6
#define POLICY_N_CIPHER_FLAGS 7

extern const struct check_def policy_checks[CHECK__COUNT];
extern const char *const policy_sev_names[5];
extern const struct named_item policy_hashes[POLICY_N_HASHES];
extern const struct named_item policy_protocols[POLICY_N_PROTOCOLS];
extern const struct named_item policy_cipher_flags[POLICY_N_CIPHER_FLAGS];

/* "certificate #1 (leaf, CN=x)" for messages; cls: "leaf", "intermediate" or "root". */
void policy__cert_label(char *buf, size_t size, const struct x509_info *x, unsigned pos,
			const char *cls, bool client);

/* The leaf's names and validity period (policy_leaf.c): name_mismatch, missing_sni,
 * long_validity. */
void policy__check_leaf_names(const struct policy *p, struct handshake *hs);

/* Copy at most max bytes of src for a message: control bytes and broken UTF-8 become '?'. */
void policy__sanitize(char *dst, size_t size, const char *src, size_t max);

#endif
