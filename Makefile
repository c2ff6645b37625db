# SPDX-License-Identifier: GPL-2.0-only OR MIT
#
# nvsvm: top-level build. `make help` lists the targets.

PROFILE ?= test
BUILD := $(CURDIR)/build

# The kernel to build the module against: the cached build of $(PROFILE)
# unless KDIR is given.
KDIR ?= $(shell scripts/kernel-build.sh --dir $(PROFILE))

CC ?= cc
CFLAGS ?= -O2 -g
# CPPFLAGS and LDFLAGS are used too: a Debian build hardens through them.
USER_WARN = -std=gnu11 -Wall -Wextra -Werror -Wmissing-prototypes
USER_CFLAGS = $(USER_WARN) \
	-Iinclude/uapi/drm -Iuserspace/lib $(shell pkg-config --cflags libdrm)
DRM_LIBS = $(shell pkg-config --libs libdrm)

# IGT: our declaration header, unless real IGT headers are given.
IGT_INCLUDE ?=
IGT_CFLAGS = $(if $(IGT_INCLUDE),-I$(IGT_INCLUDE)) -Iigt-tests/include \
	-Iuserspace/tools
IGT_LIBS ?= -l:libigt.so.0

# Quote $(1) for the shell, so that CMD='a; b' runs both in the guest.
shquote = '$(subst ','\'',$(1))'

# The version of nvsvm, and the ABI of libnvsvm.so: its soname is
# libnvsvm.so.$(LIB_SOVERSION), to be bumped when a change breaks programs
# linked against it; the file is named after the version.
VERSION := $(shell scripts/version.sh)
LIB_SOVERSION := 0
LIB_SONAME := libnvsvm.so.$(LIB_SOVERSION)
LIB_REALNAME := $(LIB_SONAME).$(word 2,$(subst ., ,$(VERSION))).$(word 3,$(subst ., ,$(VERSION)))

# Where `make install` puts things (under DESTDIR, if given).
PREFIX ?= /usr/local
BINDIR ?= $(PREFIX)/bin
LIBDIR ?= $(PREFIX)/lib
INCLUDEDIR ?= $(PREFIX)/include
LIBEXECDIR ?= $(PREFIX)/libexec
MANDIR ?= $(PREFIX)/share/man
PKGCONFIGDIR ?= $(LIBDIR)/pkgconfig
DKMSDIR ?= /usr/src

