# snapbridge — `make run` starts the product on the embedded defaults,
# `make test` runs every test. Both install what they need, idempotently.

SHELL    := /bin/bash
GO       ?= go
VERSION  ?= $(shell git describe --always --dirty 2>/dev/null || echo dev)
BIN      := var/bin
WEB      := var/build/web
LDFLAGS  := -s -w -X main.version=$(VERSION)
# Packages the widget imports: they must compile for the browser.
WASM_PKGS := ./internal/wire/... ./internal/ui/... ./cmd/wasm/...

.PHONY: all build run test vet gotest deps tools server wasm clean bench

all: build

## deps: Go modules and the system packages the build needs
deps:
	@$(GO) mod download
	@command -v brotli >/dev/null || { apt-get update -qq && apt-get install -y -qq brotli >/dev/null; }

## build: the server binary and the compressed WebAssembly widget
build: deps server wasm

server:
	@mkdir -p $(BIN)
	$(GO) build -trimpath -ldflags '$(LDFLAGS)' -o $(BIN)/snapbridge ./cmd/server

wasm:
	@mkdir -p $(WEB)
	GOOS=js GOARCH=wasm $(GO) build -trimpath -ldflags '-s -w' -o $(WEB)/app.wasm.tmp ./cmd/wasm
	@if ! cmp -s $(WEB)/app.wasm.tmp $(WEB)/app.wasm; then \
		mv $(WEB)/app.wasm.tmp $(WEB)/app.wasm; \
		gzip -9 -k -f $(WEB)/app.wasm; \
		brotli -q 11 -f -o $(WEB)/app.wasm.br $(WEB)/app.wasm; \
	else rm $(WEB)/app.wasm.tmp; fi

## run: start snapbridge with the LinkedIn stand-in, SQLite and the demo CRM
run: build
	$(BIN)/snapbridge serve --sandbox

## vet: go vet for the server and, for the browser, the widget's packages
vet:
	$(GO) vet ./...
	GOOS=js GOARCH=wasm $(GO) vet $(WASM_PKGS)

gotest:
	$(GO) test -race -count=1 ./...

## test: every test
test: deps vet gotest

## bench: Go benchmarks (figures as ratios, see README)
bench:
	$(GO) test -run '^$$' -bench . -benchmem ./internal/restli/ ./internal/session/ ./internal/httpapi/

clean:
	rm -rf var/build var/bin
