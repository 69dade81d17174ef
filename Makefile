# wsc - non-recursive build. `make` configures itself on first use (autoconf + configure into
# $(B)/), builds $(B)/wsc and links ./wsc to it. `make check` runs unit and integration tests;
# `make check-asan` does the same in build-asan/ with AddressSanitizer and UBSan. `make fuzz`
# builds the libFuzzer targets fuzz/fuzz_*.c into build-fuzz/ with clang, ASan and UBSan;
# `make fuzz-run FUZZ_SECONDS=20` runs each from its seed corpus in fuzz/corpus/NAME/.

B ?= build
CONFIGURE_FLAGS ?=
TOP := $(CURDIR)
# Sanitizer builds: any UBSan report fails the test that triggered it, with a stack trace.
export UBSAN_OPTIONS ?= halt_on_error=1:print_stacktrace=1

-include $(B)/config.mk

WARN = -Wall -Wextra -Wshadow -Wstrict-prototypes -Wmissing-prototypes -Wformat=2 \
       -Wno-unused-parameter -Wvla
ALL_CFLAGS = -std=gnu11 $(WARN) $(CFLAGS) $(SAN_FLAGS) -D_GNU_SOURCE \
             -DWSC_VERSION='"$(PACKAGE_VERSION)"' $(OPENSSL_CFLAGS) $(READLINE_CFLAGS)
ALL_LDFLAGS = $(LDFLAGS) $(SAN_FLAGS)

