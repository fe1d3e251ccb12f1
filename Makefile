# tlsmon build. `make` builds build/tlsmon; `make test` runs every test; `make deps` installs
# what is missing with apt (no other target calls apt-get). Quiet unless V=1.

PREFIX ?= /usr/local
DESTDIR ?=
SYSCONFDIR ?= /etc
UNITDIR ?= $(PREFIX)/lib/systemd/system
VERSION := $(shell cat VERSION 2>/dev/null || echo 0.0.0)

CC ?= cc
CLANG ?= clang
BPFTOOL ?= $(shell command -v bpftool 2>/dev/null || echo /usr/sbin/bpftool)
ARCH := $(shell uname -m | sed -e 's/x86_64/x86/' -e 's/aarch64/arm64/')

BUILD := build
OBJDIR := $(BUILD)/obj

ifeq ($(V),1)
Q :=
msg :=
else
Q := @
msg = @printf '  %-8s %s\n' "$(1)" "$(2)";
endif

WARN := -Wall -Wextra -Werror -Wno-unused-parameter -Wshadow -Wstrict-prototypes -Wmissing-prototypes
CFLAGS ?= -O2 -g
# -MMD -MP: each object depends on the headers it includes, found by the compiler (build/**/*.d).
CFLAGS += $(WARN) -std=gnu11 -D_GNU_SOURCE -DTLSMON_VERSION='"$(VERSION)"' -Iinclude -Iuser -Itools \
	-I$(BUILD) -MMD -MP
LDLIBS := -lbpf -lelf -lz -lssl -lcrypto -lcrypt -lpthread

# SAN=1: AddressSanitizer + UndefinedBehaviorSanitizer for the unit and offline tests, in
# build-san/ (the BPF object is still built with clang -target bpf). Live tests are skipped: they
# run against the normal build.
ifeq ($(SAN),1)
CC := clang
CFLAGS += -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined
LDFLAGS += -fsanitize=address,undefined
BUILD := build-san
OBJDIR := $(BUILD)/obj
export TLSMON_SAN := 1
export ASAN_OPTIONS ?= detect_leaks=1:abort_on_error=0:detect_stack_use_after_return=1
export UBSAN_OPTIONS ?= print_stacktrace=1:halt_on_error=1
endif

BPF_SRCS := $(wildcard bpf/*.bpf.c)
BPF_OBJS := $(patsubst bpf/%.bpf.c,$(BUILD)/%.bpf.o,$(BPF_SRCS))
BPF_SKELS := $(patsubst bpf/%.bpf.c,$(BUILD)/%.skel.h,$(BPF_SRCS))
# The BPF target has no multiarch directory of its own: asm/types.h comes from the host's, which
# the host compiler names.
MULTIARCH := $(shell $(CC) -print-multiarch 2>/dev/null || gcc -print-multiarch)
BPF_CFLAGS := -O2 -g -target bpf -D__TARGET_ARCH_$(ARCH) -Wall -Werror -Iinclude -Ibpf \
	-I/usr/include/$(MULTIARCH) -I$(BUILD) -MMD -MP

# user/<stage>/*.c: every source except the entry point goes into one static library that the
# binary, the unit tests and the fuzz targets link against. Objects mirror the folders.
MAIN_SRC := user/cmd/main.c
# static_nss.c replaces glibc's account lookups in the static binary only (mk/pkg.mk).
STATIC_NSS_SRC := user/cmd/static_nss.c
LIB_SRCS := $(filter-out $(MAIN_SRC) $(STATIC_NSS_SRC),$(wildcard user/*/*.c))
LIB_OBJS := $(patsubst user/%.c,$(OBJDIR)/%.o,$(LIB_SRCS))
LIB := $(BUILD)/libtlsmon.a

