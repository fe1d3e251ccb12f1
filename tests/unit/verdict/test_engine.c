// SPDX-License-Identifier: GPL-2.0
/* The engine on frames built here: TLS 1.3 handshakes whose server direction is seen first (a
 * capture that starts after the ClientHello, or a ServerHello frame captured before the
 * ClientHello's), where a TLS 1.3 ServerHello must turn the client's direction encrypted before
 * that direction has started TLS at all. */
#include "engine_script.h"

#include <dirent.h>

#include "capture/pcap_in.h"
#include "net/shard.h"
#include "out/report.h"
#include "util/sbuf.h"

/* A handshake record the client sends after the server's TLS 1.3 ServerHello: only an
 * encrypted one can come then, though a plaintext reading would find a client Certificate. */
static void client_hs_record_after_sh(struct buf *out)
{
	static const uint8_t cert[] = { 11, 0, 0, 10, 0, 0, 7, 0, 0, 4, 0xde, 0xad, 0xbe, 0xef };

	record(out, 22, 0x0303, cert, sizeof(cert));
}

/* The server's first flight: its TLS 1.3 ServerHello, a CCS if ccs_too, then n bytes of
 * protected handshake (EncryptedExtensions .. Finished). */
static void server_flight(struct buf *out, bool ccs_too, size_t n)
{
	server_hello(out);
	if (ccs_too)
		ccs(out);
	app_data(out, n);
}

/* The client's answer to it: a CCS if ccs_too, a protected handshake record, its Finished. */
static void client_flight(struct buf *out, bool ccs_too)
{
	if (ccs_too)
		ccs(out);
	client_hs_record_after_sh(out);
	app_data(out, 53); /* Finished */
}

/* One data segment of a scripted connection: who sends it, and what. */
struct step {
	bool from_server;
	const struct buf *payload;
};

/* Feed a fresh engine the first n_syn segments of a TCP 3-way handshake (0: the capture starts
 * mid-flow), then the steps in order, then finish it. */
static void play(struct run *r, int n_syn, const struct step *steps, size_t n_steps)
{
	static const uint8_t syn_flags[3] = { TH_SYN, TH_SYN | TH_ACK, TH_ACK };

	run_start(r);
	for (int i = 0; i < n_syn && i < 3; i++)
		send_at(r, i == 1, syn_flags[i], NULL, NULL);
	for (size_t i = 0; i < n_steps; i++)
		send_at(r, steps[i].from_server, TH_ACK | TH_PSH, steps[i].payload, NULL);
	run_finish(r);
}

/* What any of these orderings must give: one TLS 1.3 handshake, established, oriented by the
 * ServerHello, nothing read from the protected records, the client's handshake record after the
 * ServerHello known to be protected. */
static void check_tls13_established(const struct run *r)
{
	const struct handshake *hs = &r->hs;

	CHECK_EQ(r->calls, 1);
	CHECK_EQ(hs->outcome, HS_OUTCOME_ESTABLISHED);
	CHECK(hs->has_server_hello);
	CHECK_EQ(hs->version, 0x0304);
	CHECK_EQ(hs->sh.cipher, 0x1301);
	CHECK_EQ(hs->client_port, CLIENT_PORT);
	CHECK_EQ(hs->server_port, SERVER_PORT);
	CHECK(!hs->has_certificate);
	CHECK(!hs->client_sent_certificate);
	CHECK_EQ(hs->parse_errors, 0);
	CHECK_EQ(r->msg_parse_errors, 0);
	CHECK_EQ(events(hs, HS_EV_MESSAGE, 2, 0), 1); /* the ServerHello, from the server */
	CHECK_EQ(events(hs, HS_EV_MESSAGE, 11, -1), 0); /* no Certificate read in plaintext */
	CHECK_EQ(events(hs, HS_EV_ENCRYPTED_HANDSHAKE, -1, 1), 1);
	CHECK(hs->ja3s[0]);
}

/* The capture starts after the ClientHello: the flow starts at the server's ServerHello (no
 * SYN), so the client's direction has no TLS yet when the ServerHello makes both encrypted. The
 * client's first record is then a protected handshake record. */
