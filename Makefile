# Roster's two commands for a fresh machine are `make run` and `make test` (see README.md).
# Every install step below is idempotent: it is skipped when the right version is present.

SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := run

CARGO_LEPTOS_VERSION := 0.3.10
# The wasm-bindgen CLI must equal the wasm-bindgen crate in Cargo.lock.
WASM_BINDGEN_VERSION := $(shell awk '/^name = "wasm-bindgen"$$/ { getline; gsub(/"/, "", $$3); print $$3 }' Cargo.lock)
# wasm-opt (npm binaryen) and Playwright live in end2end/node_modules.
export PATH := $(CURDIR)/end2end/node_modules/.bin:$(HOME)/.cargo/bin:$(PATH)
# Installing cargo-leptos with its own LTO release profile takes 20+ minutes on 2 cores.
FAST_INSTALL := CARGO_PROFILE_RELEASE_LTO=false CARGO_PROFILE_RELEASE_CODEGEN_UNITS=16
# Every page but the frame is a lazy route whose code sits in a WASM module of its own
# (src/components/lazy.rs); every build splits them out.
SPLIT := --split
# What cargo-leptos sets for debug builds; the same flags let tests reuse its artifacts.
DEBUG_ENV := RUSTFLAGS="--cfg erase_components"
SSR := --no-default-features --features ssr
AS_ROOT := $(if $(filter 0,$(shell id -u)),,sudo)
FREE_PORT := python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
PG_BIN = $(shell dirname "$$(command -v initdb 2>/dev/null || ls /usr/lib/postgresql/*/bin/initdb 2>/dev/null | tail -n 1)")

.PHONY: run dev test fuzz bench soak bench-phone tools browser-tools postgres-tools lint test-wasm-size test-rust test-postgres test-e2e test-e2e-postgres e2e-two-instances clean

# The release build runs only when a source changed, so a second `make run` starts at once
# (cargo-leptos would otherwise re-run wasm-bindgen and wasm-opt, ~20 s).
RELEASE_STAMP := target/release/.roster-built
SOURCES := $(shell find src style public migrations end2end/package-lock.json -type f 2>/dev/null) Cargo.toml Cargo.lock build.rs

$(RELEASE_STAMP): $(SOURCES)
	cargo leptos build --release $(SPLIT)
	@touch $@

## make run: build in release mode and serve Roster on SQLite at http://127.0.0.1:3000.
run: tools $(RELEASE_STAMP)
	@if [ -z "$${ROSTER_DEMO+set}" ] && ! grep -qs '^ROSTER_DEMO=' .env; then export ROSTER_DEMO=1; fi; \
	  LEPTOS_SITE_ROOT=target/site exec target/release/roster

## make dev: rebuild and restart on every change (debug build).
dev: tools
	ROSTER_DEMO=$${ROSTER_DEMO:-1} cargo leptos watch $(SPLIT)

## make test: lint, Rust tests on SQLite and PostgreSQL, then Playwright in Chromium.
test: tools browser-tools postgres-tools lint test-rust test-postgres test-e2e test-e2e-postgres test-wasm-size
	@echo "All checks passed."

# end2end's npm packages: Playwright, the wasm-opt of release builds, and the SMTP server the
# Rust mail tests send to. Installed again only when package-lock.json changes.
NODE_STAMP := end2end/node_modules/.roster-installed
$(NODE_STAMP): end2end/package-lock.json
	cd end2end && PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci --no-audit --no-fund
	@touch $@

tools: $(NODE_STAMP)
	@rustup target list --installed | grep -qx wasm32-unknown-unknown || rustup target add wasm32-unknown-unknown
	@rustup component list --installed | grep -q '^clippy' || rustup component add clippy rustfmt
	@cargo leptos --version 2>/dev/null | grep -qF "$(CARGO_LEPTOS_VERSION)" || \
	  $(FAST_INSTALL) cargo install cargo-leptos --locked --version $(CARGO_LEPTOS_VERSION) --features no_downloads
	@wasm-bindgen --version 2>/dev/null | grep -qF "$(WASM_BINDGEN_VERSION)" || \
	  $(FAST_INSTALL) cargo install wasm-bindgen-cli --version $(WASM_BINDGEN_VERSION) --force

