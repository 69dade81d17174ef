# wsc - non-recursive build. `make` configures itself on first use (autoconf + configure into
# $(B)/), builds $(B)/wsc and links ./wsc to it. `make check` runs unit and integration tests;
# `make check-asan` does the same in build-asan/ with AddressSanitizer and UBSan.

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

.PHONY: all check check-unit check-integration check-asan clean distclean install demo bench format

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
	$(CC) $(ALL_LDFLAGS) -o $@ $^ $(OPENSSL_LIBS) $(READLINE_LIBS) $(LIBS)

$(B)/tests/%: tests/%.c $(B)/libwsc.a
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) $(CHECK_CFLAGS) -Isrc -MMD -MP -o $@ $< $(B)/libwsc.a \
	    $(CHECK_LIBS) $(OPENSSL_LIBS) $(READLINE_LIBS) $(LIBS)

check: check-unit check-integration

check-unit: $(TEST_BINS)
	@rc=0; for t in $(TEST_BINS); do CK_FORK=yes $$t || rc=1; done; exit $$rc

check-integration: $(B)/wsc
	WSC=$(TOP)/$(B)/wsc tests/run-integration.sh

check-asan:
	$(MAKE) B=build-asan CONFIGURE_FLAGS=--enable-sanitizers check

bench: $(B)/wsc
	WSC=$(TOP)/$(B)/wsc bench/run.sh

demo: $(B)/wsc
	WSC=$(TOP)/$(B)/wsc tests/demo.sh

install: $(B)/wsc
	install -d $(DESTDIR)$(prefix)/bin $(DESTDIR)$(prefix)/share/man/man1 \
	    $(DESTDIR)$(prefix)/share/bash-completion/completions \
	    $(DESTDIR)$(prefix)/share/zsh/site-functions \
	    $(DESTDIR)$(prefix)/share/fish/vendor_completions.d
	install -m 755 $(B)/wsc $(DESTDIR)$(prefix)/bin/wsc
	install -m 644 man/wsc.1 $(DESTDIR)$(prefix)/share/man/man1/wsc.1
	install -m 644 completions/wsc.bash $(DESTDIR)$(prefix)/share/bash-completion/completions/wsc
	install -m 644 completions/_wsc $(DESTDIR)$(prefix)/share/zsh/site-functions/_wsc
	install -m 644 completions/wsc.fish $(DESTDIR)$(prefix)/share/fish/vendor_completions.d/wsc.fish

format:
	clang-format -i src/*.c src/*.h tests/*.c tests/*.h

clean:
	rm -rf build build-asan wsc

distclean: clean
	rm -rf configure autom4te.cache

-include $(DEPS)
