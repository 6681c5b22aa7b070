/* Voxpipe
 * Copyright (C) 2026 Voxpipe contributors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

/* voxpipe serve: argv[0] is "serve". */
int vp_serve_main (int argc, char **argv);
