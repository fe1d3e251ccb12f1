// SPDX-License-Identifier: GPL-2.0
#include "out/metrics_tlslib.h"

static void counter(struct sbuf *b, const char *name, const char *help, uint64_t v)
{
	sbuf__printf(b, "# HELP %s %s\n# TYPE %s counter\n%s %llu\n", name, help, name, name,
		     (unsigned long long)v);
}

void metrics_tlslib__render(struct sbuf *b, const struct tlslib_stats *s,
			    const struct tlslib_join_stats *j)
{
	sbuf__puts(b, "# HELP tlsmon_tls_library_verdicts_total TLS libraries' own certificate "
		      "verdicts joined to a handshake, by result.\n"
		      "# TYPE tlsmon_tls_library_verdicts_total counter\n");
	for (int r = HS_LIB_ACCEPTED; r <= HS_LIB_FAILED; r++)
		sbuf__printf(b, "tlsmon_tls_library_verdicts_total{result=\"%s\"} %llu\n",
			     hs__lib_result_name((enum hs_lib_result)r),
			     (unsigned long long)j->joined[r]);
	sbuf__puts(b, "# HELP tlsmon_tls_library_verdicts_unjoined_total TLS-library verdicts no "
		      "handshake claimed, by reason (evicted: the table was full; expired: none "
		      "came in time; dropped: the kernel's ring buffer was full).\n"
		      "# TYPE tlsmon_tls_library_verdicts_unjoined_total counter\n");
	sbuf__printf(b, "tlsmon_tls_library_verdicts_unjoined_total{reason=\"evicted\"} %llu\n",
		     (unsigned long long)j->evicted);
	sbuf__printf(b, "tlsmon_tls_library_verdicts_unjoined_total{reason=\"expired\"} %llu\n",
		     (unsigned long long)j->expired);
	sbuf__printf(b, "tlsmon_tls_library_verdicts_unjoined_total{reason=\"dropped\"} %llu\n",
		     (unsigned long long)s->events_dropped);
	counter(b, "tlsmon_tls_library_join_ambiguous_total",
		"Handshake ends whose 4-tuple had TLS-library verdicts from several network "
		"namespaces and no attributed process to choose one by: none was joined.",
		j->ambiguous);
	sbuf__printf(b, "# HELP tlsmon_tls_library_files Library files (by device and inode) "
			"whose verification functions are probed.\n"
			"# TYPE tlsmon_tls_library_files gauge\ntlsmon_tls_library_files %llu\n",
		     (unsigned long long)s->libs_attached);
	counter(b, "tlsmon_tls_library_attach_failures_total",
		"Library files a probe could not be attached to.", s->lib_attach_failures);
	counter(b, "tlsmon_tls_library_files_depth_unknown_total",
		"Library files whose depth getter's code does not show where the depth is kept: "
		"their verdicts carry no depth unless the application reads it.",
		s->depth_unreadable);
	counter(b, "tlsmon_tls_library_files_refused_total",
		"Library files not probed because the table of files was full.", s->libs_refused);
}
