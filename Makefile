# The project's checks. CI calls `make test` from .ci/run; run the same locally.

CARGO ?= cargo
# Scratch copy of the man page that `test` compares with the checked-in one.
MAN_FRESH ?= /tmp/alexander.1

.PHONY: all test fmt clippy nextest doctest man-check completions-check check-locked bench man completions deb deb-check fuzz fuzz-build fuzz-seeds

all: test

# Every check, in order; the first failure stops the run.
test: fmt clippy nextest doctest man-check completions-check check-locked

fmt:
	$(CARGO) fmt --all -- --check

clippy:
	$(CARGO) clippy --workspace --all-targets -- -D warnings

nextest:
	$(CARGO) nextest run --workspace --profile ci

doctest:
	$(CARGO) test --workspace --doc

# man/alexander.1 must match what the binary generates from its clap definitions.
man-check:
	$(CARGO) run --quiet -- generate man > $(MAN_FRESH)
	diff -u man/alexander.1 $(MAN_FRESH)

# packaging/completions/ must match what the binary generates.
COMPLETIONS = bash:alexander.bash zsh:_alexander fish:alexander.fish
completions-check:
	@for c in $(COMPLETIONS); do \
		$(CARGO) run --quiet -- generate completions $${c%%:*} > /tmp/alexander-completion && \
		diff -q packaging/completions/$${c#*:} /tmp/alexander-completion || \
		{ echo "packaging/completions/$${c#*:} is stale: run make completions"; exit 1; }; \
	done

check-locked:
	$(CARGO) check --locked --workspace

# Figures for the store, then for the S3 endpoint over loopback, then for
# the FUSE mount next to the native disk and bindfs (each prints a table;
# ALEXANDER_BENCH_QUICK=1 for a short run).
bench:
	$(CARGO) bench -p alexander-store --bench store
	$(CARGO) bench -p alexander-s3 --bench s3
	$(CARGO) bench -p alexander-fuse --bench fuse

# Regenerate the checked-in man page (write to a temporary file first so a
# failed run leaves the old page intact).
man:
	$(CARGO) run --quiet -- generate man > man/alexander.1.tmp
	mv man/alexander.1.tmp man/alexander.1

# Regenerate the checked-in shell completions.
completions:
	@for c in $(COMPLETIONS); do \
		$(CARGO) run --quiet -- generate completions $${c%%:*} > packaging/completions/$${c#*:}.tmp && \
		mv packaging/completions/$${c#*:}.tmp packaging/completions/$${c#*:}; \
	done

# The Debian package (cargo-deb, a release build): target/debian/*.deb.
deb:
	$(CARGO) deb

# Builds the package, installs it on this machine (root) and runs what it
# installed: the binary, its man page, the units and completions in place.
deb-check: deb
	dpkg -i target/debian/alexander_*.deb
	/usr/bin/alexander --version
	MANPAGER=cat man alexander | head -n 5
	test -f /lib/systemd/system/alexander.service
	test -f /lib/systemd/system/alexander-mount.service
	test -f /usr/share/bash-completion/completions/alexander
	getent passwd alexander
	test -d /var/lib/alexander

# Fuzzing: cargo-fuzz targets in fuzz/, a workspace of its own built with
# nightly (`cargo install cargo-fuzz --locked` once). `make fuzz` runs each
# target for FUZZ_SECONDS, single process; new inputs go to a scratch
# corpus under fuzz/target, the committed seeds in fuzz/corpus stay as they
# are. Run one target for long with, e.g.:
#   cd fuzz && cargo +nightly fuzz run -s none sigv4_verify \
#       target/corpus/sigv4_verify corpus/sigv4_verify -- -runs=10000000
# A crash is saved under fuzz/artifacts/<target>/ and replays with
# `cargo +nightly fuzz run -s none <target> <file>`.
FUZZ_CARGO ?= cargo +nightly
FUZZ_SECONDS ?= 30
# The crates deny unsafe code, so AddressSanitizer finds little that the
# panics and libFuzzer's memory limits do not; without it targets run
# several times faster. Overflow checks and debug assertions stay on
# (fuzz/Cargo.toml).
FUZZ_BUILD_FLAGS ?= -s none
FUZZ_TARGETS = sigv4_verify sigv4_sign chunked_decode chunked_roundtrip xml_body \
	range_conditions names records pack_records

fuzz-build:
	cd fuzz && $(FUZZ_CARGO) fuzz build $(FUZZ_BUILD_FLAGS)

fuzz: fuzz-build
	cd fuzz && for t in $(FUZZ_TARGETS); do \
		mkdir -p target/corpus/$$t corpus/$$t && \
		$(FUZZ_CARGO) fuzz run $(FUZZ_BUILD_FLAGS) $$t target/corpus/$$t corpus/$$t -- \
			-max_total_time=$(FUZZ_SECONDS) -print_final_stats=1 || exit 1; \
	done

# Rewrites the seed corpora (fuzz/corpus/<target>/) from real requests,
# bodies, records and packs.
fuzz-seeds:
	cd fuzz && $(FUZZ_CARGO) fuzz build $(FUZZ_BUILD_FLAGS) --features seeds seeds \
		&& ./target/x86_64-unknown-linux-gnu/release/seeds
