/* Is this TCP direction TLS, and where does it start? A per-direction probe that looks at stream
 * bytes until a plausible TLS record header (or SSLv2 CLIENT-HELLO) begins a segment, within a
 * byte budget. Plaintext first (STARTTLS) and mid-stream pickups are why it searches at all. */
#ifndef TLSMON_TLS_PROBE_H
#define TLSMON_TLS_PROBE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Bytes needed to judge whether a stream position starts a TLS record: its header. */
#define TLS_PROBE_HEAD 5

/* Zeroed = ready. Small: it shares the engine's per-direction space with the TLS stream. */
struct tls_probe {
	uint32_t probed; /* bytes judged not to start TLS */
	uint8_t head_len;
	uint8_t head[TLS_PROBE_HEAD]; /* a record header arriving in tiny segments */
};

enum tls_probe_verdict {
	TLS_PROBE_WAIT, /* no TLS start yet: feed more */
	/* TLS starts here: the first head_len bytes of it are in head, to be fed before *data. */
	TLS_PROBE_FOUND,
	/* Not TLS so far and more than the budget looked at; the caller decides whether to give up
	 * (the other direction may have found TLS). Feeding more stays allowed. */
	TLS_PROBE_SPENT,
};

/* Look at the next in-order bytes of the direction. Bytes that complete a header collected in
 * head are consumed (*data and *len advance past them). budget: bytes that may be judged not
 * TLS before TLS_PROBE_SPENT. */
enum tls_probe_verdict tls_probe__feed(struct tls_probe *pr, const uint8_t **data, size_t *len,
				       uint32_t budget);

/* A probe holding no header bytes is its count of bytes judged: into 3 bytes when it fits
 * (true), else false. tls_probe__unpack() makes the same probe from them (head[] is not read
 * again once head_len is 0). For a flow table that keeps quiet directions small. */
#define TLS_PROBE_PACKED 3
bool tls_probe__pack(const struct tls_probe *pr, uint8_t out[TLS_PROBE_PACKED]);
void tls_probe__unpack(struct tls_probe *pr, const uint8_t in[TLS_PROBE_PACKED]);

/* After TLS_PROBE_FOUND: does TLS start with a ClientHello (a handshake record whose first
 * message type is client_hello), judged from the head and then the remaining data? False when the
 * message type has not arrived yet. */
bool tls_probe__opens_client_hello(const struct tls_probe *pr, const uint8_t *data, size_t len);

/* A hole in the stream: a header being collected cannot continue across it. */
void tls_probe__gap(struct tls_probe *pr);

/* Does a segment's payload open a TLS handshake (a handshake record header, or an SSLv2
 * CLIENT-HELLO)? Worth starting a flow for, without its SYN. */
bool tls_probe__starts_handshake(const uint8_t *p, size_t len);

#endif
