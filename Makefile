# Rigel — the two commands a new machine needs are `make demo` and `make test`.
SHELL := /bin/bash
GO ?= go
export RIGEL_TESTBED_DIR ?= $(HOME)/.cache/rigel-testbed

.PHONY: all build test demo bench testbed tools vet clean

all: build

build:
	$(GO) build -o bin/bot ./cmd/bot

# tools: what the tests need besides Go, from the machine's package registry when missing.
tools:
	@command -v git >/dev/null && [ -x "$$(git --exec-path)/git-http-backend" ] || { \
		echo "installing git (the test git server runs git-http-backend)"; \
		apt-get update -qq && apt-get install -y -qq git >/dev/null; }

# testbed: the real etcd and kube-apiserver the tests run, built once from the Go module proxy.
testbed: tools
	bash testbed/build.sh

vet:
	$(GO) vet ./...

test: testbed
	$(GO) vet ./...
	$(GO) test -count=1 -timeout 30m ./...

demo: testbed
	$(GO) run ./cmd/demo

bench: testbed
	$(GO) run ./cmd/bench

clean:
	rm -rf bin
