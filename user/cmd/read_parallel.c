// SPDX-License-Identifier: GPL-2.0
/* `tlsmon read -j N` (read_parallel.h): the main thread reads each file and deals its frames to
 * N workers over SPSC rings, by flow (net/shard.h); each worker owns an engine (flow table,
 * reassembly, x509 cache: nothing locked per frame; only the memo of full chains for resumed
 * handshakes is shared, each worker queueing its notes without a lock) and renders its JSON
 * lines into its own buffer. Lines reach the output a block at a time under one lock, so each
 * flow's lines keep their order; with --sort ts they are all held and written at the end in
 * start-time order, which does not depend on how many workers there were. */
#include "cmd/read_parallel.h"

#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "capture/frame.h"
#include "capture/pcap_in.h"
#include "cmd/cmd.h"
#include "cmd/not_local.h"
#include "net/shard.h"
#include "net/shard_frags.h"
#include "out/report.h"
#include "util/sbuf.h"
#include "util/spsc_ring.h"
#include "verdict/resume_memo_shared.h"

/* Per worker: 1 MiB holds about 20,000 frames in flight (their headers; the bytes stay in the
 * file pcap_in holds). */
#define RING_BYTES (1u << 20)
/* Lines are written about this much at a time (as the one-worker path does). A worker that
 * finds another writing goes on with its lines rather than wait, up to OUT_BLOCK_MAX: waiting on
 * the lock put both workers to sleep thousands of times a run (futex, about 0.2 s of a 0.5 s
 * run of 100,000 handshakes on the idle 2-core VM). */
#define OUT_BLOCK (64 * 1024)
#define OUT_BLOCK_MAX (1024 * 1024)
/* The file's pages behind every worker are let go every this many bytes read (release_behind()). */
#define RELEASE_STEP (16u << 20)
/* Offsets waiting for the workers to pass them: the workers lag the reader by what their rings
 * hold (a few MB of file), so a few are enough; when none is free a step waits for the next. */
#define RELEASE_MARKS 16
/* Frames a worker keeps loading ahead of the one it feeds (prefetch_ahead()). */
#define PREFETCH_FRAMES 4

/* A frame_hdr's tag in a ring. */
enum rec_kind {
	REC_FRAME = 0,
	REC_END = 1, /* end of the file: finish the engine and flush */
	REC_FRAME_REF = 2, /* a TCP frame and its flow (engine__feed_ref()) */
};

/* A frame in a ring. Its bytes stay in the file pcap_in holds until every worker is done. */
struct rec_frame {
	const uint8_t *data;
	struct frame_hdr h; /* tag: enum rec_kind */
};

/* A TCP frame with its flow as the reader found it to pick the worker: the normalised key, the
 * side that sent it and the key's hash, which the worker's engine takes instead of making them
 * again (engine__feed_ref()); the hash also says where the flow table keeps the flow, for a
 * prefetch a few frames ahead. */
struct rec_frame_ref {
	struct rec_frame f; /* tag REC_FRAME_REF */
	struct flow_ref ref;
};

/* One held line of --sort ts: where it is in its worker's buffer, and its start time. */
struct line_ref {
	uint64_t start_ts_ns;
	const char *line; /* set once every worker is done (buffers stop moving) */
	size_t off;
	uint32_t len;
	uint32_t worker;
};

struct par;

/* What a worker keeps across files: its output and, with --sort ts, the index of its lines. */
struct worker {
	struct par *par;
	uint32_t id;
	pthread_t tid;
	struct spsc_ring ring;
	struct engine *e;
	struct not_local *nl;
	/* Frames numbered below it are done (published before the frame is fed): the resume
	 * memo's frontier. */
	_Atomic uint64_t at_seq;
	struct sbuf out;
	struct line_ref *refs;
	size_t n_refs, cap_refs;
	bool oom;
};

struct par {
	const struct read_parallel_opts *o;
	/* IP fragments to their flow's worker. A reordered fragment waits for its first one there,
	 * so it is dealt after frames numbered above it: the resume memo's frontier may then pass
	 * it, which matters only if that datagram completes a full handshake whose chain a
	 * resumed handshake of another worker names at that moment. */
	struct shard_frags *frags;
	/* Picks each flow's worker, and the workers' flow tables hash with it: the hash the reader
	 * computes to deal a frame is the one its worker's table looks the flow up by. */
	struct flow_hash_key hash_key;
	pthread_mutex_t out_lock;
	struct worker w[READ_MAX_WORKERS];
};

