#!/bin/sh
# deploy/build.sh OUT [VERSION] builds what the container image ships, the one
# way both the Dockerfile and `make image-check` build it:
#   OUT/snapbridge     the server, static (CGO_ENABLED=0), stripped, -trimpath
#   OUT/web/app.wasm   the widget, with app.wasm.gz and app.wasm.br next to it
# Run it from the repository root. Needs go, gzip and brotli.
set -eu

out=${1:?usage: deploy/build.sh OUT [VERSION]}
version=${2:-dev}

# No VCS stamping: the image build context has no .git (see .dockerignore),
# and the version comes from VERSION instead.
export CGO_ENABLED=0 GOFLAGS=-buildvcs=false

mkdir -p "$out/web"
GOOS=linux go build -trimpath -ldflags "-s -w -X main.version=$version" -o "$out/snapbridge" ./cmd/server
"$(dirname "$0")/wasm.sh" "$out/web/app.wasm"
gzip -9 -k -f "$out/web/app.wasm"
brotli -q 11 -f -o "$out/web/app.wasm.br" "$out/web/app.wasm"
