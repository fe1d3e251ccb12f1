// SPDX-License-Identifier: GPL-2.0
#include "out/store.h"

#include <errno.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "out/report.h"
#include "tls/tls_names.h"
#include "tls/tls_record.h"
#include "util/text_escape.h"

/* One note per finding, plus the outcome's. */
#define STORE_MAX_NOTES (HS_MAX_FINDINGS + 2)
#define STORE_MAX_NAME_TRIES 100

struct store_note {
	uint64_t frame;
	uint32_t off; /* into the entry's note text */
	uint32_t len;
};

/* One allocation per entry: this header, then notes[], note text, the JSON line, and the frame
 * records (8-byte aligned, as engine_frames__next() reads them). */
struct store_entry {
	struct store_entry *next, *prev; /* all entries, oldest first */
	struct store_entry *class_next; /* the entry's class, oldest first */
	uint32_t class;
	uint64_t decided_ns;
	size_t bytes; /* what the entry counts against max_bytes */
	uint32_t n_notes;
	uint32_t text_len;
	uint32_t json_len;
	uint32_t frames_count;
	size_t frames_off;
	size_t frames_len;
	struct store_writer *maker; /* gets the entry back to free when evicted; NULL: freed there */
};

/* Classes (store.h says why): not-local, then local ones by outcome without findings, then by
 * the first finding's check. */
enum {
	CLASS_NOT_LOCAL,
	CLASS_ALERT,
	CLASS_ABORTED,
	CLASS_RESET,
	CLASS_CHECK0,
	STORE_CLASSES = CLASS_CHECK0 + CHECK__COUNT,
};

struct store_class {
	struct store_entry *head, *tail;
	uint64_t entries, bytes;
};

/* An evicted entry goes back to the writer that made it, which frees it: a free() on another
 * thread takes the maker's malloc arena lock, which the maker holds for its own allocations.
 * With 2 daemon workers, a quarter of their sleeps were such a free under the store, the other
 * worker waiting on its arena. At most this many bytes wait for their maker (an idle worker
 * frees nothing); an entry beyond that is freed where it is evicted. */
#define STORE_RETURNED_MAX_BYTES (1u << 20)

/* The scratch an entry is built in, reused from one entry to the next, and the entries evicted
 * by others (a stack: pushed under the store's lock, taken whole by the writer). */
struct store_writer {
	struct sbuf json;
	struct sbuf text;
	struct store_note notes[STORE_MAX_NOTES];
	_Atomic(struct store_entry *) returned;
	_Atomic size_t returned_bytes;
};

struct store {
	struct store_opts opts;
	struct store_stats stats;
	struct store_entry *head, *tail; /* oldest first */
	struct store_class classes[STORE_CLASSES];
	struct store_writer writer; /* store__add()'s */
};

static void writer_init(struct store_writer *w)
{
	sbuf__init(&w->json);
	sbuf__init(&w->text);
}

/* What the writer got back, then its buffers. */
static void writer_fini(struct store_writer *w)
{
	store_writer__collect(w);
	sbuf__free(&w->json);
	sbuf__free(&w->text);
}

struct store *store__new(const struct store_opts *opts)
{
	struct store *s = calloc(1, sizeof(*s));

	if (!s)
		return NULL;
	if (opts)
		s->opts = *opts;
	if (!s->opts.max_entries)
		s->opts.max_entries = STORE_DEFAULT_ENTRIES;
	if (!s->opts.max_bytes)
		s->opts.max_bytes = STORE_DEFAULT_BYTES;
	writer_init(&s->writer);
	return s;
}

struct store_writer *store_writer__new(void)
{
	struct store_writer *w = calloc(1, sizeof(*w));

	if (w)
		writer_init(w);
	return w;
}

void store_writer__collect(struct store_writer *w)
{
	struct store_entry *e, *next;
	size_t bytes = 0;

	if (!w || !atomic_load_explicit(&w->returned, memory_order_relaxed))
		return;
	for (e = atomic_exchange_explicit(&w->returned, NULL, memory_order_acquire); e; e = next) {
		next = e->next;
		bytes += e->bytes;
		free(e);
	}
	atomic_fetch_sub_explicit(&w->returned_bytes, bytes, memory_order_relaxed);
}

size_t store_writer__returned_bytes(struct store_writer *w)
{
	return atomic_load_explicit(&w->returned_bytes, memory_order_relaxed);
}

