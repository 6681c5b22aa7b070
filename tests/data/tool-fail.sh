#!/bin/sh
# Voxpipe
# Copyright (C) 2026 Voxpipe contributors
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# An exec handler that fails: non-zero status, a message on stderr.
cat > /dev/null
echo "the database is locked" >&2
exit 3
