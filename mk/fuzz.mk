# Fuzzing (included at the end of the Makefile).
#   make fuzz-build                 every libFuzzer target into build-fuzz/
#   make fuzz [FUZZ_SECONDS=60]     build, then run each target for FUZZ_SECONDS on a scratch copy
#                                   of its corpus; fails if any target crashes
#   FUZZ_TARGETS="json x509"        only these targets; FUZZ_JOBS=2 runs two at a time
# The same targets are also linked with a plain main() (tests/fuzz/replay.c) into
# $(BUILD)/fuzz-replay/, with the normal or SAN=1 flags, so tests/offline/fuzz_regress.sh can replay
# tests/fuzz/corpus and tests/fuzz/regress without libFuzzer.

FUZZ_CLANG ?= clang
FUZZ_BUILD := build-fuzz
FUZZ_SECONDS ?= 60
FUZZ_JOBS ?= 1
FUZZ_SANS := -fsanitize=address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer
FUZZ_CFLAGS := -O1 -g $(WARN) -std=gnu11 -D_GNU_SOURCE -DTLSMON_VERSION='"$(VERSION)"' \
	-Iinclude -Iuser -Itools -MMD -MP $(FUZZ_SANS)
FUZZ_ALL := $(patsubst tests/fuzz/fuzz_%.c,%,$(wildcard tests/fuzz/fuzz_*.c))
FUZZ_TARGETS ?= $(FUZZ_ALL)
# The subcommands and the BPF loader are never reached from a target; leaving them out keeps the
# fuzz build independent of the BPF skeleton.
FUZZ_SRCS := $(filter-out user/cmd/%.c user/capture/live_%.c user/host/owner_bpf.c \
	user/host/tlslib_hooks.c,$(LIB_SRCS))
FUZZ_OBJS := $(patsubst user/%.c,$(FUZZ_BUILD)/obj/%.o,$(FUZZ_SRCS))
FUZZ_LIB := $(FUZZ_BUILD)/libtlsmon-fuzz.a
FUZZ_BINS := $(patsubst %,$(FUZZ_BUILD)/fuzz_%,$(FUZZ_ALL))
FUZZ_HDRS := $(wildcard tests/fuzz/*.h)
FUZZ_REPLAY_BINS := $(patsubst %,$(BUILD)/fuzz-replay/%,$(FUZZ_ALL))

.PHONY: fuzz fuzz-build fuzz-replay

$(FUZZ_BUILD)/obj $(BUILD)/fuzz-replay:
	$(Q)mkdir -p $@

# Library objects get coverage instrumentation only; libFuzzer's main is linked into the targets.
$(FUZZ_BUILD)/obj/%.o: user/%.c
	$(call msg,FUZZ-CC,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(FUZZ_CLANG) $(FUZZ_CFLAGS) -fsanitize=fuzzer-no-link -c $< -o $@

$(FUZZ_LIB): $(FUZZ_OBJS)
	$(call msg,AR,$@)
	$(Q)rm -f $@ && ar rcs $@ $^

$(FUZZ_BUILD)/fuzz_%: tests/fuzz/fuzz_%.c $(FUZZ_LIB)
	$(call msg,FUZZ-LD,$@)
	$(Q)$(FUZZ_CLANG) $(FUZZ_CFLAGS) -Itests/fuzz -fsanitize=fuzzer $< $(FUZZ_LIB) $(LDLIBS) -o $@

fuzz-build: $(FUZZ_BINS)

fuzz: fuzz-build
	$(Q)FUZZ_BUILD=$(FUZZ_BUILD) FUZZ_SECONDS=$(FUZZ_SECONDS) FUZZ_JOBS=$(FUZZ_JOBS) \
		tests/fuzz/run.sh $(FUZZ_TARGETS)

$(BUILD)/fuzz-replay/%: tests/fuzz/fuzz_%.c tests/fuzz/replay.c $(LIB) | $(BUILD)/fuzz-replay
	$(call msg,CC,$@)
	$(Q)$(CC) $(CFLAGS) -Itests/fuzz $(LDFLAGS) $< tests/fuzz/replay.c $(LIB) $(LDLIBS) -o $@

fuzz-replay: $(FUZZ_REPLAY_BINS)

# The replay drivers are small; the tests need them.
test test-offline: $(FUZZ_REPLAY_BINS)

clean: clean-fuzz
.PHONY: clean-fuzz
clean-fuzz:
	rm -rf $(FUZZ_BUILD)

-include $(shell find $(FUZZ_BUILD) -name '*.d' 2>/dev/null)
