/* What tlsmon knows about one TLS handshake: the plain struct that the engine fills, the policy
 * judges, and the sinks (JSON, metrics, dumps) print. */
#ifndef TLSMON_HS_H
#define TLSMON_HS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "capture/frame.h"
#include "tls/tls_msg.h"
#include "x509/trust.h"
#include "x509/x509.h"

enum hs_outcome {
	HS_OUTCOME_INCOMPLETE = 0, /* capture ended or idle timeout before the handshake finished */
	HS_OUTCOME_ESTABLISHED, /* both sides finished (ChangeCipherSpec both ways / app data) */
	HS_OUTCOME_ALERT, /* a fatal alert, or a warning alert followed by close */
	HS_OUTCOME_ABORTED, /* FIN before the handshake finished */
	HS_OUTCOME_RESET, /* RST before the handshake finished */
};

enum check_id {
	CHECK_WEAK_SIGNATURE = 0,
	CHECK_WEAK_KEY,
	CHECK_EXPIRED,
	CHECK_NOT_YET_VALID,
	CHECK_SELF_SIGNED,
	CHECK_WEAK_PROTOCOL,
	CHECK_WEAK_CIPHER,
	CHECK_WEAK_DH,
	CHECK_DOWNGRADE,
	CHECK_UNPARSABLE_CERT, /* OpenSSL could not parse a certificate of the chain */
	CHECK_NON_PQ_KX, /* the key exchange is not post-quantum (off by default) */
	CHECK_EXPIRES_SOON, /* valid at the packet, but notAfter within expires_soon_days */
	CHECK_NAME_MISMATCH, /* the SNI is not covered by the leaf's DNS SANs, or is an IP */
	CHECK_MISSING_SNI, /* no SNI to a server whose leaf names DNS hosts (informational) */
	CHECK_LONG_VALIDITY, /* leaf issued after 2020-09-01 valid longer than max_validity_days */
	CHECK_UNTRUSTED_CHAIN, /* the chain does not verify against the trust store, or is out of order */
	CHECK_HEARTBEAT, /* RFC 6520 heartbeat abuse: Heartbleed, odd encrypted heartbeats */
	CHECK_TCP_AMBIGUITY, /* the TCP stream could be read two ways (hs.ambiguous) */
	CHECK_UNVERIFIED_PEER, /* the TLS library did not verify (verify mode none) a flagged chain */
	CHECK__COUNT,
};

enum severity {
	SEV_INFO = 0,
	SEV_LOW,
	SEV_MEDIUM,
	SEV_HIGH,
	SEV_CRITICAL,
};

/* Whose part of the handshake a finding is about: the server's (its chain, what it negotiated)
 * or the client's (its certificate chain, what it signalled). */
enum hs_side {
	HS_SIDE_SERVER = 0,
	HS_SIDE_CLIENT,
};

#define FINDING_DETAIL_LEN 48
#define FINDING_MESSAGE_LEN 200
#define FINDING_JSON_ROOM 384

struct finding_json;

struct finding {
	uint8_t check; /* enum check_id */
	uint8_t severity; /* enum severity */
	int16_t position; /* certificate index in chain order (0 = leaf), -1 when not about one */
	uint8_t side; /* enum hs_side; position counts in that side's chain */
	/* Bounded vocabulary, usable as a metric label: "md5WithRSAEncryption", "RSA-1024", "TLS1.0",
	 * "TLS_RSA_WITH_RC4_128_MD5", "DH-1024", "fallback_scsv", "leaf"... */
	char detail[FINDING_DETAIL_LEN];
	/* One human sentence fragment, e.g. "certificate #2 CN=Weak CA is signed with
	 * md5WithRSAEncryption (1.2.840.113549.1.1.4)". */
	char message[FINDING_MESSAGE_LEN];
	/* NULL, or where out/report.c may keep this finding's JSON for the next handshakes that
	 * copy it from the same place (a certificate's memo, verdict/policy_memo.c) */
	struct finding_json *json;
};

