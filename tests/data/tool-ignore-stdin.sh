#!/bin/sh
# Voxpipe
# Copyright (C) 2026 Voxpipe contributors
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# An exec handler that never reads its stdin (like a plain echo): its answer
# must still count, and the caller must survive the closed pipe.
echo '{"ignored":true}'