/* Write w's lines; unless wait, only when no other worker is writing. */
static void write_block(struct worker *w, bool wait)
{
	if (!w->out.len)
		return;
	if (wait)
		pthread_mutex_lock(&w->par->out_lock);
	else if (pthread_mutex_trylock(&w->par->out_lock))
		return;
	fwrite(w->out.buf, 1, w->out.len, w->par->o->out);
	pthread_mutex_unlock(&w->par->out_lock);
	sbuf__reset(&w->out);
}

static void hold_line(struct worker *w, uint64_t start_ts_ns, size_t off)
{
	if (w->n_refs == w->cap_refs) {
		size_t cap = w->cap_refs ? w->cap_refs * 2 : 1024;
		struct line_ref *n = realloc(w->refs, cap * sizeof(*n));

		if (!n) {
			w->oom = true;
			return;
		}
		w->refs = n;
		w->cap_refs = cap;
	}
	w->refs[w->n_refs++] = (struct line_ref){
		.start_ts_ns = start_ts_ns,
		.off = off,
		.len = (uint32_t)(w->out.len - off),
		.worker = w->id,
	};
}

static void on_handshake(void *ctx, struct handshake *hs, const struct tlsmon_flow_key *key,
			 const struct engine_frames *frames)
{
	struct worker *w = ctx;
	size_t off = w->out.len;

	(void)key;
	(void)frames;
	not_local__judge(w->nl, hs);
	if (w->par->o->flagged_only && !hs__flagged(hs))
		return;
	report__json(&w->out, hs);
	sbuf__putc(&w->out, '\n');
	if (w->out.oom)
		w->oom = true;
	if (w->par->o->sort_ts)
		hold_line(w, hs->start_ts_ns, off);
	else if (w->out.len >= OUT_BLOCK)
		write_block(w, w->out.len >= OUT_BLOCK_MAX);
}

/* Start loading the bytes of the frames after the one about to be fed. They were last touched
 * by the reader on another core long before (the ring holds thousands of frames), so the first
 * touch (the checksum) waited on memory: sum16 took 6.0 % of -j 2's samples against 3.5 % of
 * -j 1's, whose reader prefetches just ahead of itself (pcap_in.c). The same for the rest of
 * each record, and for the flow table's bucket of the frame's flow, whose hash the record
 * carries: the bucket load was a third of the lookup's samples. */
struct lookahead {
	uint64_t pos; /* ring position of the next frame to prefetch */
	unsigned frames; /* frames prefetched and not yet fed */
};

static void prefetch_ahead(struct worker *w, struct lookahead *la)
{
	const struct rec_frame *r;
	uint32_t len;

	while (la->frames < PREFETCH_FRAMES) {
		r = spsc_ring__peek_ahead(&w->ring, &la->pos, &len);
		if (!r)
			return;
		la->frames++;
		for (uint32_t off = 64; off < len; off += 64)
			__builtin_prefetch((const uint8_t *)r + off);
		if (r->h.tag == REC_END)
			continue;
		if (r->h.tag == REC_FRAME_REF)
			engine__prefetch_flow(w->e, &((const struct rec_frame_ref *)r)->ref);
		for (uint32_t off = 0; off < r->h.caplen; off += 64)
			__builtin_prefetch(r->data + off);
	}
}

static void *worker_main(void *arg)
{
	struct worker *w = arg;
	unsigned spins = 0;
	struct lookahead ahead = { 0 };

	for (;;) {
		const struct rec_frame *r;
		struct frame fr;
		uint32_t len;

		prefetch_ahead(w, &ahead);
		r = spsc_ring__peek(&w->ring, &len);
		if (!r) {
			spsc_ring__backoff(&spins);
			continue;
		}
		spins = 0;
		atomic_store_explicit(&w->at_seq, r->h.tag == REC_END ? UINT64_MAX : r->h.number,
				      memory_order_release);
		if (r->h.tag == REC_END) {
			spsc_ring__release(&w->ring);
			break;
		}
		fr = frame_hdr__frame(&r->h, r->data);
		if (r->h.tag == REC_FRAME_REF)
			engine__feed_ref(w->e, &fr, &((const struct rec_frame_ref *)r)->ref);
		else
			engine__feed(w->e, &fr);
		spsc_ring__release(&w->ring);
		if (ahead.frames)
			ahead.frames--;
	}
	engine__finish(w->e);
	if (!w->par->o->sort_ts)
		write_block(w, true);
	return NULL;
}