browser-tools:
	@command -v chromium >/dev/null || ($(AS_ROOT) apt-get update && $(AS_ROOT) apt-get install -y chromium)

postgres-tools:
	@[ -x "$(PG_BIN)/initdb" ] || ($(AS_ROOT) apt-get update && $(AS_ROOT) apt-get install -y postgresql)
	@if [ "$$(id -u)" = 0 ] && ! id pgtest >/dev/null 2>&1; then useradd -r -M -s /bin/bash pgtest; fi

lint:
	cargo fmt --check
	$(DEBUG_ENV) cargo clippy --all-targets $(SSR) -- -D warnings
	$(DEBUG_ENV) cargo clippy --lib --no-default-features --features hydrate --target wasm32-unknown-unknown -- -D warnings

# The WASM each page downloads, from a release build of the browser side only (deterministic
# sizes): prints the table per page and fails when a page's first load is over its budget.
# It rewrites target/site/pkg and target/release/hash.txt without the server, so the release
# stamp no longer holds (`make run` builds again).
test-wasm-size: tools
	cargo leptos build --release $(SPLIT) --frontend-only
	rm -f $(RELEASE_STAMP)
	node .ci/wasm-budget.mjs target/site/pkg

test-rust: $(NODE_STAMP)
	$(DEBUG_ENV) cargo test $(SSR)

# The same tests on a throwaway PostgreSQL cluster (.ci/with-postgres starts and stops it).
test-postgres: $(NODE_STAMP) postgres-tools
	.ci/with-postgres ROSTER_TEST_DATABASE_URL env $(DEBUG_ENV) cargo test $(SSR)

# Playwright against a debug build (debug server with debug WASM) on a temporary database,
# with a demo company of 120 people whose owner's one-time password the tests read from the log.
# Debug and release builds share target/site/pkg: after a debug build the release stamp
# no longer holds (a release server with debug WASM fails to hydrate).
# Every Playwright test signs up its own company from 127.0.0.1, so the per-address sign-up
# limit is lifted for the test servers, and invitations may be sent again at once.
# After a failed run the server log is printed, then Playwright's failures and summary again, so
# the end of the output (all a CI summary may keep) names what failed.
FAILED_TESTS = echo "--- failed tests"; sed -n '/^  1) /,$$p'

test-e2e:
	cargo leptos build $(SPLIT)
	rm -f $(RELEASE_STAMP)
	@dir=$$(mktemp -d /tmp/roster-e2e.XXXXXX); port=$$($(FREE_PORT)); \
	  ROSTER_ADDR=127.0.0.1:$$port DATABASE_URL=sqlite://$$dir/e2e.db ROSTER_DEMO=1 ROSTER_DEMO_USERS=120 LEPTOS_SITE_ROOT=target/site \
	  ROSTER_SIGNUPS_PER_HOUR=1000 ROSTER_RESEND_MINUTES=0 target/debug/roster > $$dir/server.log 2>&1 & pid=$$!; \
	  trap 'kill $$pid 2>/dev/null; wait $$pid 2>/dev/null || true; rm -rf "$$dir"' EXIT; \
	  cd end2end && set -o pipefail && BASE_URL=http://127.0.0.1:$$port ROSTER_LOG=$$dir/server.log npx playwright test 2>&1 | tee $$dir/playwright.log || \
	    { echo "--- server log"; tail -n 50 $$dir/server.log; $(FAILED_TESTS) $$dir/playwright.log; exit 1; }

# Live updates across instances: two debug servers on one throwaway PostgreSQL database, and
# live.spec.ts with its second admin on the second instance (BASE_URL_B). No demo company: the
# test signs up its own; the first instance's log carries the emailed links.
test-e2e-postgres: postgres-tools
	cargo leptos build $(SPLIT)
	rm -f $(RELEASE_STAMP)
	.ci/with-postgres DATABASE_URL $(MAKE) --no-print-directory e2e-two-instances

