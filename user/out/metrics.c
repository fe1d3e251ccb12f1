// SPDX-License-Identifier: GPL-2.0
#include "out/metrics.h"
#include "out/log_sink.h"

#include <openssl/opensslv.h>
#include <bpf/libbpf.h>
#include <stdlib.h>
#include <string.h>

#include "out/histogram.h"
#include "out/metrics_kx.h"
#include "verdict/policy.h"
#include "tls/tls_names.h"
#include "tlsmon_counters.h"

/* Label caps: enough for every real vocabulary (details are algorithm names, key sizes, version
 * and suite names), small enough that a hostile peer cannot grow the exposition. */
#define MAX_DETAILS_PER_CHECK 24
#define MAX_CERT_KINDS 48
#define LABEL_LEN 64
#define SEEN_CERTS_BITS 18 /* 256 Ki fingerprints remembered for "unique certificates" */

enum version_label {
	VL_SSL2,
	VL_SSL3,
	VL_TLS10,
	VL_TLS11,
	VL_TLS12,
	VL_TLS13,
	VL_OTHER,
	VL_NONE, /* no ServerHello seen */
	VL__COUNT,
};

static const char *const version_labels[VL__COUNT] = {
	"SSLv2", "SSLv3", "TLS1.0", "TLS1.1", "TLS1.2", "TLS1.3", "other", "none",
};

struct detail_counter {
	char label[LABEL_LEN];
	uint64_t count;
};

struct cert_kind {
	char sig[LABEL_LEN];
	char key[LABEL_LEN];
	uint64_t count;
};

/* Alert descriptions 0..255 by sender, plus encrypted ones. */
struct alert_counts {
	uint64_t plain[2][256];
	uint64_t encrypted[2];
};

struct metrics {
	uint64_t handshakes[VL__COUNT][5];
	/* by side (enum hs_side): whose chain or choice the finding is about */
	struct detail_counter details[2][CHECK__COUNT][MAX_DETAILS_PER_CHECK];
	uint64_t details_other[2][CHECK__COUNT];
	struct cert_kind cert_kinds[MAX_CERT_KINDS];
	uint64_t cert_kinds_other;
	struct alert_counts alerts;
	uint64_t *seen_certs; /* open-addressing set of SHA-256 prefixes */
	uint32_t seen_count;
	struct histogram duration[5]; /* by enum hs_outcome */
	struct metrics_kx kx; /* negotiated groups and suites (metrics_kx.c) */
};

struct metrics *metrics__new(void)
{
	struct metrics *m = calloc(1, sizeof(*m));

	if (!m)
		return NULL;
	m->seen_certs = calloc(1u << SEEN_CERTS_BITS, sizeof(uint64_t));
	if (!m->seen_certs) {
		free(m);
		return NULL;
	}
	return m;
}

void metrics__free(struct metrics *m)
{
	if (!m)
		return;
	free(m->seen_certs);
	free(m);
}

static enum version_label version_label(uint16_t v)
{
	switch (v) {
	case 0:
		return VL_NONE;
	case TLS_VERSION_SSL2:
	case 0x0200:
		return VL_SSL2;
	case TLS_VERSION_SSL3:
		return VL_SSL3;
	case TLS_VERSION_TLS10:
		return VL_TLS10;
	case TLS_VERSION_TLS11:
		return VL_TLS11;
	case TLS_VERSION_TLS12:
		return VL_TLS12;
	case TLS_VERSION_TLS13:
		return VL_TLS13;
	default:
		return VL_OTHER;
	}
}

static void count_detail(struct metrics *m, uint8_t side, uint8_t check, const char *detail)
{
	struct detail_counter *d = m->details[side][check];

	for (int i = 0; i < MAX_DETAILS_PER_CHECK; i++) {
		if (!d[i].label[0]) {
			snprintf(d[i].label, sizeof(d[i].label), "%s", detail);
			d[i].count = 1;
			return;
		}
		if (!strncmp(d[i].label, detail, LABEL_LEN - 1)) {
			d[i].count++;
			return;
		}
	}
	m->details_other[side][check]++;
}

/* True the first time a fingerprint is seen. When the set is 3/4 full it starts afresh: a few
 * certificates are then counted twice, but memory stays fixed. */