/* e, evicted: back to its maker, or freed here. */
static void give_back(struct store_entry *e)
{
	struct store_writer *w = e->maker;
	struct store_entry *head;

	if (!w || atomic_load_explicit(&w->returned_bytes, memory_order_relaxed) + e->bytes >
			  STORE_RETURNED_MAX_BYTES) {
		free(e);
		return;
	}
	atomic_fetch_add_explicit(&w->returned_bytes, e->bytes, memory_order_relaxed);
	head = atomic_load_explicit(&w->returned, memory_order_relaxed);
	do
		e->next = head;
	while (!atomic_compare_exchange_weak_explicit(&w->returned, &head, e, memory_order_release,
						      memory_order_relaxed));
}

void store_writer__free(struct store_writer *w)
{
	if (!w)
		return;
	writer_fini(w);
	free(w);
}

void store__free(struct store *s)
{
	struct store_entry *e;

	if (!s)
		return;
	while ((e = s->head)) {
		s->head = e->next;
		free(e);
	}
	writer_fini(&s->writer);
	free(s);
}

const struct store_stats *store__stats(const struct store *s)
{
	return &s->stats;
}

bool store__wants(const struct handshake *hs)
{
	return hs__flagged(hs) || hs->outcome == HS_OUTCOME_ALERT ||
	       hs->outcome == HS_OUTCOME_ABORTED || hs->outcome == HS_OUTCOME_RESET;
}

/* Frame of the last event of a kind (and handshake type), 0 when none was seen. */
static uint64_t event_frame(const struct handshake *hs, enum hs_event_kind kind, int hs_type)
{
	uint64_t frame = 0;
	int n = hs->n_events < HS_MAX_EVENTS ? hs->n_events : HS_MAX_EVENTS;

	for (int i = 0; i < n; i++) {
		const struct hs_event *ev = &hs->events[i];

		if (ev->kind == kind && (hs_type < 0 || ev->hs_type == hs_type))
			frame = ev->frame;
	}
	return frame;
}

/* The frame that completed the message a finding is about. */
static uint64_t finding_frame(const struct handshake *hs, const struct finding *f)
{
	uint64_t fr = 0;

	if (f->side == HS_SIDE_CLIENT && (f->position >= 0 || f->check == CHECK_UNPARSABLE_CERT))
		fr = hs->client_cert_frame;
	else if (f->position >= 0 || f->check == CHECK_UNPARSABLE_CERT)
		fr = hs->cert_frame;
	else if (f->check == CHECK_WEAK_DH)
		fr = event_frame(hs, HS_EV_MESSAGE, TLS_HS_SERVER_KEY_EXCHANGE);
	else if (f->check == CHECK_DOWNGRADE)
		fr = event_frame(hs, HS_EV_MESSAGE, TLS_HS_CLIENT_HELLO);
	else if (f->check == CHECK_UNTRUSTED_CHAIN)
		fr = hs->cert_frame;
	else if (f->check == CHECK_HEARTBEAT)
		fr = event_frame(hs, HS_EV_HEARTBEAT, -1);
	if (!fr)
		fr = event_frame(hs, HS_EV_MESSAGE, TLS_HS_SERVER_HELLO);
	if (!fr)
		fr = event_frame(hs, HS_EV_MESSAGE, TLS_HS_CLIENT_HELLO);
	if (!fr && hs->n_events)
		fr = hs->events[0].frame;
	return fr;
}

static void add_note(struct store_writer *w, uint32_t *n, uint64_t frame, const char *a,
		     const char *b)
{
	size_t off = w->text.len;

	if (!frame || *n >= STORE_MAX_NOTES)
		return;
	/* Wireshark shows the comment: names from the wire in it are escaped */
	sbuf__puts(&w->text, "tlsmon: ");
	text__escape(&w->text, a, strlen(a));
	if (b)
		text__escape(&w->text, b, strlen(b));
	if (w->text.oom)
		return;
	w->notes[*n].frame = frame;
	w->notes[*n].off = (uint32_t)off;
	w->notes[*n].len = (uint32_t)(w->text.len - off);
	sbuf__putc(&w->text, '\0');
	(*n)++;
}

