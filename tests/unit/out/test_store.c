// SPDX-License-Identifier: GPL-2.0
/* The flagged store (bounds, eviction order, counters, since filter, dumps, files) and the
 * engine's frame retention that feeds it. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "check.h"
#include "verdict/engine.h"
#include "capture/pcap_in.h"
#include "verdict/policy.h"
#include "out/store.h"
#include "tls/tls_record.h"

#include "store_script.h"

#define SHARED_PCAPS "../shared/pcaps"

/* Client ports of the dumped JSON lines, in order. */
static int dumped_ports(const struct sbuf *json, int *ports, int max)
{
	const char *p = json->buf;
	int n = 0;

	while (p && (p = strstr(p, "\"client\":\"0.0.0.0:")) && n < max) {
		p += strlen("\"client\":\"0.0.0.0:");
		ports[n++] = atoi(p);
	}
	return n;
}

static void add(struct store *s, uint16_t port, uint64_t end_s, const struct fbuf *fb)
{
	struct handshake *hs = mkhs(port, HS_OUTCOME_ALERT, true, end_s);
	struct engine_frames fs = fbuf_view(fb);

	CHECK_EQ(store__add(s, hs, &fs), 1);
	free(hs);
}

static void test_wants(void)
{
	struct handshake *hs = mkhs(1, HS_OUTCOME_ESTABLISHED, false, 1);

	CHECK(!store__wants(hs));
	hs->outcome = HS_OUTCOME_INCOMPLETE;
	CHECK(!store__wants(hs));
	hs->outcome = HS_OUTCOME_ALERT;
	CHECK(store__wants(hs));
	hs->outcome = HS_OUTCOME_ABORTED;
	CHECK(store__wants(hs));
	hs->outcome = HS_OUTCOME_RESET;
	CHECK(store__wants(hs));
	free(hs);
	hs = mkhs(1, HS_OUTCOME_ESTABLISHED, true, 1);
	CHECK(store__wants(hs));
	free(hs);
}

static void test_not_wanted_not_stored(void)
{
	struct store *s = store__new(NULL);
	struct handshake *hs = mkhs(1, HS_OUTCOME_ESTABLISHED, false, 1);
	struct fbuf fb;
	struct engine_frames fs;

	four_frames(&fb, LINKTYPE_ETHERNET);
	fs = fbuf_view(&fb);
	CHECK_EQ(store__add(s, hs, &fs), 0);
	CHECK_EQ(store__stats(s)->entries, 0);
	CHECK_EQ(store__stats(s)->added, 0);
	free(hs);
	store__free(s);
}

static void test_count_bound_evicts_oldest(void)
{
	struct store_opts o = { .max_entries = 3 };
	struct store *s = store__new(&o);
	struct sbuf pcap, json;
	struct store_dump_info info;
	struct fbuf fb;
	int ports[8], n;

	four_frames(&fb, LINKTYPE_ETHERNET);
	for (int i = 0; i < 5; i++)
		add(s, (uint16_t)(1001 + i), 100 + (uint64_t)i, &fb);
	CHECK_EQ(store__stats(s)->entries, 3);
	CHECK_EQ(store__stats(s)->added, 5);
	CHECK_EQ(store__stats(s)->evicted, 2);
	sbuf__init(&pcap);
	sbuf__init(&json);
	CHECK_EQ(store__dump(s, 0, PCAP_FMT_PCAPNG, &pcap, &json, &info), 0);
	CHECK_EQ(info.handshakes, 3);
	CHECK_EQ(info.frames, 12);
	n = dumped_ports(&json, ports, 8);
	CHECK_EQ(n, 3);
	CHECK_EQ(ports[0], 1003);
	CHECK_EQ(ports[1], 1004);
	CHECK_EQ(ports[2], 1005);
	sbuf__free(&pcap);
	sbuf__free(&json);
	store__free(s);
}

/* One flood cannot evict every real finding: not-local handshakes keep to a quarter of the store
 * and never evict a local one; a local flood of one kind (resets) evicts its own kind. */
