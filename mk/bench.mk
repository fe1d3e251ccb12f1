# `make bench` (root): kernel filter cost, host impact, capture completeness under load (real TCP
# and injected frames), offline rate against tshark/ssldump/OpenSSL, and memory; see
# bench/README.md. Included from the Makefile.

comma := ,
BENCH_DIR := $(BUILD)/bench
BENCH_SRCS := $(wildcard bench/*.c)
BENCH_BINS := $(patsubst bench/%.c,$(BENCH_DIR)/%,$(filter-out %.bpf.c,$(BENCH_SRCS)))

$(BENCH_DIR):
	$(Q)mkdir -p $@

$(BENCH_DIR)/empty.bpf.o: bench/empty.bpf.c | $(BENCH_DIR)
	$(call msg,BPF,$@)
	$(Q)$(CLANG) $(BPF_CFLAGS) -c $< -o $@

$(BENCH_DIR)/%: bench/%.c $(LIB) | $(BENCH_DIR)
	$(call msg,CC,$@)
	$(Q)$(CC) $(CFLAGS) $(LDFLAGS) $< $(LIB) $(LDLIBS) -o $@

.PHONY: bench-build
bench-build: all $(BENCH_BINS) $(BENCH_DIR)/empty.bpf.o

# BENCH=NAME[,NAME...] runs a subset: bpf_cost host_impact capture_load inject_load offline_rate
# memory attribution.
bench:
	$(Q)$(MAKE) --no-print-directory bench-build
	$(Q)BUILD=$(BUILD) bench/run.sh $(subst $(comma), ,$(BENCH))
