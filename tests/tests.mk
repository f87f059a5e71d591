# Tests: cmocka unit tests of the core's pieces, then integration tests
# (small programs under ward) and real programs. `make check` runs all.

UNIT_SRC := $(wildcard tests/unit/test_*.c)
UNIT_BIN := $(patsubst tests/unit/%.c,$(BUILD)/tests/%,$(UNIT_SRC))

$(BUILD)/tests/%: tests/unit/%.c $(CORE)
	@mkdir -p $(dir $@)
	$(CC) $(BASE) $(CFLAGS) -o $@ $< $(CORE) -lcmocka -ldl -lpthread

unit: $(UNIT_BIN)
	@for t in $(UNIT_BIN); do echo "== $$t"; $$t || exit 1; done

integration: all
	tests/run.sh tests/integration

real: all
	tests/run.sh tests/real

check: all unit
	tests/run.sh

.PHONY: unit integration real
