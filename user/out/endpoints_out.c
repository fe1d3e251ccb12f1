// SPDX-License-Identifier: GPL-2.0
#include "out/endpoints_out.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include "out/report.h"
#include "tls/tls_names.h"
#include "verdict/policy.h"

#define NS 1000000000ull

const char *endpoints_out__addr(const struct ep_entry *e, char *buf, size_t size)
{
	char ip[INET6_ADDRSTRLEN] = "?";
	bool v6 = e->family == 6; /* struct handshake: 4 or 6 */

	inet_ntop(v6 ? AF_INET6 : AF_INET, e->addr, ip, sizeof(ip));
	if (!e->port)
		snprintf(buf, size, "%s", ip);
	else
		snprintf(buf, size, v6 ? "[%s]:%u" : "%s:%u", ip, e->port);
	return buf;
}

static const char *version_name(uint16_t v, char *buf, size_t size)
{
	return v ? tls__version_name(v, buf, size) : "none";
}

static const char *cipher_name(uint16_t c, char *buf, size_t size)
{
	return tls__cipher_name(c, buf, size);
}

static const char *group_name(uint16_t g, char *buf, size_t size)
{
	const char *n;

	if (!g)
		return "none";
	n = tls__group_name(g);
	if (n)
		return n;
	snprintf(buf, size, "0x%04X", g);
	return buf;
}

typedef const char *(*code_name_fn)(uint16_t v, char *buf, size_t size);

static void json_codes(struct sbuf *b, const char *key, const struct ep_codes *c, code_name_fn fn)
{
	char tmp[16];

	sbuf__printf(b, ",\"%s\":[", key);
	for (unsigned i = 0; i < c->n; i++) {
		if (i)
			sbuf__putc(b, ',');
		json__cstr(b, fn(c->v[i], tmp, sizeof(tmp)));
	}
	sbuf__putc(b, ']');
	if (c->more)
		sbuf__printf(b, ",\"%s_truncated\":true", key);
}

static void json_time(struct sbuf *b, const char *key, uint64_t ns)
{
	char ts[40];

	sbuf__printf(b, ",\"%s\":", key);
	json__cstr(b, report__rfc3339(ns, ts, sizeof(ts)));
}

/* Certificate times as x509 reports them: RFC 3339 to the second. */
static const char *cert_time(int64_t s, char *buf, size_t size)
{
	time_t t = (time_t)s;
	struct tm tm;

	if (!gmtime_r(&t, &tm) || !strftime(buf, size, "%Y-%m-%dT%H:%M:%SZ", &tm))
		snprintf(buf, size, "%lld", (long long)s);
	return buf;
}

static void json_unix(struct sbuf *b, const char *key, int64_t s)
{
	char ts[40];

	sbuf__printf(b, ",\"%s\":", key);
	json__cstr(b, cert_time(s, ts, sizeof(ts)));
}

static void json_worst(struct sbuf *b, const struct ep_worst *w)
{
	sbuf__puts(b, ",\"worst_finding\":");
	if (!w->present) {
		sbuf__puts(b, "null");
		return;
	}
	sbuf__puts(b, "{\"check\":");
	json__cstr(b, policy__check_name((enum check_id)w->check));
	sbuf__puts(b, ",\"severity\":");
	json__cstr(b, policy__severity_name((enum severity)w->severity));
	sbuf__puts(b, ",\"detail\":");
	json__cstr(b, w->detail);
	sbuf__putc(b, '}');
}

