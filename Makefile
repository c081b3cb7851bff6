# Thin wrapper over CMake. `make test` is what CI runs.
BUILD      ?= build
ASAN_BUILD ?= build-asan
FUZZ_BUILD ?= build-fuzz
JOBS       ?= $(shell nproc 2>/dev/null || echo 2)
CMAKE_FLAGS ?=

.PHONY: all deps configure test test-plain test-asan asan demo lint format fuzz fuzz-build fuzz-long bench clean

all: configure
	cmake --build $(BUILD) -j $(JOBS)

deps:
	./scripts/install-deps.sh

configure:
	cmake -S . -B $(BUILD) -DNB_WERROR=ON $(CMAKE_FLAGS) >/dev/null

test: deps test-plain test-asan

test-plain: configure
	cmake --build $(BUILD) -j $(JOBS)
	cd $(BUILD) && ctest --output-on-failure -j $(JOBS)

asan:
	cmake -S . -B $(ASAN_BUILD) -DNB_WERROR=ON -DNB_SANITIZE=ON -DCMAKE_BUILD_TYPE=Debug $(CMAKE_FLAGS) >/dev/null
	cmake --build $(ASAN_BUILD) -j $(JOBS)

test-asan: asan
	cd $(ASAN_BUILD) && NB_TEST_TIME_SCALE=5 ctest --output-on-failure -j $(JOBS)

demo: deps all
	./$(BUILD)/newsbrief demo

lint:
	./scripts/lint.sh

format:
	clang-format -i $$(git ls-files 'src/*.c' 'src/*.h' 'tests/*.c' 'tests/*.h' 'fuzz/*.c' 'bench/*.c')

fuzz-build:
	cmake -S fuzz -B $(FUZZ_BUILD) -DCMAKE_C_COMPILER=clang >/dev/null
	cmake --build $(FUZZ_BUILD) -j $(JOBS)

fuzz: fuzz-build
	./scripts/run-fuzz.sh $(FUZZ_BUILD)

# every target MINUTES minutes on every core, with its corpus and dictionary; one table
MINUTES ?= 10
fuzz-long: fuzz-build
	./scripts/fuzz-long.sh $(FUZZ_BUILD) $(MINUTES)

bench: all
	./bench/run.sh $(BUILD)

clean:
	rm -rf $(BUILD) $(ASAN_BUILD) $(FUZZ_BUILD)