/* "client process curl (pid 4242, uid 1000, /usr/bin/curl, unit backup.service)", put together
 * without snprintf (two per handshake with attribution on, whose format parsing cost more than
 * the note): the longest (names at their sizes in struct hs_process) fits text. */
static void add_process_note(struct store_writer *w, uint32_t *n, uint64_t frame,
			     const struct hs_process *p)
{
	char text[FINDING_MESSAGE_LEN + HS_EXE_LEN + HS_UNIT_LEN];
	struct sbuf b;

	_Static_assert(sizeof(text) > sizeof("server process  (pid 4294967295, uid 4294967295, ") +
					      sizeof(p->comm) + sizeof(p->exe) +
					      sizeof(", a container ") + sizeof(p->container_runtime) +
					      sizeof(p->container_id) + sizeof(", unit ") +
					      sizeof(p->unit) + sizeof(")"),
		       "a process note always fits");
	sbuf__init_fixed(&b, text, sizeof(text));
	sbuf__puts(&b, p->server_end ? "server process " : "client process ");
	sbuf__puts(&b, p->comm);
	sbuf__puts(&b, " (pid ");
	sbuf__put_u64(&b, p->pid);
	sbuf__puts(&b, ", uid ");
	sbuf__put_u64(&b, p->uid);
	if (p->exe[0]) {
		sbuf__puts(&b, ", ");
		sbuf__puts(&b, p->exe);
	}
	if (p->container_id[0]) {
		sbuf__puts(&b, ", ");
		sbuf__puts(&b, p->container_runtime[0] ? p->container_runtime : "a");
		sbuf__puts(&b, " container ");
		sbuf__puts(&b, p->container_id);
	} else if (p->unit[0]) {
		sbuf__puts(&b, ", unit ");
		sbuf__puts(&b, p->unit);
	}
	sbuf__putc(&b, ')');
	add_note(w, n, frame, text, NULL);
}

/* pcapng comments: what tlsmon found, on the frame that completed the message it is about;
 * who, on this host, owned the ends (user/host/), on the ClientHello's. */
static uint32_t build_notes(struct store_writer *w, const struct handshake *hs)
{
	uint32_t n = 0;
	uint64_t fr;

	sbuf__reset(&w->text);
	fr = event_frame(hs, HS_EV_MESSAGE, TLS_HS_CLIENT_HELLO);
	if (!fr && hs->n_events)
		fr = hs->events[0].frame;
	if (hs->process.present)
		add_process_note(w, &n, fr, &hs->process);
	if (hs->peer_process.present)
		add_process_note(w, &n, fr, &hs->peer_process);
	for (int i = 0; i < hs->n_findings && i < HS_MAX_FINDINGS; i++) {
		const struct finding *f = &hs->findings[i];

		add_note(w, &n, finding_frame(hs, f),
			 f->side == HS_SIDE_CLIENT ? "[client] " : "[server] ",
			 f->message[0] ? f->message : f->detail);
	}
	switch (hs->outcome) {
	case HS_OUTCOME_ALERT:
		fr = hs->alert.frame ? hs->alert.frame : event_frame(hs, HS_EV_ALERT, -1);
		add_note(w, &n, fr, "outcome alert: ", hs->explain);
		break;
	case HS_OUTCOME_ABORTED:
		add_note(w, &n, event_frame(hs, HS_EV_FIN, -1), "outcome aborted: ", hs->explain);
		break;
	case HS_OUTCOME_RESET:
		add_note(w, &n, event_frame(hs, HS_EV_RST, -1), "outcome reset: ", hs->explain);
		break;
	default:
		break;
	}
	return n;
}

static uint32_t class_of(const struct handshake *hs)
{
	if (hs->not_local)
		return CLASS_NOT_LOCAL;
	if (hs->n_findings && hs->findings[0].check < CHECK__COUNT)
		return CLASS_CHECK0 + (uint32_t)hs->findings[0].check;
	return hs->outcome == HS_OUTCOME_ALERT	 ? CLASS_ALERT :
	       hs->outcome == HS_OUTCOME_ABORTED ? CLASS_ABORTED :
						   CLASS_RESET;
}

