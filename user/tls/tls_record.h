/* TLS record layer for one direction of a connection: byte stream -> records -> handshake
 * messages (reassembled across records), alerts, ChangeCipherSpec, application data.
 * SSLv3 .. TLS 1.3 record headers; an SSLv2-compatible ClientHello is recognised. */
#ifndef TLSMON_TLS_RECORD_H
#define TLSMON_TLS_RECORD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define TLS_CT_CHANGE_CIPHER_SPEC 20
#define TLS_CT_ALERT 21
#define TLS_CT_HANDSHAKE 22
#define TLS_CT_APPLICATION_DATA 23
#define TLS_CT_HEARTBEAT 24

#define TLS_HS_HELLO_REQUEST 0
#define TLS_HS_CLIENT_HELLO 1
#define TLS_HS_SERVER_HELLO 2
#define TLS_HS_NEW_SESSION_TICKET 4
#define TLS_HS_ENCRYPTED_EXTENSIONS 8
#define TLS_HS_CERTIFICATE 11
#define TLS_HS_SERVER_KEY_EXCHANGE 12
#define TLS_HS_CERTIFICATE_REQUEST 13
#define TLS_HS_SERVER_HELLO_DONE 14
#define TLS_HS_CERTIFICATE_VERIFY 15
#define TLS_HS_CLIENT_KEY_EXCHANGE 16
#define TLS_HS_FINISHED 20
#define TLS_HS_CERTIFICATE_STATUS 22

/* RFC 8446 5.1: a record's plaintext is at most 2^14 bytes; ciphertext may add 2048 (5.2). */
#define TLS_MAX_RECORD_LEN (16384 + 2048)

enum tls_event_type {
	TLS_EV_HANDSHAKE = 1, /* a complete plaintext handshake message: hs_type, body/len */
	TLS_EV_SSLV2_CLIENT_HELLO, /* body/len = the SSLv2 CLIENT-HELLO message (after its header) */
	TLS_EV_ALERT, /* plaintext: alert_level/alert_desc; encrypted: encrypted = true */
	TLS_EV_CHANGE_CIPHER_SPEC,
	TLS_EV_APPLICATION_DATA, /* first application-data record (and every one after, cheaply) */
	TLS_EV_ENCRYPTED_HANDSHAKE, /* a handshake record after ChangeCipherSpec (e.g. Finished) */
	TLS_EV_ERROR, /* malformed stream: error (-EINVAL / -E2BIG) and a static reason; stream stops
			 until it resynchronises on a plausible record header */
	TLS_EV_HEARTBEAT, /* RFC 6520 heartbeat record: body/len when plaintext, else encrypted and
			     only len */
};

struct tls_event {
	enum tls_event_type type;
	uint16_t record_version; /* from the record header carrying it */
	uint8_t hs_type;
	bool encrypted;
	uint8_t alert_level, alert_desc;
	const uint8_t *body; /* valid only during the callback */
	uint32_t len;
	int error;
	const char *reason;
};

typedef void (*tls_event_fn)(void *ctx, const struct tls_event *ev);

struct tls_limits {
	uint32_t max_handshake_msg; /* larger messages -> TLS_EV_ERROR -E2BIG, skipped */
};

struct tls_stats {
	uint64_t records;
	uint64_t handshake_msgs;
	uint64_t sslv2_hellos;
	uint64_t malformed; /* TLS_EV_ERROR -EINVAL */
	uint64_t oversized; /* TLS_EV_ERROR -E2BIG */
	uint64_t resyncs; /* resynchronised after a gap or error */
	uint64_t skipped_bytes; /* discarded while out of sync */
};

struct tls_bufs;

/* Buffers of ended streams, kept for the next streams that need some: a connection whose
 * records straddle segments grows a record and a message buffer step by step, and an offline
 * read sees one such connection after another. A few sets at most, none over a size bound. */
#define TLS_SPARE_MAX 2
struct tls_spare {
	struct tls_bufs *b[TLS_SPARE_MAX];
	unsigned int n;
};

/* Frees the kept buffers. */
void tls_spare__fini(struct tls_spare *sp);

/* What every stream of an engine shares: passed to each call that needs it, not kept in each
 * stream (a flood of half-open handshakes would carry the same pointer twice per flow). */
struct tls_env {
	const struct tls_limits *limits; /* NULL: defaults */
	struct tls_stats *stats; /* shared counters, may be NULL */
	struct tls_spare *spare; /* NULL: buffers are freed with their stream */
};

/* Two live per connection, so 24 bytes: the buffers for records and handshake messages that
 * straddle feeds hang off bufs, which is only allocated when one does. */
struct tls_stream {
	struct tls_bufs *bufs; /* NULL until a record or message is cut across feeds */
	uint16_t rec_len, rec_want; /* record body bytes seen / announced (<= 2^14 + 2048) */
	uint32_t msg_skip; /* bytes of an oversized message still to discard */
	bool started : 1; /* first bytes seen */
	bool in_sync : 1; /* positioned at a record boundary */
	bool encrypted : 1; /* ChangeCipherSpec seen here, or set by the engine (TLS 1.3) */
	bool app_data_seen : 1;
	bool ccs_noop : 1; /* TLS 1.3: ChangeCipherSpec changes nothing (tls_stream__set_tls13) */
	/* partial record header being collected (a new field must be kept by tls_stream__pack()) */
	uint8_t hdr_len;
	uint8_t hdr[5];
};

/* env: the engine's shared limits, counters and spare buffers; NULL for defaults, no counters
 * and no spares. Pass the same one to every call on a stream. */
void tls_stream__init(struct tls_stream *s);

/* Between records, holding nothing (no buffer, no message to skip, no header begun), a stream
 * is its flags: they go into *flags and it returns true; else false. tls_stream__unpack()
 * makes the same stream from them (the last header's bytes are not read again once hdr_len
 * is 0). For a flow table that keeps quiet directions small. */
bool tls_stream__pack(const struct tls_stream *s, uint8_t *flags);
void tls_stream__unpack(struct tls_stream *s, uint8_t flags);
void tls_stream__free(struct tls_stream *s, const struct tls_env *env);

/* Capacity of the record and message buffers (0 when not allocated), for tests. */
void tls_stream__caps(const struct tls_stream *s, uint32_t *rec_cap, uint32_t *msg_cap);

/* Feed in-order stream bytes. Events are delivered through cb in stream order. Never fails: bad
 * input becomes TLS_EV_ERROR events and counters. */
void tls_stream__feed(struct tls_stream *s, const struct tls_env *env, const uint8_t *p, size_t len,
		      tls_event_fn cb, void *ctx);

/* len bytes were lost: drop partial state and resynchronise on the next plausible record header. */
void tls_stream__gap(struct tls_stream *s, size_t len);

/* From now on handshake records in this direction are encrypted (TLS 1.3 after ServerHello). */
void tls_stream__set_encrypted(struct tls_stream *s);

/* TLS 1.3 was negotiated, and a HelloRetryRequest keeps the handshake in plaintext for one more
 * round: a ChangeCipherSpec record is then only RFC 8446 D.4's middlebox compatibility (RFC 8446
 * 5: it may come after a HelloRetryRequest, or before the second ClientHello) and must not hide
 * the second ClientHello and ServerHello. */
void tls_stream__set_tls13(struct tls_stream *s);

/* Does p look like the start of a TLS record (or SSLv2 ClientHello)? Used to pick streams up
 * mid-way. Returns true when at least the header is plausible. */
bool tls__looks_like_record(const uint8_t *p, size_t len);

#endif
