#!/usr/bin/python3
# Voxpipe
# Copyright (C) 2026 Voxpipe contributors
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Runs every shell block of README.md, pipelines/README.md and docs/*.md
as written, so that a recipe cannot rot.

Each ```sh block runs with bash from a scratch directory that looks like
the top of a checkout (pipelines/, examples/, tools/ of the source, build/
the build directory), with GST_PLUGIN_PATH set as docs/cookbook.md says
and no API key.  It must end with status 0, print no GStreamer ERROR and
take less than its time limit.  The sound card is replaced the way
docs/troubleshooting.md says: autoaudiosrc by the recorded caller question
(a file), autoaudiosink by a fakesink, a camera by videotestsrc, and the
ready pipelines get -D mic=… -D speaker=….

An HTML comment right before a block changes what is checked:
  <!-- recipe: skip REASON -->  not run (REASON must say why)
  <!-- recipe: live -->         runs until interrupted: Ctrl-C after a few
                                seconds must end it cleanly
  <!-- recipe: no-key -->       needs GEMINI_API_KEY: without one it must
                                stop at once, saying how to give it

  tests/docs/test-recipes.py BUILD_DIR [FILE:LINE...]
"""

import glob
import os
import re
import signal
import subprocess
import sys
import tempfile
import time

SOURCE = os.path.dirname(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__))))
TIMEOUT = 60
LIVE_SECONDS = 4
QUESTION = "build/pipelines/caller-question.wav"
# The note is one line of its own, right before the fence.
BLOCK = re.compile(r"(?:^<!--[ \t]*recipe:[ \t]*(?P<note>[^\n]*?)[ \t]*-->[ \t]*\n)?"
                   r"^```(?:sh|bash|shell)\n(?P<body>.*?)^```", re.S | re.M)

# The sound card and the camera, replaced (docs/troubleshooting.md).
DEVICES = [
    (re.compile(r"\bautoaudiosrc\b"),
     "filesrc location=%s ! wavparse" % QUESTION),
    (re.compile(r"\bautoaudiosink\b"), "fakesink sync=true"),
    (re.compile(r"\bautovideosink\b"), "fakesink sync=true"),
    (re.compile(r"\bv4l2src\b"), "videotestsrc is-live=true"),
]
DEVICE_DEFINES = {
    "mic": "filesrc location=%s ! wavparse" % QUESTION,
    "speaker": "fakesink sync=true",
}


def blocks():
    files = ["README.md", "pipelines/README.md"] + sorted(
        os.path.relpath(f, SOURCE)
        for f in glob.glob(os.path.join(SOURCE, "docs", "*.md")))
    for name in files:
        with open(os.path.join(SOURCE, name), encoding="utf-8") as f:
            text = f.read()
        for match in BLOCK.finditer(text):
            line = text.count("\n", 0, match.start("body"))
            yield "%s:%d" % (name, line), match.group("note") or "", \
                match.group("body")


def replace_devices(script):
    for pattern, replacement in DEVICES:
        script = pattern.sub(replacement, script)

    # voxpipe -f X.pipeline: the pipeline's own ${mic} and ${speaker}.
    return "\n".join(replace_defines(line) for line in
                     script.replace("\\\n", " ").splitlines())


def replace_defines(line):
    def defines(match):
        path = os.path.join(SOURCE, match.group(2))
        try:
            with open(path, encoding="utf-8") as f:
                declared = f.read()
        except OSError:
            return match.group(0)
        extra = ""
        for name, value in DEVICE_DEFINES.items():
            if re.search(r"^#\s*default %s=" % name, declared, re.M) \
                    and not re.search(r"-D '?%s=" % name, line):
                extra += " -D '%s=%s'" % (name, value)
        return match.group(0) + extra
    return re.sub(r"(voxpipe(?: serve)? -f )(pipelines/\S+\.pipeline)",
                  defines, line)


def scratch(build):
    """A directory that looks like a checkout with its build in build/."""
    top = tempfile.mkdtemp(prefix="vp-recipes-")
    for name in ("pipelines", "examples", "tools", "tests", "docs"):
        os.symlink(os.path.join(SOURCE, name), os.path.join(top, name))
    os.symlink(os.path.abspath(build), os.path.join(top, "build"))
    return top


def environment(top):
    env = dict(os.environ)
    for variable in ("GEMINI_API_KEY", "GOOGLE_API_KEY", "GST_PLUGIN_PATH",
                     "GST_PLUGIN_PATH_1_0"):
        env.pop(variable, None)
    env.update({
        "GST_PLUGIN_PATH": os.path.join(top, "build", "gst-plugins"),
        "GST_REGISTRY_1_0": os.path.join(top, "registry.bin"),
        "BELLA_DB": os.path.join(top, "bella.db"),
        "XDG_DATA_HOME": os.path.join(top, "data"),
        "LC_ALL": "C.UTF-8",
    })
    return env


def run(where, note, body, top, env):
    """Returns None when the recipe works, else what went wrong."""
    script = replace_devices(body)
    live = note == "live"
    if note == "no-key":
        script = "\n".join(line for line in script.splitlines()
                           if not re.match(r"\s*export GEMINI_API_KEY=", line))
    start = time.monotonic()
    process = subprocess.Popen(
        ["bash", "-c", "set -e\n" + script], cwd=top, env=env,
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
        start_new_session=True)
    try:
        output, _ = process.communicate(
            timeout=LIVE_SECONDS if live else TIMEOUT)
    except subprocess.TimeoutExpired:
        if not live:
            os.killpg(process.pid, signal.SIGKILL)
            output, _ = process.communicate()
            return "still running after %d s:\n%s" % (TIMEOUT, output)
        # Ctrl-C, as a user ends a live pipeline.
        os.killpg(process.pid, signal.SIGINT)
        try:
            output, _ = process.communicate(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            output, _ = process.communicate()
            return "Ctrl-C did not end it:\n%s" % output
        if process.returncode not in (0, 130, -signal.SIGINT):
            return "ended with %d after Ctrl-C:\n%s" % (process.returncode,
                                                         output)
    seconds = time.monotonic() - start
    # Whatever the recipe left in the background (a server) ends with it.
    try:
        os.killpg(process.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    print("--- %s (%.1f s)\n%s" % (where, seconds, script.strip()))
    if note == "no-key":
        if process.returncode == 0 or "GEMINI_API_KEY" not in output:
            return "without a key it did not stop saying how to give one " \
                "(status %d):\n%s" % (process.returncode, output)
        return None
    if live and process.returncode is not None and seconds < LIVE_SECONDS:
        if process.returncode != 0:
            return "failed (status %d):\n%s" % (process.returncode, output)
    elif not live and process.returncode != 0:
        return "failed (status %d):\n%s" % (process.returncode, output)
    for line in output.splitlines():
        if line.startswith("ERROR") or line.startswith("error:") \
                or "CRITICAL" in line:
            return "printed an error:\n%s" % output
    return None


def main():
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    build = sys.argv[1]
    only = set(sys.argv[2:])
    top = scratch(build)
    env = environment(top)
    failures, ran, skipped = [], 0, 0
    for where, note, body in blocks():
        if only and where not in only:
            continue
        if note.startswith("skip"):
            if len(note.split(None, 1)) < 2:
                failures.append((where, "skipped without a reason"))
            skipped += 1
            print("--- %s: skipped (%s)" % (where, note[4:].strip()))
            continue
        ran += 1
        problem = run(where, note, body, top, env)
        if problem is not None:
            failures.append((where, problem))
            print("FAIL %s: %s" % (where, problem))
    print("\n%d recipes run, %d skipped, %d failed"
          % (ran, skipped, len(failures)))
    for where, problem in failures:
        print("FAIL %s" % where)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
