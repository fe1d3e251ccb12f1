// SPDX-License-Identifier: GPL-2.0
#include "util/sbuf_splice.h"

#include <errno.h>
#include <stdlib.h>
#include <sys/uio.h>
#include <unistd.h>

struct splice_ref {
	size_t at; /* offset in the buffer's own bytes where the text goes */
	struct shared_text *text;
};

struct sbuf_splices {
	size_t n;
	size_t ref_bytes; /* of every referenced text */
	struct splice_ref ref[SBUF_SPLICE_MAX];
};

int sbuf_splice__enable(struct sbuf *b)
{
	if (b->splices)
		return 0;
	b->splices = calloc(1, sizeof(*b->splices));
	return b->splices ? 0 : -ENOMEM;
}

void sbuf__add_shared(struct sbuf *b, struct shared_text *t)
{
	struct sbuf_splices *s = b->splices;

	/* an out-of-memory buffer appends nothing more, referenced or not */
	if (!s || s->n == SBUF_SPLICE_MAX || b->oom) {
		sbuf__add(b, t->text, t->len);
		return;
	}
	shared_text__hold(t);
	s->ref[s->n].at = b->len;
	s->ref[s->n].text = t;
	s->n++;
	s->ref_bytes += t->len;
}

size_t sbuf_splice__len(const struct sbuf *b)
{
	return b->len + (b->splices ? b->splices->ref_bytes : 0);
}

static void drop_refs(struct sbuf_splices *s)
{
	if (!s)
		return;
	for (size_t i = 0; i < s->n; i++)
		shared_text__put(s->ref[i].text);
	s->n = 0;
	s->ref_bytes = 0;
}

/* writev until every piece is out: a pipe or a signal may take fewer bytes than asked. */
static int write_all(int fd, struct iovec *iov, int n)
{
	while (n > 0) {
		ssize_t w = writev(fd, iov, n);

		if (w < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		while (n > 0 && (size_t)w >= iov->iov_len) {
			w -= (ssize_t)iov->iov_len;
			iov++;
			n--;
		}
		if (n > 0) {
			iov->iov_base = (char *)iov->iov_base + w;
			iov->iov_len -= (size_t)w;
		}
	}
	return 0;
}

int sbuf_splice__write(struct sbuf *b, int fd)
{
	struct sbuf_splices *s = b->splices;
	struct iovec iov[2 * SBUF_SPLICE_MAX + 1];
	size_t from = 0, nref = s ? s->n : 0;
	int n = 0, err;

	for (size_t i = 0; i < nref; i++) {
		const struct splice_ref *r = &s->ref[i];

		if (r->at > from)
			iov[n++] = (struct iovec){ b->buf + from, r->at - from };
		iov[n++] = (struct iovec){ r->text->text, r->text->len };
		from = r->at;
	}
	if (b->len > from)
		iov[n++] = (struct iovec){ b->buf + from, b->len - from };
	err = write_all(fd, iov, n);
	drop_refs(s);
	sbuf__reset(b);
	return err;
}

void sbuf_splice__free(struct sbuf *b)
{
	drop_refs(b->splices);
	free(b->splices);
	b->splices = NULL;
}
