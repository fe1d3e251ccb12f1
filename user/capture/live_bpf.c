/* Live capture loader: skeleton lifecycle (open -> configure -> load -> attach), BPF-link-only
 * attachment, ring-buffer records -> struct frame, flow "done" marks and counter reads. */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <linux/ethtool.h>
#include <linux/if_link.h>
#include <linux/sockios.h>
#include <net/if.h>
#include <sys/ioctl.h>
#include <sys/socket.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "capture/live_bpf.h"
#include "capture/live_hint.h"
#include "capture/ringbuf.h"
#include "tlsmon.skel.h"
#include "util/err.h"
#include "util/pages.h"
#include "util/pow2.h"

/* enum bpf_attach_type values for TCX (include/uapi/linux/bpf.h, Linux 6.6+); Debian's 6.1 UAPI
 * headers predate them. */
#define LIVE_BPF_TCX_INGRESS 46
#define LIVE_BPF_TCX_EGRESS 47

#define MAX_QUERY_PROGS 64

struct live_iface {
	int ifindex;
	char name[IF_NAMESIZE];
	enum live_bpf_ingress mode;
	int link_in; /* XDP link or TCX ingress link */
	int link_out; /* TCX egress link */
};

struct live_bpf {
	struct tlsmon_bpf *skel;
	struct ringbuf *rb;
	live_bpf_frame_fn on_frame;
	void *ctx;
	int64_t mono_to_real_ns;
	uint64_t frames;
	uint64_t read_ms; /* CLOCK_MONOTONIC of the last live_bpf__consume() that read a record */
	int ncpus;
	size_t ctr_stride; /* per-CPU value size, rounded to 8 as the kernel lays them out */
	uint64_t *ctr_buf; /* ncpus values, read by live_bpf__read_counters() */
	int nifaces;
	struct live_iface ifaces[LIVE_BPF_MAX_IFACES];
	struct live_hint *hint; /* allocated at the first repair */
	uint8_t vlan_frame[TLSMON_REC_DATA_MAX + 4]; /* a record with its VLAN tag put back */
};

/* Drivers whose native XDP we prefer to TC ingress. Virtual devices (veth, bridge, tun, dummy,
 * lo, bonds, VLANs) get TC: native XDP on veth disables TSO/GRO on its peer, and virtio_net drops
 * its receive offloads (guest TSO/LRO) while an XDP program is attached. */
static const char *const xdp_native_drivers[] = {
	"i40e", "ice", "ixgbe", "ixgbevf", "igb", "igc", "mlx4_en", "mlx4_core", "mlx5_core",
	"bnxt_en", "ena", "nfp", "qede", "sfc", "stmmac", "st_gmac", "gve", "fec", "mvneta", "mvpp2",
};

static const char *const ingress_names[] = {
	[LIVE_BPF_INGRESS_AUTO] = "auto",
	[LIVE_BPF_INGRESS_XDP] = "xdp",
	[LIVE_BPF_INGRESS_XDP_GENERIC] = "xdp-generic",
	[LIVE_BPF_INGRESS_TC] = "tc",
	[LIVE_BPF_INGRESS_NONE] = "none",
};

static int silent_print(enum libbpf_print_level level, const char *fmt, va_list args)
{
	(void)level;
	(void)fmt;
	(void)args;
	return 0;
}

static int64_t ts_ns(const struct timespec *ts)
{
	return (int64_t)ts->tv_sec * 1000000000 + ts->tv_nsec;
}

static uint64_t mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/* bpf_ktime_get_ns() is CLOCK_MONOTONIC. Sample REALTIME between two MONOTONIC reads and keep the
 * tightest pair, so the offset is off by at most half that window. */
static int64_t mono_to_real_offset(void)
{
	struct timespec m1, r, m2;
	int64_t best = INT64_MAX, off = 0, d;
	int i;

	for (i = 0; i < 5; i++) {
		clock_gettime(CLOCK_MONOTONIC, &m1);
		clock_gettime(CLOCK_REALTIME, &r);
		clock_gettime(CLOCK_MONOTONIC, &m2);
		d = ts_ns(&m2) - ts_ns(&m1);
		if (d < best) {
			best = d;
			off = ts_ns(&r) - (ts_ns(&m1) + d / 2);
		}
	}
	return off;
}

