// SPDX-License-Identifier: GPL-2.0
/* `tlsmon read --summary`: handshakes counted by version and outcome, and by check. */
#include "out/summary.h"

#include <stdlib.h>

#include "verdict/policy.h"
#include "tls/tls_names.h"

#define SUMMARY_MAX_VERSIONS 12

struct summary {
	uint64_t total;
	uint64_t flagged;
	uint16_t n_versions;
	uint16_t versions[SUMMARY_MAX_VERSIONS]; /* 0 = "none" (no ServerHello) */
	uint64_t by_version_outcome[SUMMARY_MAX_VERSIONS + 1][5]; /* last row: other versions */
	uint64_t by_outcome[5];
	uint64_t findings[CHECK__COUNT]; /* handshakes with at least one finding of the check */
};

struct summary *summary__new(void)
{
	return calloc(1, sizeof(struct summary));
}

void summary__free(struct summary *s)
{
	free(s);
}

void summary__add(struct summary *s, const struct handshake *hs)
{
	bool seen[CHECK__COUNT] = { false };
	int row = -1;

	s->total++;
	s->flagged += hs__flagged(hs);
	for (int i = 0; i < s->n_versions; i++)
		if (s->versions[i] == hs->version)
			row = i;
	if (row < 0 && s->n_versions < SUMMARY_MAX_VERSIONS) {
		row = s->n_versions++;
		s->versions[row] = hs->version;
	}
	if (row < 0)
		row = SUMMARY_MAX_VERSIONS;
	s->by_version_outcome[row][hs->outcome]++;
	s->by_outcome[hs->outcome]++;
	for (int i = 0; i < hs->n_findings; i++) {
		uint8_t c = hs->findings[i].check;

		if (c < CHECK__COUNT && !seen[c]) {
			seen[c] = true;
			s->findings[c]++;
		}
	}
}

void summary__print(const struct summary *s, FILE *out)
{
	static const enum hs_outcome order[] = { HS_OUTCOME_ESTABLISHED, HS_OUTCOME_ALERT,
						 HS_OUTCOME_ABORTED, HS_OUTCOME_RESET,
						 HS_OUTCOME_INCOMPLETE };
	char name[16];

	fprintf(out, "\nHandshakes: %llu (%llu flagged)\n\n", (unsigned long long)s->total,
		(unsigned long long)s->flagged);
	fprintf(out, "%-14s", "version");
	for (size_t j = 0; j < 5; j++)
		fprintf(out, " %12s", hs__outcome_name(order[j]));
	fprintf(out, " %12s\n", "total");
	for (int i = 0; i <= SUMMARY_MAX_VERSIONS; i++) {
		uint64_t row_total = 0;
		const char *label;

		if (i == SUMMARY_MAX_VERSIONS)
			label = "other";
		else if (i >= s->n_versions)
			continue;
		else if (!s->versions[i])
			label = "(no hello)";
		else
			label = tls__version_name(s->versions[i], name, sizeof(name));
		for (size_t j = 0; j < 5; j++)
			row_total += s->by_version_outcome[i][order[j]];
		if (!row_total)
			continue;
		fprintf(out, "%-14s", label);
		for (size_t j = 0; j < 5; j++)
			fprintf(out, " %12llu", (unsigned long long)s->by_version_outcome[i][order[j]]);
		fprintf(out, " %12llu\n", (unsigned long long)row_total);
	}
	fprintf(out, "%-14s", "total");
	for (size_t j = 0; j < 5; j++)
		fprintf(out, " %12llu", (unsigned long long)s->by_outcome[order[j]]);
	fprintf(out, " %12llu\n\n", (unsigned long long)s->total);

	fprintf(out, "%-18s %12s\n", "finding", "handshakes");
	for (int c = 0; c < CHECK__COUNT; c++)
		fprintf(out, "%-18s %12llu\n", policy__check_name(c), (unsigned long long)s->findings[c]);
}
