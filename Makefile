# snapbridge — `make run` starts the product on the embedded defaults,
# `make test` runs every test. Both install what they need, idempotently.

SHELL    := /bin/bash
GO       ?= go
VERSION  ?= $(shell git describe --always --dirty 2>/dev/null || echo dev)
BIN      := $(CURDIR)/var/bin
WEB      := var/build/web
LDFLAGS  := -s -w -X main.version=$(VERSION)
# Packages the widget imports: they must compile for the browser.
WASM_PKGS := ./internal/wire/... ./internal/ui/... ./cmd/wasm/...
WASMBROWSERTEST := github.com/agnivade/wasmbrowsertest@v0.11.0
# staticcheck, pinned: the newest release that supports this Go.
STATICCHECK_VERSION := 0.8.2
STATICCHECK := honnef.co/go/tools/cmd/staticcheck@v$(STATICCHECK_VERSION)
GREMLINS_VERSION := 0.6.0
GREMLINS := github.com/go-gremlins/gremlins/cmd/gremlins@v$(GREMLINS_VERSION)
# Security-critical packages that mutation testing covers with their own
# tests; httpapi is covered by the server tests that exercise it (MUTATE_SERVER_TESTS).
MUTATE_PKGS := session restli keyring sat tenant tokens assoc
MUTATE_SERVER_TESTS := TestHostileRequestsAreRefusedCleanly|TestBadContextsAreRefused|TestSessionsStayInTheirLane|TestHeadersProtectEveryAnswer|TestNoPathOrMethodAnswersGoDefaultText|TestHeadAnswersLikeGetAndChangesNothing|TestSellerInTheCRMSeesAnErrorPage|TestAssociationsQuery|TestSellerConnectsAndSeesPanel|TestOversizedBodyIsRefusedBeforeItIsSent|TestReadiness
# Fuzz targets as package:Target. `make test` runs each for FUZZTIME_TEST,
# `make fuzz` for FUZZTIME; what they find lands in the package's
# testdata/fuzz/<Target>/ and is then replayed by every `go test`.
FUZZ_TARGETS := \
	./internal/session:FuzzVerifyContext \
	./internal/restli:FuzzRoundTrip \
	./internal/restli:FuzzParseKey \
	./internal/tenant:FuzzValidateRoundTrip \
	./internal/httpapi:FuzzAssociationsQuery \
	./internal/sandbox:FuzzAssociationKeys \
	./internal/sandbox:FuzzPlatformInput \
	./internal/wire:FuzzAppendString
FUZZTIME ?= 60s
FUZZTIME_TEST ?= 5s
# helm, pinned, for `make helm-check`; built with go install it assumes
# Kubernetes 1.20, so charts are rendered for HELM_KUBE_VERSION instead.
HELM_VERSION := 3.22.0
HELM := helm.sh/helm/v3/cmd/helm@v$(HELM_VERSION)
HELM_KUBE_VERSION := 1.31.0
# apt-get as root (CI, these machines) or through sudo elsewhere.
APT := $(if $(filter 0,$(shell id -u)),,sudo) env DEBIAN_FRONTEND=noninteractive apt-get

.PHONY: all build run test vet lint lint-deps services-deps gotest fuzz fuzztest mutate mutate-deps wasmtest e2e deps browser-deps server wasm clean bench bench-widget

all: build

## deps: Go modules and the tools the build needs (brotli)
deps:
	@$(GO) mod download
	@command -v brotli >/dev/null || { $(APT) update -qq && $(APT) install -y -qq brotli >/dev/null; }