static int on_record(void *ctx, void *data, size_t size)
{
	struct live_bpf *lb = ctx;
	struct tlsmon_rec_hdr h;
	struct frame f;

	if (size < sizeof(h))
		return 0;
	memcpy(&h, data, sizeof(h));
	if (h.cap_len > size - sizeof(h))
		return 0;
	memset(&f, 0, sizeof(f));
	f.ts_ns = (uint64_t)((int64_t)h.ktime_ns + lb->mono_to_real_ns);
	f.number = ++lb->frames;
	f.data = (const uint8_t *)data + sizeof(h);
	f.caplen = h.cap_len;
	f.wirelen = h.wire_len;
	if ((h.flags & TLSMON_REC_F_VLAN) && h.cap_len >= 12 && h.cap_len <= TLSMON_REC_DATA_MAX) {
		uint16_t tpid = h.flags & TLSMON_REC_F_VLAN_AD ? 0x88a8 : 0x8100;
		uint8_t *p = lb->vlan_frame;

		/* IEEE 802.1Q: the tag goes between the source MAC and the EtherType */
		memcpy(p, f.data, 12);
		p[12] = (uint8_t)(tpid >> 8);
		p[13] = (uint8_t)tpid;
		p[14] = (uint8_t)(h.vlan_tci >> 8);
		p[15] = (uint8_t)h.vlan_tci;
		memcpy(p + 16, f.data + 12, h.cap_len - 12);
		f.data = p;
		f.caplen += 4;
		f.wirelen += 4;
	}
	f.ifindex = h.ifindex;
	f.linktype = LINKTYPE_ETHERNET;
	f.direction = h.hook == TLSMON_HOOK_TC_EGRESS ? FRAME_DIR_EGRESS : FRAME_DIR_INGRESS;
	lb->on_frame(lb->ctx, &f);
	return 0;
}

static int configure(struct live_bpf *lb, const struct live_bpf_opts *o, char *err, size_t esz)
{
	struct tlsmon_bpf *skel = lb->skel;
	uint32_t snap = o->snaplen ? o->snaplen : TLSMON_DEFAULT_SNAPLEN;
	uint64_t rb = pow2__round_up(o->ringbuf_bytes ? o->ringbuf_bytes
						       : TLSMON_DEFAULT_RINGBUF_BYTES);
	uint16_t lo = 0xffff, hi = 0;
	size_t i;
	int e;

	for (i = 0; i < o->nports; i++) {
		if (!o->ports[i]) {
			err__set(err, esz, "port 0 cannot be monitored");
			return -EINVAL;
		}
		skel->bss->tlsmon_ports[o->ports[i] >> 6] |= 1ULL << (o->ports[i] & 63);
		lo = o->ports[i] < lo ? o->ports[i] : lo;
		hi = o->ports[i] > hi ? o->ports[i] : hi;
	}
	/* the programs' quick range test before the bitmap (bpf/maps.h) */
	skel->rodata->tlsmon_port_lo = lo;
	skel->rodata->tlsmon_port_span = (uint16_t)(hi - lo);
	if (snap > TLSMON_MAX_SNAPLEN)
		snap = TLSMON_MAX_SNAPLEN;
	skel->rodata->tlsmon_snaplen = snap;
	skel->rodata->tlsmon_budget = o->budget ? o->budget : TLSMON_DEFAULT_BUDGET;
	e = bpf_map__set_max_entries(skel->maps.tlsmon_flows,
				     o->max_flows ? o->max_flows : TLSMON_DEFAULT_MAX_FLOWS);
	if (!e)
		e = bpf_map__set_max_entries(skel->maps.tlsmon_halfopen,
					     o->max_flows ? o->max_flows : TLSMON_DEFAULT_MAX_FLOWS);
	if (rb < (uint64_t)sysconf(_SC_PAGESIZE))
		rb = (uint64_t)sysconf(_SC_PAGESIZE);
	if (rb > LIVE_BPF_RINGBUF_MAX)
		rb = LIVE_BPF_RINGBUF_MAX;
	if (!e)
		e = bpf_map__set_max_entries(skel->maps.tlsmon_events, (uint32_t)rb);
	skel->rodata->tlsmon_ring_wake_bytes = (uint32_t)(rb / 4);
	if (e) {
		err__set(err, esz, "configuring BPF maps failed: %s", strerror(-e));
		return e;
	}
	return 0;
}