static void test_classes_protect_findings(void)
{
	struct store_opts o = { .max_entries = 8 };
	struct store *s = store__new(&o);
	struct sbuf pcap, json;
	struct store_dump_info info;
	struct engine_frames fs;
	struct handshake *hs;
	struct fbuf fb;
	int ports[16], n, weak = 0;

	four_frames(&fb, LINKTYPE_ETHERNET);
	fs = fbuf_view(&fb);
	for (int i = 0; i < 3; i++)
		add(s, (uint16_t)(2001 + i), 100 + (uint64_t)i, &fb); /* weak_signature, alert */
	for (int i = 0; i < 100; i++) {
		hs = mkhs((uint16_t)(3000 + i), HS_OUTCOME_RESET, false, 200 + (uint64_t)i);
		hs->not_local = true;
		CHECK_EQ(store__add(s, hs, &fs), 1);
		free(hs);
	}
	CHECK_EQ(store__stats(s)->entries, 5);
	CHECK_EQ(store__stats(s)->not_local_entries, 2); /* a quarter of 8 */
	CHECK_EQ(store__stats(s)->evicted, 98);
	sbuf__init(&json);
	sbuf__init(&pcap);
	CHECK_EQ(store__dump(s, 0, PCAP_FMT_PCAPNG, &pcap, &json, &info), 0);
	CHECK(strstr(json.buf, "\"client\":\"0.0.0.0:3099\",\"server\":\"0.0.0.0:443\","
			       "\"not_local\":true,\"sni\"") != NULL);
	sbuf__free(&pcap);
	sbuf__free(&json);
	for (int i = 0; i < 20; i++) {
		hs = mkhs((uint16_t)(4000 + i), HS_OUTCOME_RESET, false, 400 + (uint64_t)i);
		CHECK_EQ(store__add(s, hs, &fs), 1);
		free(hs);
	}
	CHECK_EQ(store__stats(s)->entries, 8);
	CHECK_EQ(store__stats(s)->not_local_entries, 0); /* evicted first */
	/* full of local ones: a not-local one is refused rather than evict them */
	hs = mkhs(5000, HS_OUTCOME_RESET, false, 600);
	hs->not_local = true;
	CHECK_EQ(store__add(s, hs, &fs), -ENOSPC);
	CHECK_EQ(store__stats(s)->not_local_refused, 1);
	free(hs);
	sbuf__init(&pcap);
	sbuf__init(&json);
	CHECK_EQ(store__dump(s, 0, PCAP_FMT_PCAPNG, &pcap, &json, &info), 0);
	n = dumped_ports(&json, ports, 16);
	CHECK_EQ(n, 8);
	for (int i = 0; i < n; i++)
		weak += ports[i] >= 2001 && ports[i] <= 2003;
	CHECK_EQ(weak, 3);
	CHECK(strstr(json.buf, "\"not_local\":true") == NULL);
	CHECK_EQ(ports[0], 2001); /* dump order stays oldest first */
	CHECK_EQ(ports[7], 4019);
	sbuf__free(&pcap);
	sbuf__free(&json);
	store__free(s);
}

/* A finding's message carries names from the wire (a subject's CN): its pcapng comment has
 * them escaped, so Wireshark never shows the raw control bytes. */
static void test_comment_escaped(void)
{
	static const char want[] = "CN=Weak\\x1b]0;owned\\x07CA";
	struct store *s = store__new(NULL);
	struct handshake *hs = mkhs(7001, HS_OUTCOME_ALERT, true, 100);
	struct sbuf pcap, json;
	struct store_dump_info info;
	struct engine_frames fs;
	struct fbuf fb;

	four_frames(&fb, LINKTYPE_ETHERNET);
	fs = fbuf_view(&fb);
	snprintf(hs->findings[0].message, sizeof(hs->findings[0].message),
		 "certificate #2 (CN=Weak\x1b]0;owned\x07" "CA) is signed with md5");
	CHECK_EQ(store__add(s, hs, &fs), 1);
	sbuf__init(&pcap);
	sbuf__init(&json);
	CHECK_EQ(store__dump(s, 0, PCAP_FMT_PCAPNG, &pcap, &json, &info), 0);
	CHECK(memmem(pcap.buf, pcap.len, want, sizeof(want) - 1) != NULL);
	CHECK(memmem(pcap.buf, pcap.len, "Weak\x1b", 5) == NULL);
	sbuf__free(&pcap);
	sbuf__free(&json);
	free(hs);
	store__free(s);
}

