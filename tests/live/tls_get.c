// SPDX-License-Identifier: GPL-2.0
/* tls_get ADDR PORT SNI: one TLS handshake to ADDR:PORT (IPv4 or IPv6 literal) with SNI, then
 * exit: 0 when the handshake finished. A client for tests/live/process.sh to run, linked
 * statically, as the only file of a container's root (no verification: the test checks who
 * connected, not the chain). */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <openssl/ssl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	struct sockaddr_storage ss = { 0 };
	struct sockaddr_in *s4 = (struct sockaddr_in *)&ss;
	struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&ss;
	socklen_t len;
	SSL_CTX *ctx;
	SSL *ssl;
	int fd, rc = 1;

	if (argc != 4) {
		fprintf(stderr, "usage: tls_get ADDR PORT SNI\n");
		return 2;
	}
	if (inet_pton(AF_INET, argv[1], &s4->sin_addr) == 1) {
		s4->sin_family = AF_INET;
		s4->sin_port = htons((uint16_t)atoi(argv[2]));
		len = sizeof(*s4);
	} else if (inet_pton(AF_INET6, argv[1], &s6->sin6_addr) == 1) {
		s6->sin6_family = AF_INET6;
		s6->sin6_port = htons((uint16_t)atoi(argv[2]));
		len = sizeof(*s6);
	} else {
		fprintf(stderr, "tls_get: not an address: %s\n", argv[1]);
		return 2;
	}
	fd = socket(ss.ss_family, SOCK_STREAM, 0);
	if (fd < 0 || connect(fd, (struct sockaddr *)&ss, len)) {
		perror("tls_get: connect");
		return 1;
	}
	ctx = SSL_CTX_new(TLS_client_method());
	ssl = ctx ? SSL_new(ctx) : NULL;
	if (ssl && SSL_set_tlsext_host_name(ssl, argv[3]) && SSL_set_fd(ssl, fd) &&
	    SSL_connect(ssl) == 1) {
		printf("handshake done: %s\n", SSL_get_version(ssl));
		SSL_shutdown(ssl);
		rc = 0;
	} else {
		fprintf(stderr, "tls_get: handshake failed\n");
	}
	SSL_free(ssl);
	SSL_CTX_free(ctx);
	close(fd);
	return rc;
}
