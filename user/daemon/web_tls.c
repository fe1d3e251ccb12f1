// SPDX-License-Identifier: GPL-2.0
#include "daemon/web_tls.h"

#include <errno.h>
#include <openssl/err.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/socket.h>

struct web_tls {
	SSL_CTX *ctx;
	BIO_METHOD *bio; /* a socket BIO whose writes cannot raise SIGPIPE */
	unsigned refs; /* the owner's and each connection's (web_tls__conn()) */
};

static int bio_write(BIO *b, const char *buf, size_t len, size_t *written)
{
	ssize_t n = send((int)(intptr_t)BIO_get_data(b), buf, len, MSG_NOSIGNAL);

	BIO_clear_retry_flags(b);
	if (n < 0) {
		if (errno == EAGAIN || errno == EINTR)
			BIO_set_retry_write(b);
		return 0;
	}
	*written = (size_t)n;
	return 1;
}

static int bio_read(BIO *b, char *buf, size_t len, size_t *got)
{
	ssize_t n = recv((int)(intptr_t)BIO_get_data(b), buf, len, 0);

	BIO_clear_retry_flags(b);
	if (n < 0) {
		if (errno == EAGAIN || errno == EINTR)
			BIO_set_retry_read(b);
		return 0;
	}
	if (n == 0)
		return 0; /* end of stream: no retry flag, so SSL reports it */
	*got = (size_t)n;
	return 1;
}

static long bio_ctrl(BIO *b, int cmd, long num, void *ptr)
{
	(void)b;
	(void)num;
	(void)ptr;
	/* Only FLUSH is asked of a plain transport; the socket has nothing buffered. */
	return cmd == BIO_CTRL_FLUSH ? 1 : 0;
}

static void set_err(char *err, size_t errlen, const char *what, const char *path)
{
	char why[200];

	ERR_error_string_n(ERR_peek_last_error(), why, sizeof(why));
	ERR_clear_error();
	snprintf(err, errlen, "%s %s: %s", what, path, why);
}

struct web_tls *web_tls__new(const struct web_config *wc, char *err, size_t errlen)
{
	struct web_tls *t = calloc(1, sizeof(*t));
	int verify = SSL_VERIFY_NONE;

	if (!t)
		goto oom;
	t->refs = 1;
	t->bio = BIO_meth_new(BIO_get_new_index() | BIO_TYPE_SOURCE_SINK, "tlsmon socket");
	t->ctx = SSL_CTX_new(TLS_server_method());
	if (!t->bio || !t->ctx || !BIO_meth_set_write_ex(t->bio, bio_write) ||
	    !BIO_meth_set_read_ex(t->bio, bio_read) || !BIO_meth_set_ctrl(t->bio, bio_ctrl))
		goto oom;
	if (!SSL_CTX_set_min_proto_version(t->ctx, wc->min_version) ||
	    !SSL_CTX_set_max_proto_version(t->ctx, wc->max_version)) {
		set_err(err, errlen, "min_version/max_version", "");
		goto fail;
	}
	/* The chain file may hold intermediates after the leaf, as exporter-toolkit's does. */
	if (SSL_CTX_use_certificate_chain_file(t->ctx, wc->cert_file) != 1) {
		set_err(err, errlen, "cert_file", wc->cert_file);
		goto fail;
	}
	if (SSL_CTX_use_PrivateKey_file(t->ctx, wc->key_file, SSL_FILETYPE_PEM) != 1 ||
	    SSL_CTX_check_private_key(t->ctx) != 1) {
		set_err(err, errlen, "key_file", wc->key_file);
		goto fail;
	}
	if (wc->client_auth != WEB_CLIENT_AUTH_NONE) {
		STACK_OF(X509_NAME) *names = SSL_load_client_CA_file(wc->client_ca_file);

		if (!names || SSL_CTX_load_verify_locations(t->ctx, wc->client_ca_file, NULL) != 1) {
			sk_X509_NAME_pop_free(names, X509_NAME_free);
			set_err(err, errlen, "client_ca_file", wc->client_ca_file);
			goto fail;
		}
		SSL_CTX_set_client_CA_list(t->ctx, names);
		/* A server certificate must not pass as a client's. */
		SSL_CTX_set_purpose(t->ctx, X509_PURPOSE_SSL_CLIENT);
		verify = SSL_VERIFY_PEER;
		if (wc->client_auth == WEB_CLIENT_AUTH_REQUIRE)
			verify |= SSL_VERIFY_FAIL_IF_NO_PEER_CERT;
	}
	SSL_CTX_set_verify(t->ctx, verify, NULL);
	/* Scrapes are one request per connection at most every few seconds: no resumption state
	 * to keep, and no tickets to send after the handshake. Idle connections give their
	 * buffers back. */
	SSL_CTX_set_session_cache_mode(t->ctx, SSL_SESS_CACHE_OFF);
	SSL_CTX_set_num_tickets(t->ctx, 0);
	SSL_CTX_set_options(t->ctx, SSL_OP_NO_RENEGOTIATION | SSL_OP_CIPHER_SERVER_PREFERENCE);
	SSL_CTX_set_mode(t->ctx, SSL_MODE_ENABLE_PARTIAL_WRITE |
					 SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER | SSL_MODE_RELEASE_BUFFERS);
	return t;
oom:
	snprintf(err, errlen, "TLS: out of memory");
fail:
	web_tls__free(t);
	return NULL;
}

void web_tls__free(struct web_tls *t)
{
	if (!t || --t->refs)
		return;
	SSL_CTX_free(t->ctx);
	BIO_meth_free(t->bio);
	free(t);
}

SSL *web_tls__conn(struct web_tls *t, int fd)
{
	SSL *ssl = SSL_new(t->ctx);
	BIO *b = BIO_new(t->bio);

	if (!ssl || !b) {
		BIO_free(b);
		SSL_free(ssl);
		return NULL;
	}
	/* the descriptor is the BIO's whole state */
	BIO_set_data(b, (void *)(intptr_t)fd);
	BIO_set_init(b, 1);
	SSL_set_bio(ssl, b, b);
	SSL_set_accept_state(ssl);
	t->refs++;
	return ssl;
}