/* The pcapng comments that name the local processes: each field in its place, the longest
 * names whole, a missing executable left out, a unit when there is no container. */
static void test_process_notes(void)
{
	struct store *s = store__new(NULL);
	struct handshake *hs = mkhs(7002, HS_OUTCOME_ALERT, true, 100);
	char want[512], exe[HS_EXE_LEN], id[HS_CONTAINER_ID_LEN];
	struct sbuf pcap, json;
	struct store_dump_info info;
	struct engine_frames fs;
	struct fbuf fb;

	memset(exe, 'e', sizeof(exe) - 1);
	exe[0] = '/';
	exe[sizeof(exe) - 1] = '\0';
	memset(id, 'a', sizeof(id) - 1);
	id[sizeof(id) - 1] = '\0';
	hs->process = (struct hs_process){ .present = true, .pid = 4294967295u, .uid = 1000 };
	snprintf(hs->process.comm, sizeof(hs->process.comm), "curl");
	snprintf(hs->process.exe, sizeof(hs->process.exe), "%s", exe);
	snprintf(hs->process.container_runtime, sizeof(hs->process.container_runtime), "podman");
	snprintf(hs->process.container_id, sizeof(hs->process.container_id), "%s", id);
	snprintf(hs->process.unit, sizeof(hs->process.unit), "left-out.scope");
	hs->peer_process = (struct hs_process){ .present = true, .server_end = true, .pid = 17 };
	snprintf(hs->peer_process.comm, sizeof(hs->peer_process.comm), "nginx");
	snprintf(hs->peer_process.unit, sizeof(hs->peer_process.unit), "nginx.service");
	four_frames(&fb, LINKTYPE_ETHERNET);
	fs = fbuf_view(&fb);
	CHECK_EQ(store__add(s, hs, &fs), 1);
	sbuf__init(&pcap);
	sbuf__init(&json);
	CHECK_EQ(store__dump(s, 0, PCAP_FMT_PCAPNG, &pcap, &json, &info), 0);
	snprintf(want, sizeof(want),
		 "tlsmon: client process curl (pid 4294967295, uid 1000, %s, podman container %s)",
		 exe, id);
	CHECK(memmem(pcap.buf, pcap.len, want, strlen(want) + 1) != NULL);
	snprintf(want, sizeof(want), "tlsmon: server process nginx (pid 17, uid 0, unit nginx.service)");
	CHECK(memmem(pcap.buf, pcap.len, want, strlen(want) + 1) != NULL);
	sbuf__free(&pcap);
	sbuf__free(&json);
	free(hs);
	store__free(s);
}

static void test_bytes_bound(void)
{
	struct store *s = store__new(NULL);
	struct store_opts o = { 0 };
	struct fbuf fb;
	uint64_t one;

	four_frames(&fb, LINKTYPE_ETHERNET);
	/* a port with as many digits as those below: the JSON, so the entry, is as long */
	add(s, 2000, 1, &fb);
	one = store__stats(s)->bytes;
	CHECK(one > fb.len);
	store__free(s);

	o.max_bytes = one * 2 + one / 2;
	s = store__new(&o);
	for (int i = 0; i < 4; i++) {
		add(s, (uint16_t)(2001 + i), 10 + (uint64_t)i, &fb);
		CHECK(store__stats(s)->bytes <= o.max_bytes);
	}
	CHECK_EQ(store__stats(s)->entries, 2);
	CHECK_EQ(store__stats(s)->evicted, 2);
	CHECK_EQ(store__stats(s)->bytes, 2 * one);
	store__free(s);
}

static void test_refuses_oversized(void)
{
	struct store_opts o = { .max_bytes = 200 };
	struct store *s = store__new(&o);
	struct handshake *hs = mkhs(7, HS_OUTCOME_ALERT, true, 5);
	struct fbuf fb;
	struct engine_frames fs;

	four_frames(&fb, LINKTYPE_ETHERNET);
	fs = fbuf_view(&fb);
	CHECK_EQ(store__add(s, hs, &fs), -E2BIG);
	CHECK_EQ(store__stats(s)->refused, 1);
	CHECK_EQ(store__stats(s)->entries, 0);
	CHECK_EQ(store__stats(s)->bytes, 0);
	CHECK_EQ(store__stats(s)->evicted, 0);
	free(hs);
	store__free(s);
}

