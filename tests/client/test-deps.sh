#!/bin/sh
# Voxpipe
# Copyright (C) 2026 Voxpipe contributors
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# The client stands alone (DESIGN.md §2): an application that links
# libvoxpipe-1.0 pulls in neither GStreamer nor espeak-ng.
#
#   test-deps.sh clean  LIBRARY PCFILE   LIBRARY's dynamic dependencies and
#                                        PCFILE's Requires name neither
#   test-deps.sh linked LIBRARY PCFILE   both name them (run on the
#                                        emulator's library: the check sees
#                                        such a dependency when there is one)
set -eu

expect=$1 lib=$2 pc=$3
forbidden='gst|gstreamer|espeak'

if command -v readelf >/dev/null 2>&1; then
  needed=$(readelf -d "$lib" | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p')
elif command -v objdump >/dev/null 2>&1; then
  needed=$(objdump -p "$lib" | awk '$1 == "NEEDED" { print $2 }')
else
  echo "test-deps: neither readelf nor objdump (binutils); skipped" >&2
  exit 77
fi
[ -n "$needed" ] || { echo "test-deps: no NEEDED entry read from $lib" >&2; exit 1; }
[ -r "$pc" ] || { echo "test-deps: cannot read $pc" >&2; exit 1; }

# Requires and Requires.private: a static link takes both.
requires=$(sed -n 's/^Requires\(\.private\)\{0,1\}:\(.*\)/\2/p' "$pc" | tr ',' '\n' \
  | awk '{ print $1 }' | sed '/^$/d')

bad_needed=$(printf '%s\n' "$needed" | grep -E "^lib($forbidden)" || true)
bad_requires=$(printf '%s\n' "$requires" | grep -E "^($forbidden)" || true)

echo "$(basename "$lib") NEEDED:" $needed
echo "$(basename "$pc") Requires:" $requires

case $expect in
  clean)
    if [ -n "$bad_needed" ] || [ -n "$bad_requires" ]; then
      echo "FAIL: the client must not depend on GStreamer or espeak-ng:" \
        $bad_needed $bad_requires
      exit 1
    fi ;;
  linked)
    if [ -z "$bad_needed" ] || [ -z "$bad_requires" ]; then
      echo "FAIL: expected GStreamer/espeak-ng dependencies in both" \
        "(NEEDED: ${bad_needed:-none}; Requires: ${bad_requires:-none})"
      exit 1
    fi ;;
  *)
    echo "usage: test-deps.sh clean|linked LIBRARY PCFILE" >&2
    exit 2 ;;
esac
echo "ok: $expect"
