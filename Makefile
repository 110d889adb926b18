# sitewarden — the two commands of the quick start are `make demo` and `make test`.
BUILD      ?= build
BUILD_ASAN ?= build-asan
BUILD_FUZZ ?= build-fuzz
JOBS       ?= $(shell nproc 2>/dev/null || echo 2)
DEMO_DIR   ?= demo-data
BIN        := $(BUILD)/src/cli/sitewarden

.PHONY: all deps configure build demo test bench asan fuzz deb clean

all: build

deps:
	@bash scripts/install-deps.sh

$(BUILD)/build.ninja:
	cmake -S . -B $(BUILD) -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo

configure: $(BUILD)/build.ninja

build: deps configure
	ninja -C $(BUILD) -j$(JOBS)

# Installs what is missing, builds, seeds a demo province once, serves the console in the foreground.
demo: build
	@if [ ! -f $(DEMO_DIR)/sitewarden.toml ]; then \
	  $(BIN) init --data-dir $(DEMO_DIR) --demo; \
	fi
	$(BIN) serve --config $(DEMO_DIR)/sitewarden.toml

# Installs what is missing, builds, runs every test (unit, integration, browser).
test: build
	ctest --test-dir $(BUILD) --output-on-failure -j$(JOBS) --timeout 600

bench: build
	bash bench/run.sh $(BUILD)

asan: deps
	cmake -S . -B $(BUILD_ASAN) -G Ninja -DCMAKE_BUILD_TYPE=Debug -DSW_SANITIZE=ON
	ninja -C $(BUILD_ASAN) -j$(JOBS)
	ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 \
	  ctest --test-dir $(BUILD_ASAN) --output-on-failure -j$(JOBS) --timeout 900

# libFuzzer targets (clang-19) for the HTML and OOXML extractors and the normaliser; FUZZ_SECONDS each.
fuzz: deps
	bash fuzz/run.sh $(BUILD_FUZZ)

deb: build
	bash packaging/build-deb.sh $(BUILD)

clean:
	rm -rf $(BUILD) $(BUILD_ASAN) $(BUILD_FUZZ)
