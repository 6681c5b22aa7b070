#!/bin/sh
# Voxpipe
# Copyright (C) 2026 Voxpipe contributors
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# Builds the codec fuzz targets with clang, libFuzzer, ASan and UBSan
# (outside meson, which cannot mix compilers in one build) and runs each
# one for FUZZ_SECONDS on a copy of the seed corpus.
#
# usage: run-fuzz.sh SOURCE_DIR BUILD_DIR [TARGET...]
#   TARGET: server-message, client-message (default: both)
#   BUILD_DIR holds config.h; crash inputs go to BUILD_DIR/fuzz-artifacts/.
# environment:
#   FUZZ_SECONDS     seconds per target (default 10)
#   FUZZ_CORPUS_DIR  keep the grown corpus here (default: a temporary copy)
#   FUZZ_CC          compiler (default clang)
#   FUZZ_ARGS        extra libFuzzer options, e.g. "-jobs=4 -workers=4"
# Exits 77 (skipped) when clang or libFuzzer is not installed.

set -eu

src=${1:?usage: run-fuzz.sh SOURCE_DIR BUILD_DIR [TARGET...]}
build=${2:?usage: run-fuzz.sh SOURCE_DIR BUILD_DIR [TARGET...]}
shift 2
targets=${*:-server-message client-message}
seconds=${FUZZ_SECONDS:-10}
cc=${FUZZ_CC:-clang}

if ! command -v "$cc" >/dev/null 2>&1; then
  echo "SKIP: $cc not found (apt-get install clang libfuzzer-14-dev)"
  exit 77
fi
if ! pkg-config --exists glib-2.0 json-glib-1.0; then
  echo "SKIP: pkg-config cannot find glib-2.0 and json-glib-1.0"
  exit 77
fi

work=$(mktemp -d "${TMPDIR:-/tmp}/vp-fuzz.XXXXXX")
trap 'rm -rf "$work"' EXIT INT TERM

printf 'int LLVMFuzzerTestOneInput (const unsigned char *d, unsigned long n);\nint LLVMFuzzerTestOneInput (const unsigned char *d, unsigned long n) { return d == 0 && n > 0; }\n' \
    > "$work/probe.c"
if ! "$cc" -fsanitize=fuzzer,address,undefined "$work/probe.c" \
    -o "$work/probe" >/dev/null 2>&1; then
  echo "SKIP: $cc cannot link -fsanitize=fuzzer (apt-get install libfuzzer-14-dev)"
  exit 77
fi

artifacts="$build/fuzz-artifacts"
mkdir -p "$artifacts"

# The whole codec room: it is pure code and needs only GLib and json-glib.
codec=$(echo "$src"/libpipeline/codec/*.c)
# shellcheck disable=SC2046
flags="-g -O1 -fno-omit-frame-pointer -fsanitize=fuzzer,address,undefined
  -fno-sanitize-recover=undefined -DFUZZING_BUILD_MODE_UNSAFE_FOR_PRODUCTION
  -DG_LOG_DOMAIN=\"voxpipe\" -I$build -I$src/libpipeline/codec
  $(pkg-config --cflags glib-2.0 json-glib-1.0)"
libs=$(pkg-config --libs glib-2.0 json-glib-1.0)

# GLib's own checks and allocator in the form the sanitizers understand.
export G_DEBUG=fatal-criticals
export G_SLICE=always-malloc
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}

status=0
for target in $targets; do
  kind=${target%%-*}
  echo "== fuzz-$target: building"
  # shellcheck disable=SC2086
  "$cc" $flags "$src/tests/fuzz/fuzz-$target.c" $codec $libs \
      -o "$work/fuzz-$target"

  if [ -n "${FUZZ_CORPUS_DIR:-}" ]; then
    corpus="$FUZZ_CORPUS_DIR/$kind"
  else
    corpus="$work/corpus-$kind"
  fi
  mkdir -p "$corpus"
  cp -n "$src/tests/fuzz/corpus/$kind"/* "$corpus"/ 2>/dev/null || true

  echo "== fuzz-$target: ${seconds}s on $corpus"
  # shellcheck disable=SC2086
  if ! "$work/fuzz-$target" -max_total_time="$seconds" -timeout=10 \
      -rss_limit_mb=2048 -max_len=65536 -print_final_stats=1 \
      -dict="$src/tests/fuzz/$kind.dict" \
      -artifact_prefix="$artifacts/$target-" ${FUZZ_ARGS:-} "$corpus"; then
    echo "FAIL: fuzz-$target found a problem; the input is in $artifacts/"
    status=1
  fi
done

exit $status