/* The lowest frame number some worker has not finished: a worker's current frame, or none
 * when its ring is empty (the frames before any frame a worker holds were all dealt before it). */
static uint64_t frontier(void *ctx)
{
	struct par *par = ctx;
	uint64_t low = UINT64_MAX;

	for (uint32_t i = 0; i < par->o->workers; i++) {
		struct worker *w = &par->w[i];
		uint64_t tail = atomic_load_explicit(&w->ring.tail, memory_order_acquire);
		uint64_t head = atomic_load_explicit(&w->ring.head, memory_order_acquire);
		uint64_t at = atomic_load_explicit(&w->at_seq, memory_order_acquire);

		if (head != tail && at < low)
			low = at;
	}
	return low;
}

/* Room for a record of len bytes in worker w's ring, waiting while it is full; the record goes
 * to the worker at spsc_ring__commit(). */
static void *reserve(struct worker *w, uint32_t len)
{
	unsigned spins = 0;
	void *p;

	while (!(p = spsc_ring__reserve(&w->ring, len)))
		spsc_ring__backoff(&spins);
	return p;
}

static void push(struct worker *w, const struct rec_frame *r)
{
	memcpy(reserve(w, sizeof(*r)), r, sizeof(*r));
	spsc_ring__commit(&w->ring);
}

/* Fragments held for their first one, now that it came (or the file ended). */
static void deal_released(struct par *par)
{
	struct frame fr;
	uint32_t w;

	while (shard_frags__released(par->frags, &fr, &w))
		push(&par->w[w], &(struct rec_frame){ .data = fr.data,
						       .h = frame_hdr__of(&fr, REC_FRAME) });
}

/* fr to its worker: a TCP frame by its flow's hash, with its flow; the others through
 * shard_frags (an IP fragment goes where its datagram's first fragment went, or is held until
 * that one comes; anything else to worker 0). The record is written where the worker reads it:
 * one built aside and copied in was read back across the narrower stores that wrote it (no
 * store forwarding; the loop's own samples fell from 236 to 117 of about 2,000 of the reading
 * thread's, perf of -j 2 on the mix). The flow is found once (shard__frame_flow()), in words
 * that shard__flow_ref() writes into the record field by field. */
static void deal(struct par *par, const struct frame *fr)
{
	struct rec_frame_ref *r;
	struct shard_flow sf;
	int w;

	if (shard__frame_flow(&par->hash_key, fr, &sf)) {
		w = (int)shard__of_hash(sf.hash, par->o->workers);
		r = reserve(&par->w[w], sizeof(*r));
		r->f.data = fr->data;
		r->f.h = frame_hdr__of(fr, REC_FRAME_REF);
		shard__flow_ref(&sf, &r->ref);
		spsc_ring__commit(&par->w[w].ring);
		return;
	}
	w = shard_frags__deal(par->frags, fr, par->o->workers);
	deal_released(par);
	if (w >= 0)
		push(&par->w[w], &(struct rec_frame){ .data = fr->data,
						      .h = frame_hdr__of(fr, REC_FRAME) });
}

/* Points of the file the workers have yet to pass: mark i's frames (numbered below number[i])
 * all lie before off[i]. */
struct release_marks {
	uint64_t number[RELEASE_MARKS];
	size_t off[RELEASE_MARKS];
	unsigned first, n;
	size_t next_at; /* the offset at which the next mark is taken */
};

/* Let go of the file's pages behind every worker (pcap_in__release_before()), as the reading
 * goes: unmapping a large file at the end was about 10 ms alone on one core after the workers
 * were done (420 MB, 100,000 handshakes: 3 to 4 % of -j 2's wall time); here it overlaps the
 * analysis. Called after each frame dealt, number the next frame's; looks at the workers only
 * every RELEASE_STEP bytes. */
