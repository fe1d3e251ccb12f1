# Groups `perf report --no-children --sort sym --stdio` lines of the daemon into where live
# capture costs beyond the analysis: "PCT% [k] symbol" (kernel) or "PCT% [.] symbol" (user).
# daemon_only_work is what `tlsmon run` does per handshake and `tlsmon read` does not: the
# flagged-handshake store with its frames, endpoint tables, metrics, process attribution.
# Prints "GROUP PERCENT" lines, largest first.
$1 ~ /%$/ && ($2 == "[k]" || $2 == "[.]") {
	pct = $1 + 0
	sym = $3
	if ($2 == "[k]") {
		if (sym ~ /^bpf_prog_/ || sym ~ /xdp|veth/)
			g = "xdp_in_daemon_context"
		else if (sym ~ /htab|map_update|map_lookup|map_delete|bpf_map|__sys_bpf|bpf_obj|copy_from_bpfptr|bpf_check_uarg/)
			g = "map_syscalls"
		else if (sym ~ /poll|epoll|schedule|switch|finish_task|ttwu|wake|irq_work|ringbuf|hrtimer|futex|enqueue|dequeue|pick_next|update_curr|psi_|idle/)
			g = "wakeups_poll"
		else if (sym ~ /write|vfs_|ext4|tcp_|sock|fdget|fput|file/)
			g = "io_syscalls"
		else if (sym ~ /entry_SYSCALL|syscall|__x64_sys|exit_to_user|do_syscall|clear_bhb|entry_/)
			g = "syscall_entry"
		else
			g = "other_kernel"
	} else {
		if (sym ~ /ring_buffer|ringbuf/)
			g = "ring_read"
		else if (sym ~ /^0x|poll|epoll|syscall|__libc|write$|__GI_/)
			g = "libc_syscall_wrappers"
		else if (sym ~ /report__|json|sbuf|log_sink|text__escape/)
			g = "log_json"
		else if (sym ~ /^(retain__|store__|endpoints__|metrics__|owner_table__|attrib__|not_local__|tlslib_join__|on_handshake|on_facts|on_flow_done)/)
			g = "daemon_only_work"
		else
			g = "analysis"
	}
	sum[g] += pct
}
END {
	for (g in sum)
		printf "%s %.1f\n", g, sum[g] | "sort -k2 -gr"
}