static void json_certs(struct sbuf *b, const struct ep_chain *ch)
{
	sbuf__puts(b, ",\"certificates\":[");
	for (unsigned i = 0; ch && i < ch->n; i++) {
		const struct ep_cert *c = &ch->c[i];

		sbuf__puts(b, i ? ",{\"sha256\":" : "{\"sha256\":");
		json__cstr(b, c->sha256_hex);
		if (c->parsed) {
			sbuf__puts(b, ",\"subject\":");
			json__cstr(b, c->subject);
			sbuf__puts(b, ",\"issuer\":");
			json__cstr(b, c->issuer);
			if (c->validity_ok) {
				json_unix(b, "not_before", c->not_before);
				json_unix(b, "not_after", c->not_after);
			}
			sbuf__puts(b, ",\"signature_algorithm\":");
			json__cstr(b, c->sig_name);
			sbuf__puts(b, ",\"signature_oid\":");
			json__cstr(b, c->sig_oid);
			sbuf__puts(b, ",\"key_type\":");
			json__cstr(b, c->key_type);
			sbuf__printf(b, ",\"key_bits\":%d", c->key_bits);
			if (c->curve[0]) {
				sbuf__puts(b, ",\"curve\":");
				json__cstr(b, c->curve);
			}
		}
		sbuf__putc(b, '}');
	}
	sbuf__putc(b, ']');
}

static const char *const kx_names[4] = { "RSA", "DHE", "ECDHE", "TLS1.3" };

/* The local process at the entry's end: only where attribution found one, so the tables of
 * capture files print as before. */
static void json_process(struct sbuf *b, const struct hs_process *p)
{
	if (!p->present)
		return;
	sbuf__printf(b, ",\"process\":{\"pid\":%u,\"uid\":%u,\"comm\":", p->pid, p->uid);
	json__cstr(b, p->comm);
	sbuf__puts(b, ",\"exe\":");
	json__cstr_or_null(b, p->exe[0] ? p->exe : NULL);
	sbuf__puts(b, ",\"unit\":");
	json__cstr_or_null(b, p->unit[0] ? p->unit : NULL);
	sbuf__puts(b, ",\"container\":");
	if (p->container_id[0]) {
		sbuf__puts(b, "{\"runtime\":");
		json__cstr_or_null(b, p->container_runtime[0] ? p->container_runtime : NULL);
		sbuf__puts(b, ",\"id\":");
		json__cstr(b, p->container_id);
		sbuf__putc(b, '}');
	} else {
		sbuf__puts(b, "null");
	}
	sbuf__puts(b, ",\"pod_uid\":");
	json__cstr_or_null(b, p->pod_uid[0] ? p->pod_uid : NULL);
	sbuf__putc(b, '}');
}

static void json_server(struct sbuf *b, const struct ep_entry *e)
{
	char addr[64], tmp[16];

	sbuf__puts(b, "{\"server\":");
	json__cstr(b, endpoints_out__addr(e, addr, sizeof(addr)));
	sbuf__puts(b, ",\"sni\":");
	json__cstr(b, e->sni);
	json_time(b, "first_seen", e->first_seen_ns);
	json_time(b, "last_seen", e->last_seen_ns);
	sbuf__printf(b, ",\"handshakes\":%llu", (unsigned long long)e->handshakes);
	json_codes(b, "versions", &e->versions, version_name);
	json_codes(b, "ciphers", &e->ciphers, cipher_name);
	json_codes(b, "groups", &e->groups, group_name);
	sbuf__puts(b, ",\"last\":{\"version\":");
	json__cstr(b, version_name(e->version, tmp, sizeof(tmp)));
	sbuf__puts(b, ",\"cipher\":");
	if (e->version)
		json__cstr(b, cipher_name(e->cipher, tmp, sizeof(tmp)));
	else
		sbuf__puts(b, "null");
	sbuf__puts(b, ",\"group\":");
	json__cstr(b, group_name(e->group, tmp, sizeof(tmp)));
	sbuf__printf(b, ",\"pq\":%s}", e->group_pq ? "true" : "false");
	sbuf__puts(b, ",\"chain\":");
	if (!e->has_chain) {
		sbuf__puts(b, "null");
	} else {
		sbuf__printf(b, "{\"length\":%u,\"leaf\":{\"subject\":", e->chain_len);
		json__cstr(b, e->leaf_subject);
		sbuf__puts(b, ",\"issuer\":");
		json__cstr(b, e->leaf_issuer);
		sbuf__puts(b, ",\"serial\":");
		json__cstr(b, e->leaf_serial);
		json_unix(b, "not_after", e->leaf_not_after);
		sbuf__putc(b, '}');
		json_unix(b, "earliest_not_after", e->chain_not_after);
		sbuf__puts(b, ",\"signature_algorithms\":[");
		for (unsigned i = 0; i < e->n_sigalgs; i++) {
			if (i)
				sbuf__putc(b, ',');
			json__cstr(b, e->sigalgs[i]);
		}
		sbuf__putc(b, ']');
		json_certs(b, e->chain);
		sbuf__putc(b, '}');
	}
	json_worst(b, &e->worst);
	json_process(b, &e->process);
	sbuf__putc(b, '}');
}

