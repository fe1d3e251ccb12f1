/* An output buffer whose text is its own bytes with shared texts spliced in: a line that carries
 * a cached certificate's JSON (often most of a line) references it instead of copying it, and
 * the whole is written with one writev(2). Copying those texts into every line was the largest
 * part of the memory copying in `tlsmon read`.
 *
 * Only a buffer that has splicing enabled references; any other (and one whose reference list
 * is full) copies, so writers call sbuf__add_shared() without knowing where the text goes. Such
 * a buffer's buf alone is not its text: it must be written with sbuf_splice__write(), not read. */
#ifndef TLSMON_SBUF_SPLICE_H
#define TLSMON_SBUF_SPLICE_H

#include "util/sbuf.h"
#include "util/shared_text.h"

/* Shared texts one buffer references at most before it copies: writev takes at most IOV_MAX
 * (1024) pieces, and each reference adds two (itself and the own bytes before it). */
#define SBUF_SPLICE_MAX 500

/* Make b reference shared texts from now on; 0 or -ENOMEM. */
int sbuf_splice__enable(struct sbuf *b);

/* Append t's text: referenced (one more reference held until written) or copied. */
void sbuf__add_shared(struct sbuf *b, struct shared_text *t);

/* Bytes of b's text: its own and those it references. */
size_t sbuf_splice__len(const struct sbuf *b);

/* Write b's text to fd, drop its references and reset it. 0, or -errno of the write that
 * failed (the rest of the text is then dropped). */
int sbuf_splice__write(struct sbuf *b, int fd);

/* Drop b's references and its list, without writing. */
void sbuf_splice__free(struct sbuf *b);

#endif
