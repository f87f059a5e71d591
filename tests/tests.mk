# Tests: cmocka unit tests of the core's pieces, then integration tests
# (small programs under ward) and real programs. `make check` runs all.

UNIT_SRC := $(wildcard tests/unit/test_*.c)
UNIT_BIN := $(patsubst tests/unit/%.c,$(BUILD)/tests/%,$(UNIT_SRC))

$(BUILD)/tests/%: tests/unit/%.c $(CORE)
	@mkdir -p $(dir $@)
	$(CC) $(BASE) $(CFLAGS) -o $@ $< $(CORE) -lcmocka -ldl -lpthread

unit: $(UNIT_BIN)
	@for t in $(UNIT_BIN); do echo "== $$t"; $$t || exit 1; done

# The same unit tests built with ASan and UBSan, from the sources.
SAN_FLAGS := -g -O1 -fsanitize=address,undefined -fno-sanitize-recover=all -Ilib
SAN_BIN   := $(patsubst tests/unit/%.c,$(BUILD)/tests-san/%,$(UNIT_SRC))
CORE_SRC  := $(filter-out lib/init.c,$(LIB_SRC))

$(BUILD)/tests-san/%: tests/unit/%.c $(CORE_SRC)
	@mkdir -p $(dir $@)
	$(FUZZ_CC) -std=gnu11 $(SAN_FLAGS) -ftls-model=initial-exec -o $@ $< $(CORE_SRC) \
	    -lcmocka -ldl -lpthread

unit-san: $(SAN_BIN)
	@for t in $(SAN_BIN); do echo "== $$t"; ASAN_OPTIONS=detect_leaks=0 $$t || exit 1; done

integration: all
	tests/run.sh tests/integration

real: all
	tests/run.sh tests/real

# ward is built by gcc and by clang; code generation changes what stale
# values the leak scan meets, so the integration tests run on a clang build
# too.
CLANG_BUILD := $(BUILD)/clang

integration-clang:
	$(MAKE) --no-print-directory CC=clang BUILD=$(CLANG_BUILD) all
	BUILD=$(abspath $(CLANG_BUILD)) tests/run.sh tests/integration

check: all unit unit-san fuzz-check
	tests/run.sh
	$(MAKE) --no-print-directory integration-clang

.PHONY: unit unit-san integration integration-clang real

# Fuzzing (libFuzzer, with ASan and UBSan): `make check` runs each target
# briefly on seeds made from fresh traces; `make fuzz` runs longer.
FUZZ_CC     ?= clang
FUZZ_FLAGS  := -g -O1 -fsanitize=fuzzer,address,undefined -Ilib
FUZZ_SRC    := lib/trace_read.c lib/replay.c lib/trace_index.c lib/report_text.c lib/fmt.c \
               lib/prim.c lib/maps.c \
               lib/symbols.c lib/deps.c lib/options.c lib/suppress.c
FUZZ_BIN    := $(BUILD)/fuzz/fuzz_trace $(BUILD)/fuzz/fuzz_records $(BUILD)/fuzz/fuzz_options \
               $(BUILD)/fuzz/fuzz_index $(BUILD)/fuzz/fuzz_suppress
FUZZ_TIME   ?= 15

$(BUILD)/fuzz/%: tests/fuzz/%.c $(FUZZ_SRC)
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(FUZZ_FLAGS) -o $@ $< $(FUZZ_SRC) -lzstd -ldl

fuzz-check: all $(FUZZ_BIN)
	FUZZ_TIME=$(FUZZ_TIME) tests/fuzz/run.sh

fuzz: all $(FUZZ_BIN)
	FUZZ_TIME=600 tests/fuzz/run.sh

.PHONY: fuzz fuzz-check
