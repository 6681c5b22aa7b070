/* Voxpipe
 * Copyright (C) 2026 Voxpipe contributors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

/* The umbrella header of libvoxpipe-emulator-1.0: the Live service on
 * loopback, for offline runs and tests (pkg-config voxpipe-emulator-1.0). */

#pragma once

#include "vp-emulator.h"
#include "vp-speech.h"
#include "vp-emulator-enum-types.h"