static void test_since_filter(void)
{
	struct store *s = store__new(NULL);
	struct sbuf pcap, json;
	struct store_dump_info info;
	struct fbuf fb;
	int ports[8];

	four_frames(&fb, LINKTYPE_ETHERNET);
	add(s, 3001, 100, &fb);
	add(s, 3002, 200, &fb);
	add(s, 3003, 300, &fb);
	sbuf__init(&pcap);
	sbuf__init(&json);
	CHECK_EQ(store__dump(s, 200 * NS, PCAP_FMT_PCAPNG, &pcap, &json, &info), 0);
	CHECK_EQ(info.handshakes, 2);
	CHECK_EQ(info.frames, 8);
	CHECK_EQ(dumped_ports(&json, ports, 8), 2);
	CHECK_EQ(ports[0], 3002);
	CHECK_EQ(ports[1], 3003);
	sbuf__reset(&pcap);
	sbuf__reset(&json);
	CHECK_EQ(store__dump(s, 300 * NS + 1, PCAP_FMT_PCAPNG, &pcap, &json, &info), 0);
	CHECK_EQ(info.handshakes, 0);
	CHECK_EQ(json.len, 0);
	sbuf__free(&pcap);
	sbuf__free(&json);
	store__free(s);
}

/* Comments land on the frames the findings and the alert are about. */
static void test_dump_comments_and_formats(void)
{
	struct store *s = store__new(NULL);
	struct sbuf pcap, json;
	struct store_dump_info info;
	struct fbuf fb;
	const char *cert_note, *alert_note;

	four_frames(&fb, LINKTYPE_ETHERNET);
	add(s, 4001, 10, &fb);
	sbuf__init(&pcap);
	sbuf__init(&json);
	CHECK_EQ(store__dump(s, 0, PCAP_FMT_PCAPNG, &pcap, &json, &info), 0);
	CHECK_EQ(info.format, PCAP_FMT_PCAPNG);
	cert_note = memmem(pcap.buf, pcap.len, "tlsmon: [server] certificate #2 (CN=Weak CA) is signed "
			   "with md5WithRSAEncryption (1.2.840.113549.1.1.4)", 104);
	alert_note = memmem(pcap.buf, pcap.len, "tlsmon: outcome alert: client sent fatal alert", 46);
	CHECK(cert_note != NULL);
	CHECK(alert_note != NULL);
	CHECK(cert_note && alert_note && cert_note < alert_note);
	CHECK(json.len > 0 && json.buf[json.len - 1] == '\n');

	/* pcap when asked and possible: 24-byte header + 4 records */
	sbuf__reset(&pcap);
	sbuf__reset(&json);
	CHECK_EQ(store__dump(s, 0, PCAP_FMT_PCAP, &pcap, &json, &info), 0);
	CHECK_EQ(info.format, PCAP_FMT_PCAP);
	CHECK_EQ(pcap.len, 24 + 4 * 16 + 61 + 62 + 63 + 64);

	/* mixed linktypes: pcap is impossible, pcapng is written instead */
	four_frames(&fb, LINKTYPE_RAW);
	add(s, 4002, 11, &fb);
	sbuf__reset(&pcap);
	sbuf__reset(&json);
	CHECK_EQ(store__dump(s, 0, PCAP_FMT_PCAP, &pcap, &json, &info), 0);
	CHECK_EQ(info.format, PCAP_FMT_PCAPNG);
	CHECK_EQ(info.frames, 8);
	sbuf__free(&pcap);
	sbuf__free(&json);
	store__free(s);
}

static void test_empty_dump(void)
{
	struct store *s = store__new(NULL);
	struct sbuf pcap, json;
	struct store_dump_info info;

	sbuf__init(&pcap);
	sbuf__init(&json);
	CHECK_EQ(store__dump(s, 0, PCAP_FMT_PCAPNG, &pcap, &json, &info), 0);
	CHECK_EQ(info.handshakes, 0);
	CHECK_EQ(info.frames, 0);
	CHECK(pcap.len >= 28 && pcap.len < 100); /* a section header only */
	CHECK_EQ(json.len, 0);
	sbuf__reset(&pcap);
	CHECK_EQ(store__dump(s, 0, PCAP_FMT_PCAP, &pcap, &json, &info), 0);
	CHECK_EQ(pcap.len, 24);
	sbuf__free(&pcap);
	sbuf__free(&json);
	store__free(s);
}