static void release_behind(struct par *par, struct pcap_in *in, struct release_marks *m,
			   uint64_t number)
{
	size_t at = pcap_in__offset(in);
	uint64_t done;

	if (at < m->next_at)
		return;
	m->next_at = at + RELEASE_STEP;
	done = frontier(par);
	while (m->n && m->number[m->first] <= done) {
		pcap_in__release_before(in, m->off[m->first]);
		m->first = (m->first + 1) % RELEASE_MARKS;
		m->n--;
	}
	if (m->n < RELEASE_MARKS) {
		unsigned i = (m->first + m->n++) % RELEASE_MARKS;

		m->number[i] = number;
		m->off[i] = at;
	}
}

static struct pcap_in *open_input(const char *path)
{
	struct pcap_in *in;
	int err = 0;

	/* "-" is stdin, as in the one-worker path */
	in = strcmp(path, "-") ? pcap_in__open(path, &err) : pcap_in__open_fd(0, &err);
	if (!in)
		fprintf(stderr, "tlsmon: %s: %s\n", path,
			err == -EINVAL	  ? "not a pcap or pcapng file" :
			err == -EBADMSG ? "corrupt or truncated gzip data" :
					  strerror(err ? -err : EINVAL));
	return in;
}

/* One file through fresh engines on n threads. Returns 0, or -errno. */
static int read_one(struct par *par, const char *path)
{
	const struct read_parallel_opts *o = par->o;
	struct engine_opts eo = *o->engine;
	uint32_t n = o->workers, started = 0;
	struct pcap_in *in;
	struct frame fr = { 0 };
	struct release_marks marks = { .next_at = RELEASE_STEP };
	int rc = 0, ret = 0;

	in = open_input(path);
	if (!in)
		return -EINVAL;
	/* The flow limit bounds memory: it is shared out, not multiplied. */
	eo.max_flows = (eo.max_flows ? eo.max_flows : 65536) / n;
	if (!eo.max_flows)
		eo.max_flows = 1;
	/* --reasm-bytes bounds the process, not each worker */
	if (eo.max_reasm_bytes)
		eo.max_reasm_bytes = eo.max_reasm_bytes / n ? eo.max_reasm_bytes / n : 1;
	eo.on_handshake = on_handshake;
	eo.flow_hash_key = &par->hash_key;
	/* The trust store's verification cache is not shared between threads: each worker's
	 * engine loads its own (from eo.trust_store, on first use). */
	eo.trust = NULL;
	/* One memo for all workers, as one engine has: a client's resumed handshake may be on
	 * another worker than its full one. */
	eo.shared_resume_memo = resume_memo_shared__new(eo.resume_memo_entries, n, frontier, par);
	if (!eo.shared_resume_memo) {
		fprintf(stderr, "tlsmon: out of memory\n");
		pcap_in__close(in);
		return -ENOMEM;
	}
	for (uint32_t i = 0; i < n; i++) {
		struct worker *w = &par->w[i];

		eo.ctx = w;
		eo.resume_memo_caller = i;
		/* before any frame of this file: the last file's end left it at UINT64_MAX, which
		 * frontier() would take for a worker past the frames waiting in its ring */
		atomic_store_explicit(&w->at_seq, 0, memory_order_relaxed);
		w->e = engine__new(&eo);
		if (!w->e || pthread_create(&w->tid, NULL, worker_main, w)) {
			fprintf(stderr, "tlsmon: out of memory\n");
			engine__free(w->e);
			w->e = NULL;
			ret = -ENOMEM;
			break;
		}
		started++;
	}
	while (!ret && (rc = pcap_in__next(in, &fr)) > 0) {
		deal(par, &fr);
		release_behind(par, in, &marks, fr.number + 1);
	}
	shard_frags__flush(par->frags);
	deal_released(par);
	for (uint32_t i = 0; i < started; i++) {
		struct rec_frame end = { .h.tag = REC_END };

		push(&par->w[i], &end);
	}
	for (uint32_t i = 0; i < started; i++) {
		struct worker *w = &par->w[i];

		pthread_join(w->tid, NULL);
		if (o->stats) {
			struct pipeline_stats ps = cmd__pipeline_stats(w->e);
			char label[4096];

			snprintf(label, sizeof(label), "%s [worker %u/%u]", path, i + 1, n);
			cmd__print_engine_stats(stderr, label, &ps);
		}
		engine__free(w->e);
		w->e = NULL;
	}
	if (rc < 0)
		fprintf(stderr, "tlsmon: %s: corrupt capture after frame %llu; the rest is skipped\n",
			path, (unsigned long long)fr.number);
	resume_memo_shared__free(eo.shared_resume_memo); /* after the engines that used it */
	pcap_in__close(in);
	return ret ? ret : rc < 0 ? rc : 0;
}

