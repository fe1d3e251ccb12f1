/* Client and server TLS fingerprints: JA3, JA3S (Salesforce) and JA4 (FoxIO, JA4 part only). */
#ifndef TLSMON_FINGERPRINT_H
#define TLSMON_FINGERPRINT_H

#include <openssl/evp.h>
#include <stddef.h>

#include "tls/tls_msg.h"

#define JA3_HEX_LEN 32 /* MD5 hex */
#define JA4_LEN 36 /* e.g. "t13d1516h2_8daaf6152771_e5627efa2ab1" */

/* JA3 string "version,ciphers,extensions,groups,point_formats" (GREASE removed) and its MD5.
 * str may be NULL. Returns 0 or -E2BIG when str is too small. */
int fp__ja3(const struct tls_client_hello *ch, char *str, size_t str_size, char md5_hex[JA3_HEX_LEN + 1]);

/* JA3S string "version,cipher,extensions" and its MD5. */
int fp__ja3s(const struct tls_server_hello *sh, char *str, size_t str_size,
	     char md5_hex[JA3_HEX_LEN + 1]);

/* JA4's version field, the two characters after the 't'; "00" (last) for any version not named.
 * hs_pending.c packs a JA4 string as an index into this table, so there is one list to extend. */
#define FP_JA4_VERSIONS 10
extern const char fp_ja4_versions[FP_JA4_VERSIONS][2];

/* JA4 (TCP, so the prefix is 't'). */
int fp__ja4(const struct tls_client_hello *ch, char out[JA4_LEN + 1]);

/* OpenSSL 3 fetches a digest's implementation, under a lock, on every EVP_Digest given
 * EVP_md5()/EVP_sha256(); a caller fingerprinting every handshake fetches them once here and uses
 * the _with variants (d may be NULL: fetch per call, as the plain functions do). d also
 * remembers the digests of recent fingerprint strings (fingerprint.c), so one struct serves one
 * thread at a time. */
struct fp_memo;
struct fp_digests {
	EVP_MD *md5;
	EVP_MD *sha256;
	struct fp_memo *memo; /* NULL: every string is digested */
};

int fp__digests_init(struct fp_digests *d); /* 0, or -EIO when a digest is unavailable */
void fp__digests_fini(struct fp_digests *d);
int fp__ja3_with(const struct fp_digests *d, const struct tls_client_hello *ch, char *str,
		 size_t str_size, char md5_hex[JA3_HEX_LEN + 1]);
/* JA3's MD5 and JA4 of a ClientHello, as fp__ja3_with() and fp__ja4_with() give them, remembered
 * under the hello's fingerprint inputs. */
int fp__client_with(const struct fp_digests *d, const struct tls_client_hello *ch,
		    char ja3[JA3_HEX_LEN + 1], char ja4[JA4_LEN + 1]);
int fp__ja3s_with(const struct fp_digests *d, const struct tls_server_hello *sh, char *str,
		  size_t str_size, char md5_hex[JA3_HEX_LEN + 1]);
int fp__ja4_with(const struct fp_digests *d, const struct tls_client_hello *ch,
		 char out[JA4_LEN + 1]);

#endif