static void json_client(struct sbuf *b, const struct ep_entry *e)
{
	char addr[64], tmp[16];
	bool first = true;

	sbuf__puts(b, "{\"ja4\":");
	json__cstr(b, e->ja4);
	sbuf__puts(b, ",\"last_client\":");
	json__cstr(b, endpoints_out__addr(e, addr, sizeof(addr)));
	json_time(b, "first_seen", e->first_seen_ns);
	json_time(b, "last_seen", e->last_seen_ns);
	sbuf__printf(b, ",\"handshakes\":%llu", (unsigned long long)e->handshakes);
	sbuf__puts(b, ",\"offered\":{\"min_version\":");
	if (e->offered_min_version)
		json__cstr(b, version_name(e->offered_min_version, tmp, sizeof(tmp)));
	else
		sbuf__puts(b, "null");
	sbuf__puts(b, ",\"max_version\":");
	json__cstr(b, version_name(e->offered_max_version, tmp, sizeof(tmp)));
	sbuf__puts(b, ",\"key_exchange\":[");
	for (unsigned i = 0; i < 4; i++) {
		if (!(e->offered_kx & (1u << i)))
			continue;
		if (!first)
			sbuf__putc(b, ',');
		first = false;
		json__cstr(b, kx_names[i]);
	}
	sbuf__printf(b, "],\"only_rsa_key_exchange\":%s}",
		     e->offered_kx == HS_KX_RSA ? "true" : "false");
	json_codes(b, "versions", &e->versions, version_name);
	json_codes(b, "ciphers", &e->ciphers, cipher_name);
	json_codes(b, "groups", &e->groups, group_name);
	json_worst(b, &e->worst);
	json_process(b, &e->process);
	sbuf__putc(b, '}');
}

void endpoints_out__json(struct sbuf *b, const struct endpoints *ep)
{
	const struct ep_stats *st = endpoints__stats(ep);
	const struct ep_entry *e;
	int64_t earliest;

	sbuf__printf(b, "{\"max_entries\":%llu,\"servers_evicted\":%llu,\"clients_evicted\":%llu",
		     (unsigned long long)st->max_entries,
		     (unsigned long long)st->evicted[EP_SERVER],
		     (unsigned long long)st->evicted[EP_CLIENT]);
	if (endpoints__earliest_not_after(ep, &earliest))
		json_unix(b, "earliest_not_after", earliest);
	else
		sbuf__puts(b, ",\"earliest_not_after\":null");
	sbuf__puts(b, ",\"servers\":[");
	for (e = endpoints__first(ep, EP_SERVER); e; e = endpoints__next(ep, e)) {
		json_server(b, e);
		if (endpoints__next(ep, e))
			sbuf__putc(b, ',');
	}
	sbuf__puts(b, "],\"clients\":[");
	for (e = endpoints__first(ep, EP_CLIENT); e; e = endpoints__next(ep, e)) {
		json_client(b, e);
		if (endpoints__next(ep, e))
			sbuf__putc(b, ',');
	}
	sbuf__puts(b, "]}\n");
}

