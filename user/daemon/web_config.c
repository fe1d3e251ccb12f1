// SPDX-License-Identifier: GPL-2.0
#include "daemon/web_config.h"

#include <errno.h>
#include <fcntl.h>
#include <openssl/ssl.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

enum section { SEC_NONE, SEC_TLS, SEC_USERS };

enum tls_key { K_CERT, K_KEY, K_CA, K_AUTH, K_MIN, K_MAX, K__COUNT };

static const char *const tls_keys[K__COUNT] = {
	[K_CERT] = "cert_file",
	[K_KEY] = "key_file",
	[K_CA] = "client_ca_file",
	[K_AUTH] = "client_auth_type",
	[K_MIN] = "min_version",
	[K_MAX] = "max_version",
};

/* Keys of the exporter-toolkit format that tlsmon does not implement: refused by name, so the
 * operator learns the key is known but unsupported rather than misspelt. */
static const char *const tls_unsupported[] = {
	"cert", "key", "client_ca", "cipher_suites", "curve_preferences",
	"prefer_server_cipher_suites", "client_allowed_sans",
};
static const char *const top_unsupported[] = { "http_server_config", "rate_limit" };

static const struct {
	const char *name;
	int version;
} versions[] = {
	{ "TLS10", TLS1_VERSION },
	{ "TLS11", TLS1_1_VERSION },
	{ "TLS12", TLS1_2_VERSION },
	{ "TLS13", TLS1_3_VERSION },
};

struct parser {
	struct web_config *wc;
	const char *dir;
	enum section sec;
	bool sec_empty; /* the section was written as "{}" */
	int sec_indent; /* indentation of the section's keys, -1 until the first */
	bool seen; /* a line other than blanks and comments was read */
	int line;
	int top_line[2]; /* where tls_server_config and basic_auth_users stand, 0: absent */
	int key_line[K__COUNT];
	char *err;
	size_t errlen;
};

static int fail(struct parser *ps, int line, const char *fmt, ...)
{
	va_list ap;
	int n;

	n = snprintf(ps->err, ps->errlen, "%d: ", line);
	if (n < 0 || (size_t)n >= ps->errlen)
		return -EINVAL;
	va_start(ap, fmt);
	vsnprintf(ps->err + n, ps->errlen - (size_t)n, fmt, ap);
	va_end(ap);
	return -EINVAL;
}

static bool in_list(const char *s, const char *const *list, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (!strcmp(s, list[i]))
			return true;
	return false;
}

/* One scalar at p (YAML 1.2 7.3.2 single-quoted, 7.3.1 double-quoted with only \" and \\, or
 * plain). A plain key ends at ": " or a ':' ending the line, a plain value at " #" (a comment)
 * or the end. Returns the position past it, or NULL with *why set. */
static const char *scalar(const char *p, const char *end, bool key, char *out, size_t size,
			  const char **why)
{
	size_t n = 0;

	*why = "value too long";
	if (p < end && (*p == '\'' || *p == '"')) {
		char q = *p++;

		for (;; p++) {
			char c;

			if (p >= end) {
				*why = "unterminated quoted string";
				return NULL;
			}
			c = *p;
			if (c == q && q == '\'' && p + 1 < end && p[1] == '\'') {
				p++; /* '' is one quote */
			} else if (c == q) {
				p++;
				break;
			} else if (q == '"' && c == '\\') {
				if (p + 1 >= end || (p[1] != '"' && p[1] != '\\')) {
					*why = "only \\\" and \\\\ escapes are supported";
					return NULL;
				}
				c = *++p;
			}
			if (n + 1 >= size)
				return NULL;
			out[n++] = c;
		}
		out[n] = '\0';
		return p;
	}
	if (p < end && (strchr("[{|>&*!?%@`", *p) || (*p == '-' && (p + 1 == end || p[1] == ' ')))) {
		*why = "only plain or quoted scalars are supported (no flow collections, lists, "
		       "block scalars, anchors or tags)";
		return NULL;
	}
	for (; p < end; p++) {
		if (*p == ':' && (p + 1 == end || p[1] == ' ')) {
			if (key)
				break;
			*why = "a value may not contain \": \" (quote it)";
			return NULL;
		}
		if (*p == '#' && n && out[n - 1] == ' ')
			break;
		if (n + 1 >= size)
			return NULL;
		out[n++] = *p;
	}
	while (n && out[n - 1] == ' ')
		n--;
	out[n] = '\0';
	return p;
}

