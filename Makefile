# Everyday targets. The README's test command is `go test ./...`; .ci/run
# adds vet, staticcheck, the race detector, short fuzzing and the perf check.

GO ?= go
PKGS := ./...

.PHONY: build test race fuzz lint bench perf-check ci release-check

build:
	$(GO) build -o runbook ./cmd/runbook

test:
	$(GO) test $(PKGS)

race:
	$(GO) test -race $(PKGS)

# Short fuzz runs of every fuzz target (FUZZTIME=2m make fuzz for longer).
FUZZTIME ?= 15s
fuzz:
	scripts/fuzz $(FUZZTIME)

lint:
	@test -z "$$(gofmt -l $$(git ls-files '*.go'))" || (gofmt -l $$(git ls-files '*.go'); exit 1)
	$(GO) vet $(PKGS)
	$(GO) run honnef.co/go/tools/cmd/staticcheck@v0.8.2 $(PKGS)

# Prints the performance table (docs/performance.md explains each row).
bench:
	scripts/bench

# The CI regression gate: generous ratios, a few minutes at most.
perf-check:
	scripts/bench --check

ci:
	bash .ci/run

# goreleaser check, a snapshot release into dist/ (nothing published), its
# contents checked and the deb installed into a scratch root.
release-check:
	scripts/release-check
