# ward: build, test, install. `make` builds, `make check` runs every test,
# `make install PREFIX=DIR` installs, `make bench` measures.

PREFIX  ?= /usr/local
BUILD   ?= build
CC      ?= cc
VERSION := 0.1.0

WARN    := -Wall -Wextra -Wshadow -Wstrict-prototypes -Wno-missing-field-initializers
CFLAGS  ?= -O2 -g
BASE    := -std=gnu11 $(WARN) -Ilib -D_FORTIFY_SOURCE=2
# The library: position independent, nothing exported but what says so,
# TLS that never allocates, and no compiler-made calls back into malloc.
# No _FORTIFY_SOURCE: its __memcpy_chk and the like are among the functions
# the library checks (preload/string.c), which its own code must not call.
LIBFLAGS := -fPIC -fvisibility=hidden -ftls-model=initial-exec \
            -fno-builtin-malloc -fno-builtin-calloc -fno-builtin-realloc \
            -fno-builtin-free -fno-strict-aliasing -U_FORTIFY_SOURCE

# The library's own calls of the functions it checks go straight to libc's
# through --wrap (preload/string.c); the link fails if one is not listed.
WRAPPED := memcpy memmove memset strlen strnlen strcpy stpcpy strdup
CHECKED := memcpy memmove mempcpy memset strcpy stpcpy strncpy strcat strncat \
           strlen strnlen strdup strndup
UNWRAPPED := $(filter-out $(WRAPPED),$(CHECKED))

# The trace reader is the ward command's, not the library's: it links zstd
# and allocates freely.
READER_SRC  := lib/trace_read.c lib/replay.c lib/trace_index.c
LIB_SRC     := $(filter-out $(READER_SRC),$(wildcard lib/*.c))
PRELOAD_SRC := $(wildcard preload/*.c)
CLI_SRC     := $(wildcard viewer/*.c)
CLI_SHARED  := lib/options.c lib/fmt.c lib/prim.c lib/symbols.c lib/deps.c lib/maps.c \
               lib/report_text.c lib/suppress.c $(READER_SRC)

LIB_OBJ     := $(patsubst %.c,$(BUILD)/obj/%.o,$(LIB_SRC) $(PRELOAD_SRC))
CLI_OBJ     := $(patsubst %.c,$(BUILD)/cli/%.o,$(CLI_SRC) $(CLI_SHARED))

SO   := $(BUILD)/lib/libward.so
CORE := $(BUILD)/lib/libward_core.a
BIN  := $(BUILD)/bin/ward

all: $(SO) $(BIN) $(BUILD)/lib/pkgconfig/ward.pc

$(BUILD)/obj/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(BASE) $(LIBFLAGS) $(CFLAGS) -MMD -MP -c $< -o $@

$(BUILD)/cli/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(BASE) $(CFLAGS) -MMD -MP -c $< -o $@

# Bound at load (-z now): a first call through the PLT runs the dynamic
# linker's resolver, which saves the vector registers on the stack (some
# KiB with AVX-512), and ward runs on coroutine stacks of 3 KiB (GNU PCL's).
# The bounds of the ward_probed section (see WD_PROBED) stay internal.
$(SO): $(LIB_OBJ)
	@mkdir -p $(dir $@)
	@if nm -u $(filter-out %/preload/string.o,$^) | \
	    grep -wE '$(subst $(eval) ,|,$(UNWRAPPED))|__[a-z]+_chk' | grep -v _longjmp_chk; then \
	    echo "ward calls a function it checks: add it to WRAPPED in the Makefile" >&2; exit 1; fi
	$(CC) -shared -o $@ $^ -Wl,-soname,libward.so -Wl,-z,nodelete -Wl,-z,now -Wl,--no-undefined \
	    -Wl,-z,start-stop-visibility=hidden $(WRAPPED:%=-Wl,--wrap=%) -ldl -lpthread

# The core as a static archive, for unit tests that call internals.
$(CORE): $(filter $(BUILD)/obj/lib/%,$(LIB_OBJ))
	@mkdir -p $(dir $@)
	rm -f $@ && ar rcs $@ $^

$(BIN): $(CLI_OBJ)
	@mkdir -p $(dir $@)
	$(CC) -o $@ $^ -lzstd -lncursesw -ldl

$(BUILD)/lib/pkgconfig/ward.pc: scripts/ward.pc.in Makefile
	@mkdir -p $(dir $@)
	sed -e 's|@PREFIX@|$(abspath $(BUILD))|' -e 's|@VERSION@|$(VERSION)|' \
	    -e 's|@INCLUDEDIR@|$(abspath lib)|' $< > $@

install: all
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/lib/pkgconfig \
	           $(DESTDIR)$(PREFIX)/include $(DESTDIR)$(PREFIX)/share/man/man1
	install -m 755 $(BIN) $(DESTDIR)$(PREFIX)/bin/ward
	install -m 755 $(SO) $(DESTDIR)$(PREFIX)/lib/libward.so
	install -m 644 lib/ward.h $(DESTDIR)$(PREFIX)/include/ward.h
	install -m 644 docs/ward.1 $(DESTDIR)$(PREFIX)/share/man/man1/ward.1
	sed -e 's|@PREFIX@|$(PREFIX)|' -e 's|@VERSION@|$(VERSION)|' \
	    -e 's|@INCLUDEDIR@|$(PREFIX)/include|' scripts/ward.pc.in \
	    > $(DESTDIR)$(PREFIX)/lib/pkgconfig/ward.pc

include tests/tests.mk

clean:
	rm -rf $(BUILD)

.PHONY: all install clean check bench
-include $(shell find $(BUILD) -name '*.d' 2>/dev/null)

bench: all
	scripts/bench.py --markdown $(BUILD)/bench/results.md