/* Evict the oldest entry of class c (which has one). */
static void evict_from(struct store *s, uint32_t c)
{
	struct store_class *k = &s->classes[c];
	struct store_entry *e = k->head;

	k->head = e->class_next;
	if (!k->head)
		k->tail = NULL;
	k->entries--;
	k->bytes -= e->bytes;
	if (e->prev)
		e->prev->next = e->next;
	else
		s->head = e->next;
	if (e->next)
		e->next->prev = e->prev;
	else
		s->tail = e->prev;
	s->stats.entries--;
	s->stats.bytes -= e->bytes;
	if (c == CLASS_NOT_LOCAL)
		s->stats.not_local_entries--;
	s->stats.evicted++;
	give_back(e);
}

/* Not-local entries first; else the local class holding the most entries (the older head on a
 * tie). -1 when the store is empty. */
static int victim_class(const struct store *s)
{
	int best = -1;

	if (s->classes[CLASS_NOT_LOCAL].head)
		return CLASS_NOT_LOCAL;
	for (int c = CLASS_NOT_LOCAL + 1; c < STORE_CLASSES; c++) {
		const struct store_class *k = &s->classes[c];

		if (!k->head)
			continue;
		if (best < 0 || k->entries > s->classes[best].entries ||
		    (k->entries == s->classes[best].entries &&
		     k->head->decided_ns < s->classes[best].head->decided_ns))
			best = c;
	}
	return best;
}

static bool over(uint64_t entries, uint64_t bytes, uint64_t total, uint64_t max_entries,
		 uint64_t max_bytes)
{
	return entries >= max_entries || bytes + total > max_bytes;
}

/* Makes room for an entry of total bytes in class c. Returns 0, or -ENOSPC when it is not local
 * and only local entries could give way. */
static int make_room(struct store *s, uint32_t c, size_t total)
{
	uint64_t nl_entries = s->opts.max_entries / 4 ? s->opts.max_entries / 4 : 1;
	const struct store_class *nl = &s->classes[CLASS_NOT_LOCAL];
	int v;

	if (c == CLASS_NOT_LOCAL)
		while (nl->head && over(nl->entries, nl->bytes, total, nl_entries,
					s->opts.max_bytes / 4))
			evict_from(s, CLASS_NOT_LOCAL);
	while (over(s->stats.entries, s->stats.bytes, total, s->opts.max_entries,
		    s->opts.max_bytes)) {
		v = victim_class(s);
		if (v < 0 || (c == CLASS_NOT_LOCAL && v != CLASS_NOT_LOCAL))
			return v < 0 ? 0 : -ENOSPC;
		evict_from(s, (uint32_t)v);
	}
	return 0;
}

struct store_entry *store__entry(struct store_writer *w, const struct handshake *hs,
				 const struct engine_frames *frames, int *rc)
{
	size_t notes_sz, head, total, frames_len = frames ? frames->len : 0;
	struct store_entry *e;
	uint32_t n_notes;
	uint8_t *p;

	*rc = 0;
	store_writer__collect(w);
	if (!store__wants(hs))
		return NULL;
	*rc = -ENOMEM;
	sbuf__reset(&w->json);
	report__json(&w->json, hs);
	n_notes = build_notes(w, hs);
	if (w->json.oom || w->text.oom)
		return NULL;
	notes_sz = n_notes * sizeof(struct store_note);
	head = sizeof(*e) + notes_sz + w->text.len + w->json.len;
	head = (head + 7) & ~(size_t)7;
	total = head + frames_len;
	e = malloc(total);
	if (!e)
		return NULL;
	*rc = 1;
	memset(e, 0, sizeof(*e));
	e->maker = w;
	e->class = class_of(hs);
	e->decided_ns = hs->end_ts_ns;
	e->bytes = total;
	e->n_notes = n_notes;
	e->text_len = (uint32_t)w->text.len;
	e->json_len = (uint32_t)w->json.len;
	e->frames_off = head;
	e->frames_len = frames_len;
	e->frames_count = frames ? frames->count : 0;
	p = (uint8_t *)(e + 1);
	if (notes_sz)
		memcpy(p, w->notes, notes_sz);
	p += notes_sz;
	if (w->text.len)
		memcpy(p, w->text.buf, w->text.len);
	p += w->text.len;
	memcpy(p, w->json.buf, w->json.len);
	if (frames_len)
		memcpy((uint8_t *)e + head, frames->buf, frames_len);
	return e;
}

