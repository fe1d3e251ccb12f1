/* Private to user/x509 (x509.c, x509_strings.c, x509_san.c): the strings of one analysis, collected
 * in an arena and copied behind the info when it is finished. */
#ifndef TLSMON_X509_STRINGS_H
#define TLSMON_X509_STRINGS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <openssl/x509.h>

#include "x509/der.h"
#include "x509/der_name.h"
#include "x509/x509.h"

#define NO_OFF SIZE_MAX

/* The variable-length strings of one info are collected here first, then copied behind the
 * struct so that an info is a single allocation. They start in the arena's own first block: a
 * certificate's names and SANs rarely need more, and a new certificate on every handshake made
 * this buffer's malloc and reallocs a visible part of the offline profile. */
#define ARENA_INLINE 512

struct arena {
	char *buf; /* first, or a heap copy once it outgrew first */
	size_t len, cap;
	bool oom;
	char first[ARENA_INLINE];
};

/* The SAN strings are added last and one after another, so they are found again in finish() from
 * the first one's offset and their count: no per-name offsets to keep. */
struct pending {
	struct x509_info info;
	size_t subject, issuer, cn, san_first, san_bytes;
	struct arena arena;
};

void arena__init(struct arena *a);
void arena__release(struct arena *a);
/* prefix (may be NULL) then n bytes of data, NUL-terminated; its offset, or NO_OFF (oom set). */
size_t arena__add(struct arena *a, const char *prefix, const void *data, size_t n);

/* Names rendered into the arena (RFC 2253 form, or the CN alone); their offset or NO_OFF. */
size_t x509__add_name(struct arena *a, const X509_NAME *name);
size_t x509__add_cn(struct arena *a, const X509_NAME *name);
size_t x509__add_der_name(struct arena *a, struct der_span name, bool cn);
/* The same from a name's entries (der_name__entries), n of them. */
size_t x509__add_der_name_ents(struct arena *a, const struct der_name_ent *ents, int n, bool cn);

/* The subjectAltName list, each GeneralName counted and, under the caps, kept (x509_san.c). */
void x509_san__add_openssl(struct pending *pd, X509 *x);
void x509_san__add_der(struct pending *pd, uint8_t tag, struct der_span val);

#endif