static void test_pickup_at_server_hello(void)
{
	struct buf s1 = { .n = 0 }, c1 = { .n = 0 }, c2 = { .n = 0 }, s2 = { .n = 0 };
	const struct step steps[] = { { true, &s1 }, { false, &c1 }, { false, &c2 }, { true, &s2 } };
	struct run r;

	server_flight(&s1, true, 1200);
	client_flight(&c1, true);
	app_data(&c2, 120); /* the request */
	app_data(&s2, 300); /* tickets, the response */
	play(&r, 0, steps, ARRAY_SIZE(steps));

	check_tls13_established(&r);
	CHECK(!r.hs.roles_from_syn);
	CHECK(!r.hs.has_client_hello);
	CHECK_STR(r.hs.ja3, "");
	CHECK(r.hs.ccs_client && r.hs.ccs_server);
	CHECK(r.hs.app_data_client && r.hs.app_data_server);
}

/* Same, with the client's first TLS bytes a record header cut over two segments: the head the
 * probe collected goes into an already-encrypted stream. */
static void test_pickup_client_header_split(void)
{
	struct buf s1 = { .n = 0 }, c1 = { .n = 0 }, a = { .n = 0 }, b = { .n = 0 };
	struct buf c2 = { .n = 0 }, s2 = { .n = 0 };
	const struct step steps[] = { { true, &s1 },  { false, &a }, { false, &b },
				      { false, &c2 }, { true, &s2 } };
	struct run r;

	server_flight(&s1, false, 900);
	client_flight(&c1, false);
	put(&a, c1.b, 3);
	put(&b, c1.b + 3, c1.n - 3);
	app_data(&c2, 80);
	app_data(&s2, 300);
	play(&r, 0, steps, ARRAY_SIZE(steps));

	check_tls13_established(&r);
}

/* A ServerHello frame captured before the ClientHello frame it answers (frames merged from two
 * taps, or reordered on the way to the capture), after a full 3-way handshake: the client's
 * direction starts TLS only after the ServerHello made it encrypted. Its ClientHello is still
 * plaintext and must be read; what follows it in the same segment is protected. */
static void test_server_hello_before_client_hello(void)
{
	struct buf s1 = { .n = 0 }, c1 = { .n = 0 }, c2 = { .n = 0 }, c3 = { .n = 0 };
	struct buf s2 = { .n = 0 };
	const struct step steps[] = { { true, &s1 },  { false, &c1 }, { false, &c2 },
				      { false, &c3 }, { true, &s2 } };
	struct run r;

	server_flight(&s1, true, 1200);
	client_hello(&c1);
	client_flight(&c2, true);
	app_data(&c3, 120);
	app_data(&s2, 300);
	play(&r, 3, steps, ARRAY_SIZE(steps));

	check_tls13_established(&r);
	CHECK(r.hs.roles_from_syn);
	CHECK(r.hs.has_client_hello);
	CHECK(r.hs.ch.offered_tls13);
	CHECK_STR((const char *)r.hs.ch.sni, SNI);
	CHECK(r.hs.ja3[0] && r.hs.ja4[0]);
	CHECK_EQ(events(&r.hs, HS_EV_MESSAGE, 1, 1), 1);
}

/* The same, with the ClientHello and the protected record in one segment (and no final ACK of
 * the 3-way handshake). */
static void test_server_hello_before_client_hello_one_segment(void)
{
	struct buf s1 = { .n = 0 }, c1 = { .n = 0 }, c2 = { .n = 0 }, s2 = { .n = 0 };
	const struct step steps[] = { { true, &s1 }, { false, &c1 }, { false, &c2 }, { true, &s2 } };
	struct run r;

	server_flight(&s1, false, 1200);
	client_hello(&c1);
	client_flight(&c1, false);
	app_data(&c2, 120);
	app_data(&s2, 300);
	play(&r, 2, steps, ARRAY_SIZE(steps));

	check_tls13_established(&r);
	CHECK(r.hs.has_client_hello);
	CHECK_STR((const char *)r.hs.ch.sni, SNI);
}