int store__take(struct store *s, struct store_entry *e, int rc)
{
	struct store_class *k;
	uint32_t cls;

	if (!e) {
		s->stats.refused += rc < 0;
		return rc;
	}
	cls = e->class;
	if (e->bytes > (cls == CLASS_NOT_LOCAL ? s->opts.max_bytes / 4 : s->opts.max_bytes)) {
		s->stats.refused++;
		s->stats.not_local_refused += cls == CLASS_NOT_LOCAL;
		free(e);
		return -E2BIG;
	}
	if (make_room(s, cls, e->bytes)) {
		s->stats.refused++;
		s->stats.not_local_refused++;
		free(e);
		return -ENOSPC;
	}
	e->prev = s->tail;
	if (s->tail)
		s->tail->next = e;
	else
		s->head = e;
	s->tail = e;
	k = &s->classes[cls];
	if (k->tail)
		k->tail->class_next = e;
	else
		k->head = e;
	k->tail = e;
	k->entries++;
	k->bytes += e->bytes;
	s->stats.not_local_entries += cls == CLASS_NOT_LOCAL;
	s->stats.entries++;
	s->stats.bytes += e->bytes;
	s->stats.added++;
	return 1;
}

int store__add(struct store *s, const struct handshake *hs, const struct engine_frames *frames)
{
	int rc;
	struct store_entry *e = store__entry(&s->writer, hs, frames, &rc);

	if (e)
		e->maker = NULL; /* one thread: freed where evicted */
	return store__take(s, e, rc);
}

static const struct store_note *entry_notes(const struct store_entry *e)
{
	return (const struct store_note *)(e + 1);
}

static const char *entry_text(const struct store_entry *e)
{
	return (const char *)(entry_notes(e) + e->n_notes);
}

static const char *entry_json(const struct store_entry *e)
{
	return entry_text(e) + e->text_len;
}

const char *store_entry__json(const struct store_entry *e, size_t *len)
{
	*len = e->json_len;
	return entry_json(e);
}

static struct engine_frames entry_frames(const struct store_entry *e)
{
	struct engine_frames fs = {
		.buf = (const uint8_t *)e + e->frames_off,
		.len = e->frames_len,
		.count = e->frames_count,
	};

	return fs;
}

/* A classic pcap file has one linktype: is there one for these entries? */
static bool single_linktype(const struct store *s, uint64_t min_ns, uint16_t *lt)
{
	bool seen = false;

	*lt = LINKTYPE_ETHERNET;
	for (const struct store_entry *e = s->head; e; e = e->next) {
		struct engine_frames fs = entry_frames(e);
		struct frame f;
		size_t cur = 0;

		if (e->decided_ns < min_ns)
			continue;
		while (engine_frames__next(&fs, &cur, &f)) {
			if (seen && f.linktype != *lt)
				return false;
			*lt = f.linktype;
			seen = true;
		}
	}
	return true;
}

/* The JSON's "frame" numbers count the daemon's frames; in a dump they must name the dump's own
 * (base + position among the entry's frames), or null for a frame that was not kept. Only the
 * events' keys are named "frame": a string holding it would be escaped (\"frame\"). */
static void json_dump_frames(struct sbuf *out, const char *json, size_t len,
			     const uint64_t *numbers, uint32_t n, uint64_t base)
{
	static const char key[] = "\"frame\":";
	const char *p = json, *end = json + len, *k;

	while ((k = memmem(p, (size_t)(end - p), key, sizeof(key) - 1))) {
		const char *d = k + sizeof(key) - 1;
		uint64_t orig = 0, mapped = 0;

		sbuf__add(out, p, (size_t)(d - p));
		for (; d < end && *d >= '0' && *d <= '9'; d++)
			orig = orig * 10 + (uint64_t)(*d - '0');
		for (uint32_t i = 0; i < n && !mapped; i++)
			if (numbers[i] == orig)
				mapped = base + i + 1;
		if (mapped)
			sbuf__printf(out, "%llu", (unsigned long long)mapped);
		else
			sbuf__puts(out, "null");
		p = d;
	}
	sbuf__add(out, p, (size_t)(end - p));
}

