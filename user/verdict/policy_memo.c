// SPDX-License-Identifier: GPL-2.0
/* The policy's memo of one certificate (struct cert_memo): a busy host sends the same few
 * chains again and again, and the findings a certificate gives by itself, with the label that
 * names it in messages, were rebuilt on every handshake that carried it (a sanitised copy of its
 * subject and a dozen pieces of text per finding). A cached certificate's info never changes,
 * so what was judged of it once holds for as long as the key below does. */
#include "verdict/policy_int.h"

#include <stdlib.h>
#include <string.h>

/* The key is everything the memo's contents depend on besides the certificate: the policy's
 * settings (compared whole, so a reload that changes any of them starts over), the position
 * (numbered in the label), the class the position gives it, and which side's chain it is in. */
static bool same_key(const struct cert_memo *m, const struct policy *p, unsigned pos,
		     enum cert_class cls, bool client)
{
	return m->pos == pos && m->cls == cls && m->client == client &&
	       !memcmp(&m->policy, p, sizeof(*p));
}

static void reset(struct cert_memo *m, const struct policy *p, unsigned pos, enum cert_class cls,
		  bool client, bool kept)
{
	memcpy(&m->policy, p, sizeof(*p));
	m->pos = pos;
	m->cls = cls;
	m->client = client;
	m->made = false;
	m->kept = kept;
	m->n_found = m->n_before = 0;
	m->label[0] = '\0';
	m->dns_sans = -1;
	for (int i = 0; kept && i < CERT_MEMO_FINDINGS; i++) {
		m->json[i].source = &m->found[i];
		m->json[i].len = 0;
	}
	m->validity_made = false;
	m->n_validity = 0;
	m->validity_json.source = &m->validity;
	m->validity_json.len = 0;
}

struct cert_memo *policy_memo__of(const struct policy *p, const struct x509_info *x, unsigned pos,
				  enum cert_class cls, bool client, struct cert_memo *scratch)
{
	struct x509_info *mut = (struct x509_info *)x;
	struct cert_memo *m = x->policy_memo;

	/* Only a cache entry is known not to change: other infos (a full cache's private copies,
	 * callers' own) are judged afresh each time. And only one a cache hit served is worth a
	 * memo (2.9 KB): a certificate seen in a single handshake, each leaf of a host that
	 * issues one per connection, would fill the cache's entries with memos never read. */
	if (!x->cache_slot || (!m && !x->reused)) {
		reset(scratch, p, pos, cls, client, false);
		return scratch;
	}
	if (m && same_key(m, p, pos, cls, client))
		return m;
	if (!m) {
		m = malloc(sizeof(*m));
		if (!m) {
			reset(scratch, p, pos, cls, client, false);
			return scratch;
		}
		mut->policy_memo = m;
	}
	reset(m, p, pos, cls, client, true);
	return m;
}