/* A finding's JSON object as out/report.c writes it, kept beside the finding it was written
 * from (source) and good for any finding equal to it field for field: findings copied from a
 * certificate's memo into every handshake that carries the certificate are written once. */
struct finding_json {
	const struct finding *source;
	uint16_t len; /* 0: not written yet (or it did not fit) */
	char text[FINDING_JSON_ROOM];
};

/* What happened on the wire, in order: explain sentences and pcapng comments point at frames. */
enum hs_event_kind {
	HS_EV_MESSAGE = 1, /* handshake message: hs_type */
	HS_EV_SSLV2_HELLO,
	HS_EV_ALERT,
	HS_EV_CCS,
	HS_EV_APP_DATA, /* first application-data record of that side */
	HS_EV_ENCRYPTED_HANDSHAKE,
	HS_EV_FIN,
	HS_EV_RST,
	HS_EV_GAP, /* bytes lost in reassembly */
	HS_EV_HEARTBEAT, /* RFC 6520 heartbeat record: hs_type is its type (1 request, 2 response)
			  * when plaintext, 0 when encrypted; len the record's length */
};

struct hs_event {
	uint64_t ts_ns;
	uint64_t frame; /* number of the frame that completed it */
	uint8_t kind; /* enum hs_event_kind */
	uint8_t from_client;
	uint8_t hs_type;
	uint8_t pad;
	uint32_t len;
};

struct hs_alert {
	bool present;
	bool from_client;
	bool encrypted; /* level/desc unknown */
	uint8_t level, desc;
	uint64_t ts_ns;
	uint64_t frame;
};

#define HS_MAX_CLIENT_GROUPS 16
#define HS_MAX_CLIENT_KEY_SHARES 4

/* What is kept of the ClientHello once it is parsed: the fingerprints (ja3/ja4 of struct
 * handshake) stand for its lists, and these are the fields the policy and the sinks read. */
struct hs_client_hello {
	bool sslv2; /* SSLv2-compatible CLIENT-HELLO (RFC 5246 E.2) */
	bool fallback_scsv;
	bool offered_tls13; /* supported_versions lists TLS 1.3 (RFC 8446 4.2.1) */
	bool has_sni;
	uint16_t legacy_version;
	uint16_t max_version; /* as in struct tls_client_hello */
	/* The lowest version offered: of supported_versions when present, else legacy_version
	 * (RFC 5246 E.1: a TLS 1.2 hello names only its highest); 0 when not known. */
	uint16_t min_version;
	uint8_t offered_kx; /* HS_KX_* of the cipher suites offered */
	uint16_t sni_len;
	uint16_t alpn_len;
	uint8_t sni[TLS_MAX_SNI_LEN + 1]; /* raw host_name bytes, NUL-terminated */
	uint8_t alpn[TLS_MAX_ALPN_LEN]; /* raw protocol_name_list */
	/* supported_groups and the key_share entries' groups, wire order, GREASE left out (RFC
	 * 8701): what a server could have chosen, e.g. whether the client offered a PQ group */
	bool groups_truncated; /* more than the arrays hold */
	uint8_t n_groups, n_key_shares;
	uint16_t groups[HS_MAX_CLIENT_GROUPS];
	uint16_t key_shares[HS_MAX_CLIENT_KEY_SHARES];
};

/* Key exchange families of the suites a client offers ("which clients offer only RSA"). */
#define HS_KX_RSA 0x1
#define HS_KX_DHE 0x2
#define HS_KX_ECDHE 0x4
#define HS_KX_TLS13 0x8

#define HS_CR_CA_LEN 160 /* a requested CA's name, RFC 2253, cut beyond */

/* What a TLS 1.0-1.2 CertificateRequest asked of the client (TLS 1.3 encrypts it). */
struct hs_cert_request {
	uint8_t n_types;
	uint8_t types[TLS_CR_MAX_TYPES];
	bool has_sigalgs; /* TLS 1.2 */
	bool truncated; /* a list did not fit */
	uint16_t n_sigalgs;
	uint16_t sigalgs[TLS_CR_MAX_SIGALGS];
	uint16_t n_cas; /* stored */
	uint32_t n_cas_total; /* as carried by the message */
	char cas[TLS_CR_MAX_CAS][HS_CR_CA_LEN]; /* RFC 2253; "" when the DER did not read */
};

