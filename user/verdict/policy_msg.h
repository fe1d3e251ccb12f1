/* Private to the policy's judging (policy_eval.c, policy_cert.c): starting a finding and writing
 * its message. Messages are built piece by piece into the finding's fixed array (util/sbuf: a
 * message that does not fit is cut on a character boundary), not with printf: several findings
 * on every handshake of a busy host made vsnprintf a large part of the offline profile. */
#ifndef TLSMON_POLICY_MSG_H
#define TLSMON_POLICY_MSG_H

#include <string.h>

#include "util/sbuf.h"
#include "verdict/policy_int.h"

/* Out of line (policy_eval.c): inlined, GCC copies with rep movsq, slow for the short pieces
 * here. */
void policy__msg_mem(struct sbuf *m, const char *s, size_t n);

static inline void m_mem(struct sbuf *m, const char *s, size_t n)
{
	policy__msg_mem(m, s, n);
}

static inline void m_str(struct sbuf *m, const char *s)
{
	policy__msg_mem(m, s, strlen(s));
}

/* Starts a finding in l; its message is then written through m. NULL when the list is full. */
static inline struct finding *add_to(struct finding_list *l, enum check_id c, enum severity sev,
				     int pos, const char *detail, struct sbuf *m)
{
	struct finding *f = finding_list__add(l, c, sev, pos, detail);

	if (f)
		sbuf__init_fixed(m, f->message, sizeof(f->message));
	return f;
}

/* The same, into the handshake's findings. */
static inline struct finding *add(struct handshake *hs, enum check_id c, enum severity sev,
				  int pos, const char *detail, struct sbuf *m)
{
	struct finding_list l = { .at = hs->findings, .n = &hs->n_findings, .cap = HS_MAX_FINDINGS };

	return add_to(&l, c, sev, pos, detail, m);
}

static inline enum severity grade(const struct policy *p, enum check_id c, int graded)
{
	if (p->severity[c] != SEV_AUTO)
		return (enum severity)p->severity[c];
	return (enum severity)(graded == SEV_AUTO ? SEV_MEDIUM : graded);
}

#endif
