#!/usr/bin/python3
# Voxpipe
# Copyright (C) 2026 Voxpipe contributors
# SPDX-License-Identifier: LGPL-2.1-or-later
"""The served agent, pipelines/receptionist-call.pipeline, runs unchanged
under `voxpipe -f` with files bound to ${mic} and ${speaker} (the other
tests serve it to aiortc and Chromium): the runner prints the caller's
turn, the tool call, the agent's reply, a latency and a cost, and the
reply file holds speech.  A description without ${mic} is refused by
`voxpipe serve` at start, with the reason."""

import os
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(__file__))
import gwtest  # noqa: E402
from gwtest import log  # noqa: E402

tmp = tempfile.mkdtemp(prefix="vp-file-")
reply = os.path.join(tmp, "reply.wav")
env = dict(os.environ, BELLA_DB=os.path.join(tmp, "bella.db"))
cmd = [gwtest.RUNNER, "-f", gwtest.AGENT, "--timeout", "60", "-D", "turns=1",
       "-D", f"mic=filesrc location={gwtest.QUESTION} ! wavparse",
       "-D", f"speaker=wavenc ! filesink location={reply}"]
log(" ".join(cmd))
out = subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=90)
log(out.stdout)
assert out.returncode == 0, out.stderr
assert "caller: Can I book a table for four?" in out.stdout
assert "tool call: check_availability(" in out.stdout
assert "Shall I book it?" in out.stdout
assert "voice-to-voice latency" in out.stdout and "cost: $" in out.stdout
rate, channels, _, frames = gwtest.read_wav(reply)
seconds, _ = gwtest.speech_seconds(frames, rate, channels)
log(f"reply: {seconds:.1f} s of speech")
assert seconds > 2

# voxpipe serve refuses an agent it cannot bind, before any call.
no_mic = os.path.join(tmp, "no-mic.pipeline")
with open(no_mic, "w") as f:
    f.write("audiotestsrc ! geminilivesink session=s endpoint=local\n"
            "geminilivesrc session=s ! ${speaker}\n")
out = subprocess.run([gwtest.RUNNER, "serve", "-f", no_mic, "--web", "127.0.0.1:0"],
                     capture_output=True, text=True, timeout=30)
log(out.stderr.strip())
assert out.returncode == 1 and "has no ${mic}" in out.stderr, out
log("pipeline file: OK")