/* After a value: spaces, then a comment or the end of the line. */
static bool rest_is_empty(const char *p, const char *end)
{
	while (p < end && *p == ' ')
		p++;
	return p == end || *p == '#';
}

static int set_path(struct parser *ps, char *dst, const char *v)
{
	int n;

	if (!v[0] || v[0] == '/' || !ps->dir[0])
		n = snprintf(dst, PATH_MAX, "%s", v);
	else
		n = snprintf(dst, PATH_MAX, "%s/%s", ps->dir, v);
	if (n < 0 || n >= PATH_MAX)
		return fail(ps, ps->line, "path too long");
	return 0;
}

static int tls_value(struct parser *ps, const char *key, const char *v)
{
	struct web_config *wc = ps->wc;
	int k;

	for (k = 0; k < K__COUNT; k++)
		if (!strcmp(key, tls_keys[k]))
			break;
	if (k == K__COUNT) {
		if (in_list(key, tls_unsupported, sizeof(tls_unsupported) / sizeof(*tls_unsupported)))
			return fail(ps, ps->line, "tls_server_config.%s is not supported by tlsmon", key);
		return fail(ps, ps->line, "unknown key tls_server_config.%s", key);
	}
	if (ps->key_line[k])
		return fail(ps, ps->line, "tls_server_config.%s given twice (line %d)", key,
			    ps->key_line[k]);
	ps->key_line[k] = ps->line;
	if (!v[0])
		return 0; /* YAML null: left at its default, as exporter-toolkit does */
	/* exporter-toolkit's TLSConfig.IsEnabled: versions alone do not turn TLS on */
	if (k != K_MIN && k != K_MAX)
		wc->tls = true;
	switch (k) {
	case K_CERT:
		return set_path(ps, wc->cert_file, v);
	case K_KEY:
		return set_path(ps, wc->key_file, v);
	case K_CA:
		return set_path(ps, wc->client_ca_file, v);
	case K_AUTH:
		if (!strcmp(v, "NoClientCert"))
			wc->client_auth = WEB_CLIENT_AUTH_NONE;
		else if (!strcmp(v, "VerifyClientCertIfGiven"))
			wc->client_auth = WEB_CLIENT_AUTH_IF_GIVEN;
		else if (!strcmp(v, "RequireAndVerifyClientCert"))
			wc->client_auth = WEB_CLIENT_AUTH_REQUIRE;
		else if (!strcmp(v, "RequestClientCert") || !strcmp(v, "RequireAnyClientCert") ||
			 !strcmp(v, "RequireClientCert"))
			return fail(ps, ps->line, "client_auth_type %s is not supported: it accepts "
				    "client certificates nobody verified; use "
				    "RequireAndVerifyClientCert", v);
		else
			return fail(ps, ps->line, "client_auth_type: expected NoClientCert, "
				    "VerifyClientCertIfGiven or RequireAndVerifyClientCert, got '%s'",
				    v);
		return 0;
	default:
		for (size_t i = 0; i < sizeof(versions) / sizeof(*versions); i++) {
			if (strcmp(v, versions[i].name))
				continue;
			*(k == K_MIN ? &wc->min_version : &wc->max_version) = versions[i].version;
			return 0;
		}
		return fail(ps, ps->line, "%s: expected TLS10, TLS11, TLS12 or TLS13, got '%s'", key, v);
	}
}

/* The modular crypt format of bcrypt: $2a$, $2b$ or $2y$, a two-digit cost of 04..31, '$', 53
 * characters of its base64 alphabet. */
static bool is_bcrypt(const char *h)
{
	static const char alphabet[] =
		"./ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
	int cost;

	if (strlen(h) != WEB_BCRYPT_LEN || h[0] != '$' || h[1] != '2' || !strchr("aby", h[2]) ||
	    h[3] != '$' || h[4] < '0' || h[4] > '3' || h[5] < '0' || h[5] > '9' || h[6] != '$')
		return false;
	cost = (h[4] - '0') * 10 + (h[5] - '0');
	if (cost < 4 || cost > 31)
		return false;
	return strspn(h + 7, alphabet) == WEB_BCRYPT_LEN - 7;
}