/* " process=nginx(pid 17,unit nginx.service)", only where attributed. */
static void text_process(struct sbuf *b, const struct hs_process *p)
{
	if (!p->present)
		return;
	sbuf__printf(b, " process=%s(pid %u", p->comm, p->pid);
	if (p->container_id[0])
		sbuf__printf(b, ",%s %.12s", p->container_runtime[0] ? p->container_runtime :
				 "container", p->container_id);
	else if (p->unit[0])
		sbuf__printf(b, ",unit %s", p->unit);
	sbuf__putc(b, ')');
}

void endpoints_out__text(struct sbuf *b, const struct endpoints *ep)
{
	const struct ep_stats *st = endpoints__stats(ep);
	const struct ep_entry *e;
	char addr[64], t1[16], t2[16], t3[16], ts[40];

	sbuf__printf(b, "servers (%llu of at most %llu, %llu evicted)\n",
		     (unsigned long long)st->entries[EP_SERVER],
		     (unsigned long long)st->max_entries,
		     (unsigned long long)st->evicted[EP_SERVER]);
	for (e = endpoints__first(ep, EP_SERVER); e; e = endpoints__next(ep, e)) {
		sbuf__printf(b, "  %s sni=%s last_seen=%s handshakes=%llu %s %s %s%s",
			     endpoints_out__addr(e, addr, sizeof(addr)), e->sni[0] ? e->sni : "-",
			     report__rfc3339(e->last_seen_ns, ts, sizeof(ts)),
			     (unsigned long long)e->handshakes,
			     version_name(e->version, t1, sizeof(t1)),
			     e->version ? cipher_name(e->cipher, t2, sizeof(t2)) : "-",
			     group_name(e->group, t3, sizeof(t3)), e->group_pq ? " (pq)" : "");
		if (e->has_chain)
			sbuf__printf(b, " not_after=%s",
				     cert_time(e->chain_not_after, ts, sizeof(ts)));
		if (e->worst.present)
			sbuf__printf(b, " worst=%s:%s",
				     policy__check_name((enum check_id)e->worst.check),
				     e->worst.detail);
		text_process(b, &e->process);
		sbuf__putc(b, '\n');
	}
	sbuf__printf(b, "clients by JA4 (%llu of at most %llu, %llu evicted)\n",
		     (unsigned long long)st->entries[EP_CLIENT],
		     (unsigned long long)st->max_entries,
		     (unsigned long long)st->evicted[EP_CLIENT]);
	for (e = endpoints__first(ep, EP_CLIENT); e; e = endpoints__next(ep, e)) {
		sbuf__printf(b, "  %s last_client=%s handshakes=%llu offers %s..%s%s",
			     e->ja4, endpoints_out__addr(e, addr, sizeof(addr)),
			     (unsigned long long)e->handshakes,
			     e->offered_min_version ?
				     version_name(e->offered_min_version, t1, sizeof(t1)) : "?",
			     version_name(e->offered_max_version, t2, sizeof(t2)),
			     e->offered_kx == HS_KX_RSA ? " only-RSA-key-exchange" : "");
		if (e->worst.present)
			sbuf__printf(b, " worst=%s:%s",
				     policy__check_name((enum check_id)e->worst.check),
				     e->worst.detail);
		text_process(b, &e->process);
		sbuf__putc(b, '\n');
	}
}

/* Prometheus text format 0.0.4: label values escape backslash, double quote and newline (the
 * table's strings are printable ASCII already). */
static void label(struct sbuf *b, const char *name, const char *v, bool first)
{
	sbuf__printf(b, "%s%s=\"", first ? "" : ",", name);
	for (; *v; v++) {
		if (*v == '\\' || *v == '"')
			sbuf__putc(b, '\\');
		sbuf__putc(b, *v);
	}
	sbuf__putc(b, '"');
}

