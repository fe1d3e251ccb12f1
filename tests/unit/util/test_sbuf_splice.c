// SPDX-License-Identifier: GPL-2.0
/* sbuf_splice: a buffer that references shared texts writes the same bytes as one that copies
 * them, wherever the texts fall (first, last, back to back, empty), past its reference limit,
 * and through a pipe that takes the text in many pieces; a reference outlives its owner's. */
#include "check.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "util/sbuf_splice.h"

/* What fd received, up to cap bytes, read back from the start of the temporary file. */
static size_t read_back(FILE *f, char *out, size_t cap)
{
	size_t n;

	fflush(f);
	rewind(f);
	n = fread(out, 1, cap, f);
	return n;
}

/* Write spliced to a temporary file and compare it with plain's bytes. */
static void check_written_equal(struct sbuf *spliced, const struct sbuf *plain)
{
	FILE *f = tmpfile();
	char *got = malloc(plain->len + 16);
	size_t n;

	CHECK(f != NULL && got != NULL);
	if (!f || !got) {
		free(got);
		if (f)
			fclose(f);
		return;
	}
	CHECK_EQ(sbuf_splice__len(spliced), plain->len);
	CHECK_EQ(sbuf_splice__write(spliced, fileno(f)), 0);
	CHECK_EQ(sbuf_splice__len(spliced), 0);
	n = read_back(f, got, plain->len + 16);
	CHECK_EQ(n, plain->len);
	CHECK(n == plain->len && !memcmp(got, plain->buf, n));
	free(got);
	fclose(f);
}

static void test_same_bytes_as_copy(void)
{
	struct shared_text *a = shared_text__new("{\"cert\":1}", 10);
	struct shared_text *e = shared_text__new("", 0);
	struct sbuf s, p;

	CHECK(a && e);
	if (!a || !e)
		return;
	sbuf__init(&s);
	sbuf__init(&p);
	CHECK_EQ(sbuf_splice__enable(&s), 0);
	/* a text first, back to back, between own bytes, empty, and last */
	for (struct sbuf *b = &s;; b = &p) {
		sbuf__add_shared(b, a);
		sbuf__add_shared(b, a);
		sbuf__puts(b, "[own]");
		sbuf__add_shared(b, e);
		sbuf__putc(b, ',');
		sbuf__add_shared(b, a);
		if (b == &p)
			break;
	}
	CHECK_STR(p.buf, "{\"cert\":1}{\"cert\":1}[own],{\"cert\":1}");
	CHECK_EQ(a->refs, 1 + 3); /* the plain buffer copied, the spliced one holds three */
	check_written_equal(&s, &p);
	CHECK_EQ(a->refs, 1);
	CHECK_EQ(e->refs, 1);
	/* written and reset: the next text starts afresh */
	sbuf__reset(&p);
	sbuf__puts(&s, "x");
	sbuf__add_shared(&s, a);
	sbuf__puts(&p, "x");
	sbuf__add_shared(&p, a);
	check_written_equal(&s, &p);
	sbuf__free(&s);
	sbuf__free(&p);
	shared_text__put(a);
	shared_text__put(e);
}

/* The line holds its own reference: the info that owned the text may go first (under ASan a
 * read of freed memory would fail the test). */
static void test_reference_outlives_owner(void)
{
	struct shared_text *t = shared_text__new("certificate body", 16);
	struct sbuf s, p;

	CHECK(t != NULL);
	if (!t)
		return;
	sbuf__init(&s);
	sbuf__init(&p);
	CHECK_EQ(sbuf_splice__enable(&s), 0);
	sbuf__puts(&s, "{");
	sbuf__add_shared(&s, t);
	sbuf__puts(&s, "}\n");
	sbuf__puts(&p, "{certificate body}\n");
	shared_text__put(t); /* the owner's: the line's is the last one */
	CHECK_EQ(t->refs, 1);
	check_written_equal(&s, &p);
	sbuf__free(&s);
	sbuf__free(&p);
}

/* Past SBUF_SPLICE_MAX references the buffer copies; the bytes stay the same, and an unwritten
 * buffer freed drops what it holds. */
