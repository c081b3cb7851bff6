# Thin wrapper over CMake. `make test` is what CI runs.
BUILD      ?= build
ASAN_BUILD ?= build-asan
FUZZ_BUILD ?= build-fuzz
DEB_BUILD  ?= build-deb
PREFIX     ?= /usr/local
VERSION    := $(shell awk '/^project/ {print $$3}' CMakeLists.txt)
JOBS       ?= $(shell nproc 2>/dev/null || echo 2)
CMAKE_FLAGS ?=
# The sanitizer build runs about 5 times slower: every test timeout is scaled by this.
ASAN_TIME_SCALE ?= 5

.PHONY: all deps configure test test-plain test-asan test-stress asan demo lint format fuzz bench \
        clean install deb test-package

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
	cmake -S . -B $(ASAN_BUILD) -DNB_WERROR=ON -DNB_SANITIZE=ON -DCMAKE_BUILD_TYPE=Debug \
	      -DNB_TEST_TIME_SCALE=$(ASAN_TIME_SCALE) $(CMAKE_FLAGS) >/dev/null
	cmake --build $(ASAN_BUILD) -j $(JOBS)

test-asan: asan
	cd $(ASAN_BUILD) && NB_TEST_TIME_SCALE=$(ASAN_TIME_SCALE) ctest --output-on-failure -j $(JOBS)

# make test three times in a row beside two CPU-bound processes; each round must pass.
test-stress:
	BUILD=$(BUILD) ./scripts/test-stress.sh

demo: deps all
	./$(BUILD)/newsbrief demo

lint:
	./scripts/lint.sh

format:
	clang-format -i $$(git ls-files 'src/*.c' 'src/*.h' 'tests/*.c' 'tests/*.h' 'fuzz/*.c' 'bench/*.c')

fuzz:
	cmake -S fuzz -B $(FUZZ_BUILD) -DCMAKE_C_COMPILER=clang >/dev/null
	cmake --build $(FUZZ_BUILD) -j $(JOBS)
	./scripts/run-fuzz.sh $(FUZZ_BUILD)

bench: all
	./bench/run.sh $(BUILD)

# The binary, the systemd units, the man pages, bash completion and the example
# configuration under $(PREFIX) (default /usr/local), inside $(DESTDIR) when set.
install:
	cmake -S . -B $(BUILD) -DNB_WERROR=ON -DCMAKE_INSTALL_PREFIX=$(PREFIX) $(CMAKE_FLAGS) >/dev/null
	cmake --build $(BUILD) -j $(JOBS)
	DESTDIR=$(DESTDIR) cmake --install $(BUILD)

# A Debian package (debhelper) of the tracked files, built in $(DEB_BUILD)/.
deb:
	rm -rf $(DEB_BUILD) && mkdir -p $(DEB_BUILD)/newsbrief-$(VERSION)
	git ls-files -z | xargs -0 tar -c | tar -x -C $(DEB_BUILD)/newsbrief-$(VERSION)
	cd $(DEB_BUILD)/newsbrief-$(VERSION) && dpkg-buildpackage -b -us -uc -j$(JOBS)
	@ls $(DEB_BUILD)/*.deb

# Builds the package and checks it (contents, man pages, units); installs it with dpkg -i
# only when NB_TEST_DPKG_INSTALL=1 (a throwaway CI machine).
test-package:
	./scripts/test-package.sh $(DEB_BUILD)

clean:
	rm -rf $(BUILD) $(ASAN_BUILD) $(FUZZ_BUILD) $(DEB_BUILD)
