#!/bin/sh
# Voxpipe
# Copyright (C) 2026 Voxpipe contributors
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# meson test wrapper for the @google/genai interop test (docs/interop.md).
# Installs the pinned SDK with `npm ci` when node_modules is missing or stale
# (this needs the npm registry), then runs `node --test interop.test.mjs`.
# Exit 77 (meson: SKIP) when node or npm is missing or node is older than 20.
# VP_EMULATOR (the voxpipe-emulator program) is passed through; meson sets it.

set -u
cd "$(dirname "$0")" || exit 1

if ! command -v node >/dev/null 2>&1; then
  echo "interop: SKIP: node is not installed (the test needs Node.js >= 20 and npm)"
  exit 77
fi
if ! command -v npm >/dev/null 2>&1; then
  echo "interop: SKIP: npm is not installed (the test needs Node.js >= 20 and npm)"
  exit 77
fi
node_major=$(node -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0)
if [ "$node_major" -lt 20 ] 2>/dev/null; then
  echo "interop: SKIP: node $(node --version) is too old; @google/genai 2.32.0 needs node >= 20"
  exit 77
fi

if [ -z "${VP_EMULATOR:-}" ]; then
  echo "interop: VP_EMULATOR must name the voxpipe-emulator program (meson test sets it)" >&2
  exit 1
fi

# node_modules is stale when npm's hidden lockfile is missing or older than
# package-lock.json / package.json, or when the installed SDK is not the pin.
want=$(node -p 'require("./package-lock.json").packages["node_modules/@google/genai"].version')
have=$(node -p 'try { require("./node_modules/@google/genai/package.json").version } catch (e) { "" }' 2>/dev/null)
if [ ! -f node_modules/.package-lock.json ] ||
   [ package-lock.json -nt node_modules/.package-lock.json ] ||
   [ package.json -nt node_modules/.package-lock.json ] ||
   [ "$have" != "$want" ]; then
  echo "interop: installing @google/genai $want with npm ci"
  if ! npm ci --no-audit --no-fund; then
    echo "interop: npm ci failed (is the npm registry reachable?)" >&2
    exit 1
  fi
fi

echo "interop: node $(node --version), @google/genai $want, emulator $VP_EMULATOR"
node --test interop.test.mjs
exit $?