/* Turn the kernel's refusal into something a user can act on. */
static int load_error(int e, char *err, size_t esz)
{
	if (e == -EPERM)
		err__set(err, esz, "permission denied loading BPF programs: run as root, or with "
				  "CAP_BPF, CAP_NET_ADMIN and CAP_PERFMON");
	else
		err__set(err, esz, "loading BPF programs failed: %s (run with verbose libbpf output "
				  "for the verifier log)", strerror(-e));
	return e;
}

struct live_bpf *live_bpf__open(const struct live_bpf_opts *opts, char *err, size_t err_size)
{
	struct live_bpf *lb;
	int e;

	if (!opts || !opts->ports || !opts->nports || !opts->on_frame) {
		err__set(err, err_size, "live capture needs ports and a frame callback");
		errno = EINVAL;
		return NULL;
	}
	if (!opts->verbose)
		libbpf_set_print(silent_print);
	/* A throwaway ring buffer tells missing privileges (EPERM) from a kernel without ring
	 * buffers (EINVAL) before libbpf's longer story. */
	e = bpf_map_create(BPF_MAP_TYPE_RINGBUF, NULL, 0, 0, (__u32)sysconf(_SC_PAGESIZE), NULL);
	if (e >= 0) {
		close(e);
	} else if (errno == EPERM) {
		load_error(-EPERM, err, err_size);
		errno = EPERM;
		return NULL;
	} else if (errno == EINVAL || errno == ENOTSUP || errno == EOPNOTSUPP) {
		err__set(err, err_size, "this kernel has no BPF ring buffer (Linux 5.8 or later needed)");
		errno = ENOTSUP;
		return NULL;
	}

	lb = calloc(1, sizeof(*lb));
	if (!lb) {
		err__set(err, err_size, "out of memory");
		errno = ENOMEM;
		return NULL;
	}
	lb->on_frame = opts->on_frame;
	lb->ctx = opts->ctx;

	lb->skel = tlsmon_bpf__open();
	if (!lb->skel) {
		e = -errno;
		err__set(err, err_size, "opening the BPF object failed: %s", strerror(errno));
		goto cleanup;
	}
	e = configure(lb, opts, err, err_size);
	if (e)
		goto cleanup;
	if (opts->hooks) {
		bpf_program__set_autoload(lb->skel->progs.tlsmon_xdp,
					  opts->hooks & 1u << TLSMON_HOOK_XDP);
		bpf_program__set_autoload(lb->skel->progs.tlsmon_tc_in,
					  opts->hooks & 1u << TLSMON_HOOK_TC_INGRESS);
		bpf_program__set_autoload(lb->skel->progs.tlsmon_tc_out,
					  opts->hooks & 1u << TLSMON_HOOK_TC_EGRESS);
	}
	e = tlsmon_bpf__load(lb->skel);
	if (e) {
		/* an old kernel refuses the ring buffer map itself */
		if (e == -EINVAL || e == -ENOTSUP || e == -EOPNOTSUPP)
			err__set(err, err_size, "loading BPF programs failed: %s (a kernel with BPF "
					       "ring buffer and XDP multi-buffer support, Linux 6.0+, "
					       "is needed)", strerror(-e));
		else
			load_error(e, err, err_size);
		goto cleanup;
	}
	/* the skeleton's copy of the object (400 KB of .rodata): read, not needed resident */
	pages__release_object(tlsmon_bpf__elf_bytes);
	lb->rb = ringbuf__new(bpf_map__fd(lb->skel->maps.tlsmon_events), on_record, lb);
	if (!lb->rb) {
		e = -errno;
		err__set(err, err_size, "creating the ring buffer consumer failed: %s", strerror(-e));
		goto cleanup;
	}
	lb->ncpus = libbpf_num_possible_cpus();
	if (lb->ncpus <= 0) {
		e = lb->ncpus ? lb->ncpus : -EINVAL;
		err__set(err, err_size, "cannot count CPUs: %s", strerror(-e));
		goto cleanup;
	}
	lb->ctr_stride = (bpf_map__value_size(lb->skel->maps.tlsmon_counters) + 7) & ~(size_t)7;
	lb->ctr_buf = calloc(lb->ncpus, lb->ctr_stride);
	if (!lb->ctr_buf) {
		e = -ENOMEM;
		err__set(err, err_size, "out of memory");
		goto cleanup;
	}
	lb->mono_to_real_ns = mono_to_real_offset();
	return lb;

cleanup:
	live_bpf__close(lb);
	errno = -e;
	return NULL;
}