LIB_SRCS := $(filter-out src/main.c,$(sort $(wildcard src/*.c)))
LIB_OBJS := $(LIB_SRCS:src/%.c=$(B)/src/%.o)
TEST_SRCS := $(sort $(wildcard tests/check_*.c))
TEST_BINS := $(TEST_SRCS:tests/%.c=$(B)/tests/%)
DEPS := $(LIB_OBJS:.o=.d) $(B)/src/main.d $(TEST_BINS:=.d)

.PHONY: all check check-unit check-integration check-asan check-utf8-full clean distclean install \
        demo bench format fuzz fuzz-run

# Installation: `make install PREFIX=/opt/wsc` (or prefix=...; default: configure's --prefix),
# with DESTDIR for staging (`make install DESTDIR=/tmp/stage` puts files in /tmp/stage/usr/local).
PREFIX ?= $(prefix)

all: $(B)/wsc
ifeq ($(B),build)
	@ln -sf build/wsc wsc
endif

configure: configure.ac
	autoconf

$(B)/config.mk: configure config.mk.in
	@mkdir -p $(B)
	cd $(B) && $(TOP)/configure $(CONFIGURE_FLAGS)

$(B)/src/%.o: src/%.c $(B)/config.mk
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) $(CPPFLAGS) -MMD -MP -c -o $@ $<

$(B)/libwsc.a: $(LIB_OBJS)
	rm -f $@
	ar rcs $@ $^

$(B)/wsc: $(B)/src/main.o $(B)/libwsc.a
	$(CC) $(ALL_LDFLAGS) -o $@ $^ $(OPENSSL_LIBS) $(READLINE_LIBS) $(JQ_LIBS) $(LIBS)

$(B)/tests/%: tests/%.c $(B)/libwsc.a
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) $(CHECK_CFLAGS) -Isrc -MMD -MP -o $@ $< $(B)/libwsc.a \
	    $(CHECK_LIBS) $(OPENSSL_LIBS) $(READLINE_LIBS) $(JQ_LIBS) $(LIBS)

check: check-unit check-integration

check-unit: $(TEST_BINS)
	@rc=0; for t in $(TEST_BINS); do CK_FORK=yes $$t || rc=1; done; exit $$rc

check-integration: $(B)/wsc
	WSC=$(TOP)/$(B)/wsc tests/run-integration.sh

check-asan:
	$(MAKE) B=build-asan CONFIGURE_FLAGS=--enable-sanitizers check

# Every 1-4 byte sequence through the UTF-8 validator and a reference decoder (about a minute;
# CI runs it, make check runs a reduced set).
check-utf8-full: $(B)/tests/check_utf8
	WSC_UTF8_EXHAUSTIVE=1 CK_FORK=yes CK_RUN_CASE=exhaustive CK_DEFAULT_TIMEOUT=600 $<

bench: $(B)/wsc
	WSC=$(TOP)/$(B)/wsc bench/run.sh

demo: $(B)/wsc
	WSC=$(TOP)/$(B)/wsc tests/demo.sh

install: $(B)/wsc
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/share/man/man1 \
	    $(DESTDIR)$(PREFIX)/share/bash-completion/completions \
	    $(DESTDIR)$(PREFIX)/share/zsh/site-functions \
	    $(DESTDIR)$(PREFIX)/share/fish/vendor_completions.d
	install -m 755 $(B)/wsc $(DESTDIR)$(PREFIX)/bin/wsc
	install -m 644 man/wsc.1 $(DESTDIR)$(PREFIX)/share/man/man1/wsc.1
	install -m 644 completions/wsc.bash $(DESTDIR)$(PREFIX)/share/bash-completion/completions/wsc
	install -m 644 completions/_wsc $(DESTDIR)$(PREFIX)/share/zsh/site-functions/_wsc
	install -m 644 completions/wsc.fish $(DESTDIR)$(PREFIX)/share/fish/vendor_completions.d/wsc.fish

format:
	clang-format -i src/*.c src/*.h tests/*.c tests/*.h fuzz/*.c fuzz/*.h

# Fuzzing (clang's libFuzzer with ASan + UBSan; Debian: clang libfuzzer-14-dev libclang-rt-14-dev).
# The library is compiled again with clang and coverage instrumentation into build-fuzz/; each
# fuzz/fuzz_NAME.c becomes build-fuzz/fuzz_NAME. Compiler flags and libraries come from
# $(B)/config.mk (configure runs first), the compiler is $(FUZZ_CC).
FZ := build-fuzz
FUZZ_CC ?= clang
FUZZ_SECONDS ?= 20
FUZZ_SAN = -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
FUZZ_CFLAGS = -std=gnu11 $(WARN) -Wno-format-nonliteral -g -O1 $(FUZZ_SAN) -D_GNU_SOURCE \
              -DWSC_VERSION='"$(PACKAGE_VERSION)"' $(OPENSSL_CFLAGS) $(READLINE_CFLAGS)
FUZZ_SRCS := $(sort $(wildcard fuzz/fuzz_*.c))
FUZZ_NAMES := $(FUZZ_SRCS:fuzz/fuzz_%.c=%)
FUZZ_BINS := $(FUZZ_NAMES:%=$(FZ)/fuzz_%)
FUZZ_LIB_OBJS := $(LIB_SRCS:src/%.c=$(FZ)/src/%.o)
DEPS += $(FUZZ_LIB_OBJS:.o=.d) $(FUZZ_BINS:=.d)

fuzz: $(FUZZ_BINS)

$(FZ)/src/%.o: src/%.c $(B)/config.mk
	@mkdir -p $(@D)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer-no-link -MMD -MP -c -o $@ $<

$(FZ)/libwsc.a: $(FUZZ_LIB_OBJS)
	rm -f $@
	ar rcs $@ $^

$(FZ)/fuzz_%: fuzz/fuzz_%.c fuzz/fuzz.h $(FZ)/libwsc.a
	$(FUZZ_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer -Isrc -Itests -MMD -MP -o $@ $< $(FZ)/libwsc.a \
	    $(OPENSSL_LIBS) $(READLINE_LIBS) $(JQ_LIBS) $(LIBS)

# Each target for FUZZ_SECONDS from its committed seeds; new inputs go to $(FZ)/corpus/NAME
# (the committed corpus is only read), a crash to $(FZ)/crash-NAME-*. Fails if any target fails.
fuzz-run: $(FUZZ_BINS)
	@rc=0; for n in $(FUZZ_NAMES); do \
	    mkdir -p $(FZ)/corpus/$$n; \
	    if $(FZ)/fuzz_$$n -max_total_time=$(FUZZ_SECONDS) -timeout=10 -print_final_stats=1 \
	        -artifact_prefix=$(FZ)/$$n- $(FZ)/corpus/$$n fuzz/corpus/$$n >$(FZ)/fuzz_$$n.log 2>&1; \
	    then echo "fuzz_$$n: ok, $(FUZZ_SECONDS) s: $$(grep -a -m1 'DONE ' $(FZ)/fuzz_$$n.log | tr -s '\t ' ' ')"; \
	    else rc=1; echo "fuzz_$$n: FAILED (log: $(FZ)/fuzz_$$n.log)"; \
	        grep -aE 'property failed|runtime error|ERROR:|SUMMARY|Test unit written' \
	            $(FZ)/fuzz_$$n.log | head -n 8; fi; \
	done; exit $$rc

clean:
	rm -rf build build-asan build-fuzz wsc

distclean: clean
	rm -rf configure autom4te.cache

-include $(DEPS)
