#!/usr/bin/python3
# Voxpipe
# Copyright (C) 2026 Voxpipe contributors
# SPDX-License-Identifier: LGPL-2.1-or-later
"""A recorded caller: each line spoken by espeak-ng, with silence between.

    make-caller.py OUTPUT.wav GAP_S LINE...

The gap after each line leaves the agent time to answer before the caller
speaks again (the file plays in real time); one second ends the file.
"""

import os
import subprocess
import sys
import tempfile
import wave


def main():
    if len(sys.argv) < 4:
        print(__doc__.strip(), file=sys.stderr)
        return 2
    output, gap, lines = sys.argv[1], float(sys.argv[2]), sys.argv[3:]
    frames, rate = [], None
    with tempfile.TemporaryDirectory() as tmp:
        for i, line in enumerate(lines):
            path = os.path.join(tmp, "%d.wav" % i)
            subprocess.run(["espeak-ng", "-v", "en-us", "-w", path, line],
                           check=True)
            with wave.open(path, "rb") as w:
                rate = w.getframerate()
                frames.append(w.readframes(w.getnframes()))
    silence = lambda s: b"\0\0" * int(rate * s)
    with wave.open(output, "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(rate)
        out.writeframes(silence(0.5))
        for i, pcm in enumerate(frames):
            out.writeframes(pcm)
            out.writeframes(silence(gap if i < len(frames) - 1 else 1.0))
    return 0


if __name__ == "__main__":
    sys.exit(main())