static int prog_is_tlsmon(__u32 id)
{
	struct bpf_prog_info info;
	__u32 len = sizeof(info);
	int fd, ok;

	fd = bpf_prog_get_fd_by_id(id);
	if (fd < 0)
		return 0;
	memset(&info, 0, sizeof(info));
	ok = !bpf_obj_get_info_by_fd(fd, &info, &len) &&
	     !strncmp(info.name, TLSMON_PROG_PREFIX, strlen(TLSMON_PROG_PREFIX));
	close(fd);
	return ok;
}

/* Returns the id of a tlsmon program attached to ifindex (XDP in any mode, TCX either way), 0 if
 * none. Another process's links are visible here, our own earlier attach too. */
static __u32 find_tlsmon(int ifindex)
{
	static const int tcx[] = { LIVE_BPF_TCX_INGRESS, LIVE_BPF_TCX_EGRESS };
	LIBBPF_OPTS(bpf_xdp_query_opts, xq);
	__u32 ids[MAX_QUERY_PROGS];
	size_t t;
	__u32 i;

	if (!bpf_xdp_query(ifindex, 0, &xq)) {
		__u32 xdp_ids[] = { xq.drv_prog_id, xq.skb_prog_id, xq.hw_prog_id };

		for (i = 0; i < sizeof(xdp_ids) / sizeof(xdp_ids[0]); i++)
			if (xdp_ids[i] && prog_is_tlsmon(xdp_ids[i]))
				return xdp_ids[i];
	}
	for (t = 0; t < sizeof(tcx) / sizeof(tcx[0]); t++) {
		LIBBPF_OPTS(bpf_prog_query_opts, q, .prog_ids = ids, .prog_cnt = MAX_QUERY_PROGS);

		/* kernels before 6.6 answer EINVAL: no TCX, nothing of ours there */
		if (bpf_prog_query_opts(ifindex, (enum bpf_attach_type)tcx[t], &q))
			continue;
		for (i = 0; i < q.prog_cnt && i < MAX_QUERY_PROGS; i++)
			if (prog_is_tlsmon(ids[i]))
				return ids[i];
	}
	return 0;
}

static int iface_driver(const char *ifname, char *drv, size_t size)
{
	struct ethtool_drvinfo info;
	struct ifreq ifr;
	int fd, e = 0;

	fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	memset(&info, 0, sizeof(info));
	memset(&ifr, 0, sizeof(ifr));
	info.cmd = ETHTOOL_GDRVINFO;
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", ifname);
	ifr.ifr_data = (void *)&info;
	if (ioctl(fd, SIOCETHTOOL, &ifr) < 0)
		e = -errno;
	else
		snprintf(drv, size, "%.*s", (int)sizeof(info.driver), info.driver);
	close(fd);
	return e;
}

static int iface_is_loopback(const char *ifname)
{
	struct ifreq ifr;
	int fd, lo = 0;

	fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return 0;
	memset(&ifr, 0, sizeof(ifr));
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", ifname);
	if (ioctl(fd, SIOCGIFFLAGS, &ifr) == 0)
		lo = !!(ifr.ifr_flags & IFF_LOOPBACK);
	close(fd);
	return lo;
}

static enum live_bpf_ingress auto_mode(const char *ifname)
{
	char drv[64];
	size_t i;

	if (iface_driver(ifname, drv, sizeof(drv)))
		return LIVE_BPF_INGRESS_TC;
	for (i = 0; i < sizeof(xdp_native_drivers) / sizeof(xdp_native_drivers[0]); i++)
		if (!strcmp(drv, xdp_native_drivers[i]))
			return LIVE_BPF_INGRESS_XDP;
	return LIVE_BPF_INGRESS_TC;
}

