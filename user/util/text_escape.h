/* Text from the wire (an SNI, a certificate's subject) shown to a person: on a terminal, in
 * Wireshark. Control characters (C0, DEL, C1) and bytes that are not UTF-8 are written as \xHH,
 * so an escape sequence in a hostile SNI cannot drive the operator's terminal. Printable ASCII and
 * valid UTF-8 other than C1 pass as they are. */
#ifndef TLSMON_TEXT_ESCAPE_H
#define TLSMON_TEXT_ESCAPE_H

#include <stdbool.h>
#include <stddef.h>

#include "util/sbuf.h"

/* Whether text__escape() would change s (len bytes). */
bool text__needs_escape(const char *s, size_t len);

/* Append s (len bytes) to b, escaped. */
void text__escape(struct sbuf *b, const char *s, size_t len);

#endif
