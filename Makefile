# SQLCipher's driver leaves FTS5 and JSON1 out unless these tags are given;
# every target builds with them.
TAGS    := sqlite_fts5 sqlite_json
VERSION ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
BIN     := bin/tftsr-mcp
ARGS    ?= doctor

export CGO_ENABLED := 1

# SQLCipher on OpenSSL's libcrypto (AES-NI) instead of the driver's bundled
# libtomcrypt: a forced include switches the driver's crypto provider (see
# store/sqlcipher/openssl.h; needs libssl-dev). Every target builds this
# way; a plain `go build` still works, on the slower provider.
CIPHER_H := $(CURDIR)/store/sqlcipher/openssl.h
# Go's build cache keys on the flags' text, not on the header's content:
# the header's checksum in the flags rebuilds the driver when it changes.
CIPHER_SUM := $(shell sha256sum $(CIPHER_H) | cut -c1-16)
export CGO_CFLAGS := -O2 -g -include $(CIPHER_H) -DTFTSR_CIPHER_H_SUM=$(CIPHER_SUM)
export CGO_LDFLAGS := -O2 -g -lcrypto

# The first cgo build compiles SQLCipher's C amalgamation: 3-4 minutes in
# which go prints nothing. Say so before it starts.
CGO_NOTE := @echo "compiling (the first build compiles SQLCipher through cgo: 3-4 minutes with no output; later builds are cached)" >&2

.PHONY: help build run test test-short bench bench-fullscan bench-cipher bench-deps vet lint e2e clean

help: ## list targets
	@grep -E '^[a-z-]+:.*##' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  %-10s %s\n", $$1, $$2}'

build: ## build bin/tftsr-mcp (with FTS5)
	$(CGO_NOTE)
	go build -tags '$(TAGS)' -ldflags '-X main.version=$(VERSION)' -o $(BIN) ./cmd/tftsr-mcp

run: build ## build, then run it: make run ARGS="serve" (default ARGS=doctor)
	./$(BIN) $(ARGS)

test: ## run every test (race detector on), the end-to-end suite included
	$(CGO_NOTE)
	go test -race -tags '$(TAGS)' -timeout 40m ./...

test-short: ## quick tests, no race detector
	$(CGO_NOTE)
	go test -short -tags '$(TAGS)' ./...

bench: ## run the benchmarks that print the issues' numbers (needs bench-deps)
	@command -v pigz >/dev/null && command -v rg >/dev/null || \
		{ echo "bench: pigz and rg (ripgrep) are the anchors of the log benchmarks; install them with: make bench-deps" >&2; exit 1; }
	go test -tags '$(TAGS)' -run '^$$' -bench . -benchtime 1x -timeout 60m ./...

# The commit issue 15 was filed on: its search is the full scan's anchor.
ANCHOR15 := 7e3cb3d

bench-fullscan: ## full-scan MB/s of the 1 GiB log beside the search of $(ANCHOR15) (libtomcrypt), in one run
	@command -v rg >/dev/null || { echo "bench-fullscan: rg (ripgrep) is its other anchor; install it with: make bench-deps" >&2; exit 1; }
	@dir=$$(mktemp -d) && trap 'git worktree remove --force '$$dir'/src >/dev/null 2>&1; rm -rf '$$dir EXIT && \
	git worktree add --detach $$dir/src $(ANCHOR15) >/dev/null 2>&1 && \
	(cd $$dir/src && CGO_CFLAGS='-O2 -g' CGO_LDFLAGS='-O2 -g' go test -c -tags '$(TAGS)' -o $$dir/anchor.test ./store/) && \
	TFTSR_BENCH_ANCHOR_TEST=$$dir/anchor.test TFTSR_BENCH_LOG_MB=$${TFTSR_BENCH_LOG_MB:-1024} \
		go test -tags '$(TAGS)' -run '^$$' -bench FullScan -benchtime 5x -timeout 60m ./store/

bench-cipher: ## 1 MiB blob write/read MB/s on both crypto providers, OpenSSL then libtomcrypt, in one run
	@echo "== OpenSSL (make's build)"; go test -tags '$(TAGS)' -run '^$$' -bench Blobs -benchtime 1x ./store/
	@echo "== libtomcrypt (a plain go build)"; CGO_CFLAGS='-O2 -g' CGO_LDFLAGS='-O2 -g' go test -tags '$(TAGS)' -run '^$$' -bench Blobs -benchtime 1x ./store/

bench-deps: ## install pigz and ripgrep, the anchors of make bench (Debian/Ubuntu)
	@if [ "$$(id -u)" = 0 ]; then SUDO=; else SUDO=sudo; fi; \
		$$SUDO apt-get install -y pigz ripgrep

vet: ## go vet
	go vet -tags '$(TAGS)' ./...

lint: vet ## gofmt check + vet
	@out=$$(gofmt -l $$(git ls-files '*.go')); if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi

clean: ## remove build output
	rm -rf bin
