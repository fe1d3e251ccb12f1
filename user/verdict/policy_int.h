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

/* Where a certificate sits in its chain, as findings name it (detail "leaf", ...). */
enum cert_class {
	CERT_LEAF = 0,
	CERT_INTERMEDIATE,
	CERT_ROOT,
};

extern const char *const policy_cert_class_names[3]; /* "leaf", "intermediate", "root" */

#define CERT_LABEL_LEN 120

/* "certificate #1 (leaf, CN=x)" for messages. */
void policy__cert_label(char *buf, size_t size, const struct x509_info *x, unsigned pos,
			enum cert_class cls, bool client);

/* What the policy says of one certificate by itself at one place in a chain, made once and
 * copied into every handshake that carries it there (policy_memo.c): its weak_signature and
 * weak_key findings (found[0, n_before)), its self_signed finding (found[n_before, n_found))
 * and its label. Its validity is judged at each handshake's packet time, between the two. */
#define CERT_MEMO_FINDINGS 3

struct cert_memo {
	struct policy policy; /* the settings it was made under */
	unsigned pos;
	enum cert_class cls;
	bool client; /* in the client's chain */
	bool made; /* found[] filled */
	bool kept; /* kept with the certificate (not a caller's scratch) */
	uint16_t n_before, n_found;
	char label[CERT_LABEL_LEN]; /* "" until first needed */
	int32_t dns_sans; /* x509__dns_san_count(), -1 until first needed */
	struct finding found[CERT_MEMO_FINDINGS];
	struct finding_json json[CERT_MEMO_FINDINGS]; /* found[i]'s, when kept */
	/* Its last validity finding (expired, expires_soon or not_yet_valid; n_validity 0 or 1)
	 * and the spans its message shows (policy_eval.c's span_shown()), when kept. */
	bool validity_made;
	uint16_t n_validity;
	uint64_t validity_key[3];
	struct finding validity;
	struct finding_json validity_json;
};

/* x's memo for this position, class, side and policy: the one kept with x's cache entry
 * (emptied first when it was made for another), else scratch, emptied. Never NULL. */
struct cert_memo *policy_memo__of(const struct policy *p, const struct x509_info *x, unsigned pos,
				  enum cert_class cls, bool client, struct cert_memo *scratch);

/* The certificates of both chains, each by itself (policy_cert.c): weak_signature, weak_key,
 * expired, expires_soon, not_yet_valid, self_signed, unparsable_cert. */
void policy__check_certs(const struct policy *p, struct handshake *hs);

/* The server's chain against the trust store (policy_cert.c): untrusted_chain. */
void policy__check_trust(const struct policy *p, struct handshake *hs);

/* The leaf's names and validity period (policy_leaf.c): name_mismatch, missing_sni,
 * long_validity. */
void policy__check_leaf_names(const struct policy *p, struct handshake *hs);

/* Copy at most max bytes of src for a message: control bytes and broken UTF-8 become '?'. */
void policy__sanitize(char *dst, size_t size, const char *src, size_t max);

#endif