static int ref_cmp(const void *a, const void *b)
{
	const struct line_ref *x = a, *y = b;
	uint32_t n = x->len < y->len ? x->len : y->len;
	int c;

	if (x->start_ts_ns != y->start_ts_ns)
		return x->start_ts_ns < y->start_ts_ns ? -1 : 1;
	/* Equal times: by the bytes, so the order is one whatever worker held the line. */
	c = memcmp(x->line, y->line, n);
	if (c)
		return c;
	return x->len < y->len ? -1 : x->len > y->len;
}

static int write_sorted(struct par *par)
{
	const struct read_parallel_opts *o = par->o;
	struct line_ref *all;
	size_t total = 0, k = 0;

	for (uint32_t i = 0; i < o->workers; i++)
		total += par->w[i].n_refs;
	all = malloc((total ? total : 1) * sizeof(*all));
	if (!all)
		return -ENOMEM;
	for (uint32_t i = 0; i < o->workers; i++)
		for (size_t j = 0; j < par->w[i].n_refs; j++) {
			all[k] = par->w[i].refs[j];
			all[k].line = par->w[i].out.buf + all[k].off;
			k++;
		}
	qsort(all, total, sizeof(*all), ref_cmp);
	for (size_t j = 0; j < total; j++)
		fwrite(all[j].line, 1, all[j].len, o->out);
	free(all);
	return 0;
}

int read_parallel(const struct read_parallel_opts *o, char *const *files, int n_files)
{
	struct par *par = calloc(1, sizeof(*par));
	int status = 0;
	char err[256];

	if (!par) {
		fprintf(stderr, "tlsmon: out of memory\n");
		return 1;
	}
	par->o = o;
	pthread_mutex_init(&par->out_lock, NULL);
	/* the frames point into the file pcap_in holds: nothing to copy */
	flow_hash_key__init(&par->hash_key);
	par->frags = shard_frags__new(false, &par->hash_key);
	if (!par->frags) {
		fprintf(stderr, "tlsmon: out of memory\n");
		free(par);
		return 1;
	}
	for (uint32_t i = 0; i < o->workers; i++) {
		struct worker *w = &par->w[i];

		w->par = par;
		w->id = i;
		sbuf__init(&w->out);
		if (spsc_ring__init(&w->ring, RING_BYTES)) {
			fprintf(stderr, "tlsmon: out of memory\n");
			status = 1;
			goto cleanup;
		}
		if (o->n_local_nets) {
			w->nl = not_local__new(NOT_LOCAL_MARK, false, o->local_nets, o->n_local_nets,
					       err, sizeof(err));
			if (!w->nl) {
				fprintf(stderr, "tlsmon: %s\n", err);
				status = 1;
				goto cleanup;
			}
		}
	}
	for (int f = 0; f < n_files; f++) {
		int rc = read_one(par, files[f]);

		if (rc)
			status = 1;
		if (rc == -ENOMEM)
			goto cleanup;
	}
	for (uint32_t i = 0; i < o->workers; i++)
		if (par->w[i].oom) {
			fprintf(stderr, "tlsmon: out of memory: output lines lost\n");
			status = 1;
			break;
		}
	if (o->sort_ts && write_sorted(par)) {
		fprintf(stderr, "tlsmon: out of memory\n");
		status = 1;
	}
	fflush(o->out);
cleanup:
	for (uint32_t i = 0; i < o->workers; i++) {
		struct worker *w = &par->w[i];

		spsc_ring__fini(&w->ring);
		not_local__free(w->nl);
		sbuf__free(&w->out);
		free(w->refs);
	}
	pthread_mutex_destroy(&par->out_lock);
	shard_frags__free(par->frags);
	free(par);
	return status;
}
