#!/bin/sh
# wasm.sh OUT: builds the widget's WebAssembly into OUT, as make wasm and
# deploy/build.sh (and so the image) both ship it.
#
# Two settings keep app.wasm within its 1.5 MB brotli budget (issue 10;
# `make bench-widget` measures it):
# - no inlining in snapbridge's own packages: their UI code is smaller
#   without it, raw and compressed (1.504 → 1.500 MB brotli when measured),
#   and it runs a few times per page. go-app itself keeps its inlining:
#   without it the widget took ~250 ms longer to become interactive.
# - GOWASM=satconv: float-to-int conversions as one instruction, which
#   every browser since 2021 has (Chrome 75, Firefox 64, Safari 15).
set -eu
out=$1
GOWASM=satconv GOOS=js GOARCH=wasm "${GO:-go}" build -trimpath -ldflags '-s -w' \
	-gcflags='github.com/snapbridge/snapbridge/...=-l' \
	-o "$out" ./cmd/wasm