struct live_bpf_ingress_plan live_bpf__plan_ingress(const char *ifname,
						    enum live_bpf_ingress mode)
{
	struct live_bpf_ingress_plan p = { .mode = mode };

	/* Every loopback packet leaves and comes back through the same device: egress alone sees
	 * each one once. */
	if (iface_is_loopback(ifname)) {
		p.mode = LIVE_BPF_INGRESS_NONE;
	} else if (mode == LIVE_BPF_INGRESS_AUTO) {
		p.mode = auto_mode(ifname);
		p.tc_fallback = p.mode == LIVE_BPF_INGRESS_XDP;
	}
	return p;
}

unsigned live_bpf__hooks_needed(const struct live_bpf_ingress_plan *plans, int n)
{
	unsigned hooks = 1u << TLSMON_HOOK_TC_EGRESS;

	for (int i = 0; i < n; i++) {
		switch (plans[i].mode) {
		case LIVE_BPF_INGRESS_XDP:
		case LIVE_BPF_INGRESS_XDP_GENERIC:
			hooks |= 1u << TLSMON_HOOK_XDP;
			if (plans[i].tc_fallback)
				hooks |= 1u << TLSMON_HOOK_TC_INGRESS;
			break;
		case LIVE_BPF_INGRESS_TC:
			hooks |= 1u << TLSMON_HOOK_TC_INGRESS;
			break;
		default: /* loopback: egress alone */
			break;
		}
	}
	return hooks;
}

static int attach_xdp(struct live_bpf *lb, struct live_iface *ifc, int generic, char *err,
		      size_t esz)
{
	LIBBPF_OPTS(bpf_link_create_opts, lo, .flags = generic ? XDP_FLAGS_SKB_MODE :
								  XDP_FLAGS_DRV_MODE);
	char drv[64] = "unknown driver";
	int fd, e;

	fd = bpf_link_create(bpf_program__fd(lb->skel->progs.tlsmon_xdp), ifc->ifindex, BPF_XDP, &lo);
	if (fd >= 0) {
		ifc->link_in = fd;
		return 0;
	}
	e = -errno;
	if (e == -EBUSY || e == -EEXIST)
		err__set(err, esz, "another XDP program is attached to %s; use --ingress tc",
			ifc->name);
	else if (!generic && (e == -EOPNOTSUPP || e == -ENOTSUP || e == -EINVAL)) {
		iface_driver(ifc->name, drv, sizeof(drv));
		err__set(err, esz, "%s (%s) has no native XDP: use --ingress xdp-generic or tc",
			ifc->name, drv);
	} else
		err__set(err, esz, "attaching XDP to %s failed: %s", ifc->name, strerror(-e));
	return e;
}

static int attach_tcx(struct bpf_program *prog, struct live_iface *ifc, int type, int *link,
		      char *err, size_t esz)
{
	int fd, e;

	fd = bpf_link_create(bpf_program__fd(prog), ifc->ifindex, (enum bpf_attach_type)type, NULL);
	if (fd >= 0) {
		*link = fd;
		return 0;
	}
	e = -errno;
	err__set(err, esz, "attaching TC %s to %s failed: %s%s",
		type == LIVE_BPF_TCX_INGRESS ? "ingress" : "egress", ifc->name, strerror(-e),
		e == -EINVAL ? " (TCX links need Linux 6.6 or later)" : "");
	return e;
}

static void detach_iface(struct live_iface *ifc)
{
	/* closing the only reference to a BPF link detaches it */
	if (ifc->link_out >= 0)
		close(ifc->link_out);
	if (ifc->link_in >= 0)
		close(ifc->link_in);
	ifc->link_out = ifc->link_in = -1;
}

