#!/bin/sh
# Voxpipe
# Copyright (C) 2026 Voxpipe contributors
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# An exec handler that logs when it starts and ends: "$0 LOG TAG SECONDS".
# Two calls that overlap log "start a", "start b" before any "end".
cat > /dev/null
echo "start $2" >> "$1"
sleep "$3"
echo "end $2" >> "$1"
printf '{"done":"%s"}\n' "$2"