static bool cert_first_seen(struct metrics *m, const uint8_t sha256[32])
{
	const uint32_t mask = (1u << SEEN_CERTS_BITS) - 1;
	uint64_t h;
	uint32_t i;

	memcpy(&h, sha256, sizeof(h));
	if (!h)
		h = 1; /* 0 marks an empty slot */
	for (i = (uint32_t)h & mask;; i = (i + 1) & mask) {
		if (m->seen_certs[i] == h)
			return false;
		if (!m->seen_certs[i])
			break;
	}
	if (m->seen_count >= (mask + 1) / 4 * 3) {
		memset(m->seen_certs, 0, (size_t)(mask + 1) * sizeof(uint64_t));
		m->seen_count = 0;
		i = (uint32_t)h & mask;
	}
	m->seen_certs[i] = h;
	m->seen_count++;
	return true;
}

static void count_cert(struct metrics *m, const struct x509_info *c)
{
	const char *sig = c->parsed ? c->sig_name : "unparsable";
	const char *key = c->parsed ? c->key_type : "unparsable";

	for (int i = 0; i < MAX_CERT_KINDS; i++) {
		struct cert_kind *k = &m->cert_kinds[i];

		if (!k->sig[0]) {
			snprintf(k->sig, sizeof(k->sig), "%s", sig);
			snprintf(k->key, sizeof(k->key), "%s", key);
			k->count = 1;
			return;
		}
		if (!strncmp(k->sig, sig, LABEL_LEN - 1) && !strncmp(k->key, key, LABEL_LEN - 1)) {
			k->count++;
			return;
		}
	}
	m->cert_kinds_other++;
}

/* From the ClientHello (TLS or SSLv2-compatible) to the decision, in packet time. Without a
 * ClientHello (capture started mid-handshake, or it was lost) from the first TLS event seen,
 * else from the flow's first frame: the duration is then a lower bound. */
static uint64_t handshake_duration_ns(const struct handshake *hs)
{
	uint64_t start = hs->n_events ? hs->events[0].ts_ns : hs->start_ts_ns;

	for (int i = 0; i < hs->n_events; i++) {
		const struct hs_event *ev = &hs->events[i];

		if (ev->from_client && (ev->kind == HS_EV_SSLV2_HELLO ||
					(ev->kind == HS_EV_MESSAGE &&
					 ev->hs_type == TLS_HS_CLIENT_HELLO))) {
			start = ev->ts_ns;
			break;
		}
	}
	return hs->end_ts_ns > start ? hs->end_ts_ns - start : 0;
}

void metrics__on_handshake(struct metrics *m, const struct handshake *hs)
{
	m->handshakes[version_label(hs->version)][hs->outcome]++;
	histogram__observe(&m->duration[hs->outcome], handshake_duration_ns(hs));
	metrics_kx__on_handshake(&m->kx, hs);

	for (int i = 0; i < hs->n_findings; i++) {
		const struct finding *f = &hs->findings[i];
		bool dup = false;

		if (f->check >= CHECK__COUNT)
			continue;
		/* Each (check, detail, side) once per handshake, however many certificates share
		 * it. */
		for (int j = 0; j < i && !dup; j++)
			dup = hs->findings[j].check == f->check && hs->findings[j].side == f->side &&
			      !strcmp(hs->findings[j].detail, f->detail);
		if (!dup)
			count_detail(m, f->side == HS_SIDE_CLIENT, f->check, f->detail);
	}
	if (hs->alert.present) {
		if (hs->alert.encrypted)
			m->alerts.encrypted[hs->alert.from_client]++;
		else
			m->alerts.plain[hs->alert.from_client][hs->alert.desc]++;
	}
	for (int i = 0; i < hs->n_certs; i++)
		if (hs->certs[i] && cert_first_seen(m, hs->certs[i]->sha256))
			count_cert(m, hs->certs[i]);
}

/* Prometheus text format 0.0.4: label values escape backslash, double quote and newline. */
static void label_value(struct sbuf *b, const char *s)
{
	for (; *s; s++) {
		if (*s == '\\' || *s == '"')
			sbuf__putc(b, '\\');
		if (*s == '\n') {
			sbuf__puts(b, "\\n");
			continue;
		}
		sbuf__putc(b, *s);
	}
}