static void test_save_files(void)
{
	char dir[] = "/tmp/tlsmon-store.XXXXXX", p1[PATH_MAX], j1[PATH_MAX], p2[PATH_MAX],
	     j2[PATH_MAX], cmd[PATH_MAX + 16];
	struct sbuf pcap, json;
	struct stat st;
	uint64_t stamp = 1700000000ull * NS; /* 2023-11-14T22:13:20Z */
	struct store *s = store__new(NULL);
	struct store_dump_info info;

	CHECK(mkdtemp(dir) != NULL);
	sbuf__init(&pcap);
	sbuf__init(&json);
	sbuf__puts(&pcap, "PCAP");
	sbuf__puts(&json, "{}\n");
	CHECK_EQ(store__save_files(dir, stamp, &pcap, PCAP_FMT_PCAPNG, false, &json, p1, j1,
				   sizeof(p1)), 0);
	CHECK(strstr(p1, "/tlsmon-dump-20231114T221320Z.pcapng") != NULL);
	CHECK(strstr(j1, "/tlsmon-dump-20231114T221320Z.jsonl") != NULL);
	CHECK_EQ(stat(p1, &st), 0);
	CHECK_EQ(st.st_mode & 0777, 0600);
	CHECK_EQ(st.st_size, 4);
	CHECK_EQ(stat(j1, &st), 0);
	CHECK_EQ(st.st_mode & 0777, 0600);
	/* same second again: a new name, the first files untouched */
	CHECK_EQ(store__save_files(dir, stamp, &json, PCAP_FMT_PCAP, true, &pcap, p2, j2,
				   sizeof(p2)), 0);
	CHECK(strstr(p2, "/tlsmon-dump-20231114T221320Z-2.pcap.gz") != NULL);
	CHECK(strstr(j2, "/tlsmon-dump-20231114T221320Z-2.jsonl") != NULL);
	CHECK_EQ(stat(p1, &st), 0);
	CHECK_EQ(st.st_size, 4);
	CHECK_EQ(store__save_files("/nonexistent-dir", stamp, &pcap, PCAP_FMT_PCAP, false, &json,
				   p2, j2, sizeof(p2)), -ENOENT);
	CHECK_EQ(store__dump_to_dir(s, dir, PCAP_FMT_PCAPNG, false, 3600, p2, j2, sizeof(p2), &info),
		 0);
	CHECK_EQ(stat(p2, &st), 0);
	CHECK(st.st_size > 0);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	CHECK_EQ(system(cmd), 0);
	sbuf__free(&pcap);
	sbuf__free(&json);
	store__free(s);
}

/* engine_frames__next never reads past the buffer: every truncation, and a caplen lying high. */
static void test_frames_iter_bounds(void)
{
	struct fbuf fb;
	struct frame f;

	four_frames(&fb, LINKTYPE_ETHERNET);
	for (size_t cut = 0; cut <= fb.len; cut++) {
		uint8_t *copy = malloc(cut ? cut : 1);
		struct engine_frames fs = { .buf = copy, .len = cut };
		size_t cur = 0;
		uint32_t n = 0;

		memcpy(copy, fb.b, cut);
		while (engine_frames__next(&fs, &cur, &f)) {
			CHECK(f.data + f.caplen <= copy + cut);
			n++;
		}
		CHECK(n <= 4);
		if (cut == fb.len)
			CHECK_EQ(n, 4);
		free(copy);
	}
	{
		struct frame_hdr h;
		struct engine_frames fs = fbuf_view(&fb);
		size_t cur = 0;

		memcpy(&h, fb.b, sizeof(h));
		h.caplen = 0xffffffffu;
		memcpy(fb.b, &h, sizeof(h));
		CHECK(!engine_frames__next(&fs, &cur, &f));
	}
}

struct retained {
	int calls;
	uint32_t count, dropped;
	uint64_t first, last;
	bool consecutive;
	size_t len;
	uint64_t decided_frame;
	uint8_t data_sum;
};

