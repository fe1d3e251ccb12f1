// SPDX-License-Identifier: GPL-2.0
#include "cmd/not_local.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/err.h"

struct not_local {
	enum not_local_action action;
	struct localaddr *la;
	struct not_local_stats stats;
	int host_count; /* host addresses at the last load, to log changes */
};

struct not_local *not_local__new(enum not_local_action action, bool host, const char *const *nets,
				 int n_nets, char *err, size_t err_size)
{
	struct not_local *nl = calloc(1, sizeof(*nl));
	int rc = 0;

	if (!nl || !(nl->la = localaddr__new())) {
		err__set(err, err_size, "out of memory");
		goto fail;
	}
	nl->action = action;
	for (int i = 0; i < n_nets && !rc; i++) {
		rc = localaddr__add_list(nl->la, nets[i]);
		if (rc)
			err__set(err, err_size, "--local-net %s: %s", nets[i],
				 rc == -E2BIG ? "too many networks" : "expected CIDRs");
	}
	if (rc)
		goto fail;
	if (host) {
		rc = localaddr__load_host(nl->la);
		if (rc < 0) {
			err__set(err, err_size, "the host's addresses: %s", strerror(-rc));
			goto fail;
		}
		nl->host_count = rc;
		/* without the watch, addresses added later would count as not local */
		rc = localaddr__watch(nl->la);
		if (rc) {
			err__set(err, err_size, "watching the host's addresses: %s", strerror(-rc));
			goto fail;
		}
	}
	return nl;
fail:
	not_local__free(nl);
	return NULL;
}

void not_local__free(struct not_local *nl)
{
	if (!nl)
		return;
	localaddr__free(nl->la);
	free(nl);
}

bool not_local__drop_frame(struct not_local *nl, const struct frame *f)
{
	struct pkt p;

	if (!nl || nl->action != NOT_LOCAL_DROP)
		return false;
	if (decode__frame(f->linktype, f->data, f->caplen, &p) != DECODE_TCP)
		return false; /* the engine counts what does not decode */
	if (localaddr__either(nl->la, p.family, p.saddr, p.daddr))
		return false;
	nl->stats.frames_dropped++;
	return true;
}

void not_local__judge(struct not_local *nl, struct handshake *hs)
{
	if (!nl || localaddr__either(nl->la, hs->family, hs->client_addr, hs->server_addr))
		return;
	if ((unsigned)hs->outcome < sizeof(nl->stats.handshakes) / sizeof(nl->stats.handshakes[0]))
		nl->stats.handshakes[hs->outcome]++;
	/* mark; or drop, for a flow whose frames came in while one of its addresses was local */
	if (nl->action != NOT_LOCAL_ANALYSE)
		hs->not_local = true;
}

int not_local__fd(const struct not_local *nl)
{
	return nl ? localaddr__fd(nl->la) : -1;
}

void not_local__handle(struct not_local *nl, FILE *log)
{
	int n = localaddr__handle(nl->la);

	if (n < 0)
		fprintf(log, "tlsmon: reloading the host's addresses: %s\n", strerror(-n));
	else if (n != nl->host_count)
		fprintf(log, "tlsmon: the host's addresses changed: %d now count as local\n", n);
	if (n >= 0)
		nl->host_count = n;
}

const struct not_local_stats *not_local__stats(const struct not_local *nl)
{
	return &nl->stats;
}
