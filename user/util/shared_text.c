// SPDX-License-Identifier: GPL-2.0
#include "util/shared_text.h"

#include <stdlib.h>
#include <string.h>

struct shared_text *shared_text__new(const void *p, size_t len)
{
	struct shared_text *t;

	if (len > UINT32_MAX)
		return NULL;
	t = malloc(sizeof(*t) + len);
	if (!t)
		return NULL;
	t->refs = 1;
	t->len = (uint32_t)len;
	memcpy(t->text, p, len);
	return t;
}

void shared_text__put(struct shared_text *t)
{
	/* acquire-release: the freeing thread sees every other holder's reads done */
	if (t && __atomic_sub_fetch(&t->refs, 1, __ATOMIC_ACQ_REL) == 0)
		free(t);
}
