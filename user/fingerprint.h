/* Client and server TLS fingerprints: JA3, JA3S (Salesforce) and JA4 (FoxIO, JA4 part only). */
#ifndef TLSMON_FINGERPRINT_H
#define TLSMON_FINGERPRINT_H

#include <stddef.h>

#include "tls_msg.h"

#define JA3_HEX_LEN 32 /* MD5 hex */
#define JA4_LEN 36 /* e.g. "t13d1516h2_8daaf6152771_e5627efa2ab1" */

/* JA3 string "version,ciphers,extensions,groups,point_formats" (GREASE removed) and its MD5.
 * str may be NULL. Returns 0 or -E2BIG when str is too small. */
int fp__ja3(const struct tls_client_hello *ch, char *str, size_t str_size, char md5_hex[JA3_HEX_LEN + 1]);

/* JA3S string "version,cipher,extensions" and its MD5. */
int fp__ja3s(const struct tls_server_hello *sh, char *str, size_t str_size,
	     char md5_hex[JA3_HEX_LEN + 1]);

/* JA4 (TCP, so the prefix is 't'). */
int fp__ja4(const struct tls_client_hello *ch, char out[JA4_LEN + 1]);

#endif