int live_bpf__attach(struct live_bpf *lb, const char *ifname, struct live_bpf_ingress_plan plan,
		     char *err, size_t err_size)
{
	struct live_iface *ifc;
	__u32 id;
	int e, i;

	if (!lb || !ifname || strlen(ifname) >= IF_NAMESIZE || !*ifname) {
		err__set(err, err_size, "invalid interface name");
		return -EINVAL;
	}
	if (lb->nifaces >= LIVE_BPF_MAX_IFACES) {
		err__set(err, err_size, "too many interfaces (at most %d)", LIVE_BPF_MAX_IFACES);
		return -E2BIG;
	}
	ifc = &lb->ifaces[lb->nifaces];
	memset(ifc, 0, sizeof(*ifc));
	ifc->link_in = ifc->link_out = -1;
	snprintf(ifc->name, sizeof(ifc->name), "%s", ifname);
	ifc->ifindex = (int)if_nametoindex(ifname);
	if (!ifc->ifindex) {
		err__set(err, err_size, "no such interface: %s", ifname);
		return -ENODEV;
	}
	for (i = 0; i < lb->nifaces; i++) {
		if (lb->ifaces[i].ifindex == ifc->ifindex) {
			err__set(err, err_size, "%s is listed twice", ifname);
			return -EEXIST;
		}
	}
	id = find_tlsmon(ifc->ifindex);
	if (id) {
		err__set(err, err_size, "tlsmon is already attached to %s (program id %u)", ifname, id);
		return -EEXIST;
	}

	ifc->mode = plan.mode;
	if (ifc->mode == LIVE_BPF_INGRESS_AUTO) {
		err__set(err, err_size, "%s: ingress not planned (live_bpf__plan_ingress())", ifname);
		return -EINVAL;
	}
	if ((ifc->mode == LIVE_BPF_INGRESS_XDP || ifc->mode == LIVE_BPF_INGRESS_XDP_GENERIC) &&
	    live_bpf__prog_fd(lb, TLSMON_HOOK_XDP) < 0) {
		err__set(err, err_size, "%s: XDP planned but its program was not loaded", ifname);
		return -EINVAL;
	}
	if ((ifc->mode == LIVE_BPF_INGRESS_TC || plan.tc_fallback) &&
	    live_bpf__prog_fd(lb, TLSMON_HOOK_TC_INGRESS) < 0) {
		err__set(err, err_size, "%s: TC ingress planned but its program was not loaded",
			 ifname);
		return -EINVAL;
	}
	if (ifc->mode == LIVE_BPF_INGRESS_XDP || ifc->mode == LIVE_BPF_INGRESS_XDP_GENERIC) {
		e = attach_xdp(lb, ifc, ifc->mode == LIVE_BPF_INGRESS_XDP_GENERIC, err, err_size);
		/* AUTO never fails for want of XDP: TC ingress sees the same packets */
		if (e && plan.tc_fallback) {
			ifc->mode = LIVE_BPF_INGRESS_TC;
			e = 0;
		}
		if (e)
			goto cleanup;
	}
	if (ifc->mode == LIVE_BPF_INGRESS_TC) {
		e = attach_tcx(lb->skel->progs.tlsmon_tc_in, ifc, LIVE_BPF_TCX_INGRESS, &ifc->link_in,
			       err, err_size);
		if (e)
			goto cleanup;
	}
	e = attach_tcx(lb->skel->progs.tlsmon_tc_out, ifc, LIVE_BPF_TCX_EGRESS, &ifc->link_out, err,
		       err_size);
	if (e)
		goto cleanup;
	lb->nifaces++;
	return 0;

cleanup:
	detach_iface(ifc);
	return e;
}

int live_bpf__ingress_of(const struct live_bpf *lb, const char *ifname)
{
	int i;

	for (i = 0; i < lb->nifaces; i++)
		if (!strcmp(lb->ifaces[i].name, ifname))
			return lb->ifaces[i].mode;
	return -ENOENT;
}

int live_bpf__poll(struct live_bpf *lb, int timeout_ms)
{
	int n;

	/* NTP may slew the wall clock; resampling costs three vDSO calls */
	lb->mono_to_real_ns = mono_to_real_offset();
	n = ringbuf__poll(lb->rb, live_bpf__wait_ms(lb, timeout_ms));
	if (n > 0)
		lb->read_ms = mono_ms();
	return n == -EINTR ? 0 : n;
}

int live_bpf__fd(const struct live_bpf *lb)
{
	return ringbuf__epoll_fd(lb->rb);
}

int live_bpf__consume(struct live_bpf *lb)
{
	int n = ringbuf__consume(lb->rb);

	if (n > 0)
		lb->read_ms = mono_ms();
	return n;
}