static int user_value(struct parser *ps, const char *name, const char *v)
{
	struct web_config *wc = ps->wc;
	struct web_user *u;

	/* RFC 7617 2: the user-id cannot contain a colon. */
	if (!name[0] || strchr(name, ':'))
		return fail(ps, ps->line, "basic_auth_users: a user name must be non-empty and "
			    "without ':'");
	for (int i = 0; i < wc->n_users; i++)
		if (!strcmp(wc->users[i].name, name))
			return fail(ps, ps->line, "basic_auth_users.%s given twice", name);
	if (!is_bcrypt(v))
		return fail(ps, ps->line, "basic_auth_users.%s: not a bcrypt hash ($2a$, $2b$ or "
			    "$2y$, 60 characters; e.g. htpasswd -nBC 10 \"\" | tr -d ':\\n')", name);
	if (wc->n_users >= WEB_MAX_USERS)
		return fail(ps, ps->line, "basic_auth_users: at most %d users", WEB_MAX_USERS);
	u = &wc->users[wc->n_users++];
	snprintf(u->name, sizeof(u->name), "%s", name);
	/* is_bcrypt() took exactly WEB_BCRYPT_LEN characters; snprintf() would make -O1 builds
	 * warn that the value (up to a line) may not fit */
	memcpy(u->hash, v, WEB_BCRYPT_LEN);
	u->hash[WEB_BCRYPT_LEN] = '\0';
	return 0;
}

static int top_key(struct parser *ps, const char *key, const char *p, const char *end)
{
	int i;

	if (!strcmp(key, "tls_server_config"))
		i = 0;
	else if (!strcmp(key, "basic_auth_users"))
		i = 1;
	else if (in_list(key, top_unsupported, sizeof(top_unsupported) / sizeof(*top_unsupported)))
		return fail(ps, ps->line, "%s is not supported by tlsmon", key);
	else
		return fail(ps, ps->line, "unknown key %s (expected tls_server_config or "
			    "basic_auth_users)", key);
	if (ps->top_line[i])
		return fail(ps, ps->line, "%s given twice (line %d)", key, ps->top_line[i]);
	ps->top_line[i] = ps->line;
	ps->sec = i ? SEC_USERS : SEC_TLS;
	ps->sec_indent = -1;
	while (p < end && *p == ' ')
		p++;
	ps->sec_empty = p + 1 < end && p[0] == '{' && p[1] == '}';
	if (ps->sec_empty)
		p += 2;
	if (!rest_is_empty(p, end))
		return fail(ps, ps->line, "%s must be a mapping (its keys on the lines below, "
			    "indented)", key);
	return 0;
}

static int parse_line(struct parser *ps, const char *p, const char *end)
{
	char key[WEB_MAX_NAME], val[PATH_MAX];
	const char *s = p, *why;
	int indent;

	while (s < end && (*s == ' ' || *s == '\t')) {
		if (*s == '\t')
			return fail(ps, ps->line, "tab in indentation (YAML indents with spaces)");
		s++;
	}
	if (s == end || *s == '#')
		return 0;
	indent = (int)(s - p);
	if (!indent && end - s == 3 && !memcmp(s, "---", 3)) {
		if (ps->seen)
			return fail(ps, ps->line, "only one YAML document is supported");
		ps->seen = true;
		return 0;
	}
	ps->seen = true;
	s = scalar(s, end, true, key, sizeof(key), &why);
	if (!s)
		return fail(ps, ps->line, "%s", why);
	if (s >= end || *s != ':')
		return fail(ps, ps->line, "expected \"key: value\"");
	s++;
	if (!indent)
		return top_key(ps, key, s, end);
	if (ps->sec == SEC_NONE || ps->sec_empty)
		return fail(ps, ps->line, "unexpected indentation");
	if (ps->sec_indent < 0)
		ps->sec_indent = indent;
	else if (indent != ps->sec_indent)
		return fail(ps, ps->line, "unexpected indentation (two levels of mappings only)");
	while (s < end && *s == ' ')
		s++;
	s = scalar(s, end, false, val, sizeof(val), &why);
	if (!s)
		return fail(ps, ps->line, "%s", why);
	if (!rest_is_empty(s, end))
		return fail(ps, ps->line, "unexpected text after the value");
	return ps->sec == SEC_TLS ? tls_value(ps, key, val) : user_value(ps, key, val);
}

