# The project's checks. CI calls `make test` from .ci/run; run the same locally.

CARGO ?= cargo
# Scratch copy of the man page that `test` compares with the checked-in one.
MAN_FRESH ?= /tmp/alexander.1

.PHONY: all test fmt clippy nextest doctest man-check check-locked bench man

all: test

# Every check, in order; the first failure stops the run.
test: fmt clippy nextest doctest man-check check-locked

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