/* The programs wake the reader for the first record after a quiet spell, then at most once per
 * TLSMON_RING_WAKE_NS (bpf/tlsmon.bpf.c ring_wake_flags()): a record written within that time of
 * a wake-up wakes nobody. That wake-up's record was read at read_ms or before, so turns every
 * LIVE_BPF_LINGER_STEP_MS until LIVE_BPF_LINGER_MS past read_ms, longer than the interval plus a
 * step, read every record such a window can hold, each within a step. */
#define LIVE_BPF_LINGER_STEP_MS 1
#define LIVE_BPF_LINGER_MS (TLSMON_RING_WAKE_NS / 1000000 + 2 * LIVE_BPF_LINGER_STEP_MS)

int live_bpf__wait_ms(const struct live_bpf *lb, int max_ms)
{
	if (lb->read_ms && mono_ms() - lb->read_ms < LIVE_BPF_LINGER_MS &&
	    (max_ms < 0 || max_ms > LIVE_BPF_LINGER_STEP_MS))
		return LIVE_BPF_LINGER_STEP_MS;
	return max_ms;
}

int live_bpf__lookup_flow(struct live_bpf *lb, const struct tlsmon_flow_key *key,
			  struct tlsmon_flow *out)
{
	struct tlsmon_flow_key k = *key;

	tlsmon_flow_key_normalize(&k);
	if (!bpf_map_lookup_elem(bpf_map__fd(lb->skel->maps.tlsmon_flows), &k, out))
		return 0;
	if (bpf_map_lookup_elem(bpf_map__fd(lb->skel->maps.tlsmon_halfopen), &k, out))
		return -errno;
	return 0;
}

int live_bpf__mark_done(struct live_bpf *lb, const struct tlsmon_flow_key *key)
{
	int fd = bpf_map__fd(lb->skel->maps.tlsmon_flows);
	struct tlsmon_flow_key k = *key;
	struct tlsmon_flow v;

	tlsmon_flow_key_normalize(&k);
	/* a flow that carried no payload yet is still in the half-open map */
	if (bpf_map_lookup_elem(fd, &k, &v)) {
		fd = bpf_map__fd(lb->skel->maps.tlsmon_halfopen);
		if (bpf_map_lookup_elem(fd, &k, &v))
			return -errno;
	}
	if (v.state == TLSMON_FLOW_DONE)
		return 0;
	v.state = TLSMON_FLOW_DONE;
	/* BPF_EXIST: if the kernel closed the flow meanwhile, do not bring it back */
	if (bpf_map_update_elem(fd, &k, &v, BPF_EXIST))
		return -errno;
	return 0;
}

/* .bss is mmapped by the skeleton: these read the programs' memory, no syscall. */
uint32_t live_bpf__flow_hint(const struct live_bpf *lb, const struct tlsmon_flow_key *key)
{
	return tlsmon_hint_tracking(__atomic_load_n(
		&lb->skel->bss->tlsmon_flow_hint[tlsmon_flow_hint_slot(key)], __ATOMIC_RELAXED));
}

uint32_t live_bpf__flow_hint_done(const struct live_bpf *lb, const struct tlsmon_flow_key *key)
{
	return tlsmon_hint_done(__atomic_load_n(
		&lb->skel->bss->tlsmon_flow_hint[tlsmon_flow_hint_slot(key)], __ATOMIC_RELAXED));
}

int live_bpf__hint_repair(struct live_bpf *lb)
{
	if (!lb->hint && !(lb->hint = live_hint__new()))
		return -ENOMEM;
	return live_hint__repair(lb->hint, (uint64_t *)lb->skel->bss->tlsmon_flow_hint,
				 bpf_map__fd(lb->skel->maps.tlsmon_halfopen),
				 bpf_map__fd(lb->skel->maps.tlsmon_flows));
}

