/* Voxpipe
 * Copyright (C) 2026 Voxpipe contributors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

/* The umbrella header of libvoxpipe-1.0: the codec and the session
 * client.  The emulator has its own, <voxpipe-emulator.h>. */

#pragma once

#include "vp-error.h"
#include "vp-protocol.h"
#include "vp-usage.h"
#include "vp-models.h"
#include "vp-session.h"
#include "vp-tools.h"
#include "vp-codec-enum-types.h"
#include "vp-enum-types.h"
