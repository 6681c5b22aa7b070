#!/bin/sh
# Voxpipe
# Copyright (C) 2026 Voxpipe contributors
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# meson test wrapper for the browser test (docs/calls.md, docs/testing.md):
# Debian's Chromium, headless, driven by the pinned playwright-core, calls
# the voxpipe serve page.  Installs playwright-core with `npm ci` when
# node_modules is missing or stale (it never downloads a browser).  When run
# as root with iproute2, the gateway and Chromium run inside a network
# namespace of their own with only loopback in it, so no packet can go
# anywhere else; otherwise on the machine's 127.0.0.1.
# Exit 77 (meson: SKIP) when node, npm or /usr/bin/chromium is missing.

set -u
cd "$(dirname "$0")" || exit 1

for tool in node npm /usr/bin/chromium; do
  if ! command -v "$tool" >/dev/null 2>&1; then
    echo "browser: SKIP: $tool is not installed (./bootstrap installs chromium, nodejs, npm)"
    exit 77
  fi
done

want=$(node -p 'require("./package-lock.json").packages["node_modules/playwright-core"].version')
have=$(node -p 'try { require("./node_modules/playwright-core/package.json").version } catch (e) { "" }' 2>/dev/null)
if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ] ||
   [ "$have" != "$want" ]; then
  echo "browser: installing playwright-core $want with npm ci"
  PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci --no-audit --no-fund || exit 1
fi

ns=""
if [ "$(id -u)" = 0 ] && command -v ip >/dev/null 2>&1; then
  ns="vp-browser-$$"
  if ip netns add "$ns" 2>/dev/null && ip netns exec "$ns" ip link set lo up; then
    trap 'ip netns del "$ns" 2>/dev/null' EXIT INT TERM
    echo "browser: in the network namespace $ns (loopback only)"
  else
    ip netns del "$ns" 2>/dev/null
    ns=""
  fi
fi
[ -n "$ns" ] || echo "browser: on the machine's loopback (not root, or no network namespaces)"

echo "browser: $(/usr/bin/chromium --version 2>/dev/null), playwright-core $want"
if [ -n "$ns" ]; then
  ip netns exec "$ns" node call.test.mjs
else
  node call.test.mjs
fi
