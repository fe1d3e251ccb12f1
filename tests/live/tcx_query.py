#!/usr/bin/env python3
"""Print the BPF programs attached to an interface's TCX hooks (needs root).

Usage: tcx_query.py IFACE   (run inside the interface's network namespace)

Prints two lines, "ingress ID..." and "egress ID..." (program ids, possibly none). TCX links are
invisible to `tc filter show`, and bpftool before v7.3 cannot list them per device, so the live
tests ask the kernel directly with BPF_PROG_QUERY. Exit 1 if the query fails (e.g. a kernel
before 6.6 has no TCX: EINVAL).
"""
import ctypes
import os
import platform
import socket
import struct
import sys

BPF_PROG_QUERY = 16
# enum bpf_attach_type in include/uapi/linux/bpf.h
BPF_TCX_INGRESS = 46
BPF_TCX_EGRESS = 47
NR_BPF = {"x86_64": 321, "aarch64": 280, "riscv64": 280, "s390x": 351, "ppc64le": 361}
MAX_IDS = 64


def query(libc, nr, ifindex, attach_type):
    ids = (ctypes.c_uint32 * MAX_IDS)()
    # union bpf_attr, the BPF_PROG_QUERY member (6.6+): target_ifindex, attach_type,
    # query_flags, attach_flags, prog_ids, prog_cnt, pad, prog_attach_flags, link_ids,
    # link_attach_flags, revision.
    attr = ctypes.create_string_buffer(
        struct.pack("=IIIIQIIQQQQ", ifindex, attach_type, 0, 0, ctypes.addressof(ids),
                    MAX_IDS, 0, 0, 0, 0, 0))
    if libc.syscall(nr, BPF_PROG_QUERY, attr, len(attr.raw) - 1) != 0:
        err = ctypes.get_errno()
        raise OSError(err, os.strerror(err))
    cnt = struct.unpack_from("=I", attr.raw, 24)[0]
    return [ids[i] for i in range(min(cnt, MAX_IDS))]


def main():
    if len(sys.argv) != 2:
        sys.exit("usage: tcx_query.py IFACE")
    nr = NR_BPF.get(platform.machine())
    if nr is None:
        sys.exit("tcx_query: unknown bpf syscall number on " + platform.machine())
    try:
        ifindex = socket.if_nametoindex(sys.argv[1])
    except OSError as e:
        sys.exit("tcx_query: %s: %s" % (sys.argv[1], e))
    libc = ctypes.CDLL(None, use_errno=True)
    for name, t in (("ingress", BPF_TCX_INGRESS), ("egress", BPF_TCX_EGRESS)):
        try:
            ids = query(libc, nr, ifindex, t)
        except OSError as e:
            sys.exit("tcx_query: %s %s: %s" % (sys.argv[1], name, e))
        print(" ".join([name] + [str(i) for i in ids]))


if __name__ == "__main__":
    main()