static void header(struct sbuf *b, const char *name, const char *type, const char *help)
{
	sbuf__printf(b, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

/* One sample of name per endpoint table, labelled by its kind. */
static void by_kind(struct sbuf *b, const char *name, const uint64_t v[EP__KINDS])
{
	static const char *const kinds[EP__KINDS] = { "server", "client" };

	for (int k = 0; k < EP__KINDS; k++)
		sbuf__printf(b, "%s{kind=\"%s\"} %llu\n", name, kinds[k], (unsigned long long)v[k]);
}

void endpoints_out__metrics(struct sbuf *b, const struct endpoints *ep)
{
	const struct ep_stats *st = endpoints__stats(ep);
	const struct ep_entry *e;
	char addr[64], t1[16], t2[16], t3[16];
	int64_t earliest;

	header(b, "tlsmon_cert_earliest_not_after_timestamp_seconds", "gauge",
	       "Earliest notAfter of any certificate of any chain seen in the last 24 hours of "
	       "packet time, in seconds since the Unix epoch.");
	if (endpoints__earliest_not_after(ep, &earliest))
		sbuf__printf(b, "tlsmon_cert_earliest_not_after_timestamp_seconds %lld\n",
			     (long long)earliest);
	header(b, "tlsmon_endpoints", "gauge",
	       "Entries in the endpoint tables, by kind (server endpoints, client JA4 classes).");
	by_kind(b, "tlsmon_endpoints", st->entries);
	header(b, "tlsmon_endpoints_max", "gauge",
	       "Bound of each endpoint table (--max-endpoints), also the bound on the series of "
	       "each tlsmon_endpoint_* and tlsmon_client_class_info metric.");
	sbuf__printf(b, "tlsmon_endpoints_max %llu\n", (unsigned long long)st->max_entries);
	header(b, "tlsmon_endpoints_evicted_total", "counter",
	       "Least recently seen entries evicted from a full endpoint table, by kind.");
	by_kind(b, "tlsmon_endpoints_evicted_total", st->evicted);

	header(b, "tlsmon_endpoint_cert_not_after_timestamp_seconds", "gauge",
	       "Earliest notAfter of the last certificate chain a server endpoint presented, by sni "
	       "and server, in seconds since the Unix epoch (TLS 1.3 encrypts the chain).");
	for (e = endpoints__first(ep, EP_SERVER); e; e = endpoints__next(ep, e)) {
		if (!e->has_chain || !e->chain_not_after)
			continue;
		sbuf__puts(b, "tlsmon_endpoint_cert_not_after_timestamp_seconds{");
		label(b, "sni", e->sni, true);
		label(b, "server", endpoints_out__addr(e, addr, sizeof(addr)), false);
		sbuf__printf(b, "} %lld\n", (long long)e->chain_not_after);
	}
	header(b, "tlsmon_endpoint_info", "gauge",
	       "A server endpoint and what its last handshake negotiated (value 1).");
	for (e = endpoints__first(ep, EP_SERVER); e; e = endpoints__next(ep, e)) {
		sbuf__puts(b, "tlsmon_endpoint_info{");
		label(b, "sni", e->sni, true);
		label(b, "server", endpoints_out__addr(e, addr, sizeof(addr)), false);
		label(b, "version", version_name(e->version, t1, sizeof(t1)), false);
		label(b, "cipher", e->version ? cipher_name(e->cipher, t2, sizeof(t2)) : "none",
		      false);
		label(b, "group", group_name(e->group, t3, sizeof(t3)), false);
		label(b, "pq", e->group_pq ? "true" : "false", false);
		sbuf__puts(b, "} 1\n");
	}
	header(b, "tlsmon_client_class_info", "gauge",
	       "A client class (JA4) and the versions and key exchange its hello offers (value 1).");
	for (e = endpoints__first(ep, EP_CLIENT); e; e = endpoints__next(ep, e)) {
		sbuf__puts(b, "tlsmon_client_class_info{");
		label(b, "ja4", e->ja4, true);
		label(b, "min_version",
		      e->offered_min_version ? version_name(e->offered_min_version, t1, sizeof(t1)) :
					       "unknown",
		      false);
		label(b, "max_version", version_name(e->offered_max_version, t2, sizeof(t2)), false);
		label(b, "only_rsa_kx", e->offered_kx == HS_KX_RSA ? "true" : "false", false);
		sbuf__puts(b, "} 1\n");
	}
}