# tests/unit/<stage>/test_*.c, one binary each in $(BUILD)/tests/.
UNIT_SRCS := $(wildcard tests/unit/*/test_*.c)
UNIT_BINS := $(patsubst %.c,$(BUILD)/tests/%,$(notdir $(UNIT_SRCS)))

TOOL_SRCS := $(wildcard tools/*.c)
TOOL_BINS := $(patsubst tools/%.c,$(BUILD)/tools/%,$(TOOL_SRCS))

.PHONY: npm-deps
.PHONY: all deps run test test-unit test-offline test-live install clean bench fuzz format
.DELETE_ON_ERROR:

all: $(BUILD)/tlsmon $(TOOL_BINS)

# Everything `make`, `make test` and `make bench` use.
DEPS_PKGS := clang llvm libbpf-dev bpftool libelf-dev zlib1g-dev libssl-dev libpcap-dev \
	tshark tcpdump openssl iproute2 curl jq python3 prometheus ssldump iperf3 libclang-rt-dev valgrind \
	file groff-base man-db podman runc
# deploy/: the alert rules' and manifests' checks read YAML.
DEPS_PKGS += python3-yaml
# tests/live/log_reload.sh runs deploy/logrotate/tlsmon.
DEPS_PKGS += logrotate
# --web-config: bcrypt for basic_auth_users (libxcrypt's crypt_r; libcrypt.a for make static).
DEPS_PKGS += libcrypt-dev
# COMMAND:PACKAGE, installed only when COMMAND is missing: another package may provide it (the
# Google Cloud SDK's kubectl package owns /usr/bin/kubectl too, so installing Debian's
# kubernetes-client next to it fails).
DEPS_CMDS := kubectl:kubernetes-client
# tests/offline/systemd_unit.sh (systemd-analyze, systemd-sysusers), tests/live/nonroot.sh.
DEPS_PKGS += systemd strace util-linux libcap2-bin
# tests/offline/cbom.sh validates the CycloneDX output with the schema the npm package ships:
# npm (and node) from Debian unless some other package provides them already.
DEPS_CMDS += npm:npm
# ... and the packages themselves, pinned, into the build directory (npm-deps, run by deps).
CBOM_NPM := @cyclonedx/cyclonedx-library@10.3.0 ajv@8.20.0 ajv-formats@3.0.1
# Always build/npm, whatever BUILD is: the SAN=1 run uses the same packages.
NPM_DIR := build/npm
NPM_STAMP := $(NPM_DIR)/node_modules/.tlsmon-$(subst /,_,$(subst @,,$(word 1,$(CBOM_NPM))))
deps:
	@missing=""; for p in $(DEPS_PKGS); do \
		dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q 'ok installed' || missing="$$missing $$p"; \
	done; \
	for c in $(DEPS_CMDS); do \
		command -v $${c%%:*} >/dev/null 2>&1 || missing="$$missing $${c#*:}"; \
	done; \
	if [ -n "$$missing" ]; then \
		echo "installing:$$missing"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null; \
	else echo "all dependencies present"; fi
	$(Q)$(MAKE) --no-print-directory npm-deps

npm-deps: $(NPM_STAMP)

$(NPM_STAMP):
	$(call msg,NPM,$(NPM_DIR))
	$(Q)mkdir -p $(NPM_DIR)
	$(Q)npm install --prefix $(NPM_DIR) --no-audit --no-fund --silent $(CBOM_NPM)
	$(Q)touch $@

$(BUILD) $(BUILD)/tests $(BUILD)/tools:
	$(Q)mkdir -p $@

$(BUILD)/%.bpf.o: bpf/%.bpf.c | $(BUILD)
	$(call msg,BPF,$@)
	$(Q)$(CLANG) $(BPF_CFLAGS) -c $< -o $@

# The tracing programs (bpf/tlslib.bpf.c) read kernel structs through CO-RE: the running
# kernel's BTF, as C. Packet programs use UAPI headers only.
VMLINUX_BTF ?= /sys/kernel/btf/vmlinux
$(BUILD)/vmlinux.h: | $(BUILD)
	$(call msg,BTF,$@)
	$(Q)$(BPFTOOL) btf dump file $(VMLINUX_BTF) format c > $@

$(BUILD)/tlslib.bpf.o: $(BUILD)/vmlinux.h

# Keep the object (a make intermediate otherwise) for bpftool/llvm-objdump inspection.
.SECONDARY: $(BPF_OBJS) $(BPF_SKELS)

$(BUILD)/%.skel.h: $(BUILD)/%.bpf.o
	$(call msg,GEN-SKEL,$@)
	$(Q)$(BPFTOOL) gen skeleton $< > $@

$(OBJDIR)/%.o: user/%.c
	$(call msg,CC,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(CFLAGS) -c $< -o $@

# Only the loader includes the skeleton; the first build needs it before the .d file exists.
$(OBJDIR)/capture/live_bpf.o: $(BUILD)/tlsmon.skel.h
$(OBJDIR)/host/owner_bpf.o: $(BUILD)/sockowner.skel.h
$(OBJDIR)/host/tlslib_hooks.o: $(BUILD)/tlslib.skel.h

$(LIB): $(LIB_OBJS)
	$(call msg,AR,$@)
	$(Q)rm -f $@ && ar rcs $@ $^

$(BUILD)/tlsmon: $(OBJDIR)/cmd/main.o $(LIB)
	$(call msg,LINK,$@)
	$(Q)$(CC) $(LDFLAGS) $^ $(LDLIBS) -o $@

vpath test_%.c $(sort $(dir $(UNIT_SRCS)))
$(BUILD)/tests/test_%: test_%.c $(LIB) | $(BUILD)/tests
	$(call msg,CC,$@)
	$(Q)$(CC) $(CFLAGS) -Itests/unit $(LDFLAGS) $< $(LIB) $(LDLIBS) -o $@

# BPF programs the live tests attach with tc, beside tlsmon's.
TEST_BPF_OBJS := $(patsubst tests/live/%.bpf.c,$(BUILD)/tests/%.bpf.o,$(wildcard tests/live/*.bpf.c))

$(BUILD)/tests/%.bpf.o: tests/live/%.bpf.c | $(BUILD)/tests
	$(call msg,BPF,$@)
	$(Q)$(CLANG) $(BPF_CFLAGS) -c $< -o $@

$(BUILD)/tools/%: tools/%.c $(LIB) | $(BUILD)/tools
	$(call msg,CC,$@)
	$(Q)$(CC) $(CFLAGS) $(LDFLAGS) $< $(LIB) $(LDLIBS) -o $@

# Quick start (`make deps run`): build, and watch the default-route interface.
run:
	$(Q)$(MAKE) --no-print-directory all
	$(BUILD)/tlsmon run $(RUN_ARGS)

# The test runner prints one line per test and ends with "N passed, N failed, N skipped".
# A fresh machine runs `make deps test`. hsgen makes test_der_cert_real's set of distinct
# certificates.
test:
	$(Q)$(MAKE) --no-print-directory all $(UNIT_BINS) $(TEST_BPF_OBJS) $(BUILD)/bench/hsgen
	$(Q)BUILD=$(BUILD) tests/run.sh

test-unit: all $(UNIT_BINS) $(BUILD)/bench/hsgen
	$(Q)BUILD=$(BUILD) tests/run.sh unit

test-offline: all $(UNIT_BINS) $(BUILD)/bench/hsgen
	$(Q)BUILD=$(BUILD) tests/run.sh offline

test-live: all $(UNIT_BINS) $(TEST_BPF_OBJS)
	$(Q)BUILD=$(BUILD) tests/run.sh live

# The static binary (mk/pkg.mk: it runs on hosts without the -dev packages), the man page, bash
# completion and the systemd unit. The unit goes where systemd looks for units of that prefix
# (/usr/local/lib/systemd/system is on its path) with ExecStart under PREFIX; an existing
# /etc/default/tlsmon is the operator's and stays. Then: systemd-sysusers (creates the tlsmon
# user), systemctl enable --now tlsmon.
install: $(BUILD)/tlsmon-static
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/share/man/man8 \
		$(DESTDIR)$(PREFIX)/share/bash-completion/completions $(DESTDIR)$(UNITDIR) \
		$(DESTDIR)$(PREFIX)/lib/sysusers.d $(DESTDIR)$(SYSCONFDIR)/default
	install -m 0755 $(BUILD)/tlsmon-static $(DESTDIR)$(PREFIX)/bin/tlsmon
	install -m 0644 man/tlsmon.8 $(DESTDIR)$(PREFIX)/share/man/man8/tlsmon.8
	install -m 0644 deploy/completion/tlsmon.bash \
		$(DESTDIR)$(PREFIX)/share/bash-completion/completions/tlsmon
	sed 's|^ExecStart=/usr/local/bin/|ExecStart=$(PREFIX)/bin/|' deploy/systemd/tlsmon.service \
		>$(DESTDIR)$(UNITDIR)/tlsmon.service
	chmod 0644 $(DESTDIR)$(UNITDIR)/tlsmon.service
	install -m 0644 deploy/systemd/tlsmon.sysusers $(DESTDIR)$(PREFIX)/lib/sysusers.d/tlsmon.conf
	[ -e $(DESTDIR)$(SYSCONFDIR)/default/tlsmon ] || \
		install -m 0644 deploy/systemd/tlsmon.default $(DESTDIR)$(SYSCONFDIR)/default/tlsmon

format:
	clang-format -i user/*/*.[ch] include/*.h bpf/*.c bpf/*.h tools/*.c tests/unit/*/*.c 2>/dev/null || true

clean:
	rm -rf build build-san

include mk/fuzz.mk
include mk/pkg.mk
include mk/bench.mk

# (build/npm holds node packages, whose dist.d directories are not ours)
-include $(shell find $(BUILD) -path $(BUILD)/npm -prune -o -name '*.d' -type f -print 2>/dev/null)
