#!/bin/bash
# deploy/check-image.sh [VERSION] checks the container image's build without
# Docker: it builds the binaries with deploy/build.sh, exactly as the
# Dockerfile does, into a temporary directory, and checks that
#   - the Dockerfile still builds with deploy/build.sh and serves the widget
#     from where it copies it (SNAPBRIDGE_WASM_DIR = the COPY destination);
#   - the server is a static binary (no dynamic loader: it runs on
#     distroless/static), built with CGO_ENABLED=0 and -trimpath, and
#     `snapbridge version` says VERSION;
#   - it starts (`--help`, `version`) and, laid out as in the image, serves
#     /healthz and the brotli-compressed widget.
# Run it from the repository root (`make image-check`).
set -euo pipefail

version=${1:-dev}
fail() { echo "image-check: $*" >&2; exit 1; }

grep -qE '^RUN .*deploy/build\.sh /out ' Dockerfile || fail "the Dockerfile no longer builds with deploy/build.sh /out"
wasm_dir=$(sed -nE 's/.*SNAPBRIDGE_WASM_DIR=([^ ]+).*/\1/p' Dockerfile)
grep -qE "^COPY --from=build /out/web/ ${wasm_dir}/\$" Dockerfile ||
	fail "the Dockerfile copies the widget somewhere other than SNAPBRIDGE_WASM_DIR ($wasm_dir)"

out=$(mktemp -d)
pid=
cleanup() {
	if [ -n "$pid" ]; then kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; fi
	rm -rf "$out"
}
trap cleanup EXIT

deploy/build.sh "$out" "$version"
bin=$out/snapbridge

info=$(file -b "$bin")
case $info in
*"statically linked"*) ;;
*) fail "the server is not a static binary: $info" ;;
esac
if ldd "$bin" >/dev/null 2>&1; then fail "ldd finds dynamic dependencies in the server binary"; fi
buildinfo=$(go version -m "$bin")
for want in $'\tbuild\tCGO_ENABLED=0' $'\tbuild\t-trimpath=true'; do
	grep -qF -- "$want" <<<"$buildinfo" || fail "the server's build info lacks \"${want//$'\t'/ }\""
done
for f in app.wasm app.wasm.gz app.wasm.br; do
	test -s "$out/web/$f" || fail "the widget's $f was not built"
done

"$bin" --help | grep -q 'snapbridge serve' || fail "snapbridge --help does not print the usage"
got=$("$bin" version)
[ "$got" = "$version" ] || fail "snapbridge version says \"$got\", not \"$version\""

# Start it as the image runs it: the widget from its own directory, keys from
# files, nothing written but the database in the data directory.
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
mkdir -p "$out/keys" "$out/data"
"$bin" keys generate >"$out/keys/encryption-keys"
"$bin" keys generate --session >"$out/keys/session-key"
chmod 0400 "$out/keys/"*
env -i PATH=/usr/bin:/bin \
	SNAPBRIDGE_ADDR="127.0.0.1:$port" \
	SNAPBRIDGE_WASM_DIR="$out/web" \
	SNAPBRIDGE_DATA_DIR="$out/data" \
	SNAPBRIDGE_ENCRYPTION_KEYS_FILE="$out/keys/encryption-keys" \
	SNAPBRIDGE_SESSION_KEY_FILE="$out/keys/session-key" \
	SNAPBRIDGE_OPERATOR_KEY="$(head -c 32 /dev/urandom | base64)" \
	SNAPBRIDGE_LOG_LEVEL=warn \
	"$bin" serve >"$out/serve.log" 2>&1 &
pid=$!
base="http://127.0.0.1:$port"
for _ in $(seq 100); do
	curl -fsS -o /dev/null "$base/readyz" 2>/dev/null && break
	kill -0 "$pid" 2>/dev/null || { cat "$out/serve.log" >&2; fail "snapbridge serve exited"; }
	sleep 0.1
done
curl -fsS -o /dev/null "$base/healthz" || { cat "$out/serve.log" >&2; fail "/healthz does not answer"; }
enc=$(curl -fsS -o /dev/null -H 'Accept-Encoding: br' -w '%header{content-encoding}' "$base/app.wasm") ||
	fail "/app.wasm does not answer"
[ "$enc" = br ] || fail "/app.wasm answers with Content-Encoding \"$enc\", not the brotli build"
echo "image-check: static server $version and the widget as the Dockerfile builds them; serve starts and serves both"
