/* Live capture, userspace side: loads bpf/tlsmon.bpf.c (embedded through its skeleton), attaches
 * it with BPF links only (XDP link or TCX ingress, TCX egress), so nothing stays attached when the
 * process dies, even by kill -9, and turns ring-buffer records into struct frame.
 *
 * Lifecycle: live_bpf__open() (configure + load) -> live_bpf__attach() per interface ->
 * live_bpf__poll() in a loop -> live_bpf__close() (detaches everything). Functions that can fail
 * in ways a user must act on write a one-line reason into err (no newline) and return -errno. */
#ifndef TLSMON_LIVE_BPF_H
#define TLSMON_LIVE_BPF_H

#include <stddef.h>
#include <stdint.h>

#include "capture/frame.h"
#include "tlsmon_shared.h"

#define LIVE_BPF_MAX_IFACES 64
/* Ring buffer bounds. The kernel wants a power-of-two multiple of the page size; a record is at
 * most TLSMON_SCRATCH_SIZE (32 KiB), so 64 KiB holds at least one whole frame record. */
#define LIVE_BPF_RINGBUF_MIN (64u << 10)
#define LIVE_BPF_RINGBUF_MAX (1u << 30)

enum live_bpf_ingress {
	LIVE_BPF_INGRESS_AUTO = 0, /* by driver: native XDP on NICs known to do it well, else TC */
	LIVE_BPF_INGRESS_XDP = 1, /* native (driver) XDP */
	LIVE_BPF_INGRESS_XDP_GENERIC = 2, /* XDP in the core stack (any device, slower) */
	LIVE_BPF_INGRESS_TC = 3, /* TCX ingress */
	LIVE_BPF_INGRESS_NONE = 4, /* chosen for loopback devices: egress sees every packet once */
};

/* How one interface's ingress is watched, decided once before the programs are loaded
 * (live_bpf__plan_ingress()), then used both to pick the programs to load
 * (live_bpf__hooks_needed()) and to attach (live_bpf__attach()): asking the driver twice could
 * answer differently and attach a program that was not loaded. */
struct live_bpf_ingress_plan {
	enum live_bpf_ingress mode; /* NONE (loopback), XDP, XDP_GENERIC or TC; never AUTO */
	bool tc_fallback; /* AUTO chose XDP: TC ingress when the driver refuses it */
};

typedef void (*live_bpf_frame_fn)(void *ctx, const struct frame *f);

struct live_bpf_opts {
	const uint16_t *ports; /* TCP ports to watch; at least one */
	size_t nports;
	uint32_t max_flows; /* kernel flow map entries; 0 = TLSMON_DEFAULT_MAX_FLOWS */
	uint32_t budget; /* bytes copied per flow direction; 0 = TLSMON_DEFAULT_BUDGET */
	uint32_t snaplen; /* bytes copied per frame; 0 = TLSMON_DEFAULT_SNAPLEN */
	/* Rounded up to a power of two, at least a page, at most LIVE_BPF_RINGBUF_MAX;
	 * 0 = TLSMON_DEFAULT_RINGBUF_BYTES. */
	uint32_t ringbuf_bytes;
	int verbose; /* let libbpf print (verifier log on load failure) */
	/* Programs to load, bit (1 << TLSMON_HOOK_*) each (live_bpf__hooks_needed()); 0 = all.
	 * Each costs its verification at every start: ~0.3 s of CPU. */
	unsigned hooks;
	live_bpf_frame_fn on_frame; /* f and its bytes are valid only during the call */
	void *ctx;
};

struct live_bpf;

/* Open the skeleton, apply opts, load. NULL on failure (errno set, err filled): missing
 * privileges, kernel without BPF ring buffer, verifier rejection. */
struct live_bpf *live_bpf__open(const struct live_bpf_opts *opts, char *err, size_t err_size);

/* The plan for ifname given the --ingress mode: loopback none (egress sees every packet once);
 * AUTO by driver (native XDP on NICs known to do it well, with TC as its fallback, else TC); an
 * explicit mode as given. An interface that cannot be looked at plans as AUTO's TC. */
struct live_bpf_ingress_plan live_bpf__plan_ingress(const char *ifname,
						    enum live_bpf_ingress mode);

/* The programs these plans attach (the hooks bits of struct live_bpf_opts): TC egress always;
 * XDP where planned; TC ingress where planned, and as AUTO's fallback from XDP. */
unsigned live_bpf__hooks_needed(const struct live_bpf_ingress_plan *plans, int n);

