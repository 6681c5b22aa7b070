#!/usr/bin/env python3
# Voxpipe
# Copyright (C) 2026 Voxpipe contributors
# SPDX-License-Identifier: LGPL-2.1-or-later
"""The emulator's GIR keeps what bindings need (no python3-gi needed).

    test-emulator-gir.py VoxpipeEmulator-1.0.gir

Every function a test or an application calls from Python is in the GIR
and introspectable; the trace hook is the one function skipped, on purpose
(it runs on the emulator's thread for every message: C only).
"""

import sys
import xml.etree.ElementTree as ET

CORE = "{http://www.gtk.org/introspection/core/1.0}"
C = "{http://www.gtk.org/introspection/c/1.0}"

NEEDED = [
    "vp_emulator_new",
    "vp_emulator_start",
    "vp_emulator_stop",
    "vp_emulator_get_port",
    "vp_emulator_get_url",
    "vp_emulator_inject_fault",
    "vp_emulator_get_record",
    "vp_emulator_get_n_connections",
    "vp_speech_synthesize",
    "vp_speech_write_wav",
]
SKIPPED = ["vp_emulator_set_trace_func"]
PROPERTIES = [
    "host", "port", "api-key", "scenario-file", "scenario", "time-scale",
    "connection-lifetime", "go-away-notice", "session-limit",
    "handle-lifetime", "latency-ms", "speech-rate", "chunk-ms", "models",
    "wait-for-playback", "record-limit", "tls-certificate", "url",
]
FAULTS = ["none", "close", "drop", "stall", "malformed", "oversized",
          "text_frame", "go_away", "no_setup_complete"]


def main():
    root = ET.parse(sys.argv[1]).getroot()
    callables = {}
    for tag in ("function", "method", "constructor"):
        for node in root.iter(CORE + tag):
            callables[node.get(C + "identifier")] = node
    errors = []

    for name in NEEDED:
        node = callables.get(name)
        if node is None:
            errors.append(f"{name}: not in the GIR")
        elif node.get("introspectable") == "0":
            errors.append(f"{name}: not introspectable")
    for name in SKIPPED:
        node = callables.get(name)
        if node is not None and node.get("introspectable") != "0":
            errors.append(f"{name}: should be (skip), it is C only")

    emulator = next((c for c in root.iter(CORE + "class")
                     if c.get("name") == "Emulator"), None)
    if emulator is None:
        errors.append("class Emulator: not in the GIR")
    else:
        props = {p.get("name") for p in emulator.iter(CORE + "property")}
        errors += [f"property {p}: missing" for p in PROPERTIES
                   if p not in props]

    fault = next((e for e in root.iter(CORE + "enumeration")
                  if e.get("name") == "EmulatorFault"), None)
    members = {m.get("name") for m in fault.iter(CORE + "member")} \
        if fault is not None else set()
    errors += [f"EmulatorFault.{m}: missing" for m in FAULTS
               if m not in members]

    for line in errors:
        print(line)
    print(f"{len(NEEDED)} functions, {len(PROPERTIES)} properties, "
          f"{len(FAULTS)} faults checked: "
          + ("FAIL" if errors else "ok"))
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
