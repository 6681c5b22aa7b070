/* Voxpipe
 * Copyright (C) 2026 Voxpipe contributors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

/* The codec's JSON and base64 toolkit in one include (not installed).
 * Each part has its own file and header; the codec's files include only
 * the parts they use, so their includes show what depends on what:
 *   vp-json-scan   bytes -> tree: the strict scan and the long-string lift
 *   vp-json-read   tree -> values: names, accessors, int64
 *   vp-json-write  tree -> compact JSON, and a short form for messages
 *   vp-json-node   nodes made and deep-copied
 *   vp-base64      strict base64 decode, encode into a GString
 * Kept for code outside these files; pure, C only (no G_BEGIN_DECLS). */

#pragma once

#include "vp-json-scan.h"
#include "vp-json-read.h"
#include "vp-json-write.h"
#include "vp-json-node.h"
#include "vp-base64.h"
