// SPDX-License-Identifier: GPL-2.0
/* The flow hash's key (flow_hash.h). */
#include "net/flow_hash.h"

#include <sys/random.h>

#include "util/hash_seed.h"

void flow_hash_key__init(struct flow_hash_key *hk)
{
	if (getrandom(hk->k, sizeof(hk->k), GRND_NONBLOCK) == (ssize_t)sizeof(hk->k))
		return;
	/* the kernel's pool not ready yet (early boot): expand what util/hash_seed.h gives then */
	hash_seed__expand(hash_seed(hk), hk->k, FLOW_HASH_KEY_WORDS);
}