/* How a handshake without a certificate exchange resumed an earlier session. */
enum hs_resumption {
	HS_RESUMED_NONE = 0,
	HS_RESUMED_SESSION_ID, /* RFC 5246 7.3: the server's flight is ServerHello, CCS */
	HS_RESUMED_TICKET, /* the same, and the client presented a ticket (RFC 5077 3.1) */
	HS_RESUMED_PSK, /* RFC 8446 4.2.11: the ServerHello's pre_shared_key */
};

/* RFC 6520 heartbeats seen while the handshake was followed (the engine, and live the kernel,
 * stop at the decision: later ones are not seen). */
struct hs_heartbeats {
	uint16_t requests, responses; /* plaintext, both sides */
	uint16_t encrypted; /* encrypted heartbeat records, both sides */
	/* Heartbleed (CVE-2014-0160): a plaintext request whose payload_length exceeds what its
	 * record holds (RFC 6520 4: payload_length + 3 + at least 16 bytes of padding) */
	bool overlong_request;
	bool overlong_from_client;
	bool leaked_response; /* a response after an overlong request: the peer answered it */
	bool leak_from_client;
	uint16_t overlong_payload_length, overlong_record_len;
	uint16_t leak_record_len;
	/* encrypted: shorter than any valid heartbeat (3 + 16 bytes before protection); only a
	 * client's after its Finished and before the server's ChangeCipherSpec can be seen, as
	 * the handshake is decided there and nothing after it is read */
	bool short_encrypted;
	bool short_from_client;
	uint16_t short_len;
};
enum hs_ambiguity_kind {
	/* copies of the same stream bytes differed; the one Linux keeps was used */
	HS_AMBIGUITY_OVERLAP = 0,
	/* an urgent byte was taken out of the stream, as a socket without SO_OOBINLINE does */
	HS_AMBIGUITY_URGENT = 1,
	/* the receiver acknowledged bytes only a copy with a bad checksum carried: it was used */
	HS_AMBIGUITY_CHECKSUM = 2,
	HS_AMBIGUITY__COUNT,
};

struct hs_ambiguity {
	uint8_t kind; /* enum hs_ambiguity_kind */
	bool from_client; /* direction of the bytes */
	uint32_t offset; /* first one, from the direction's first stream byte */
	uint32_t count; /* times it happened in that direction (saturates) */
};

#define HS_MAX_AMBIGUOUS (2 * HS_AMBIGUITY__COUNT)

const char *hs__ambiguity_name(enum hs_ambiguity_kind k); /* "overlap", "urgent" */

/* The process on this host that owns one end of the handshake's connection (user/host/): the
 * one that connected (the client end) or accepted (the server end). Filled at the decision from
 * what the socket hooks recorded; absent for handshakes only seen on the wire. */
#define HS_EXE_LEN 256
#define HS_CGROUP_LEN 256
#define HS_UNIT_LEN 128
#define HS_CONTAINER_ID_LEN 65 /* 64 hex digits */
#define HS_POD_UID_LEN 37 /* 8-4-4-4-12 */

struct hs_process {
	bool present;
	bool server_end; /* the accepting process, else the connecting one */
	uint32_t pid, tid, uid;
	uint32_t netns; /* the socket's network namespace (inode number); 0 when unknown */
	char comm[16];
	char exe[HS_EXE_LEN]; /* path, or the file name alone when the path was not readable */
	char cgroup[HS_CGROUP_LEN]; /* "" when unknown */
	char unit[HS_UNIT_LEN]; /* systemd unit, "" when none */
	char container_runtime[16]; /* "podman", "docker", "containerd", "cri-o", "cri"; "" */
	char container_id[HS_CONTAINER_ID_LEN];
	char pod_uid[HS_POD_UID_LEN];
};

#define HS_LIB_COMM_LEN 16
#define HS_LIB_UNKNOWN (-1)