/* What exporter-toolkit's ConfigToTLSConfig refuses, and a CA without a way to use it. */
static int validate(struct parser *ps)
{
	struct web_config *wc = ps->wc;

	/* Checked with or without TLS on: a max_version alone (under the default min_version)
	 * would otherwise be kept, and refused later only when a certificate turns TLS on. */
	if (wc->min_version > wc->max_version)
		return fail(ps, ps->key_line[K_MIN] ? ps->key_line[K_MIN] : ps->key_line[K_MAX],
			    "min_version is above max_version");
	if (!wc->tls)
		return 0;
	if (!wc->cert_file[0] || !wc->key_file[0])
		return fail(ps, ps->top_line[0], "tls_server_config needs both cert_file and key_file");
	if (wc->client_ca_file[0] && wc->client_auth == WEB_CLIENT_AUTH_NONE)
		return fail(ps, ps->key_line[K_CA], "client_ca_file is set but client_auth_type is "
			    "NoClientCert: set RequireAndVerifyClientCert (or "
			    "VerifyClientCertIfGiven)");
	if (!wc->client_ca_file[0] && wc->client_auth != WEB_CLIENT_AUTH_NONE)
		return fail(ps, ps->key_line[K_AUTH], "client_auth_type needs client_ca_file, the CA "
			    "that client certificates are verified against");
	return 0;
}

int web_config__parse(const char *text, size_t len, const char *dir, struct web_config *wc,
		      char *err, size_t errlen)
{
	struct parser ps = {
		.wc = wc,
		.dir = dir,
		.sec_indent = -1,
		.err = err,
		.errlen = errlen,
	};
	const char *p = text, *end = text + len;
	int rc;

	memset(wc, 0, sizeof(*wc));
	wc->min_version = TLS1_2_VERSION;
	wc->max_version = TLS1_3_VERSION;
	if (memchr(text, '\0', len))
		return fail(&ps, 0, "NUL byte in the file");
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p)), *e = nl ? nl : end;

		ps.line++;
		if (e > p && e[-1] == '\r')
			e--;
		rc = parse_line(&ps, p, e);
		if (rc)
			return rc;
		p = nl ? nl + 1 : end;
	}
	return validate(&ps);
}

int web_config__load(const char *path, struct web_config *wc, char *err, size_t errlen)
{
	char buf[WEB_CONFIG_MAX_BYTES + 1], dir[PATH_MAX], msg[256];
	const char *slash = strrchr(path, '/');
	ssize_t n;
	size_t len = 0;
	int fd, rc;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		rc = -errno;
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return rc;
	}
	while (len < sizeof(buf) && (n = read(fd, buf + len, sizeof(buf) - len)) > 0)
		len += (size_t)n;
	close(fd);
	if (len > WEB_CONFIG_MAX_BYTES) {
		snprintf(err, errlen, "%s: over %d bytes", path, WEB_CONFIG_MAX_BYTES);
		return -E2BIG;
	}
	if (!slash)
		dir[0] = '\0';
	else
		snprintf(dir, sizeof(dir), "%.*s", slash == path ? 1 : (int)(slash - path), path);
	rc = web_config__parse(buf, len, dir, wc, msg, sizeof(msg));
	if (rc) {
		/* "0: ..." is about the file as a whole */
		if (!strncmp(msg, "0: ", 3))
			snprintf(err, errlen, "%s: %s", path, msg + 3);
		else
			snprintf(err, errlen, "%s:%s", path, msg);
	}
	return rc;
}

const char *web_config__version_name(int version)
{
	for (size_t i = 0; i < sizeof(versions) / sizeof(*versions); i++)
		if (versions[i].version == version)
			return versions[i].name;
	return "?";
}