#define SHARED_PCAPS "../shared/pcaps"

static void json_line(void *ctx, struct handshake *hs, const struct tlsmon_flow_key *key,
		      const struct engine_frames *frames)
{
	(void)key;
	(void)frames;
	report__json(ctx, hs);
	sbuf__putc(ctx, '\n');
}

/* One capture through two engines: one fed the frames (engine__feed()), the other fed what a
 * dealing thread finds of them (shard__frame_ref(), then engine__feed_ref() with the same flow
 * hash key; frames that are not TCP through engine__feed(), as `read -j` does). Returns the
 * frames that took the second way, or -1 when the capture could not be read. */
static long feed_both(const char *path, struct sbuf *raw, struct sbuf *by_ref,
		      struct engine_stats *raw_stats, struct engine_stats *ref_stats)
{
	struct policy *pol = policy__new();
	struct flow_hash_key hk;
	struct engine_opts eo = { .policy = pol, .on_handshake = json_line };
	struct engine *a, *b;
	struct pcap_in *in;
	struct frame f;
	long by_ref_frames = 0;
	int err = 0;

	flow_hash_key__init(&hk);
	eo.ctx = raw;
	a = engine__new(&eo);
	eo.ctx = by_ref;
	eo.flow_hash_key = &hk;
	b = engine__new(&eo);
	in = pcap_in__open(path, &err);
	if (!in || !a || !b) {
		by_ref_frames = -1;
		goto cleanup;
	}
	while (pcap_in__next(in, &f) > 0) {
		struct flow_ref r;

		engine__feed(a, &f);
		if (shard__frame_ref(&hk, &f, &r)) {
			engine__prefetch_flow(b, &r);
			engine__feed_ref(b, &f, &r);
			by_ref_frames++;
		} else {
			engine__feed(b, &f);
		}
	}
	engine__finish(a);
	engine__finish(b);
	*raw_stats = *engine__stats(a);
	*ref_stats = *engine__stats(b);
cleanup:
	pcap_in__close(in);
	engine__free(a);
	engine__free(b);
	policy__free(pol);
	return by_ref_frames;
}

/* The second way into the engine gives what the first gives, on every real capture: the same
 * JSON lines, byte for byte, and the same counters. */
static void test_feed_ref_matches_feed(void)
{
	DIR *d = opendir(SHARED_PCAPS);
	struct dirent *de;
	long frames = 0, files = 0, bad = 0;

	if (!d) {
		printf("SKIP test_feed_ref_matches_feed: %s not found\n", SHARED_PCAPS);
		return;
	}
	while ((de = readdir(d))) {
		struct engine_stats sa, sb;
		struct sbuf raw, by_ref;
		char path[512];
		size_t n = strlen(de->d_name);
		long got;

		if (!(n > 5 && !strcmp(de->d_name + n - 5, ".pcap")) &&
		    !(n > 7 && !strcmp(de->d_name + n - 7, ".pcapng")))
			continue;
		snprintf(path, sizeof(path), "%s/%s", SHARED_PCAPS, de->d_name);
		sbuf__init(&raw);
		sbuf__init(&by_ref);
		got = feed_both(path, &raw, &by_ref, &sa, &sb);
		if (got >= 0) {
			files++;
			frames += got;
			if (raw.len != by_ref.len || memcmp(raw.buf, by_ref.buf, raw.len) ||
			    memcmp(&sa, &sb, sizeof(sa))) {
				printf("  differs: %s\n", path);
				bad++;
			}
		}
		sbuf__free(&raw);
		sbuf__free(&by_ref);
	}
	closedir(d);
	printf("  %ld captures, %ld frames by their flow\n", files, frames);
	CHECK_EQ(bad, 0);
	CHECK(files >= 20);
	CHECK(frames > 1000);
}

int main(void)
{
	RUN_TEST(test_pickup_at_server_hello);
	RUN_TEST(test_pickup_client_header_split);
	RUN_TEST(test_server_hello_before_client_hello);
	RUN_TEST(test_server_hello_before_client_hello_one_segment);
	RUN_TEST(test_feed_ref_matches_feed);
	return CHECK_DONE();
}