static void test_full_list_copies(void)
{
	struct shared_text *t = shared_text__new("0123456789", 10);
	struct sbuf s, p, dropped;

	CHECK(t != NULL);
	if (!t)
		return;
	sbuf__init(&s);
	sbuf__init(&p);
	sbuf__init(&dropped);
	CHECK_EQ(sbuf_splice__enable(&s), 0);
	CHECK_EQ(sbuf_splice__enable(&dropped), 0);
	for (int i = 0; i < SBUF_SPLICE_MAX + 10; i++) {
		sbuf__put_int(&s, i);
		sbuf__add_shared(&s, t);
		sbuf__put_int(&p, i);
		sbuf__add_shared(&p, t);
	}
	CHECK_EQ(t->refs, 1 + SBUF_SPLICE_MAX);
	check_written_equal(&s, &p);
	CHECK_EQ(t->refs, 1);
	sbuf__add_shared(&dropped, t);
	CHECK_EQ(t->refs, 2);
	sbuf__free(&dropped);
	CHECK_EQ(t->refs, 1);
	sbuf__free(&s);
	sbuf__free(&p);
	shared_text__put(t);
}

struct pipe_reader {
	int fd;
	char *buf;
	size_t cap, len;
};

static void *drain(void *arg)
{
	struct pipe_reader *r = arg;
	ssize_t n;

	while (r->len < r->cap && (n = read(r->fd, r->buf + r->len, r->cap - r->len)) > 0)
		r->len += (size_t)n;
	return NULL;
}

/* Megabytes through a pipe (64 KiB at a time in the kernel): every piece arrives in order. */
static void test_pipe_many_pieces(void)
{
	enum { TEXT = 9001, ROUNDS = 300 };
	char *body = malloc(TEXT);
	struct shared_text *t;
	struct pipe_reader r = { 0 };
	struct sbuf s, p;
	pthread_t th;
	int fds[2];

	CHECK(body != NULL);
	if (!body)
		return;
	for (int i = 0; i < TEXT; i++)
		body[i] = (char)('a' + i % 26);
	t = shared_text__new(body, TEXT);
	CHECK(t != NULL);
	if (!t || pipe(fds)) {
		CHECK(!"pipe");
		shared_text__put(t);
		free(body);
		return;
	}
	sbuf__init(&s);
	sbuf__init(&p);
	CHECK_EQ(sbuf_splice__enable(&s), 0);
	for (int i = 0; i < ROUNDS; i++) {
		sbuf__put_int(&s, i * 7919);
		sbuf__add_shared(&s, t);
		sbuf__put_int(&p, i * 7919);
		sbuf__add(&p, body, TEXT);
	}
	r.fd = fds[0];
	r.cap = p.len + 1;
	r.buf = malloc(r.cap);
	if (r.buf && !pthread_create(&th, NULL, drain, &r)) {
		CHECK_EQ(sbuf_splice__write(&s, fds[1]), 0);
		close(fds[1]);
		pthread_join(th, NULL);
	} else {
		CHECK(!"reader thread");
		close(fds[1]);
	}
	close(fds[0]);
	CHECK_EQ(r.len, p.len);
	CHECK(r.len == p.len && !memcmp(r.buf, p.buf, p.len));
	free(r.buf);
	sbuf__free(&s);
	sbuf__free(&p);
	shared_text__put(t);
	free(body);
}

/* A buffer without splicing copies, and its text is in buf. */
static void test_not_enabled_copies(void)
{
	struct shared_text *t = shared_text__new("abc", 3);
	struct sbuf b;

	CHECK(t != NULL);
	if (!t)
		return;
	sbuf__init(&b);
	sbuf__puts(&b, "<");
	sbuf__add_shared(&b, t);
	sbuf__puts(&b, ">");
	CHECK_STR(b.buf, "<abc>");
	CHECK_EQ(t->refs, 1);
	CHECK_EQ(sbuf_splice__len(&b), 5);
	sbuf__free(&b);
	shared_text__put(t);
}

int main(void)
{
	RUN_TEST(test_same_bytes_as_copy);
	RUN_TEST(test_reference_outlives_owner);
	RUN_TEST(test_full_list_copies);
	RUN_TEST(test_pipe_many_pieces);
	RUN_TEST(test_not_enabled_copies);
	return CHECK_DONE();
}