enum hs_lib_result {
	HS_LIB_ACCEPTED = 0, /* the chain verified */
	HS_LIB_REJECTED, /* it did not, and the library enforces verification */
	HS_LIB_IGNORED, /* it did not, and verification is off (verify mode none) */
	HS_LIB_FAILED, /* it did not; whether that was enforced is not known */
};

/* A TLS library's own verdict on the peer's chain, from uprobes on this host (user/host/):
 * what the verifying process's library decided, joined to the wire handshake by 4-tuple. The
 * words are the library's, filled by its row of user/host/tlslib_probes.c. */
struct hs_lib_verdict {
	bool present;
	uint8_t result; /* enum hs_lib_result */
	int32_t code; /* the library's error code (X509_V_ERR_*), 0 = ok */
	int32_t depth; /* of the certificate it concerns; HS_LIB_UNKNOWN when not said */
	int32_t verify_mode; /* library's mode bits; HS_LIB_UNKNOWN when not seen */
	int16_t alert; /* the alert the library sends for that code; -1 none */
	uint32_t pid;
	char comm[HS_LIB_COMM_LEN]; /* the process, NUL-terminated */
	char library[16]; /* "OpenSSL" */
	char code_name[48]; /* "X509_V_ERR_CA_MD_TOO_WEAK" */
	char reason[96]; /* "CA signature digest algorithm too weak" */
	char mode_name[40]; /* "peer", "none", "peer|fail_if_no_peer_cert" */
};

#define HS_MAX_EVENTS 48
#define HS_MAX_FINDINGS 32
#define HS_EXPLAIN_LEN 600

struct handshake {
	/* flow, oriented client -> server */
	uint8_t family;
	uint8_t client_addr[16], server_addr[16];
	uint16_t client_port, server_port;
	bool roles_from_syn; /* else from who sent the ClientHello (or ServerHello) */
	uint16_t vlan; /* outermost VLAN ID, 0 if none */
	/* Neither end is a local address (capture/localaddr.h): set by the caller that knows which
	 * are (the daemon, `read --local-net`), never by the engine; reported as "not_local": true. */
	bool not_local;
	struct encap_chain encap; /* the flow's encapsulations, outermost first */
	uint64_t start_ts_ns; /* first frame of the flow seen */
	uint64_t end_ts_ns; /* when the outcome was decided */

	bool has_client_hello, has_server_hello, has_certificate, has_server_key_exchange;
	struct hs_client_hello ch;
	struct tls_server_hello sh;
	struct tls_server_key_exchange ske;
	uint16_t version; /* negotiated: sh.version, 0 when no ServerHello was seen */
	/* RFC 8446 4.1.4: a HelloRetryRequest was seen, and the group it asked for (0 if none);
	 * sh is then the second ServerHello, when one came */
	bool hrr;
	uint16_t hrr_group;
	char ja3[33], ja3s[33], ja4[37]; /* "" when the hello was not seen */

	uint16_t n_certs; /* server chain in message order (stored) */
	uint32_t n_certs_total; /* as carried by the message */
	const struct x509_info *certs[TLS_MAX_CHAIN]; /* references held from the x509 cache */
	uint64_t cert_ts_ns, cert_frame; /* frame that completed the server's Certificate */
	bool client_sent_certificate;
	/* The client's chain (mutual TLS), as the server's; TLS 1.3 encrypts it. */
	uint16_t n_client_certs;
	uint32_t n_client_certs_total;
	const struct x509_info *client_certs[TLS_MAX_CHAIN]; /* references held from the cache */
	uint64_t client_cert_ts_ns, client_cert_frame;
	bool has_certificate_request;
	struct hs_cert_request cr;
	enum hs_resumption resumption;
	/* A resumed handshake: the last full chain seen for its server endpoint (address:port
	 * and SNI), from the handshake that started at chain_from_ts_ns. */
	bool has_chain_from;
	uint64_t chain_from_ts_ns;
	char chain_from_leaf_sha256[65];

	struct hs_alert alert; /* the alert that decided the outcome, else the first one seen */
	enum hs_outcome outcome;
	bool ccs_client, ccs_server, app_data_client, app_data_server;
	bool closed_by_client; /* FIN/RST sender for aborted/reset */

