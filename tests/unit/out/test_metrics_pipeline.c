/* The pipeline's counters on /metrics (verdict/engine_stats.h's list, out/metrics.c). */
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "out/metrics.h"

/* A handshake whose parsing state found no memory is counted where the other states that did
 * are, so that an alert on tlsmon_state_alloc_failures_total sees it. */
static void test_handshake_alloc_failures_exported(void)
{
	struct engine_stats engine = { .handshake_alloc_failures = 7 };
	struct flowtab_stats flows = { .encap_alloc_failures = 2 };
	struct reasm_stats reasm = { .rare_alloc_failures = 3 };
	struct tls_stats tls = { 0 };
	struct x509_cache_stats x509 = { 0 };
	struct x509_trust_stats trust = { 0 };
	struct metrics_sources src = {
		.pipeline = { &engine, &flows, &reasm, &tls, &x509, &trust },
	};
	struct metrics *m = metrics__new();
	struct sbuf b = { 0 };
	const char *header = "# TYPE tlsmon_state_alloc_failures_total counter\n";
	const char *samples = "tlsmon_state_alloc_failures_total{state=\"tcp_ambiguities\"} 3\n"
			      "tlsmon_state_alloc_failures_total{state=\"flow_encapsulations\"} 2\n"
			      "tlsmon_state_alloc_failures_total{state=\"handshake\"} 7\n";
	char *at;

	CHECK(m != NULL);
	if (!m)
		return;
	metrics__render(m, &src, &b);
	sbuf__putc(&b, '\0');
	CHECK(!b.oom);
	CHECK(strstr(b.buf, "\ntlsmon_state_alloc_failures_total{state=\"handshake\"} 7\n") != NULL);
	/* one header for the three states, their samples together under it */
	at = strstr(b.buf, header);
	CHECK(at != NULL && strstr(at + 1, header) == NULL);
	if (at) {
		at += strlen(header);
		CHECK(!strncmp(at, samples, strlen(samples)));
	}
	sbuf__free(&b);
	metrics__free(m);
}

int main(void)
{
	RUN_TEST(test_handshake_alloc_failures_exported);
	return CHECK_DONE();
}
