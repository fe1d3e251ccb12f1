# Packaging (included at the end of the Makefile). Build once, on a build host; install the result
# on the hosts to watch, which need no compiler and no -dev package:
#   make static        build/tlsmon-static: statically linked (libbpf, libelf, zlib, OpenSSL, libcrypt,
#                      glibc), the BPF object inside through the skeleton
#   make deb           build/tlsmon_VERSION_ARCH.deb (deploy/deb/mkdeb.sh): the static binary, the
#                      man page, bash completion, and the systemd unit, default config and
#                      logrotate snippet of deploy/ that exist
#   make install       (in the Makefile) the static binary, the man page and the completion
#   make image         the container image tlsmon:VERSION (podman, deploy/container/Containerfile)

STATIC_BIN := $(BUILD)/tlsmon-static
DEB_ARCH := $(shell dpkg --print-architecture 2>/dev/null || echo $(ARCH))
DEB := $(BUILD)/tlsmon_$(VERSION)_$(DEB_ARCH).deb
MAN_PAGE := man/tlsmon.8
COMPLETION := deploy/completion/tlsmon.bash
# Whatever of these exists goes into the .deb; the prerequisite list makes it rebuild when one
# changes or appears.
DEB_INPUTS := $(wildcard deploy/deb/* deploy/systemd/* deploy/logrotate/* deploy/tlsmon.conf \
	deploy/config/* deploy/default/*)
PODMAN := podman --runtime runc --cgroup-manager=cgroupfs

.PHONY: static deb image

static: $(STATIC_BIN)
deb: $(DEB)

# Link warnings go to $@.link.log (V=1 prints them): libcrypto's dlopen and getaddrinfo paths
# (engines, BIO sockets) are never reached by tlsmon; the account lookups are (--user,
# --socket-group), hence static_nss.o before libc.a. Debug info is stripped (0.8 MB of
# 6.7); the symbols stay, for backtraces.
$(STATIC_BIN): $(OBJDIR)/cmd/main.o $(OBJDIR)/cmd/static_nss.o $(LIB)
	$(call msg,LINK,$@)
	$(Q)$(CC) $(LDFLAGS) -static $^ $(LDLIBS) -o $@ 2>$@.link.log || { cat $@.link.log; false; }
	$(Q)strip --strip-debug $@
ifeq ($(V),1)
	@cat $@.link.log
endif

$(DEB): $(STATIC_BIN) $(MAN_PAGE) $(COMPLETION) $(DEB_INPUTS) VERSION
	$(call msg,DEB,$@)
	$(Q)deploy/deb/mkdeb.sh $(STATIC_BIN) $(VERSION) $(DEB_ARCH) $@

image: $(STATIC_BIN)
	$(PODMAN) build --layers=false -f deploy/container/Containerfile --build-arg BIN=$(STATIC_BIN) \
		-t tlsmon:$(VERSION) .

# The live tests run the static binary and install the .deb (tests/live/static_binary.sh,
# deb.sh); not under SAN=1 (the
# sanitizers do not link statically, and live tests are skipped there anyway).
ifneq ($(SAN),1)
test test-live: $(STATIC_BIN) $(DEB)
endif