# One set of objects for both libraries: position-independent, and
# exporting only what nvsvm.h marks NVSVM_EXPORT.
LIB_CFLAGS = -fPIC -fvisibility=hidden
LIBNVSVM := $(BUILD)/userspace/libnvsvm.a
LIBNVSVM_SO := $(BUILD)/userspace/$(LIB_REALNAME)
LIBNVSVM_OBJS := $(patsubst userspace/lib/%.c,$(BUILD)/userspace/%.o,$(wildcard userspace/lib/*.c))
LIBNVSVM_PC := $(BUILD)/userspace/libnvsvm.pc
IGT_TESTS := $(patsubst igt-tests/%.c,$(BUILD)/igt/%,$(wildcard igt-tests/*.c))
TOOLS := $(patsubst userspace/tools/%.c,$(BUILD)/tools/%,$(wildcard userspace/tools/*.c))
APP := $(BUILD)/userspace/nvsvm-demo

.PHONY: all deps kernel modules userspace igt tools test demo vm-run check clean \
	trace-report-check \
	help bench bench-kernel bench-modules profile-cpufault profile-hmm \
	stress fuzz faultinj mutants \
	lib pkg-build install install-tests install-dkms install-check dkms-check \
	deb deb-check

all: modules userspace igt tools

help:
	@echo "make test         build everything, run KUnit + IGT in the VM"
	@echo "make stress       shadow-checked multi-process stress (STRESS_S, STRESS_SEED)"
	@echo "make fuzz         structured ioctl fuzzer (FUZZ_N, FUZZ_SEED)"
	@echo "make faultinj     fault-injection sweep of every path"
	@echo "make mutants      plant each bug of igt-tests/mutants/, check it is caught"
	@echo "make demo         run the sample app in the VM (DEMO_ARGS=--help)"
	@echo "                  DEMO_TRACE=1: draw its trace into build/demo-trace/"
	@echo "make vm-run CMD=  run a command in the VM with nvsvm.ko loaded"
	@echo "make check        checkpatch --strict, sparse and kernel-doc"
	@echo "make trace-report-check  scripts/trace-report.py on its sample"
	@echo "make bench        benchmark against test_hmm and memcpy (bench kernel)"
	@echo "make profile-cpufault  function_graph profile of a one-page CPU fault-back"
	@echo "                  against test_hmm's (bench kernel)"
	@echo "make modules      build nvsvm.ko (W=1) against the cached kernel"
	@echo "make kernel       build the $(PROFILE) kernel into the cache"
	@echo "make install      install libnvsvm, its headers and .pc, nvsvm-demo(1)"
	@echo "                  (PREFIX=/usr/local, LIBDIR=PREFIX/lib, DESTDIR=)"
	@echo "make install-tests  install the IGT binaries in LIBEXECDIR/nvsvm/igt"
	@echo "make install-dkms install the module's DKMS tree in DKMSDIR=/usr/src"
	@echo "make install-check install into a scratch DESTDIR, build against it"
	@echo "make dkms-check   dkms add/build/install/remove against the $(PROFILE) kernel"
	@echo "make deb          Debian packages and lintian, in build/deb"
	@echo "make deb-check    make deb, then unpack the packages and test them"
	@echo "make deps         install the Debian packages needed"

deps:
	@scripts/deps.sh

kernel: deps
	@scripts/kernel-build.sh $(PROFILE) >/dev/null

modules: kernel
	$(MAKE) -C $(KDIR) M=$(CURDIR) W=1 modules

$(BUILD)/userspace/%.o: userspace/lib/%.c userspace/lib/nvsvm.h include/uapi/drm/nvsvm_drm.h
	@mkdir -p $(@D)
	$(CC) $(CPPFLAGS) $(CFLAGS) $(USER_CFLAGS) $(LIB_CFLAGS) -c $< -o $@

$(LIBNVSVM): $(LIBNVSVM_OBJS)
	$(AR) rcs $@ $^

# The version script tags the symbols LIBNVSVM_0 and hides anything the
# visibility attribute did not; -z defs refuses an unresolved symbol.
# There is no libnvsvm.so link in the build tree: the programs built here
# link the static library.
$(LIBNVSVM_SO): $(LIBNVSVM_OBJS) userspace/lib/libnvsvm.map
	$(CC) $(CFLAGS) $(LDFLAGS) -shared -Wl,-soname,$(LIB_SONAME) \
		-Wl,--version-script=userspace/lib/libnvsvm.map -Wl,-z,defs \
		$(LIBNVSVM_OBJS) $(DRM_LIBS) -o $@

# For the build tree; its version is the uAPI version of the header.
$(LIBNVSVM_PC): userspace/lib/libnvsvm.pc.in include/uapi/drm/nvsvm_drm.h
	@mkdir -p $(@D)
	sed -e 's|@TOP@|$(CURDIR)|' -e 's|@LIBDIR@|$(BUILD)/userspace|' \
	    -e "s|@VERSION@|$$(sed -n 's/^#define NVSVM_UAPI_VERSION[[:space:]]*//p' include/uapi/drm/nvsvm_drm.h)|" \
	    $< >$@

# The demo builds the way a user of the library would: with pkg-config.
$(APP): userspace/app/nvsvm-demo.c $(LIBNVSVM) $(LIBNVSVM_PC)
	$(CC) $(CPPFLAGS) $(CFLAGS) $(USER_WARN) $(LDFLAGS) $< -o $@ \
		$(shell PKG_CONFIG_PATH=$(BUILD)/userspace pkg-config --cflags --libs libnvsvm)

$(BUILD)/igt/%: igt-tests/%.c $(LIBNVSVM) $(wildcard igt-tests/*.h igt-tests/include/*.h) \
		userspace/tools/nvsvm-kmsg.h
	@mkdir -p $(@D)
	$(CC) $(CPPFLAGS) $(CFLAGS) $(USER_CFLAGS) $(IGT_CFLAGS) $(LDFLAGS) \
		$< $(LIBNVSVM) $(IGT_LIBS) $(DRM_LIBS) -o $@

# Stress, fuzz and fault-injection tools: plain programs, built like the
# IGT tests but without IGT, so that they report in their own words.
$(BUILD)/tools/%: userspace/tools/%.c $(LIBNVSVM) $(wildcard userspace/tools/*.h)
	@mkdir -p $(@D)
	$(CC) $(CPPFLAGS) $(CFLAGS) $(USER_CFLAGS) $(LDFLAGS) -pthread $< \
		$(LIBNVSVM) $(DRM_LIBS) -o $@

lib: $(LIBNVSVM) $(LIBNVSVM_SO) $(LIBNVSVM_PC)

userspace: deps lib $(APP)

igt: deps $(IGT_TESTS)

tools: deps $(TOOLS)

test: deps all
	@scripts/run-tests.sh

stress: deps all
	@scripts/tools-run.sh stress@long

fuzz: deps all
	@scripts/tools-run.sh fuzz@long

faultinj: deps all
	@scripts/tools-run.sh faultinj@all

mutants: deps all
	@scripts/mutants.sh

# The demo needs the module and the app, not the tests. With DEMO_TRACE=1 it
# records the nvsvm trace events as it runs, into $(DEMO_TRACE_DIR) (the
# VM's run directory), and draws them there: timeline.png and latency.png.
# -T: a fine clock in the VM, or every duration is a multiple of 4 ms.
# The pictures are drawn even when the demo fails; its status is make's.
DEMO_TRACE_DIR := $(BUILD)/demo-trace

demo: deps modules userspace
ifeq ($(DEMO_TRACE),1)
	@rm -f $(DEMO_TRACE_DIR)/trace.txt $(DEMO_TRACE_DIR)/*.png
	@status=0; \
	scripts/vm-run.sh -T -o $(DEMO_TRACE_DIR) -- \
		scripts/guest-demo-trace.sh $(APP) $(DEMO_ARGS) || status=$$?; \
	if [ -f $(DEMO_TRACE_DIR)/trace.txt ]; then \
		scripts/trace-report.py --timeline $(DEMO_TRACE_DIR)/timeline.png \
			--histogram $(DEMO_TRACE_DIR)/latency.png \
			$(DEMO_TRACE_DIR)/trace.txt || \
			{ rc=$$?; [ $$status != 0 ] || status=$$rc; }; \
	fi; \
	exit $$status
else
	@scripts/vm-run.sh -- $(APP) $(DEMO_ARGS)
endif

vm-run: deps all
	$(if $(CMD),,$(error usage: make vm-run CMD='command'))
	@scripts/vm-run.sh -- $(call shquote,$(CMD))

# Benchmarks run on their own kernel profile (no KASAN, no lockdep). Its
# nvsvm.ko is built from a copy of the module's sources under build/bench/,
# so that it never replaces the test kernel's drivers/.../nvsvm.ko.
BENCH_KDIR = $(shell scripts/kernel-build.sh --dir bench)
BENCH_MODDIR := $(BUILD)/bench/module
BENCH_BIN := $(BUILD)/bench/nvsvm-bench
# test_hmm's uAPI, from the source tree the bench kernel is built from.
BENCH_CFLAGS = -idirafter $(BENCH_KDIR)/source/lib

bench-kernel: deps
	@scripts/kernel-build.sh bench >/dev/null

bench-modules: bench-kernel
	@mkdir -p $(BENCH_MODDIR)
	@find Kbuild drivers include -type f \( -name '*.[ch]' -o -name Kbuild \) \
		! -name '*.mod.c' | cpio -pdmu --quiet $(BENCH_MODDIR)
	$(MAKE) -C $(BENCH_KDIR) M=$(BENCH_MODDIR) W=1 NVSVM_BENCH=y modules

$(BENCH_BIN): bench/nvsvm-bench.c $(LIBNVSVM) | bench-kernel
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) $(USER_CFLAGS) $(BENCH_CFLAGS) $< $(LIBNVSVM) \
		$(DRM_LIBS) -o $@

bench: deps bench-modules $(BENCH_BIN)
	@scripts/bench.sh

# test_hmm.ko with the function tracer's hooks, which the kernel's lib/
# builds without (ccflags-remove of CC_FLAGS_FTRACE), from the same source:
# scripts/profile-cpufault.sh graphs its dmirror_devmem_fault().
PROFILE_HMMDIR := $(BUILD)/profile/test_hmm

profile-hmm: bench-kernel
	@mkdir -p $(PROFILE_HMMDIR)
	@cp -p $(BENCH_KDIR)/source/lib/test_hmm.c \
		$(BENCH_KDIR)/source/lib/test_hmm_uapi.h $(PROFILE_HMMDIR)/
	@echo 'obj-m := test_hmm.o' >$(PROFILE_HMMDIR)/Kbuild
	$(MAKE) -C $(BENCH_KDIR) M=$(PROFILE_HMMDIR) modules

profile-cpufault: deps bench-modules $(BENCH_BIN) profile-hmm
	@scripts/profile-cpufault.sh

check: modules trace-report-check
	scripts/check.sh $(KDIR)

# What the packages ship, built without the `deps` check (debian/rules).
pkg-build: lib $(APP) $(IGT_TESTS)

# The installed .pc names its directories relative to ${prefix} when they
# are under it. The header goes to INCLUDEDIR/nvsvm with the uAPI header it
# includes; libdrm's Cflags find the drm.h that one includes.
pcdir = $(patsubst $(PREFIX)/%,$${prefix}/%,$(1))

install: $(LIBNVSVM) $(LIBNVSVM_SO) $(APP)
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(LIBDIR) \
		$(DESTDIR)$(PKGCONFIGDIR) $(DESTDIR)$(INCLUDEDIR)/nvsvm \
		$(DESTDIR)$(MANDIR)/man1
	install -m 0644 $(LIBNVSVM_SO) $(LIBNVSVM) $(DESTDIR)$(LIBDIR)/
	ln -sf $(LIB_REALNAME) $(DESTDIR)$(LIBDIR)/$(LIB_SONAME)
	ln -sf $(LIB_SONAME) $(DESTDIR)$(LIBDIR)/libnvsvm.so
	install -m 0644 userspace/lib/nvsvm.h include/uapi/drm/nvsvm_drm.h \
		$(DESTDIR)$(INCLUDEDIR)/nvsvm/
	sed -e 's|@PREFIX@|$(PREFIX)|' -e 's|@LIBDIR@|$(call pcdir,$(LIBDIR))|' \
	    -e 's|@INCLUDEDIR@|$(call pcdir,$(INCLUDEDIR))|' \
	    -e "s|@VERSION@|$$(sed -n 's/^#define NVSVM_UAPI_VERSION[[:space:]]*//p' include/uapi/drm/nvsvm_drm.h)|" \
	    userspace/lib/libnvsvm-installed.pc.in >$(DESTDIR)$(PKGCONFIGDIR)/libnvsvm.pc
	install -m 0755 $(APP) $(DESTDIR)$(BINDIR)/
	install -m 0644 docs/nvsvm-demo.1 $(DESTDIR)$(MANDIR)/man1/

install-tests: $(IGT_TESTS)
	install -d $(DESTDIR)$(LIBEXECDIR)/nvsvm/igt
	install -m 0755 $(IGT_TESTS) $(DESTDIR)$(LIBEXECDIR)/nvsvm/igt/

# The module's DKMS tree: its sources (not the KUnit suites, nor the
# bench-only nvsvm_bench.c), the top Kbuild and dkms.conf with the version
# filled in.
DKMS_SOURCES = Kbuild $(sort $(shell find drivers include \
	-path drivers/gpu/drm/nvsvm/tests -prune -o \
	-type f \( -name '*.[ch]' -o -name Kbuild \) ! -name '*.mod.c' \
	! -name nvsvm_bench.c -print))

install-dkms:
	install -d $(DESTDIR)$(DKMSDIR)/nvsvm-$(VERSION)
	for f in $(DKMS_SOURCES); do \
		install -D -m 0644 $$f $(DESTDIR)$(DKMSDIR)/nvsvm-$(VERSION)/$$f || exit; \
	done
	sed 's/#MODULE_VERSION#/$(VERSION)/' dkms.conf \
		>$(DESTDIR)$(DKMSDIR)/nvsvm-$(VERSION)/dkms.conf

install-check: deps
	@scripts/install-test.sh

# dkms add, build, install and remove against the $(PROFILE) kernel, in
# scratch DKMS trees.
dkms-check: kernel
	@scripts/dkms-check.sh $(KDIR)

# Debian packages, built from a copy of the tree into build/deb, and
# their test: unpacked into a scratch root, built against, dkms-built.
deb: deps
	@scripts/deb-build.sh

deb-check: deb kernel
	@scripts/deb-test.sh $(KDIR)

# The trace pictures' script against its sample trace: seconds, no VM.
trace-report-check: deps
	@scripts/trace-report-check.sh

clean:
	-$(MAKE) -C $(KDIR) M=$(CURDIR) clean
	rm -rf $(BUILD)
