/* What bpf/tlslib.bpf.c hands userspace (user/host/tlslib_bpf.c): one TLS library's certificate
 * verification result, and the socket of the thread that did it. Fixed-width types, explicit
 * padding: the layout is an ABI between the two compilers. */
#ifndef TLSMON_TLSLIB_EVENT_H
#define TLSMON_TLSLIB_EVENT_H

#ifndef __VMLINUX_H__ /* the BPF side has the kernel's types already */
#include <linux/types.h>
#endif

#define TLSLIB_COMM_LEN 16
#define TLSLIB_UNKNOWN (-1) /* depth or verify mode the library did not reveal */

struct tlslib_event {
	__u64 ts_ns; /* CLOCK_MONOTONIC, when the socket was named */
	__u64 netns_cookie; /* 0 when the kernel has none: tells namespaces apart among verdicts */
	__u32 pid, tid;
	__s32 code; /* X509_V_ERR_*, 0 = X509_V_OK */
	__s32 depth; /* of the certificate the error concerns; TLSLIB_UNKNOWN */
	__s32 verify_ret; /* X509_verify_cert()'s return */
	__s32 verify_mode; /* SSL_VERIFY_* the process set last; TLSLIB_UNKNOWN */
	__u8 family; /* 4 or 6 */
	__u8 library; /* enum tlslib_family (user/host/tlslib_probes.h): the attach cookie's */
	__u16 sport, dport; /* host order; s* is the verifying (sending) socket */
	__u8 pad[2];
	__u8 saddr[16], daddr[16]; /* IPv4 in the first 4 bytes, rest zero */
	__u32 netns_ino; /* the socket's network namespace, as struct tlsmon_owner names it */
	char comm[TLSLIB_COMM_LEN];
	__u8 pad2[4];
};

#define TLSLIB_EVENT_SIZE 104

#endif