static int dump_entry(const struct store_entry *e, struct pcap_out *w, struct sbuf *json)
{
	const struct store_note *notes = entry_notes(e);
	const char *text = entry_text(e);
	struct engine_frames fs = entry_frames(e);
	const char *comments[STORE_MAX_NOTES];
	uint64_t base = w->frames, *numbers;
	uint32_t n_frames = 0;
	struct frame f;
	size_t cur = 0;
	int err = 0;

	numbers = malloc(((size_t)e->frames_count + 1) * sizeof(*numbers));
	if (!numbers)
		return -ENOMEM;
	while (engine_frames__next(&fs, &cur, &f)) {
		int n = 0;

		for (uint32_t i = 0; i < e->n_notes; i++)
			if (notes[i].frame == f.number)
				comments[n++] = text + notes[i].off;
		err = pcap_out__frame(w, &f, comments, n);
		if (err)
			goto out;
		if (n_frames < e->frames_count)
			numbers[n_frames++] = f.number;
	}
	json_dump_frames(json, entry_json(e), e->json_len, numbers, n_frames, base);
	sbuf__putc(json, '\n');
	err = json->oom ? -ENOMEM : 0;
out:
	free(numbers);
	return err;
}

int store__dump(const struct store *s, uint64_t min_decided_ns, enum pcap_format fmt,
		struct sbuf *pcap, struct sbuf *json, struct store_dump_info *info)
{
	struct pcap_out w;
	uint16_t lt = LINKTYPE_ETHERNET;
	int err;

	memset(info, 0, sizeof(*info));
	if (fmt == PCAP_FMT_PCAP && !single_linktype(s, min_decided_ns, &lt))
		fmt = PCAP_FMT_PCAPNG;
	if (fmt == PCAP_FMT_PCAPNG)
		lt = 0;
	info->format = fmt;
	pcap_out__begin(&w, pcap, fmt, lt);
	for (const struct store_entry *e = s->head; e; e = e->next) {
		if (e->decided_ns < min_decided_ns)
			continue;
		err = dump_entry(e, &w, json);
		if (err)
			return err;
		info->handshakes++;
	}
	info->frames = w.frames;
	return pcap->oom || json->oom ? -ENOMEM : 0;
}

int store__save_files(const char *dir, uint64_t stamp_ns, const struct sbuf *pcap,
		      enum pcap_format fmt, bool gzip, const struct sbuf *json, char *pcap_path,
		      char *json_path, size_t size)
{
	time_t secs = (time_t)(stamp_ns / 1000000000ull);
	char stamp[32], sfx[8] = "";
	struct tm tm;
	int err = -EEXIST;

	if (!gmtime_r(&secs, &tm) || !strftime(stamp, sizeof(stamp), "%Y%m%dT%H%M%SZ", &tm))
		return -EINVAL;
	for (int i = 1; i <= STORE_MAX_NAME_TRIES && err == -EEXIST; i++) {
		if (i > 1)
			snprintf(sfx, sizeof(sfx), "-%d", i);
		if (snprintf(pcap_path, size, "%s/tlsmon-dump-%s%s.%s%s", dir, stamp, sfx,
			     pcap_out__format_name(fmt), gzip ? ".gz" : "") >= (int)size ||
		    snprintf(json_path, size, "%s/tlsmon-dump-%s%s.jsonl", dir, stamp, sfx) >=
			    (int)size)
			return -ENAMETOOLONG;
		err = pcap_out__save(pcap_path, pcap->buf ? pcap->buf : "", pcap->len, gzip);
		if (err)
			continue;
		err = pcap_out__save(json_path, json->buf ? json->buf : "", json->len, false);
		if (err)
			unlink(pcap_path);
	}
	return err;
}

int store__dump_to_dir(const struct store *s, const char *dir, enum pcap_format fmt, bool gzip,
		       uint64_t since_s, char *pcap_path, char *json_path, size_t size,
		       struct store_dump_info *info)
{
	struct sbuf pcap, json;
	struct timespec now;
	uint64_t now_ns, min_ns = 0;
	int err;

	clock_gettime(CLOCK_REALTIME, &now);
	now_ns = (uint64_t)now.tv_sec * 1000000000ull + (uint64_t)now.tv_nsec;
	if (since_s && since_s < now_ns / 1000000000ull)
		min_ns = now_ns - since_s * 1000000000ull;
	sbuf__init(&pcap);
	sbuf__init(&json);
	err = store__dump(s, min_ns, fmt, &pcap, &json, info);
	if (!err)
		err = store__save_files(dir, now_ns, &pcap, info->format, gzip, &json, pcap_path,
					json_path, size);
	sbuf__free(&pcap);
	sbuf__free(&json);
	return err;
}
