# Every target installs what is missing (scripts/install-deps), then builds with CMake.
BUILD ?= build
BUILD_ASAN ?= build-asan
PREFIX ?= /usr/local
JOBS ?= 2

.PHONY: all deps build test test-s3 test-fast test-asan test-sanitize test-tsan fuzz-smoke demo install clean format bench torture fuzz

all: build

deps:
	@./scripts/install-deps

$(BUILD)/CMakeCache.txt: | deps
	cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=RelWithDebInfo

build: deps $(BUILD)/CMakeCache.txt
	cmake --build $(BUILD) -j $(JOBS)

# The default test run: every test on a normal build, again under ASan+UBSan,
# then a short fuzzing smoke run of each libFuzzer target.
test: test-fast test-asan fuzz-smoke

# The whole suite under AddressSanitizer and UndefinedBehaviorSanitizer (CI runs it via make test).
test-asan: test-sanitize

# The S3 tests alone (--replicate against a real Ceph gateway; root:
# scripts/engines/ceph-up installs ~300 MB and starts a one-node Ceph;
# skipped otherwise). test-fast runs them too; the sanitized run does not.
test-s3: build
	ctest --test-dir $(BUILD) --output-on-failure -L s3

test-fast: build
	ctest --test-dir $(BUILD) --output-on-failure -j $(JOBS)

test-sanitize: deps
	cmake -S . -B $(BUILD_ASAN) -DCMAKE_BUILD_TYPE=Debug -DCKWRAP_SANITIZE=ON
	cmake --build $(BUILD_ASAN) -j $(JOBS)
	ctest --test-dir $(BUILD_ASAN) --output-on-failure -j $(JOBS) -LE s3

# The threads (the loop, the side thread of a flood's DONE ids, the commit
# worker) under ThreadSanitizer: every unit test, and the integration tests
# of floods, backpressure and kills. Not part of `make test`: a build of its
# own (about 10 minutes on 2 cores) for what the ASan run cannot see.
BUILD_TSAN ?= build-tsan
TSAN_ENV = TSAN_OPTIONS="halt_on_error=1 exitcode=66 allocator_may_return_null=1 suppressions=$(CURDIR)/tests/tsan/suppressions.txt"
test-tsan: deps
	cmake -S . -B $(BUILD_TSAN) -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCKWRAP_TSAN=ON
	cmake --build $(BUILD_TSAN) -j $(JOBS) --target unit_tests ckwrap slow_fsync sync_counter
	$(TSAN_ENV) $(BUILD_TSAN)/unit_tests
	$(TSAN_ENV) ctest --test-dir $(BUILD_TSAN) --output-on-failure \
	  -R '^integration[.]test_(journal|done_flood_repeats|backpressure|resume_after_sigkill|disk_full)$$'

# Not part of `make test` (a --quick smoke run is): a few minutes, figures as
# ratios against baselines measured in the same run; JSON in $(BUILD)/bench.json.
bench: build
	./scripts/bench --build $(BUILD) --json $(BUILD)/bench.json

# Crash torture: TORTURE_ITERATIONS SIGKILLs of ckwrap at random moments (make test runs 30).
TORTURE_ITERATIONS ?= 1000
torture: build
	./scripts/torture --iterations $(TORTURE_ITERATIONS) $(BUILD)/ckwrap

# libFuzzer targets (clang++, separate build dir), FUZZ_SECONDS each, starting
# from the seed corpus in tests/fuzz/corpus (new inputs go to $(BUILD_FUZZ)/corpus).
BUILD_FUZZ ?= build-fuzz
FUZZ_SECONDS ?= 60
fuzz: deps
	cmake -S . -B $(BUILD_FUZZ) -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_CXX_COMPILER=clang++ -DCKWRAP_FUZZ=ON
	cmake --build $(BUILD_FUZZ) -j $(JOBS) --target fuzz_protocol fuzz_checkpoint fuzz_journal
	for t in protocol checkpoint journal; do \
	  mkdir -p $(BUILD_FUZZ)/corpus/$$t && \
	  $(BUILD_FUZZ)/fuzz_$$t -max_total_time=$(FUZZ_SECONDS) -max_len=65536 -rss_limit_mb=1024 \
	    -artifact_prefix=$(BUILD_FUZZ)/crash-$$t- $(BUILD_FUZZ)/corpus/$$t tests/fuzz/corpus/$$t || exit 1; \
	done

# The three targets run at once (one process each, on every core), about 30 s
# in all on this machine. A fixed seed and run count make it
# deterministic: what passes here passes in CI; open-ended fuzzing is make fuzz.
FUZZ_SMOKE_RUNS_protocol ?= 600000
FUZZ_SMOKE_RUNS_checkpoint ?= 1000000
FUZZ_SMOKE_RUNS_journal ?= 600000
fuzz-smoke: deps
	cmake -S . -B $(BUILD_FUZZ) -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_CXX_COMPILER=clang++ -DCKWRAP_FUZZ=ON
	cmake --build $(BUILD_FUZZ) -j $(JOBS) --target fuzz_protocol fuzz_checkpoint fuzz_journal
	for t in protocol checkpoint journal; do \
	  case $$t in protocol) runs=$(FUZZ_SMOKE_RUNS_protocol) ;; checkpoint) runs=$(FUZZ_SMOKE_RUNS_checkpoint) ;; \
	    journal) runs=$(FUZZ_SMOKE_RUNS_journal) ;; esac; \
	  rm -rf $(BUILD_FUZZ)/smoke/$$t $(BUILD_FUZZ)/smoke-$$t.status && mkdir -p $(BUILD_FUZZ)/smoke/$$t && \
	  { $(BUILD_FUZZ)/fuzz_$$t -seed=1 -runs=$$runs -max_len=65536 -rss_limit_mb=1024 \
	    -print_final_stats=1 -artifact_prefix=$(BUILD_FUZZ)/crash-$$t- \
	    $(BUILD_FUZZ)/smoke/$$t tests/fuzz/corpus/$$t > $(BUILD_FUZZ)/smoke-$$t.log 2>&1; \
	    echo $$? > $(BUILD_FUZZ)/smoke-$$t.status; } & \
	done; wait; \
	for t in protocol checkpoint journal; do \
	  tail -n 8 $(BUILD_FUZZ)/smoke-$$t.log; rc=$$(cat $(BUILD_FUZZ)/smoke-$$t.status); \
	  [ "$$rc" = 0 ] || { echo "fuzz-smoke: fuzz_$$t failed (status $$rc); see $(BUILD_FUZZ)/smoke-$$t.log"; exit 1; }; \
	done

demo: build
	./scripts/demo $(BUILD)/ckwrap

# DESTDIR stages the tree (packaging): files land in $(DESTDIR)$(PREFIX)/...
install: build
	DESTDIR="$(DESTDIR)" cmake --install $(BUILD) --prefix $(PREFIX)

format:
	clang-format -i sidecar/*/*.cc sidecar/*/*.h tests/unit/*.cc tests/unit/*/*.cc tests/unit/*/*.h

clean:
	rm -rf $(BUILD) $(BUILD_ASAN) $(BUILD_FUZZ)
