# Rigel — the two commands a new machine needs are `make demo` and `make test`.
SHELL := /bin/bash
GO ?= go
# The Go toolchain Rigel is built, vetted, tested and scanned with: go1.27.3, which the go
# command takes from the Go module proxy like a module (about 76 MB, once per machine). go.mod
# keeps `go 1.26`, so Rigel still builds with Go 1.26, but only go1.27.3 carries the standard
# library's fixes govulncheck asks for (see internal/vulngate/accepted.txt's history). Run
# `go` by hand with the same export (README, Development). The test bed (testbed/build.sh) is
# built with the machine's own Go: it is a test tool, never shipped.
export GOTOOLCHAIN := go1.27.3
export RIGEL_TESTBED_DIR ?= $(HOME)/.cache/rigel-testbed

# Go tools the Makefile installs from the Go module proxy, each at a pinned version, into
# TOOLS (one directory per version, so bumping a version installs the new one).
TOOLS ?= $(CURDIR)/.cache/tools
# govulncheck v1.9.0: the newest golang.org/x/vuln served here that builds with Go 1.26.
GOVULNCHECK_VERSION := v1.9.0
# Built with the toolchain that builds Rigel: govulncheck type-checks Rigel's dependencies with
# the go/types it was built with, so one built with an older Go refuses newer files.
GOVULNCHECK := $(TOOLS)/govulncheck@$(GOVULNCHECK_VERSION)-$(GOTOOLCHAIN)/govulncheck
# The Go vulnerability database, taken from the module proxy as the golang.org/x/vulndb
# module (its data/osv entries, indexed by its own cmd/indexdb) because the machines reach
# no other site. It is a snapshot: bump VULNDB_VERSION to the pseudo-version
# `go list -m golang.org/x/vulndb@latest` names to get new entries; where the live database
# is reachable, `make vulncheck VULNDB=https://vuln.go.dev` uses it instead.
VULNDB_VERSION := v0.0.0-20261105234957-e22db6528018
VULNDB_DIR := $(TOOLS)/vulndb@$(VULNDB_VERSION)
VULNDB ?= file://$(VULNDB_DIR)

# The version-skew run: the core e2e loop against the oldest Kubernetes line upstream
# supports (testbed/apiserver-1.35), besides everything against the line Rigel builds on.
SKEW_APISERVER := kube-apiserver-1.35
SKEW_TESTS := TestCoreLoop|TestKustomizeFolder|TestStalePlanIsRefused|TestRemoveDeployment

.PHONY: all build test test-skew demo bench testbed tools vet vulncheck clean

all: build

# The version and revision stamped into the binary (package internal/buildinfo, served as
# rigel_build_info): the release tag checked out, and the commit. Left empty (no tag, no git),
# the binary reports what the Go toolchain recorded (its pseudo-version and vcs.revision).
VERSION ?= $(shell git describe --tags --match 'v[0-9]*' --exact-match 2>/dev/null)
REVISION ?= $(shell git rev-parse HEAD 2>/dev/null)
LDFLAGS := -X github.com/rigel-gitops/rigel/internal/buildinfo.version=$(VERSION) \
	-X github.com/rigel-gitops/rigel/internal/buildinfo.revision=$(REVISION)

# build: the rigel binary (its folder stays cmd/bot), stamped; `bin/rigel version` shows it.
build:
	$(GO) build -ldflags "$(LDFLAGS)" -o bin/rigel ./cmd/bot

# tools: what the tests need besides Go, from the machine's package registry when missing.
tools:
	@command -v git >/dev/null && [ -x "$$(git --exec-path)/git-http-backend" ] || { \
		echo "installing git (the test git server runs git-http-backend)"; \
		apt-get update -qq && apt-get install -y -qq git >/dev/null; }
	@[ -x /usr/bin/chromium ] || { \
		echo "installing chromium (e2e/setup_test.go clicks through /setup in it, headless)"; \
		apt-get update -qq && apt-get install -y -qq chromium >/dev/null; }

$(GOVULNCHECK):
	GOBIN=$(dir $@) $(GO) install golang.org/x/vuln/cmd/govulncheck@$(GOVULNCHECK_VERSION)

$(VULNDB_DIR)/index/db.json:
	GOBIN=$(TOOLS)/indexdb@$(VULNDB_VERSION) $(GO) install golang.org/x/vulndb/cmd/indexdb@$(VULNDB_VERSION)
	src="$$($(GO) mod download -json golang.org/x/vulndb@$(VULNDB_VERSION) | sed -n 's/^\t"Dir": "\(.*\)",$$/\1/p')" && \
	rm -rf $(VULNDB_DIR).tmp && \
	$(TOOLS)/indexdb@$(VULNDB_VERSION)/indexdb -vulns "$$src/data/osv" -out $(VULNDB_DIR).tmp && \
	rm -rf $(VULNDB_DIR) && mv $(VULNDB_DIR).tmp $(VULNDB_DIR)

# vulncheck fails when code Rigel calls reaches a known vulnerability (govulncheck's
# symbol-level findings) that internal/vulngate/accepted.txt does not list with a reason; a
# vulnerable module that is only required, or whose vulnerable code is not called, does not
# fail. The full report is in $(TOOLS)/vulncheck.json.
vulncheck: $(GOVULNCHECK) $(if $(filter file://%,$(VULNDB)),$(VULNDB_DIR)/index/db.json)
	$(GOVULNCHECK) -db $(VULNDB) -json ./... >$(TOOLS)/vulncheck.json
	$(GO) run ./internal/vulngate -accepted internal/vulngate/accepted.txt <$(TOOLS)/vulncheck.json

# testbed: the real etcd and kube-apiserver the tests run, built once from the Go module proxy.
testbed: tools
	bash testbed/build.sh

vet:
	$(GO) vet ./...

test: testbed vulncheck
	$(GO) vet ./...
	$(GO) test -count=1 -timeout 30m ./...
	$(MAKE) --no-print-directory test-skew

# test-skew: the test bed's own check (its /version is the 1.35 line) and the core e2e loop
# against kube-apiserver 1.35, the oldest line upstream supports.
test-skew: testbed
	RIGEL_TESTBED_APISERVER=$(SKEW_APISERVER) $(GO) test -count=1 -timeout 15m -run 'TestCluster$$' ./internal/testenv
	RIGEL_TESTBED_APISERVER=$(SKEW_APISERVER) $(GO) test -count=1 -timeout 15m -run '^($(SKEW_TESTS))$$' ./e2e

demo: testbed
	$(GO) run ./cmd/demo

bench: testbed
	$(GO) run ./cmd/bench

clean:
	rm -rf bin