	uint32_t gaps; /* reassembly holes given up on, both directions */
	uint64_t gap_bytes;
	uint32_t parse_errors; /* malformed records or messages */

	/* Where the TCP byte stream could be read two ways (the host's reading is the one
	 * reported): one entry per direction and kind. */
	uint8_t n_ambiguous;
	struct hs_ambiguity ambiguous[HS_MAX_AMBIGUOUS];

	uint16_t n_events;
	bool events_truncated;
	struct hs_event events[HS_MAX_EVENTS];

	/* The server's chain against the trust store (untrusted_chain), at cert_ts_ns. */
	struct x509_trust_result trust;
	struct hs_heartbeats heartbeats;
	/* Who, on this host: the client end's process when the client is local, else the server
	 * end's; peer_process is the server end's when both are local. */
	struct hs_process process, peer_process;
	/* Bit (1 << enum hs_side) set: several network namespaces held a socket with that end's
	 * 4-tuple, so no process was chosen for it (the join of library verdicts takes none). */
	uint8_t ends_ambiguous;
	/* The TLS libraries' verdicts (client_verdict: on the server's chain; server_verdict: on the
	 * client's), filled after the engine by user/host/tlslib_join.c, never from a capture file. */
	struct hs_lib_verdict lib_verdict[2]; /* by enum hs_side of the verifier */

	/* The verdict, last: only filled when the outcome is decided (the engine builds one
	 * struct handshake at a time, from the compact state of struct hs_pending, and fills
	 * everything above this field before the policy runs). */
	uint16_t n_findings;
	struct finding findings[HS_MAX_FINDINGS];
	char explain[HS_EXPLAIN_LEN];
};

#define HS_FACTS_SIZE offsetof(struct handshake, n_findings) /* everything but the verdict */

const char *hs__outcome_name(enum hs_outcome o); /* "established", "alert", ... */
const char *hs__side_name(enum hs_side s); /* "server", "client" */
const char *hs__lib_result_name(enum hs_lib_result r); /* "accepted", "rejected", ... */
/* "session_id", "ticket", "psk"; NULL for HS_RESUMED_NONE */
const char *hs__resumption_name(enum hs_resumption r);

/* The named group the key exchange used: the TLS 1.3 ServerHello's key_share, the TLS 1.2
 * ServerKeyExchange's curve; 0 when none (RSA, finite-field DHE, PSK-only, not seen). */
uint16_t hs__kx_group(const struct handshake *hs);

/* The key exchange as one word from a fixed set: the group's IANA name ("other" when
 * unassigned), else "RSA", "DHE", "psk", or "none" (ECDHE whose ServerKeyExchange was not seen);
 * NULL when nothing was negotiated (no ServerHello, a HelloRetryRequest alone, unknown suite). */
const char *hs__kx_label(const struct handshake *hs);

/* Append an event; when full, the last slot is overwritten and events_truncated set. */
void hs__add_event(struct handshake *hs, const struct hs_event *ev);

/* Add a finding (drops it when full). Returns the slot or NULL. */
struct finding *hs__add_finding(struct handshake *hs, enum check_id check, enum severity sev,
				int position, const char *detail);

/* A bounded list that findings are added to: a handshake's, or the policy's findings of one
 * certificate kept with its cache entry (verdict/policy_memo.c). */
struct finding_list {
	struct finding *at;
	uint16_t *n;
	uint16_t cap;
};

/* As hs__add_finding(), into l. */
struct finding *finding_list__add(struct finding_list *l, enum check_id check, enum severity sev,
				  int position, const char *detail);

/* Has any finding above info? (the --flagged filter, the log and the flagged store): an
 * informational finding (missing_sni, or a check set to severity info) is reported with the
 * handshake but does not flag it. */
static inline bool hs__flagged(const struct handshake *hs)
{
	for (unsigned i = 0; i < hs->n_findings && i < HS_MAX_FINDINGS; i++)
		if (hs->findings[i].severity > SEV_INFO)
			return true;
	return false;
}

#endif