static void on_hs(void *ctx, struct handshake *hs, const struct tlsmon_flow_key *key,
		  const struct engine_frames *fs)
{
	struct retained *r = ctx;
	struct frame f;
	size_t cur = 0;
	uint64_t prev = 0;

	r->calls++;
	r->count = fs->count;
	r->dropped = fs->dropped;
	r->len = fs->len;
	r->consecutive = true;
	r->decided_frame = hs->alert.present ? hs->alert.frame : 0;
	while (engine_frames__next(fs, &cur, &f)) {
		if (!prev)
			r->first = f.number;
		else if (f.number != prev + 1)
			r->consecutive = false;
		prev = f.number;
		for (uint32_t i = 0; i < f.caplen; i++)
			r->data_sum += f.data[i];
	}
	r->last = prev;
}

static int run_engine(const char *path, uint32_t retain, uint64_t total, struct retained *r)
{
	struct policy *pol = policy__new();
	struct engine_opts eo = { .policy = pol, .on_handshake = on_hs, .ctx = r,
				  .retain_bytes = retain, .retain_total_bytes = total };
	struct engine *e = engine__new(&eo);
	struct pcap_in *in;
	struct frame f;
	int err = 0;

	memset(r, 0, sizeof(*r));
	in = pcap_in__open(path, &err);
	if (!in || !e) {
		engine__free(e);
		policy__free(pol);
		return -1;
	}
	while (pcap_in__next(in, &f) > 0)
		engine__feed(e, &f);
	engine__finish(e);
	engine__free(e);
	pcap_in__close(in);
	policy__free(pol);
	return 0;
}

/* The server's fatal alert is frame 6 of 11: frames 1 (SYN) to 6 are kept, the FINs after are
 * not needed. */
static void test_engine_retention(void)
{
	const char *path = SHARED_PCAPS "/zeek_tls-1.2-handshake-failure.pcap";
	struct retained r, small;
	uint8_t sum = 0;
	struct pcap_in *in;
	struct frame f;
	int err;

	if (access(path, R_OK)) {
		printf("SKIP test_engine_retention: %s not found\n", path);
		return;
	}
	CHECK_EQ(run_engine(path, 256 * 1024, 0, &r), 0);
	CHECK_EQ(r.calls, 1);
	CHECK_EQ(r.count, 6);
	CHECK_EQ(r.dropped, 0);
	CHECK_EQ(r.first, 1);
	CHECK_EQ(r.last, 6);
	CHECK_EQ(r.decided_frame, 6);
	CHECK(r.consecutive);
	in = pcap_in__open(path, &err);
	while (in && pcap_in__next(in, &f) > 0 && f.number <= 6)
		for (uint32_t i = 0; i < f.caplen; i++)
			sum += f.data[i];
	pcap_in__close(in);
	CHECK_EQ(r.data_sum, sum);

	/* bounded: room for about two frames; the rest is counted */
	CHECK_EQ(run_engine(path, 250, 0, &small), 0);
	CHECK_EQ(small.calls, 1);
	CHECK(small.len <= 250);
	CHECK(small.count >= 1 && small.count < 6);
	CHECK_EQ(small.count + small.dropped, 6);

	/* the same through the bound on all connections together */
	CHECK_EQ(run_engine(path, 256 * 1024, 250, &small), 0);
	CHECK_EQ(small.calls, 1);
	CHECK(small.len <= 250);
	CHECK(small.count >= 1 && small.count < 6);
	CHECK_EQ(small.count + small.dropped, 6);

	/* off */
	CHECK_EQ(run_engine(path, 0, 0, &r), 0);
	CHECK_EQ(r.calls, 1);
	CHECK_EQ(r.count, 0);
	CHECK_EQ(r.len, 0);
}

int main(void)
{
	RUN_TEST(test_wants);
	RUN_TEST(test_not_wanted_not_stored);
	RUN_TEST(test_count_bound_evicts_oldest);
	RUN_TEST(test_classes_protect_findings);
	RUN_TEST(test_comment_escaped);
	RUN_TEST(test_process_notes);
	RUN_TEST(test_bytes_bound);
	RUN_TEST(test_refuses_oversized);
	RUN_TEST(test_since_filter);
	RUN_TEST(test_dump_comments_and_formats);
	RUN_TEST(test_empty_dump);
	RUN_TEST(test_save_files);
	RUN_TEST(test_frames_iter_bounds);
	RUN_TEST(test_engine_retention);
	return CHECK_DONE();
}
