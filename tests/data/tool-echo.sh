#!/bin/sh
# Voxpipe
# Copyright (C) 2026 Voxpipe contributors
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# A tools-file exec handler for the tests: answers the arguments it read on
# stdin and its first command-line argument.
args=$(cat)
printf '{"output":{"stdin":%s,"arg":"%s"}}\n' "$args" "$1"
