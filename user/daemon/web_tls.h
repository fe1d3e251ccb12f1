/* The TLS side of /metrics (--web-config's tls_server_config): one OpenSSL server context, and
 * per connection an SSL object on the connection's non-blocking socket, driven by http.c from
 * the daemon's poll loop (the handshake included: a stalled client holds one slot until its
 * deadline, as a plain one does). Writes use send(MSG_NOSIGNAL): a scraper that goes away must
 * not raise SIGPIPE in the daemon. */
#ifndef TLSMON_WEB_TLS_H
#define TLSMON_WEB_TLS_H

#include <openssl/ssl.h>
#include <stddef.h>

#include "daemon/web_config.h"

struct web_tls;

/* Load the certificate chain, key and client CA of wc (wc->tls must be set). NULL with err set
 * ("cert_file /path: why") on failure. */
struct web_tls *web_tls__new(const struct web_config *wc, char *err, size_t errlen);
/* Drops a reference: the owner's, or a connection's once its SSL is freed. The last frees it:
 * a context replaced on SIGHUP stays until the connections made with it are closed (their BIOs
 * use its BIO method). */
void web_tls__free(struct web_tls *t);

/* A server-side SSL on fd (not owned: the caller closes it after SSL_free), holding a reference
 * to t (web_tls__free() after SSL_free()). NULL: no memory. */
SSL *web_tls__conn(struct web_tls *t, int fd);

#endif