/* Attach ingress as planned and TC egress to one interface. Fails with -EEXIST when a tlsmon
 * program is already attached there, -ENODEV for a missing interface, -EINVAL for a plan whose
 * program was not loaded; on failure whatever this call attached is detached again. */
int live_bpf__attach(struct live_bpf *lb, const char *ifname, struct live_bpf_ingress_plan plan,
		     char *err, size_t err_size);

/* The ingress mode attach chose for ifname (after AUTO), or -ENOENT if not attached. */
int live_bpf__ingress_of(const struct live_bpf *lb, const char *ifname);

/* Deliver pending records through on_frame, waiting up to timeout_ms (-1: forever, 0: no wait)
 * for the first. Returns the number of records, 0 on timeout or signal, or -errno. */
int live_bpf__poll(struct live_bpf *lb, int timeout_ms);

/* A descriptor that polls readable when records are waiting (for the caller's poll loop). */
int live_bpf__fd(const struct live_bpf *lb);

/* Deliver what is already in the ring buffer without waiting. Returns the number of records or
 * -errno. */
int live_bpf__consume(struct live_bpf *lb);

/* How long a poll loop may wait on live_bpf__fd(), at most max_ms: a few ms while records
 * are flowing, because the programs do not wake the reader for every record (some are left for
 * its next turn: TLSMON_RING_WAKE_NS); max_ms once the ring has been quiet. */
int live_bpf__wait_ms(const struct live_bpf *lb, int max_ms);

/* Tell the kernel to stop copying a flow's application data (FIN/RST are still copied). The key
 * may be in either order (its pad and unused address bytes zero, as flow_key__from_pkt() makes
 * it); it is normalised here. Returns 0, or -ENOENT if the kernel does not track the flow (never
 * did, or closed/evicted). */
int live_bpf__mark_done(struct live_bpf *lb, const struct tlsmon_flow_key *key);

/* The kernel's entry for a flow (either key order), for tests and debugging. */
int live_bpf__lookup_flow(struct live_bpf *lb, const struct tlsmon_flow_key *key,
			  struct tlsmon_flow *out);

/* The count in the flow hint slot of a key (either order): how many tracking flows the programs
 * believe hash there. For tests and debugging. */
uint32_t live_bpf__flow_hint(const struct live_bpf *lb, const struct tlsmon_flow_key *key);

/* The done count in the same slot: how many done flows the programs believe hash there. */
uint32_t live_bpf__flow_hint_done(const struct live_bpf *lb, const struct tlsmon_flow_key *key);

/* Lower the flow hint counts that LRU-evicted entries left behind (user/capture/live_hint.c). Call it
 * from the thread that calls live_bpf__mark_done(). Returns the slots lowered, or -errno. */
int live_bpf__hint_repair(struct live_bpf *lb);

/* Sum the per-CPU counters (indexed by enum tlsmon_counter, names in tlsmon_counters.h). */
int live_bpf__read_counters(struct live_bpf *lb, uint64_t out[TLSMON_CTR__COUNT]);

/* Program fd for a hook (enum tlsmon_hook): for BPF_PROG_TEST_RUN in tests. */
int live_bpf__prog_fd(const struct live_bpf *lb, int hook);

/* Records that wrapped past the end of the frame ring and were copied (capture/ringbuf.h):
 * for tests. */
uint64_t live_bpf__ring_wrapped(const struct live_bpf *lb);

/* One hook attach made on an interface, and whether the kernel still has it attached. */
struct live_bpf_hook {
	char ifname[16]; /* IF_NAMESIZE, as given to live_bpf__attach() */
	const char *hook; /* "xdp", "tc_ingress" or "tc_egress", as the kernel counters say */
	int attached; /* 1, or 0 once its interface is deleted or its link detached */
};

/* The hooks of every attached interface, in attach order (ingress, then egress), at most max;
 * returns how many. Asks the kernel about each link, so a deleted interface or a link detached
 * from outside (`bpftool link detach`) shows as 0. */
int live_bpf__hooks(const struct live_bpf *lb, struct live_bpf_hook *out, int max);

/* Detach every interface, free everything. NULL is fine. */
void live_bpf__close(struct live_bpf *lb);

/* "auto", "xdp", "xdp-generic", "tc" <-> enum live_bpf_ingress. parse returns -EINVAL when
 * unknown. */
int live_bpf__parse_ingress(const char *s, enum live_bpf_ingress *out);
const char *live_bpf__ingress_name(enum live_bpf_ingress mode);

#endif