## services-deps: the servers the tests start privately, from Debian packages: redis-server
## (internal/shared/redistest), PostgreSQL (internal/store/postgres/pgtest) and prometheus
## (internal/server's scrape test; promtool checks deploy/prometheus)
services-deps:
	@command -v redis-server >/dev/null || { $(APT) update -qq && $(APT) install -y -qq redis-server >/dev/null; }
	@ls /usr/lib/postgresql/*/bin/postgres >/dev/null 2>&1 || { $(APT) update -qq && $(APT) install -y -qq postgresql >/dev/null; }
	@test -x /usr/bin/prometheus -a -x /usr/bin/promtool || { $(APT) update -qq && $(APT) install -y -qq prometheus >/dev/null; }
.PHONY: services-deps

## lint-deps: staticcheck at its pinned version, into var/bin
lint-deps:
	@$(BIN)/staticcheck -version 2>/dev/null | grep -qF '($(STATICCHECK_VERSION))' || { mkdir -p $(BIN) && GOBIN=$(BIN) $(GO) install $(STATICCHECK); }

## helm-deps: helm at its pinned version, into var/bin (checked through its build info:
## a go-installed helm reports only its minor version)
helm-deps:
	@$(GO) version -m $(BIN)/helm 2>/dev/null | grep -qE '^[[:space:]]+mod[[:space:]]+helm\.sh/helm/v3[[:space:]]+v$(HELM_VERSION)([[:space:]]|$$)' || \
		{ mkdir -p $(BIN) && GOBIN=$(BIN) $(GO) install $(HELM); }

## helm-check: helm lint and helm template of deploy/helm/snapbridge with the default and the
## production values; the rendered manifests run read-only and non-root, are probed, and hold no secret
helm-check: helm-deps
	deploy/check-chart.sh $(BIN)/helm $(HELM_KUBE_VERSION)

## image-check: builds the container image's binaries with deploy/build.sh as the Dockerfile does
## (Docker is not needed) and checks the server is static, starts and serves the widget
image-check: deps
	@for t in file curl python3; do command -v $$t >/dev/null || { $(APT) update -qq && $(APT) install -y -qq file curl python3 >/dev/null; break; }; done
	deploy/check-image.sh $(VERSION)

# The chart and the image build are checked with the linters.
lint: helm-check image-check

## prometheus-check: promtool checks and unit-tests the alert rules (deploy/prometheus); the
## Grafana dashboard's and the rules' metric names are checked by internal/metrics' tests
prometheus-check: services-deps
	promtool check rules deploy/prometheus/alerts.yml
	promtool test rules deploy/prometheus/alerts_test.yml
lint: prometheus-check
.PHONY: prometheus-check
.PHONY: helm-deps helm-check image-check

## browser-deps: Debian Chromium, playwright-core and wasmbrowsertest (never a downloaded browser)
browser-deps:
	@command -v chromium >/dev/null || { $(APT) update -qq && $(APT) install -y -qq chromium >/dev/null; }
	@test -d e2e/node_modules/playwright-core -a -d e2e/node_modules/axe-core || (cd e2e && npm ci --no-audit --no-fund --loglevel=error)
	@test -x $(BIN)/go_js_wasm_exec || { mkdir -p $(BIN) && GOBIN=$(BIN) $(GO) install $(WASMBROWSERTEST) && mv $(BIN)/wasmbrowsertest $(BIN)/go_js_wasm_exec; }

## build: the server binary and the compressed WebAssembly widget
build: deps server wasm

server:
	@mkdir -p $(BIN)
	$(GO) build -trimpath -ldflags '$(LDFLAGS)' -o $(BIN)/snapbridge ./cmd/server

wasm:
	@mkdir -p $(WEB)
	GO=$(GO) deploy/wasm.sh $(WEB)/app.wasm.tmp
	@if ! cmp -s $(WEB)/app.wasm.tmp $(WEB)/app.wasm; then \
		mv $(WEB)/app.wasm.tmp $(WEB)/app.wasm; \
		gzip -9 -k -f $(WEB)/app.wasm; \
		brotli -q 11 -f -o $(WEB)/app.wasm.br $(WEB)/app.wasm; \
	else rm $(WEB)/app.wasm.tmp; fi

## run: start snapbridge with the LinkedIn stand-in, SQLite and the demo CRM. The operator
## page signs in with the key generated once into var/operator.key (0600; never printed).
OPERATOR_KEY := var/operator.key
run: build
	@test -s $(OPERATOR_KEY) || { mkdir -p $(dir $(OPERATOR_KEY)) && (umask 077 && head -c 32 /dev/urandom | base64 | tr '+/' '-_' | tr -d '=\n' > $(OPERATOR_KEY)); }
	@echo "The operator page signs in with the key in $(OPERATOR_KEY)."
	SNAPBRIDGE_OPERATOR_KEY="$$(cat $(OPERATOR_KEY))" $(BIN)/snapbridge serve --sandbox

## vet: go vet for the server and, for the browser, the widget's packages
vet:
	$(GO) vet ./...
	GOOS=js GOARCH=wasm $(GO) vet $(WASM_PKGS)

## lint: gofmt, go vet, go.mod tidy and staticcheck, for the server and the browser
lint: vet lint-deps
	@unformatted="$$(gofmt -l $$(find . -name '*.go' -not -path './var/*' -not -path '*/node_modules/*'))"; \
		if [ -n "$$unformatted" ]; then echo "gofmt -l: not formatted:"; echo "$$unformatted"; exit 1; fi
	$(GO) mod tidy -diff
	$(BIN)/staticcheck ./...
	GOOS=js GOARCH=wasm $(BIN)/staticcheck $(WASM_PKGS)

## gotest: every Go test on SQLite, then the server suite once more with its state in
## PostgreSQL (a private server the tests start, see internal/store/postgres/pgtest)
gotest: services-deps bench-deps
	$(GO) test -race -count=1 ./...
	SNAPBRIDGE_TEST_DATABASE=postgres $(GO) test -race -count=1 ./internal/server/

# fuzz-run runs every FUZZ_TARGETS entry for $(1); -fuzz takes one target
# per package invocation. Go 1.26 may end a clean run with a bare "context
# deadline exceeded" when -fuzztime expires (go.dev/issue/75804, fixed in
# 1.27): that alone, with no failing input written and no failed seed, is
# reported and passed over; anything else fails.
fuzz-run = @set -e; log=$$(mktemp); trap 'rm -f "$$log"' EXIT; \
	for t in $(FUZZ_TARGETS); do \
		pkg=$${t%%:*}; name=$${t\#\#*:}; echo "fuzz $$name in $$pkg for $(1)"; \
		if $(GO) test -run '^$$' -fuzz "^$$name\$$" -fuzztime $(1) "$$pkg" >"$$log" 2>&1; then tail -n 2 "$$log"; continue; fi; \
		if grep -q '^    context deadline exceeded$$' "$$log" && ! grep -q 'Failing input written' "$$log" && \
			! grep -q -- "--- FAIL: $$name/" "$$log"; then \
			echo "$$name: nothing found; the run ended on Go's fuzztime race (go.dev/issue/75804)"; continue; fi; \
		cat "$$log"; exit 1; \
	done

## fuzztest: every fuzz target for FUZZTIME_TEST (5s), as part of `make test`
fuzztest:
	$(call fuzz-run,$(FUZZTIME_TEST))

## fuzz: every fuzz target for FUZZTIME (60s) each
fuzz:
	$(call fuzz-run,$(FUZZTIME))

## mutate-deps: gremlins at its pinned version, into var/bin (it reports its version as
## "dev" when built with go install, hence the stamp file)
mutate-deps:
	@test -x $(BIN)/gremlins -a -f $(BIN)/.gremlins-$(GREMLINS_VERSION) || \
		{ mkdir -p $(BIN) && GOBIN=$(BIN) $(GO) install $(GREMLINS) && touch $(BIN)/.gremlins-$(GREMLINS_VERSION); }

## mutate: mutation testing (gremlins) of the security-critical packages; not part of
## `make test` (it takes tens of minutes). Efficacy per package is in the README's Tests.
## httpapi runs in integration mode, so its mutants are judged by the server tests that
## exercise it (GOFLAGS narrows the whole-module run to MUTATE_SERVER_TESTS).
mutate: mutate-deps
	@mkdir -p var/mutate
	@set -e; for p in $(MUTATE_PKGS); do \
		echo "== internal/$$p"; \
		$(BIN)/gremlins unleash --workers 2 --timeout-coefficient 10 \
			--output var/mutate/$$p.json ./internal/$$p | tail -n 8; \
	done
	@echo "== internal/httpapi (with the server tests)"
	@GOFLAGS='-run=$(MUTATE_SERVER_TESTS)' $(BIN)/gremlins unleash --integration \
		--coverpkg ./internal/httpapi --workers 1 --timeout-coefficient 10 \
		--output var/mutate/httpapi.json ./internal/httpapi | tail -n 8

## wasmtest: the widget's Go tests compiled to WebAssembly, run in headless Chromium. wasmbrowsertest
## gives Chromium a fixed 20 s to start; on a busy machine it sometimes takes longer, so that one
## failure (and no other) is tried again, twice at most.
wasmtest: browser-deps
	@for try in 1 2 3; do \
		out=$$(PATH=$(BIN):$$PATH GOOS=js GOARCH=wasm $(GO) test -count=1 ./internal/ui/... 2>&1); rc=$$?; \
		echo "$$out"; \
		[ $$rc -eq 0 ] && exit 0; \
		echo "$$out" | grep -q 'websocket url timeout reached' || exit $$rc; \
		echo "wasmtest: Chromium did not start within wasmbrowsertest's 20 s (try $$try of 3)"; \
	done; exit 1

## e2e: the real binary, the demo CRM and the widget in headless Chromium
e2e: build browser-deps
	cd e2e && node --test

## test: every test, after the linters, and a short fuzzing run
test: deps lint gotest fuzztest wasmtest e2e

## bench: Go benchmarks (figures as ratios, see README)
bench:
	$(GO) test -run '^$$' -bench . -benchmem ./internal/restli/ ./internal/session/ ./internal/server/ ./internal/assoc/

## bench-widget: wasm size and time-to-card in headless Chromium (see bench/README.md)
bench-widget: build browser-deps
	node bench/widget.mjs

## bench-deps: wrk, the HTTP load generator, from Debian
bench-deps:
	@command -v wrk >/dev/null || { $(APT) update -qq && $(APT) install -y -qq wrk >/dev/null; }

## bench-cluster: three instances on PostgreSQL + Redis vs one on SQLite, cached look-ups under wrk,
## and LinkedIn calls per 1,000 warm widget loads (see bench/README.md; BENCH_FLAGS="-duration 30s")
bench-cluster: build services-deps bench-deps
	$(GO) run ./bench/load -bin $(BIN)/snapbridge -wasm-dir $(WEB) $(BENCH_FLAGS)

## bench-load: issue 10's hot paths (cached look-ups of 1, 10, 50 records, cached SAT, session
## creation) under wrk against a bare Gin handler answering the same bytes, ratio and PASS/FAIL per
## pair (see bench/README.md; BENCH_FLAGS="-setup both -pairs lookup1,session -enforce-targets")
bench-load: build services-deps bench-deps
	$(GO) run ./bench/load -bench bare -bin $(BIN)/snapbridge -wasm-dir $(WEB) $(BENCH_FLAGS)
.PHONY: bench-deps bench-cluster bench-load

clean:
	rm -rf var/build var/bin