int live_bpf__read_counters(struct live_bpf *lb, uint64_t out[TLSMON_CTR__COUNT])
{
	__u32 zero = 0;
	int cpu, i;

	memset(out, 0, sizeof(uint64_t) * TLSMON_CTR__COUNT);
	if (bpf_map_lookup_elem(bpf_map__fd(lb->skel->maps.tlsmon_counters), &zero, lb->ctr_buf))
		return -errno;
	for (cpu = 0; cpu < lb->ncpus; cpu++) {
		const uint64_t *v = (const uint64_t *)((const char *)lb->ctr_buf +
						       (size_t)cpu * lb->ctr_stride);

		for (i = 0; i < TLSMON_CTR__COUNT; i++)
			out[i] += v[i];
	}
	/* the seen and matched counts of the CPUs numbered below TLSMON_HOOK_COUNT_CPUS (bpf/maps.h) */
	for (cpu = 0; cpu < lb->ncpus && cpu < TLSMON_HOOK_COUNT_CPUS; cpu++) {
		const volatile __u64 *v =
			&lb->skel->bss->tlsmon_hook_counts[(size_t)cpu * TLSMON_HOOK_COUNT_STRIDE];

		for (i = TLSMON_CTR_SEEN_XDP; i <= TLSMON_CTR_MATCHED_TC_OUT; i++)
			out[i] += v[i];
	}
	return 0;
}

uint64_t live_bpf__ring_wrapped(const struct live_bpf *lb)
{
	return ringbuf__wrapped(lb->rb);
}

int live_bpf__prog_fd(const struct live_bpf *lb, int hook)
{
	switch (hook) {
	case TLSMON_HOOK_XDP:
		return bpf_program__fd(lb->skel->progs.tlsmon_xdp);
	case TLSMON_HOOK_TC_INGRESS:
		return bpf_program__fd(lb->skel->progs.tlsmon_tc_in);
	case TLSMON_HOOK_TC_EGRESS:
		return bpf_program__fd(lb->skel->progs.tlsmon_tc_out);
	}
	return -EINVAL;
}

/* A link stays open while we hold its fd, but the kernel detaches it when its device goes away
 * (or on BPF_LINK_DETACH) and then reports ifindex 0. struct bpf_link_info's xdp and tcx members
 * both start with ifindex at the same offset; Debian's libbpf 1.1 headers know only xdp. */
static int link_attached(int fd)
{
	struct bpf_link_info info;
	__u32 len = sizeof(info);

	memset(&info, 0, sizeof(info));
	if (fd < 0 || bpf_obj_get_info_by_fd(fd, &info, &len))
		return 0;
	return info.xdp.ifindex != 0;
}

int live_bpf__hooks(const struct live_bpf *lb, struct live_bpf_hook *out, int max)
{
	int n = 0;

	for (int i = 0; lb && i < lb->nifaces; i++) {
		const struct live_iface *ifc = &lb->ifaces[i];
		const int fds[2] = { ifc->link_in, ifc->link_out };

		for (int j = 0; j < 2 && n < max; j++) {
			if (j == 0 && ifc->mode == LIVE_BPF_INGRESS_NONE)
				continue; /* loopback: egress only */
			snprintf(out[n].ifname, sizeof(out[n].ifname), "%s", ifc->name);
			out[n].hook = j ? "tc_egress" :
				      ifc->mode == LIVE_BPF_INGRESS_TC ? "tc_ingress" : "xdp";
			out[n].attached = link_attached(fds[j]);
			n++;
		}
	}
	return n;
}

void live_bpf__close(struct live_bpf *lb)
{
	int i;

	if (!lb)
		return;
	for (i = 0; i < lb->nifaces; i++)
		detach_iface(&lb->ifaces[i]);
	ringbuf__free(lb->rb);
	tlsmon_bpf__destroy(lb->skel);
	free(lb->ctr_buf);
	live_hint__free(lb->hint);
	free(lb);
}

int live_bpf__parse_ingress(const char *s, enum live_bpf_ingress *out)
{
	size_t i;

	for (i = 0; i < sizeof(ingress_names) / sizeof(ingress_names[0]); i++) {
		if (!strcmp(s, ingress_names[i])) {
			*out = (enum live_bpf_ingress)i;
			return 0;
		}
	}
	return -EINVAL;
}

const char *live_bpf__ingress_name(enum live_bpf_ingress mode)
{
	if ((size_t)mode < sizeof(ingress_names) / sizeof(ingress_names[0]))
		return ingress_names[mode];
	return "?";
}