e2e-two-instances:
	@dir=$$(mktemp -d /tmp/roster-e2e-pg.XXXXXX); a=$$($(FREE_PORT)); b=$$($(FREE_PORT)); pids=""; \
	  trap 'kill $$pids 2>/dev/null || true; wait $$pids 2>/dev/null || true; rm -rf "$$dir"' EXIT; \
	  for port in $$a $$b; do \
	    ROSTER_ADDR=127.0.0.1:$$port ROSTER_DEMO=0 LEPTOS_SITE_ROOT=target/site ROSTER_SIGNUPS_PER_HOUR=1000 ROSTER_RESEND_MINUTES=0 \
	      target/debug/roster > $$dir/server-$$port.log 2>&1 & pids="$$pids $$!"; \
	  done; \
	  cd end2end && set -o pipefail && BASE_URL=http://127.0.0.1:$$a BASE_URL_B=http://127.0.0.1:$$b ROSTER_LOG=$$dir/server-$$a.log npx playwright test live.spec.ts 2>&1 | tee $$dir/playwright.log || \
	    { for log in $$dir/server-*.log; do echo "--- $$log"; tail -n 30 $$log; done; $(FAILED_TESTS) $$dir/playwright.log; exit 1; }

## make fuzz: the parsers' property tests (tests/parsers.rs, and the private parsers' beside
## their code) with FUZZ_CASES cases each from fresh seeds, where `make test` runs a few
## thousand from a fixed one. Not part of `make test`. A debug build: its overflow checks
## are what turn an overflow into the panic a property sees. 200,000 cases of each
## property take about a quarter of an hour in all on two cores.
FUZZ_CASES ?= 200000
fuzz:
	PROPTEST_CASES=$(FUZZ_CASES) $(DEBUG_ENV) cargo test $(SSR) --lib --test parsers

## make bench: seed 100,000 users on SQLite and PostgreSQL, measure the release server over
## HTTP beside the database's floor; prints a table, writes target/bench/results.json.
# The bench builds in its own target folder: cargo-leptos' build environment differs from a
# plain cargo build's, and sharing target/release would rebuild every dependency each time.
bench: tools postgres-tools browser-tools $(RELEASE_STAMP)
	PG_FSYNC=on CARGO_TARGET_DIR=target/bench-build .ci/with-postgres BENCH_PG_URL cargo bench --bench scale $(SSR)
	$(MAKE) --no-print-directory bench-phone

# /users' time to interactive on a phone (4x CPU slowdown, Fast 3G, fresh cache), median of 5
# runs against the release server on a throwaway demo company (end2end/bench/phone-tti.mjs).
## make soak: the release server under 200 requests/s of a realistic mix for 10 minutes, on
## SQLite and on PostgreSQL with two instances; prints latency, memory, outbox and database size
## per minute (SOAK_MINUTES, SOAK_RATE, SOAK_USERS change them), writes target/bench/soak.json.
soak: tools postgres-tools $(RELEASE_STAMP)
	PG_FSYNC=on CARGO_TARGET_DIR=target/bench-build .ci/with-postgres BENCH_PG_URL cargo bench --bench soak $(SSR)

bench-phone: tools browser-tools $(RELEASE_STAMP)
	@dir=$$(mktemp -d /tmp/roster-bench.XXXXXX); port=$$($(FREE_PORT)); \
	  ROSTER_ADDR=127.0.0.1:$$port DATABASE_URL=sqlite://$$dir/bench.db ROSTER_DEMO=1 ROSTER_DEMO_USERS=120 LEPTOS_SITE_ROOT=target/site \
	  target/release/roster > $$dir/server.log 2>&1 & pid=$$!; \
	  trap 'kill $$pid 2>/dev/null; wait $$pid 2>/dev/null || true; rm -rf "$$dir"' EXIT; \
	  for i in $$(seq 1 100); do curl -fso /dev/null http://127.0.0.1:$$port/login && break; sleep 0.3; done; \
	  BASE_URL=http://127.0.0.1:$$port ROSTER_LOG=$$dir/server.log node end2end/bench/phone-tti.mjs 5

clean:
	cargo clean
	rm -rf end2end/node_modules end2end/test-results
