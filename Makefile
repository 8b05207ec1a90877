# akisim top-level Makefile: set-up, build, run and test in one command each.
#   make run    set-up + build + the main job on the built-in default
#   make test   set-up + build + the whole GoogleTest suite (plain and ASan+UBSan builds)
JOBS   ?= $(shell nproc)
BUILD  ?= build
ASAN   ?= build-asan
CMAKE_FLAGS ?= -DCMAKE_BUILD_TYPE=Release

.PHONY: all setup build build-asan run test test-plain test-asan bench format clean

all: build

setup:
	@sh scripts/setup.sh

build: setup
	@cmake -S . -B $(BUILD) $(CMAKE_FLAGS) >/dev/null
	@cmake --build $(BUILD) -j $(JOBS)

# The sanitizer build skips the Verilated RTL (generated C++ is not project code, and it doubles
# CI time); the RTL and cosim tests run in the plain build.
build-asan: setup
	@cmake -S . -B $(ASAN) -DCMAKE_BUILD_TYPE=Debug -DAKISIM_SANITIZE=ON -DAKISIM_VERILATOR=OFF >/dev/null
	@cmake --build $(ASAN) -j $(JOBS)

run: build
	@sh scripts/run-default.sh $(BUILD)

test-plain: build
	@cd $(BUILD) && ctest --output-on-failure -j $(JOBS)

test-asan: build-asan
	@cd $(ASAN) && ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 \
	  UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 ctest --output-on-failure -j $(JOBS) -LE nosan

test: test-plain test-asan

bench: build
	@$(BUILD)/bench/akisim-bench
	@$(BUILD)/bench/akisim-bench-mapper
	@$(BUILD)/bench/akisim-bench-engine
	@$(BUILD)/bench/akisim-bench-sweep
	@if [ -x $(BUILD)/bench/akisim-bench-rtl ]; then $(BUILD)/bench/akisim-bench-rtl; fi

format:
	@find npu mesh compiler sim test bench rtl reports -name '*.[ch]' -o -name '*.cpp' | xargs clang-format -i

clean:
	rm -rf $(BUILD) $(ASAN)
