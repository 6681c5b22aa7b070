#!/bin/sh
# Voxpipe
# Copyright (C) 2026 Voxpipe contributors
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# An exec handler that hangs: writes its PID to $1 (atomically), then
# becomes "sleep $2" with the same PID, so killing that PID stops it all.
echo $$ > "$1.tmp" && mv "$1.tmp" "$1"
exec sleep "$2"
