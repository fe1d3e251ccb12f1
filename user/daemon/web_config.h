/* --web-config FILE: TLS and basic authentication for /metrics, in the file format of the
 * Prometheus exporter-toolkit (docs/web-configuration.md), so an operator can reuse what node
 * exporter is given. The subset an operator needs is read: tls_server_config's cert_file,
 * key_file, client_ca_file, client_auth_type (NoClientCert, VerifyClientCertIfGiven,
 * RequireAndVerifyClientCert), min_version, max_version; basic_auth_users with bcrypt hashes.
 * The reader takes a strict YAML subset (two levels of block mappings of scalars) and refuses
 * anything else, unknown keys included, with the line where it stands. */
#ifndef TLSMON_WEB_CONFIG_H
#define TLSMON_WEB_CONFIG_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>

#define WEB_MAX_USERS 32
#define WEB_MAX_NAME 128
/* bcrypt: "$2b$" cost "$" 22 characters of salt and 31 of hash. */
#define WEB_BCRYPT_LEN 60
#define WEB_CONFIG_MAX_BYTES 65536

enum web_client_auth {
	WEB_CLIENT_AUTH_NONE, /* NoClientCert (the default) */
	WEB_CLIENT_AUTH_IF_GIVEN, /* VerifyClientCertIfGiven */
	WEB_CLIENT_AUTH_REQUIRE, /* RequireAndVerifyClientCert */
};

struct web_user {
	char name[WEB_MAX_NAME];
	char hash[WEB_BCRYPT_LEN + 1];
};

struct web_config {
	bool tls; /* tls_server_config has keys: serve HTTPS, else plain HTTP */
	char cert_file[PATH_MAX]; /* relative paths are taken from the file's directory */
	char key_file[PATH_MAX];
	char client_ca_file[PATH_MAX];
	enum web_client_auth client_auth;
	int min_version; /* TLS1_2_VERSION by default, as exporter-toolkit */
	int max_version; /* TLS1_3_VERSION */
	int n_users; /* 0: no basic authentication */
	struct web_user users[WEB_MAX_USERS];
};

/* Parse the text of a web configuration file; dir ("" or a path ending without '/') is joined to
 * relative file names. Returns 0, or -EINVAL with "LINE: what" (LINE 0: the file as a whole) in
 * err. No I/O. */
int web_config__parse(const char *text, size_t len, const char *dir, struct web_config *wc,
		      char *err, size_t errlen);

/* Read and parse PATH; err says "PATH:LINE: what" or "PATH: what". Returns 0 or -errno. */
int web_config__load(const char *path, struct web_config *wc, char *err, size_t errlen);

/* "TLS12" and the like, for the startup line. */
const char *web_config__version_name(int version);

#endif