static void header(struct sbuf *b, const char *name, const char *type, const char *help)
{
	sbuf__printf(b, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

static void sample(struct sbuf *b, const char *name, uint64_t v)
{
	sbuf__printf(b, "%s %llu\n", name, (unsigned long long)v);
}

static void render_handshakes(const struct metrics *m, struct sbuf *b)
{
	header(b, "tlsmon_handshakes_total", "counter",
	       "TLS handshakes decided, by negotiated version and outcome.");
	for (int v = 0; v < VL__COUNT; v++)
		for (int o = 0; o < 5; o++)
			sbuf__printf(b, "tlsmon_handshakes_total{version=\"%s\",outcome=\"%s\"} %llu\n",
				     version_labels[v], hs__outcome_name(o),
				     (unsigned long long)m->handshakes[v][o]);

	header(b, "tlsmon_weak_findings_total", "counter",
	       "Handshakes with a weak-crypto finding, by check, detail and side (whose chain or "
	       "choice: server or client; once per handshake).");
	for (int c = 0; c < CHECK__COUNT; c++) {
		for (int s = 0; s < 2; s++) {
			const struct detail_counter *d = m->details[s][c];
			const char *side = hs__side_name(s ? HS_SIDE_CLIENT : HS_SIDE_SERVER);

			for (int i = 0; i < MAX_DETAILS_PER_CHECK && d[i].label[0]; i++) {
				sbuf__printf(b, "tlsmon_weak_findings_total{check=\"%s\",detail=\"",
					     policy__check_name(c));
				label_value(b, d[i].label);
				sbuf__printf(b, "\",side=\"%s\"} %llu\n", side,
					     (unsigned long long)d[i].count);
			}
			if (m->details_other[s][c])
				sbuf__printf(b,
					     "tlsmon_weak_findings_total{check=\"%s\",detail=\"other\","
					     "side=\"%s\"} %llu\n",
					     policy__check_name(c), side,
					     (unsigned long long)m->details_other[s][c]);
		}
	}

	header(b, "tlsmon_alerts_total", "counter",
	       "TLS alerts that decided a handshake, by sender and description.");
	for (int s = 0; s < 2; s++) {
		const char *sender = s ? "client" : "server";

		for (int d = 0; d < 256; d++) {
			const char *name = tls__alert_name((uint8_t)d);

			if (!m->alerts.plain[s][d])
				continue;
			sbuf__printf(b, "tlsmon_alerts_total{sender=\"%s\",description=\"%s\"} %llu\n",
				     sender, name ? name : "unassigned",
				     (unsigned long long)m->alerts.plain[s][d]);
		}
		if (m->alerts.encrypted[s])
			sbuf__printf(b, "tlsmon_alerts_total{sender=\"%s\",description=\"encrypted\"} %llu\n",
				     sender, (unsigned long long)m->alerts.encrypted[s]);
	}

	header(b, "tlsmon_certificates_total", "counter",
	       "Distinct certificates seen, by signature algorithm and key type.");
	for (int i = 0; i < MAX_CERT_KINDS && m->cert_kinds[i].sig[0]; i++) {
		sbuf__puts(b, "tlsmon_certificates_total{signature_algorithm=\"");
		label_value(b, m->cert_kinds[i].sig);
		sbuf__puts(b, "\",key_type=\"");
		label_value(b, m->cert_kinds[i].key);
		sbuf__printf(b, "\"} %llu\n", (unsigned long long)m->cert_kinds[i].count);
	}
	if (m->cert_kinds_other)
		sbuf__printf(b,
			     "tlsmon_certificates_total{signature_algorithm=\"other\",key_type=\"other\"} "
			     "%llu\n",
			     (unsigned long long)m->cert_kinds_other);
}

static void render_duration(const struct metrics *m, struct sbuf *b)
{
	char labels[48];

	header(b, "tlsmon_handshake_duration_seconds", "histogram",
	       "Time from the ClientHello to the handshake's outcome, in packet time, by outcome, "
	       "in seconds.");
	for (int o = 0; o < 5; o++) {
		snprintf(labels, sizeof(labels), "outcome=\"%s\"", hs__outcome_name(o));
		histogram__render(&m->duration[o], "tlsmon_handshake_duration_seconds", labels, b);
	}
}

struct pipeline_row {
	const char *name;
	const char *type;
	const char *label;
	const char *help;
	uint64_t value;
};

/* The pipeline's counters, named and described by the one list (verdict/engine_stats.h). */
static void render_pipeline(const struct pipeline_stats *p, struct sbuf *b)
{
#define PIPELINE_ROW(src, field, metric, type, label, help, group, pos, stat) \
	{ metric, type, label, help, p->src->field },
	const struct pipeline_row rows[] = { PIPELINE_COUNTERS(PIPELINE_ROW) };
#undef PIPELINE_ROW
	char name[96];

	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		if (!rows[i].name[0])
			continue; /* --stats only */
		snprintf(name, sizeof(name), "tlsmon_%s", rows[i].name);
		if (rows[i].help[0])
			header(b, name, rows[i].type, rows[i].help);
		if (rows[i].label[0])
			sbuf__printf(b, "%s{%s} %llu\n", name, rows[i].label,
				     (unsigned long long)rows[i].value);
		else
			sample(b, name, rows[i].value);
	}
}

struct kernel_counter_desc {
	const char *name;
	const char *hook;
	const char *result;
	const char *help;
};

#define KERNEL_COUNTER_DESC(id, name, hook, result, help) { name, hook, result, help },
static const struct kernel_counter_desc kernel_counters[TLSMON_CTR__COUNT] = {
	TLSMON_COUNTERS(KERNEL_COUNTER_DESC)
};
#undef KERNEL_COUNTER_DESC

struct renamed_counter {
	const char *old_name, *new_name, *last_release;
};

#define RENAMED_COUNTER(old_name, new_name, release) { old_name, new_name, release },
static const struct renamed_counter renamed_counters[] = {
	TLSMON_COUNTERS_RENAMED(RENAMED_COUNTER)
};
#undef RENAMED_COUNTER

/* The rows [first, end) of the kernel list that share one name, as metric name. */
static void render_kernel_rows(const uint64_t *v, int first, int end, const char *name,
			       struct sbuf *b)
{
	for (int i = first; i < end; i++) {
		const struct kernel_counter_desc *d = &kernel_counters[i];
		bool labels = d->hook[0] || d->result[0];

		sbuf__puts(b, name);
		if (labels)
			sbuf__putc(b, '{');
		if (d->hook[0])
			sbuf__printf(b, "hook=\"%s\"%s", d->hook, d->result[0] ? "," : "");
		if (d->result[0])
			sbuf__printf(b, "result=\"%s\"", d->result);
		if (labels)
			sbuf__putc(b, '}');
		sbuf__printf(b, " %llu\n", (unsigned long long)v[i]);
	}
}

/* The kernel's counters, named and described by the one shared list. Rows sharing a name differ
 * by label and are printed under one header, which the list keeps adjacent; a renamed metric is
 * followed by the same rows under its former name. */
static void render_kernel(const uint64_t *v, struct sbuf *b)
{
	char name[96], help[192];
	int end;

	for (int i = 0; i < TLSMON_CTR__COUNT; i = end) {
		const char *n = kernel_counters[i].name;

		end = i + 1;
		while (end < TLSMON_CTR__COUNT && !strcmp(kernel_counters[end].name, n))
			end++;
		snprintf(name, sizeof(name), "tlsmon_%s", n);
		header(b, name, "counter", kernel_counters[i].help);
		render_kernel_rows(v, i, end, name, b);
		for (size_t r = 0; r < sizeof(renamed_counters) / sizeof(renamed_counters[0]); r++) {
			if (strcmp(renamed_counters[r].new_name, n))
				continue;
			snprintf(name, sizeof(name), "tlsmon_%s", renamed_counters[r].old_name);
			snprintf(help, sizeof(help), "Deprecated: the same as tlsmon_%s, under its "
				 "former name, which goes after release %s.", n,
				 renamed_counters[r].last_release);
			header(b, name, "counter", help);
			render_kernel_rows(v, i, end, name, b);
		}
	}
}

void metrics__render(const struct metrics *m, const struct metrics_sources *src, struct sbuf *b)
{
	render_handshakes(m, b);
	render_duration(m, b);
	metrics_kx__render(&m->kx, b);
	if (src && src->pipeline.engine)
		render_pipeline(&src->pipeline, b);
	if (src && src->kernel_counters) {
		render_kernel(src->kernel_counters, b);
		header(b, "tlsmon_kernel_flow_hint_repaired_total", "counter",
		       "Slots of the kernel's flow hint lowered after its LRU flow maps (established "
		       "and half-open, --max-flows each) evicted entries that held a count there.");
		sample(b, "tlsmon_kernel_flow_hint_repaired_total", src->kernel_hint_repaired);
	}
	if (src) {
		header(b, "tlsmon_flagged_stored", "gauge",
		       "Flagged handshakes held in memory for tlsmon dump.");
		sample(b, "tlsmon_flagged_stored", src->flagged_stored);
		header(b, "tlsmon_flagged_evicted_total", "counter",
		       "Flagged handshakes evicted from the store (oldest first) to stay in bounds.");
		sample(b, "tlsmon_flagged_evicted_total", src->flagged_evicted);
		if (src->not_local) {
			header(b, "tlsmon_not_local_handshakes_total", "counter",
			       "Handshakes neither of whose ends is a local address, by outcome; kept "
			       "out of tlsmon_handshakes_total unless --not-local is analyse.");
			for (int o = 0; o < 5; o++)
				sbuf__printf(b, "tlsmon_not_local_handshakes_total{outcome=\"%s\"} %llu\n",
					     hs__outcome_name((enum hs_outcome)o),
					     (unsigned long long)src->not_local->handshakes[o]);
			header(b, "tlsmon_not_local_frames_dropped_total", "counter",
			       "Frames neither of whose addresses is local, dropped unanalysed by "
			       "--not-local drop.");
			sample(b, "tlsmon_not_local_frames_dropped_total",
			       src->not_local->frames_dropped);
			header(b, "tlsmon_flagged_not_local_stored", "gauge",
			       "Flagged handshakes that are not local held in the flagged store.");
			sample(b, "tlsmon_flagged_not_local_stored", src->flagged_not_local_stored);
			header(b, "tlsmon_flagged_not_local_refused_total", "counter",
			       "Flagged handshakes that are not local refused by the flagged store, "
			       "because only local ones could have made room.");
			sample(b, "tlsmon_flagged_not_local_refused_total",
			       src->flagged_not_local_refused);
		}
		if (src->log_errors) {
			header(b, "tlsmon_log_errors_total", "counter",
			       "Lines that could not be written to --log, by reason (no_space, "
			       "file_too_large, io, other); a line that failed is cut off the file.");
			for (int r = 0; r < LOG_ERR__COUNT; r++)
				sbuf__printf(b, "tlsmon_log_errors_total{reason=\"%s\"} %llu\n",
					     log_sink__reason_name((enum log_error_reason)r),
					     (unsigned long long)src->log_errors[r]);
		}
		if (src->start_time_s) {
			header(b, "tlsmon_start_time_seconds", "gauge",
			       "Start time of the process since the Unix epoch, in seconds.");
			sample(b, "tlsmon_start_time_seconds", src->start_time_s);
		}
	}
	header(b, "tlsmon_build_info", "gauge",
	       "Versions tlsmon was built with, by component; the value is 1.");
	sbuf__printf(b, "tlsmon_build_info{version=\"%s\",libbpf=\"%u.%u\",openssl=\"%s\"} 1\n",
		     TLSMON_VERSION, libbpf_major_version(), libbpf_minor_version(),
		     OPENSSL_VERSION_STR);
}

void metrics__render_interfaces(const struct live_bpf_hook *hooks, int n, struct sbuf *b)
{
	header(b, "tlsmon_interface_attached", "gauge",
	       "Whether tlsmon's program is attached, by interface and hook: 1, or 0 once the "
	       "interface was deleted or the link detached.");
	for (int i = 0; i < n; i++) {
		sbuf__puts(b, "tlsmon_interface_attached{interface=\"");
		label_value(b, hooks[i].ifname);
		sbuf__printf(b, "\",hook=\"%s\"} %d\n", hooks[i].hook, hooks[i].attached);
	}
}
