# cordon - build, test, demo, install.
#
#   make            library, tools and modules into build/
#   make test       install missing packages, build, run the test suite, the
#                   same suite under ASan+UBSan, and brief fuzzing runs
#   make demo       install missing packages, build, run the demo
#   make bench      run the benchmarks and write docs/benchmarks output
#   make install    PREFIX=/usr/local by default
#   make format     clang-format every source file in place

PREFIX  ?= /usr/local
BUILD   ?= build
SAN     ?=
CC      ?= gcc
VERSION := 0.1.0

# -Wno-format-truncation: diagnostics are cut to their buffers on purpose.
WARN    := -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes -Wmissing-prototypes -Wno-format-truncation
CSTD    := -std=gnu11
OPT     := -O2 -g
ifeq ($(SAN),1)
OPT     := -O1 -g -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all
LDSAN   := -fsanitize=address,undefined
endif
CPPFLAGS += -Iinclude -DCDN_INSTALL_BINDIR='"$(PREFIX)/bin"' -DCDN_INSTALL_LIBDIR='"$(PREFIX)/lib"' -MMD -MP
CFLAGS  += $(CSTD) $(WARN) $(OPT) -fPIC -fvisibility=default
LDLIBS  := -ldl -lpthread

PUB_HDR := $(wildcard include/cordon/*.h)
LIB_SRC := $(wildcard src/ipc/*.c src/domain/*.c src/supervise/*.c src/async/*.c src/cap/*.c src/heap/*.c src/glue/*.c src/util/*.c)
LIB_ASM := $(wildcard src/async/*.S)
LIB_OBJ := $(LIB_SRC:%.c=$(BUILD)/obj/%.o) $(LIB_ASM:%.S=$(BUILD)/obj/%.o)
LAUNCH_SRC := $(wildcard src/launcher/*.c)
LAUNCH_OBJ := $(LAUNCH_SRC:%.c=$(BUILD)/obj/%.o)
IDLC_SRC := $(wildcard src/idl/*.c)
IDLC_OBJ := $(IDLC_SRC:%.c=$(BUILD)/obj/%.o)
IDL_LIB_OBJ := $(filter-out %/main.o,$(IDLC_OBJ))
IDLC := $(BUILD)/bin/cordon-idlc
# cordon-split: the analyzer, on libclang's C API (Debian libclang-19-dev).
LLVM_DIR ?= /usr/lib/llvm-19
SPLIT := $(BUILD)/bin/cordon-split
SPLIT_SRC := $(wildcard src/split/*.c)
BENCH_SRC := $(wildcard bench/*.c)
BENCH_OBJ := $(BENCH_SRC:%.c=$(BUILD)/obj/%.o)
TEST_SRC := $(wildcard tests/test_*.c)
TEST_BIN := $(TEST_SRC:tests/%.c=$(BUILD)/tests/%)
TEST_UTIL := $(BUILD)/obj/tests/util.o
TEST_MOD_SRC := $(filter-out tests/modules/net_bad.c tests/modules/net_ring_bad.c tests/modules/blk_bad.c tests/modules/blk_faulty.c tests/modules/dummysplit_module.c tests/modules/nullsplit_module.c tests/modules/params_liar.c tests/modules/zbox_liar.c,$(wildcard tests/modules/*.c))
TEST_MOD := $(TEST_MOD_SRC:tests/modules/%.c=$(BUILD)/tests/modules/%.so)
BENCH_MOD_SRC := $(filter-out bench/modules/idl_bench.c,$(wildcard bench/modules/*.c))
BENCH_MOD := $(BENCH_MOD_SRC:bench/modules/%.c=$(BUILD)/lib/cordon/%.so)
FUZZ_SRC := $(wildcard fuzz/fuzz_*.c)
FUZZ_BIN := $(FUZZ_SRC:fuzz/%.c=$(BUILD)/fuzz/%)

# Modules are always built without sanitizers: they run inside the sandbox,
# whose allow-list has no room for the sanitizer runtimes.
MOD_CFLAGS := $(CSTD) $(WARN) -O2 -g -fPIC -Iinclude
# -Bsymbolic: a module's calls to its own functions (the generated stubs
# among them) must bind inside the module, even when an inproc host process
# defines functions of the same names.
MOD_LDFLAGS := -shared -Wl,-z,now -Wl,-Bsymbolic
# Modules are linked to a temporary name and renamed into place: a domain
# launched meanwhile (a warm spare, a restart) never maps a half-written .so.

LIBA  := $(BUILD)/lib/libcordon.a
LIBSO := $(BUILD)/lib/libcordon.so
KLIB  := $(BUILD)/lib/libcordon-kernel.a
KMLIB := $(BUILD)/lib/libcordon-kmod.a
LAUNCHER := $(BUILD)/bin/cordon-domain
BENCH := $(BUILD)/bin/cordon-bench

.PHONY: bench-all faults hostile golden all deps test test-unit test-asan test-kernel fuzz demo bench install format clean tests

GEN_CB := $(BUILD)/gen/cb
all: $(LIBA) $(LIBSO) $(LAUNCHER) $(IDLC) $(SPLIT) $(BENCH) $(BUILD)/lib/cordon/net_bad.so $(BUILD)/bin/cordon-demo $(BENCH_MOD) $(BUILD)/lib/cordon/idl_bench.so $(BUILD)/lib/cordon/dummy.so $(BUILD)/lib/cordon/null_blk.so $(BUILD)/lib/cordon/blk_faulty.so $(BUILD)/lib/cordon/net_ring_bad.so $(BUILD)/lib/pkgconfig/cordon.pc \
	$(KLIB) $(KMLIB) $(BUILD)/lib/pkgconfig/cordon-kernel.pc $(BUILD)/lib/pkgconfig/cordon-kmod.pc \
	$(BUILD)/bin/cordon-kdomain $(BUILD)/bin/zbox-demo $(BUILD)/lib/cordon/zbox.so \
	$(BUILD)/lib/pkgconfig/cordon-uninstalled.pc

deps:
	@bash scripts/deps.sh

$(BUILD)/obj/%.o: %.c
	@mkdir -p $(@D)
	$(CC) $(CPPFLAGS) $(CFLAGS) -c $< -o $@

$(BUILD)/obj/%.o: %.S
	@mkdir -p $(@D)
	$(CC) $(CPPFLAGS) -c $< -o $@

$(LIBA): $(LIB_OBJ)
	@mkdir -p $(@D)
	rm -f $@ && ar rcs $@ $^

$(LIBSO): $(LIB_OBJ)
	@mkdir -p $(@D)
	$(CC) -shared -Wl,-soname,libcordon.so.0 $(LDSAN) -o $@ $^ $(LDLIBS)

# The launcher exports libcordon's API to the modules it loads (-rdynamic,
# whole archive), so a module links against nothing but libc.
$(LAUNCHER): $(LAUNCH_OBJ) $(LIBA)
	@mkdir -p $(@D)
	$(CC) -rdynamic $(LDSAN) -o $@ $(LAUNCH_OBJ) -Wl,--whole-archive $(LIBA) -Wl,--no-whole-archive -lseccomp $(LDLIBS)

$(SPLIT): $(SPLIT_SRC) $(wildcard src/split/*.h)
	@mkdir -p $(@D)
	$(CC) $(CSTD) $(WARN) $(OPT) -I$(LLVM_DIR)/include -o $@ $(SPLIT_SRC) $(LDSAN) -L$(LLVM_DIR)/lib -lclang -lpthread -Wl,-rpath,$(LLVM_DIR)/lib

$(IDLC): $(IDLC_OBJ)
	@mkdir -p $(@D)
	$(CC) $(LDSAN) -o $@ $(IDLC_OBJ)

# GLUE(name, idl, include flags): cordon-idlc's output for idl in
# $(BUILD)/gen/name, and its host side compiled with those flags (where the
# IDL's includes are).
define GLUE
$(BUILD)/gen/$(1)/$(1)_host.c $(BUILD)/gen/$(1)/$(1)_domain.c &: $(2) $$(IDLC) $$(PUB_HDR)
	@mkdir -p $(BUILD)/gen/$(1)
	$$(IDLC) $$< -o $(BUILD)/gen/$(1)
$(BUILD)/obj/gen/$(1)_host.o: $(BUILD)/gen/$(1)/$(1)_host.c
	@mkdir -p $$(@D)
	$$(CC) $$(CPPFLAGS) $(3) -I$(BUILD)/gen/$(1) $$(CFLAGS) -c $$< -o $$@
endef

# Generated glue of bench/idl/cb.idl: host side in cordon-bench, domain side
# in the idl_bench module.
$(eval $(call GLUE,cb,bench/idl/cb.idl,-Ibench/idl))

# the benchmark's objects that see the kernel core's headers
BENCH_KOBJ := $(patsubst %,$(BUILD)/obj/bench/%.o,faults faults_net faults_blk hostile ring_floor rows blk net)
$(BENCH_KOBJ): $(BUILD)/obj/bench/%.o: bench/%.c
	@mkdir -p $(@D)
	$(CC) $(CPPFLAGS) $(KINC) $(CFLAGS) -c $< -o $@

$(BUILD)/obj/bench/idl.o: bench/idl.c $(GEN_CB)/cb_host.c
	@mkdir -p $(@D)
	$(CC) $(CPPFLAGS) -I$(GEN_CB) -Ibench/idl $(CFLAGS) -c $< -o $@

$(BUILD)/lib/cordon/idl_bench.so: bench/modules/idl_bench.c $(GEN_CB)/cb_domain.c $(PUB_HDR)
	@mkdir -p $(@D)
	$(CC) $(MOD_CFLAGS) -I$(GEN_CB) -Ibench/idl $(MOD_LDFLAGS) -o $@.tmp $(filter %.c,$^) && mv -f $@.tmp $@



$(BUILD)/lib/cordon/%.so: bench/modules/%.c $(PUB_HDR)
	@mkdir -p $(@D)
	$(CC) $(MOD_CFLAGS) $(MOD_LDFLAGS) -o $@.tmp $< && mv -f $@.tmp $@

$(BUILD)/tests/modules/%.so: tests/modules/%.c $(PUB_HDR)
	@mkdir -p $(@D)
	$(CC) $(MOD_CFLAGS) $(MOD_LDFLAGS) -o $@.tmp $< && mv -f $@.tmp $@

# a module with a writable and executable segment, on purpose (the
# launcher must refuse it): the linker's warning about it is expected
$(BUILD)/tests/modules/wx.so: tests/modules/wx.c $(PUB_HDR)
	@mkdir -p $(@D)
	$(CC) $(MOD_CFLAGS) $(MOD_LDFLAGS) -Wl,--no-warn-rwx-segments -o $@.tmp $< && mv -f $@.tmp $@

# a module that needs a library a domain does not provide (libm)
$(BUILD)/tests/modules/needs_libm.so: tests/modules/needs_libm.c $(PUB_HDR)
	@mkdir -p $(@D)
	$(CC) $(MOD_CFLAGS) $(MOD_LDFLAGS) -o $@.tmp $< -Wl,--no-as-needed -lm && mv -f $@.tmp $@

$(BUILD)/tests/%: $(BUILD)/obj/tests/%.o $(TEST_UTIL) $(LIBA) $(IDL_LIB_OBJ)
	@mkdir -p $(@D)
	$(CC) -rdynamic $(LDSAN) -o $@ $< $(TEST_UTIL) $(IDL_LIB_OBJ) -Wl,--whole-archive $(LIBA) -Wl,--no-whole-archive -lcmocka $(LDLIBS)

# The IDL end-to-end suite: glue generated from tests/idl/demo.idl.
GEN_DEMO := $(BUILD)/gen/demo
$(eval $(call GLUE,demo,tests/idl/demo.idl,-Itests/idl))

$(BUILD)/obj/tests/test_idl_e2e.o: tests/test_idl_e2e.c $(GEN_DEMO)/demo_host.c
	@mkdir -p $(@D)
	$(CC) $(CPPFLAGS) -I$(GEN_DEMO) -Itests/idl $(CFLAGS) -c $< -o $@

$(BUILD)/tests/test_idl_e2e: $(BUILD)/obj/tests/test_idl_e2e.o $(BUILD)/obj/gen/demo_host.o $(TEST_UTIL) $(LIBA)
	@mkdir -p $(@D)
	$(CC) -rdynamic $(LDSAN) -o $@ $< $(BUILD)/obj/gen/demo_host.o $(TEST_UTIL) -Wl,--whole-archive $(LIBA) -Wl,--no-whole-archive -lcmocka $(LDLIBS)

$(BUILD)/tests/modules/idl_demo.so: tests/modules/idl_demo.c $(GEN_DEMO)/demo_domain.c $(PUB_HDR)
	@mkdir -p $(@D)
	$(CC) $(MOD_CFLAGS) -I$(GEN_DEMO) -Itests/idl $(MOD_LDFLAGS) -o $@.tmp $(filter %.c,$^) && mv -f $@.tmp $@

# ---- the kernel core (host) and the case-study drivers ----
KINC := -Ikernel/include -Ikernel/include/linux -Ikernel/drvlib
# in every driver module: printk to the host, module parameters
DOMAIN_COMMON := kernel/drvlib/printk.c kernel/drvlib/params.c kernel/lib/params.c
KERNEL_SRC := $(wildcard kernel/core/*.c kernel/net/*.c kernel/block/*.c kernel/lib/*.c)
KERNEL_OBJ := $(KERNEL_SRC:%.c=$(BUILD)/obj/%.o)
$(BUILD)/obj/kernel/%.o: kernel/%.c
	@mkdir -p $(@D)
	$(CC) $(CPPFLAGS) $(KINC) $(CFLAGS) -Wno-missing-prototypes -c $< -o $@
# native mode: the driver compiled into the host
# KBUILD_MODNAME: a native driver's module parameters are found by it
$(BUILD)/obj/drivers/%.native.o: drivers/%.c
	@mkdir -p $(@D)
	$(CC) $(CPPFLAGS) $(KINC) $(CFLAGS) -Wno-missing-prototypes -DKBUILD_MODNAME='"$(notdir $*)"' -c $< -o $@

# MODULE(name, glue, sources, link flags): $(BUILD)/lib/cordon/name.so, a
# domain module built from sources (and glue's domain side, if glue is not
# empty), each compiled on its own with -MMD, so a change to any header a
# source includes rebuilds exactly what includes it.
define MODULE
$(1)_MOBJ := $$(patsubst %.c,$(BUILD)/mobj/$(1)/%.o,$(3) $(if $(2),$(BUILD)/gen/$(2)/$(2)_domain.c))
$$($(1)_MOBJ): $(BUILD)/mobj/$(1)/%.o: %.c | $(if $(2),$(BUILD)/gen/$(2)/$(2)_domain.c)
	@mkdir -p $$(@D)
	$$(CC) $$(MOD_CFLAGS) -MMD -MP -Wno-missing-prototypes $$(KINC) $(if $(2),-I$(BUILD)/gen/$(2)) -c $$< -o $$@
$(BUILD)/lib/cordon/$(1).so: $$($(1)_MOBJ)
	@mkdir -p $$(@D)
	$$(CC) $$(MOD_LDFLAGS) -o $$@.tmp $$^ $(4) && mv -f $$@.tmp $$@
endef

# DRIVER(name, dir, domain-side kernel library sources, link flags): one
# line adds a driver kept in dir as name.c, name.idl, name_module.c (the
# domain's wrapper) and name_desc.c (how the host loads it): its glue, its
# descriptor and native object in the host's kernel objects, its module.
define DRIVER
$(call GLUE,$(1),$(2)/$(1).idl,$$(KINC))
$(BUILD)/obj/$(2)/$(1)_desc.o: $(2)/$(1)_desc.c $(BUILD)/gen/$(1)/$(1)_host.c
	@mkdir -p $$(@D)
	$$(CC) $$(CPPFLAGS) $$(KINC) -I$(BUILD)/gen/$(1) $$(CFLAGS) -c $$< -o $$@
$(call MODULE,$(1),$(1),$(2)/$(1).c $(2)/$(1)_module.c $$(DOMAIN_COMMON) $(3),$(4))
DRIVER_HOST_OBJ += $(BUILD)/obj/$(2)/$(1)_desc.o $(BUILD)/obj/gen/$(1)_host.o $(BUILD)/obj/$(2)/$(1).native.o
DRIVER_MODULES += $(BUILD)/lib/cordon/$(1).so
endef

# link flags with commas, which $(call) arguments cannot hold
WRAP_SKB := -Wl,--wrap=consume_skb
WRAP_END := -Wl,--wrap=blk_mq_end_request
WRAP_PARAMS := -Wl,--wrap=cdn_dom_params_serve
# the domain's ends of the rings
DOMAIN_NET_RING := kernel/drvlib/rings.c kernel/drvlib/txring.c
DOMAIN_BLK_RING := kernel/drvlib/rings.c kernel/drvlib/rqring.c
GEN_DUMMY := $(BUILD)/gen/dummy
GEN_NULLB := $(BUILD)/gen/null_blk

# ---- the drivers: one line each ----
$(eval $(call DRIVER,dummy,drivers/net,$(DOMAIN_NET_RING),$(WRAP_SKB)))
$(eval $(call DRIVER,null_blk,drivers/block,$(DOMAIN_BLK_RING) kernel/drvlib/blk_media.c kernel/drvlib/blk_end.c,$(WRAP_END)))

# ---- misbehaving drivers for the tests and the campaigns, on those glues ----
# net_bad: tests/test_net_dummy.c, the fault and hostile campaigns
$(eval $(call MODULE,net_bad,dummy,tests/modules/net_bad.c $(DOMAIN_COMMON) $(DOMAIN_NET_RING),$(WRAP_SKB)))
# the dummy driver in a module that lies about its module parameters
$(eval $(call MODULE,params_liar,dummy,drivers/net/dummy.c drivers/net/dummy_module.c tests/modules/params_liar.c $(DOMAIN_COMMON) $(DOMAIN_NET_RING),$(WRAP_SKB) $(WRAP_PARAMS)))
# a driver that misbehaves behind the transmit ring, for tests/test_net_ring.c
$(eval $(call MODULE,net_ring_bad,dummy,tests/modules/net_ring_bad.c $(DOMAIN_COMMON) $(DOMAIN_NET_RING),$(WRAP_SKB)))
# a block driver that misbehaves, for tests/test_blk_*.c
$(eval $(call MODULE,blk_bad,null_blk,tests/modules/blk_bad.c $(DOMAIN_COMMON) $(DOMAIN_BLK_RING) kernel/drvlib/blk_end.c,$(WRAP_END)))
# the real null_blk with a fault shim around its completions (cordon-bench faults)
$(eval $(call MODULE,blk_faulty,null_blk,drivers/block/null_blk.c tests/modules/blk_faulty.c $(DOMAIN_COMMON) $(DOMAIN_BLK_RING) kernel/drvlib/blk_media.c,$(WRAP_END)))

KERNEL_HOST_OBJ := $(KERNEL_OBJ) $(DRIVER_HOST_OBJ)

# The kernel core for drivers outside this tree (make install): the host's
# core as an archive, and the module side (what every driver module links:
# printk, parameters, the domain's ends of the rings, the block media) as a
# PIC archive to link into a module; cordon-kernel.pc and cordon-kmod.pc
# say how (docs/drivers.md, "Outside this tree").
KMOD_SRC := $(wildcard kernel/drvlib/*.c) kernel/lib/params.c
# (objects named by their path: an archive keeps base names, and two
# sources are params.c)
KMOD_OBJ := $(foreach f,$(KMOD_SRC),$(BUILD)/obj/kmod/$(subst /,_,$(f:.c=.o)))
define KMOD_RULE
$(BUILD)/obj/kmod/$(subst /,_,$(1:.c=.o)): $(1) $(PUB_HDR) $(wildcard kernel/include/*.h kernel/include/linux/*.h kernel/drvlib/*.h)
	@mkdir -p $$(@D)
	$(CC) $(MOD_CFLAGS) -Wno-missing-prototypes $(KINC) -c $$< -o $$@
endef
$(foreach f,$(KMOD_SRC),$(eval $(call KMOD_RULE,$(f))))
$(KLIB): $(KERNEL_OBJ)
	@mkdir -p $(@D)
	rm -f $@ && ar rcs $@ $^
$(KMLIB): $(KMOD_OBJ)
	@mkdir -p $(@D)
	rm -f $@ && ar rcs $@ $^
$(BUILD)/lib/pkgconfig/%.pc: %.pc.in
	@mkdir -p $(@D)
	sed -e 's|@PREFIX@|$(PREFIX)|g' -e 's|@VERSION@|$(VERSION)|g' $< > $@
# the build tree as pkg-config sees it: PKG_CONFIG_PATH=build/lib/pkgconfig
# prefers NAME-uninstalled.pc, whose paths are this tree's
$(BUILD)/lib/pkgconfig/cordon-uninstalled.pc: cordon.pc.in
	@mkdir -p $(@D)
	sed -e 's|@PREFIX@|$(abspath .)|g' -e 's|@VERSION@|$(VERSION)|g' \
	    -e 's|^libdir=.*|libdir=$(abspath $(BUILD))/lib|' $< > $@


# The analyzer's IDL, used for real: cordon-split writes the IDL of
# drivers/net/dummy.c, cordon-idlc compiles it, the driver runs on it
# (tests/test_split_e2e.c). libclang's own allocations are not ours to check.
# SPLIT_IDL(name, driver source, domain-side sources): the IDL cordon-split
# writes for the driver (its report beside it), the glue, the module.
define SPLIT_IDL
$(BUILD)/gen/$(1)/$(1).idl: $(2) $$(SPLIT) $$(wildcard kernel/include/linux/*.h)
	@mkdir -p $$(@D)
	ASAN_OPTIONS=detect_leaks=0 $$(SPLIT) --module $(1) -o $$@ $(2) -- -Ikernel/include -Ikernel/include/linux 2> $$@.report
$(call GLUE,$(1),$(BUILD)/gen/$(1)/$(1).idl,$$(KINC))
$(call MODULE,$(1),$(1),$(2) tests/modules/$(1)_module.c $$(DOMAIN_COMMON) $(3),)
endef
GEN_DSPLIT := $(BUILD)/gen/dummysplit
GEN_NSPLIT := $(BUILD)/gen/nullsplit
$(eval $(call SPLIT_IDL,dummysplit,drivers/net/dummy.c,))
$(eval $(call SPLIT_IDL,nullsplit,drivers/block/null_blk.c,kernel/drvlib/blk_media.c))

SPLIT_E2E_OBJ := $(BUILD)/obj/gen/dummysplit_host.o $(BUILD)/obj/gen/nullsplit_host.o

tests: $(TEST_BIN) $(TEST_MOD) $(BUILD)/lib/cordon/zbox.so $(BUILD)/lib/cordon/zbox_liar.so

# The dispatch fuzzer compiles the generated host glue of tests/idl/demo.idl.
$(BUILD)/fuzz/fuzz_dispatch: fuzz/fuzz_dispatch.c $(GEN_DEMO)/demo_host.c $(LIB_SRC)
	@mkdir -p $(@D)
	clang $(CSTD) -g -O1 -Iinclude -I$(GEN_DEMO) -Itests/idl -fsanitize=fuzzer,address,undefined -o $@ $< $(GEN_DEMO)/demo_host.c $(LIB_SRC) $(LIB_ASM) $(LDLIBS)

# The completion fuzzer compiles the host kernel core.
$(BUILD)/fuzz/fuzz_completions: fuzz/fuzz_completions.c $(KERNEL_SRC) $(LIB_SRC) $(wildcard kernel/include/*.h kernel/include/linux/*.h kernel/core/*.h)
	@mkdir -p $(@D)
	clang $(CSTD) -g -O1 -Iinclude $(KINC) -Wno-missing-prototypes -fsanitize=fuzzer,address,undefined -o $@ $< $(KERNEL_SRC) $(LIB_SRC) $(LIB_ASM) $(LDLIBS)

# The module parameter fuzzer compiles the parser alone.
$(BUILD)/fuzz/fuzz_params: fuzz/fuzz_params.c kernel/lib/params.c kernel/include/cordon_params.h kernel/include/linux/moduleparam.h
	@mkdir -p $(@D)
	clang $(CSTD) -g -O1 $(KINC) -fsanitize=fuzzer,address,undefined -o $@ $< kernel/lib/params.c
$(BUILD)/fuzz/%: fuzz/%.c $(LIB_SRC) $(IDLC_SRC)
	@mkdir -p $(@D)
	clang $(CSTD) -g -O1 -Iinclude -fsanitize=fuzzer,address,undefined -o $@ $< $(LIB_SRC) $(LIB_ASM) $(filter-out %/main.c,$(IDLC_SRC)) $(LDLIBS)

# The unit suite against the normal build.
test-unit: all tests
	CORDON_TEST_SUMMARY=$(CORDON_TEST_SUMMARY) CORDON_LAUNCHER=$(abspath $(LAUNCHER)) CORDON_BIN=$(abspath $(BUILD)/bin) bash tests/run.sh $(BUILD)/tests

# The same suite with ASan+UBSan (the launcher stays uninstrumented).
test-asan: all
	$(MAKE) BUILD=build/asan SAN=1 tests
	CORDON_TEST_SUMMARY=$(CORDON_TEST_SUMMARY) CORDON_LAUNCHER=$(abspath $(LAUNCHER)) CORDON_BIN=$(abspath $(BUILD)/bin) ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 \
	  UBSAN_OPTIONS=print_stacktrace=1 bash tests/run.sh build/asan/tests

# A fault-injection campaign (500 faults in make test); fails on any fault
# not recovered or anything leaked.
faults: all
	CORDON_LAUNCHER=$(abspath $(LAUNCHER)) $(BENCH) faults --faults $${FAULTS:-500} --json

# The hostile campaign (70 attacks, five of each kind, in make test); fails
# on any breach or victim failure.
hostile: all
	CORDON_LAUNCHER=$(abspath $(LAUNCHER)) $(BENCH) faults --workload hostile --faults $${ATTACKS:-70} --json

fuzz: $(FUZZ_BIN)
	bash fuzz/run.sh $(BUILD)/fuzz $${FUZZ_SECONDS:-10}

# One closing line for the whole run: unit + ASan counts (fuzzing fails loudly).
# The kernel suite: cordon.ko in a QEMU guest of Debian's kernel
# (tests/kernel/run.sh; skipped, with a message, when the archive has no
# image for the installed headers).
test-kernel: deps all
	CORDON_TEST_SUMMARY=$(CORDON_TEST_SUMMARY) bash tests/kernel/run.sh $(BUILD)

test: deps
	@rm -f build/test-summary
	$(MAKE) test-unit CORDON_TEST_SUMMARY=$(abspath build/test-summary)
	$(MAKE) test-asan CORDON_TEST_SUMMARY=$(abspath build/test-summary)
	$(MAKE) test-kernel CORDON_TEST_SUMMARY=$(abspath build/test-summary)
	$(MAKE) fuzz
	$(MAKE) faults
	$(MAKE) hostile
	@awk '{p+=$$1; f+=$$2} END {printf "%d passed, %d failed\n", p, f}' build/test-summary

demo: deps all
	bash scripts/demo.sh $(BUILD)

bench: all
	$(BENCH) ipc

# Every benchmark docs/benchmarks.md reports, written where the docs read it
# (docs/data/*.json) with the charts; about ten minutes on this machine.
bench-all: all
	$(BENCH) ipc --json > docs/data/ipc.json
	bash scripts/bench_report.sh docs/data/ipc.json docs/ipc.png > /dev/null
	$(BENCH) net --rounds 11 --json > docs/data/net.json
	$(BENCH) net --rounds 7 --gen pktgen --json > docs/data/net_pktgen.json
	$(BENCH) blk --rounds 11 --json > docs/data/blk.json
	$(BENCH) ringfloor --json > docs/data/ringfloor.json
	bash scripts/ringfloor_chart.sh docs/data/ringfloor.json docs/ringfloor.png
	for a in 1 2 4 8 16 32 48; do $(BENCH) blk --only qd16 --rounds 7 --area $$a --json > docs/data/blk_area_$$a.json || exit 1; done
	bash scripts/area_chart.sh docs/blk_area.png docs/data/blk_area_*.json
	bash scripts/mode_chart.sh docs/data/net.json docs/net.png "dummy driver transmit (sender writes 1 byte)" Mpps 1e6
	bash scripts/mode_chart.sh docs/data/net_pktgen.json docs/net_pktgen.png "dummy driver transmit (packets built as pktgen)" Mpps 1e6
	bash scripts/mode_chart.sh docs/data/blk.json docs/blk.png "null_blk I/O, every read verified" kIOPS 1e3
	CORDON_LAUNCHER=$(abspath $(LAUNCHER)) $(BENCH) faults --faults 10000 --seed 42 --json > docs/data/faults.json
	CORDON_LAUNCHER=$(abspath $(LAUNCHER)) $(BENCH) faults --workload hostile --faults 1008 --json > docs/data/hostile.json
	# null_blk in the kernel suite's guest: 1,000-fault campaigns and the
	# comparison with null_blk.ko (TCG: an indication)
	CORDON_KERNEL_FAULTS=1000 CORDON_KERNEL_BENCH_ROUNDS=3 CORDON_KERNEL_ONLY=blk_test CORDON_KERNEL_TIMEOUT=3000 \
	  bash tests/kernel/run.sh $(BUILD) > $(BUILD)/kernel_blk.log; st=$$?; \
	  grep -E '^(cordon-guest:|[0-9]+ passed)' $(BUILD)/kernel_blk.log > docs/data/kernel_blk.txt; [ $$st = 0 ] || exit $$st
	# the dummy's device in the guest: 1,000-fault crash and hostile campaigns
	CORDON_KERNEL_FAULTS=1000 CORDON_KERNEL_ONLY=net_recovery_test CORDON_KERNEL_TIMEOUT=3000 \
	  bash tests/kernel/run.sh $(BUILD) > $(BUILD)/kernel_net.log; st=$$?; \
	  grep -E '^(cordon-guest:|[0-9]+ passed)' $(BUILD)/kernel_net.log > docs/data/kernel_net.txt; exit $$st

install: all
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/lib/cordon $(DESTDIR)$(PREFIX)/lib/pkgconfig $(DESTDIR)$(PREFIX)/include/cordon
	install -m 755 $(LAUNCHER) $(IDLC) $(SPLIT) $(BENCH) $(BUILD)/bin/cordon-demo $(BUILD)/bin/cordon-kdomain $(DESTDIR)$(PREFIX)/bin/
	install -m 644 $(LIBA) $(DESTDIR)$(PREFIX)/lib/
	install -m 755 $(LIBSO) $(DESTDIR)$(PREFIX)/lib/libcordon.so.0
	ln -sf libcordon.so.0 $(DESTDIR)$(PREFIX)/lib/libcordon.so
	install -m 644 $(BENCH_MOD) $(BUILD)/lib/cordon/idl_bench.so $(BUILD)/lib/cordon/dummy.so $(BUILD)/lib/cordon/null_blk.so $(DESTDIR)$(PREFIX)/lib/cordon/
	install -m 644 include/cordon/*.h $(DESTDIR)$(PREFIX)/include/cordon/
	install -m 644 $(BUILD)/lib/pkgconfig/cordon.pc $(DESTDIR)$(PREFIX)/lib/pkgconfig/
	install -d $(DESTDIR)$(PREFIX)/include/cordon-kernel/linux
	install -m 644 $(KLIB) $(KMLIB) $(DESTDIR)$(PREFIX)/lib/
	install -m 644 kernel/include/*.h kernel/drvlib/rings.h kernel/drvlib/driver_module.h $(DESTDIR)$(PREFIX)/include/cordon-kernel/
	install -m 644 kernel/include/linux/*.h $(DESTDIR)$(PREFIX)/include/cordon-kernel/linux/
	install -m 644 $(BUILD)/lib/pkgconfig/cordon-kernel.pc $(BUILD)/lib/pkgconfig/cordon-kmod.pc $(DESTDIR)$(PREFIX)/lib/pkgconfig/

format:
	clang-format -i $$(git ls-files '*.c' '*.h' | grep -v '^tests/golden/')

# Rewrites the reviewed generator output (tests/test_idl_golden.c compares).
golden: $(IDLC)
	$(IDLC) tests/idl/demo.idl -o tests/golden

clean:
	rm -rf build



# cordon-kdomain: starts a driver whose host is the kernel (docs/kernel.md)
$(BUILD)/bin/cordon-kdomain: tools/kdomain.c $(PUB_HDR)
	@mkdir -p $(@D)
	$(CC) $(CPPFLAGS) $(CFLAGS) -o $@ $< $(LDSAN)

# ---- examples/zlib: zlib isolated in a domain (docs/libraries.md) ----
# The module links Debian's libz.a into itself: a domain loads no shared
# library but libc and libcordon (the archive's objects are PIC).
ZLIB_A := $(firstword $(wildcard /usr/lib/x86_64-linux-gnu/libz.a /usr/lib/libz.a))
$(eval $(call GLUE,zbox,examples/zlib/zbox.idl,))
$(eval $(call MODULE,zbox,zbox,examples/zlib/zbox_module.c,$(ZLIB_A)))
$(eval $(call MODULE,zbox_liar,zbox,tests/modules/zbox_liar.c,))
ZBOX_DEMO := $(BUILD)/bin/zbox-demo
# the supervisor's tests run on this glue, with zlib and with a liar
$(BUILD)/obj/tests/test_supervisor.o: tests/test_supervisor.c $(BUILD)/gen/zbox/zbox_host.c
	@mkdir -p $(@D)
	$(CC) $(CPPFLAGS) -I$(BUILD)/gen/zbox $(CFLAGS) -c $< -o $@
$(BUILD)/tests/test_supervisor: $(BUILD)/obj/tests/test_supervisor.o $(BUILD)/obj/gen/zbox_host.o $(TEST_UTIL) $(LIBA)
	@mkdir -p $(@D)
	$(CC) -rdynamic $(LDSAN) -o $@ $< $(BUILD)/obj/gen/zbox_host.o $(TEST_UTIL) -Wl,--whole-archive $(LIBA) -Wl,--no-whole-archive -lcmocka -lz $(LDLIBS)
$(BUILD)/obj/examples/zlib/zbox_demo.o: examples/zlib/zbox_demo.c $(BUILD)/gen/zbox/zbox_host.c
	@mkdir -p $(@D)
	$(CC) $(CPPFLAGS) -I$(BUILD)/gen/zbox $(CFLAGS) -c $< -o $@
# -rdynamic and the whole archive: the inproc backend runs modules in this
# process, linked against its libcordon symbols
$(ZBOX_DEMO): $(BUILD)/obj/examples/zlib/zbox_demo.o $(BUILD)/obj/gen/zbox_host.o $(LIBA)
	@mkdir -p $(@D)
	$(CC) -rdynamic $(LDSAN) -o $@ $(filter %.o,$^) -Wl,--whole-archive $(LIBA) -Wl,--no-whole-archive -lz $(LDLIBS)

DEMO := $(BUILD)/bin/cordon-demo
$(BUILD)/obj/tools/demo.o: tools/demo.c
	@mkdir -p $(@D)
	$(CC) $(CPPFLAGS) $(KINC) $(CFLAGS) -c $< -o $@
$(DEMO): $(BUILD)/obj/tools/demo.o $(BUILD)/obj/bench/stats.o $(KERNEL_HOST_OBJ) $(LIBA)
	@mkdir -p $(@D)
	$(CC) -rdynamic $(LDSAN) -o $@ $< $(BUILD)/obj/bench/stats.o $(KERNEL_HOST_OBJ) -Wl,--whole-archive $(LIBA) -Wl,--no-whole-archive $(LDLIBS)


$(BUILD)/obj/tests/test_inflight.o: tests/test_inflight.c
	@mkdir -p $(@D)
	$(CC) $(CPPFLAGS) $(KINC) $(CFLAGS) -c $< -o $@
$(BUILD)/tests/test_inflight: $(BUILD)/obj/tests/test_inflight.o $(BUILD)/obj/kernel/core/inflight.o $(TEST_UTIL) $(LIBA)
	@mkdir -p $(@D)
	$(CC) $(LDSAN) -o $@ $< $(BUILD)/obj/kernel/core/inflight.o $(TEST_UTIL) $(LIBA) -lcmocka $(LDLIBS)


# KTEST(name, modules, include flags, objects, link flags): a test program
# of the kernel core, linked with the host's kernel objects (and objects),
# needing the driver modules named (build/lib/cordon/MODULE.so).
define KTEST
$(BUILD)/obj/tests/$(1).o: tests/$(1).c | $(foreach g,$(filter -I$(BUILD)/gen/%,$(3)),$(patsubst -I%,%,$(g))/$(notdir $(patsubst -I%,%,$(g)))_host.c)
	@mkdir -p $$(@D)
	$$(CC) $$(CPPFLAGS) $$(KINC) $(3) $$(CFLAGS) -c $$< -o $$@
$(BUILD)/tests/$(1): $(BUILD)/obj/tests/$(1).o $(4) $(KERNEL_HOST_OBJ) $$(TEST_UTIL) $$(KTEST_UTIL) $$(LIBA) $(patsubst %,$(BUILD)/lib/cordon/%.so,$(2))
	@mkdir -p $$(@D)
	$$(CC) -rdynamic $$(LDSAN) $(5) -o $$@ $$< $(4) $$(KERNEL_HOST_OBJ) $$(TEST_UTIL) $$(KTEST_UTIL) -Wl,--whole-archive $$(LIBA) -Wl,--no-whole-archive -lcmocka $$(LDLIBS)
endef
WRAP_POST := -Wl,--wrap=cdn_glue_post
KTEST_UTIL := $(BUILD)/obj/tests/kutil.o
$(KTEST_UTIL): tests/kutil.c
	@mkdir -p $(@D)
	$(CC) $(CPPFLAGS) $(KINC) $(CFLAGS) -c $< -o $@
$(eval $(call KTEST,test_net_ring,net_ring_bad,,,))
$(eval $(call KTEST,test_net_dummy,dummy net_bad null_blk,-I$(GEN_DUMMY),,))
$(eval $(call KTEST,test_split_e2e,dummysplit nullsplit,-I$(GEN_DSPLIT) -I$(GEN_NSPLIT),$(SPLIT_E2E_OBJ),))
$(eval $(call KTEST,test_blk_null,null_blk blk_bad blk_faulty,,,))
$(eval $(call KTEST,test_blk_async,null_blk blk_faulty blk_bad,,,))
# the rings' shared poster, with the channel's post replaced by the test's
$(eval $(call KTEST,test_ring_post,,,,$(WRAP_POST)))
$(eval $(call KTEST,test_recovery,dummy,,,))
$(eval $(call KTEST,test_params,dummy null_blk params_liar,,,))

# (after KERNEL_HOST_OBJ is complete: prerequisites expand when read)
$(BENCH): $(BENCH_OBJ) $(BUILD)/obj/gen/cb_host.o $(KERNEL_HOST_OBJ) $(LIBA)
	@mkdir -p $(@D)
	$(CC) -rdynamic $(LDSAN) -o $@ $(BENCH_OBJ) $(BUILD)/obj/gen/cb_host.o $(KERNEL_HOST_OBJ) -Wl,--whole-archive $(LIBA) -Wl,--no-whole-archive $(LDLIBS) -lm

-include $(shell find $(BUILD)/obj $(BUILD)/mobj -name '*.d' 2>/dev/null)
