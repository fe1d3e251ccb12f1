/* The trust store untrusted_chain verifies against (x509/trust.h): a PEM bundle read here, its
 * CA certificates decoded only when a chain names them, or a hashed directory (c_rehash) that
 * OpenSSL looks certificates up in. */
#ifndef TLSMON_X509_TRUST_STORE_H
#define TLSMON_X509_TRUST_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <openssl/x509.h>
#include <openssl/x509_vfy.h>

struct trust_anchor;

struct trust_store {
	char *path;
	X509_STORE *store; /* NULL until loaded; empty for a bundle, whose anchors are below */
	uint8_t *bundle; /* the DER of every certificate of a PEM bundle, back to back */
	struct trust_anchor *anchors;
	uint32_t n_anchors;
	bool is_dir; /* a hashed directory: OpenSSL looks certificates up in it */
	bool load_tried;
};

int trust_store__init(struct trust_store *t, const char *path); /* 0 or -ENOMEM */
void trust_store__fini(struct trust_store *t);

/* Load it (tried once: a failure stays). Returns 0, or -1 with "PATH: reason" in err. */
int trust_store__load(struct trust_store *t, char *err, size_t err_size);

/* A bundle's certificates a chain (der[i], len[i]) can reach, for
 * X509_STORE_CTX_set0_trusted_stack(); free the stack alone (the certificates stay the
 * store's). NULL without memory; not for a directory. */
STACK_OF(X509) *trust_store__anchors(struct trust_store *t, const uint8_t *const der[],
				      const uint32_t len[], unsigned n);

#endif
