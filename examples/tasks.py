#!/usr/bin/python3
# Voxpipe
# Copyright (C) 2026 Voxpipe contributors
# SPDX-License-Identifier: LGPL-2.1-or-later
"""tasks.py: a voice task manager, like Todoist, in Python.

The user talks; the model calls add_task, list_tasks and complete_task;
this script answers them from a SQLite database through the geminilivesink
signals (GObject Introspection), and the model says the result.

    examples/tasks.py [--db tasks.db] [--endpoint local|wss://...] [--output tasks.wav]

It runs with Debian's python3 and python3-gi.  It finds Voxpipe's
typelibs, libraries and plugin on GI_TYPELIB_PATH, LD_LIBRARY_PATH and
GST_PLUGIN_PATH (`meson devenv -C build ../examples/tasks.py` sets them), or
else in the build tree: $VP_BUILD_DIR, by default build/ beside examples/.

The user's lines are espeak-ng speech from libvoxpipe-emulator (VoxpipeEmulator.speech_synthesize)
pushed into an appsrc, one after each of the model's turns, so the example
runs without a microphone.
"""

import argparse
import json
import os
import sqlite3
import sys

import gi

HERE = os.path.dirname(os.path.abspath(__file__))
BUILD = os.environ.get("VP_BUILD_DIR",
                       os.path.normpath(os.path.join(HERE, os.pardir, "build")))


def use_build_tree():
    """Adds the build tree's typelibs and libraries to GI's search paths,
    so that the example runs from a checkout without installing."""
    gi.require_version("GIRepository", "2.0")
    from gi.repository import GIRepository
    for lib in ("client", "emulator"):
        directory = os.path.join(BUILD, "libpipeline", lib)
        if os.path.isdir(directory):
            GIRepository.Repository.prepend_search_path(directory)
            GIRepository.Repository.prepend_library_path(directory)


use_build_tree()
gi.require_version("Gst", "1.0")
try:
    gi.require_version("Voxpipe", "1.0")
    gi.require_version("VoxpipeEmulator", "1.0")
except ValueError:
    sys.exit("tasks.py: Voxpipe's typelibs are not found: build Voxpipe "
             "(./bootstrap, or meson setup build && ninja -C build), then run "
             "meson devenv -C build ../examples/tasks.py, or set VP_BUILD_DIR "
             "to the build directory.")
from gi.repository import GLib, Gst, Voxpipe, VoxpipeEmulator  # noqa: E402

RATE = 16000
USER_LINES = [
    "Add a task to buy milk.",
    "What is on my list?",
    "I bought the milk, mark it done.",
    "Thanks, goodbye.",
]


class Tasks:
    """The task store: one SQLite table, created on first run."""

    def __init__(self, path):
        # Tool calls arrive on Voxpipe's network thread.
        self.db = sqlite3.connect(path, check_same_thread=False)
        self.db.execute(
            "CREATE TABLE IF NOT EXISTS tasks (id INTEGER PRIMARY KEY,"
            " title TEXT NOT NULL, done INTEGER NOT NULL DEFAULT 0)")
        self.db.commit()

    def add_task(self, title):
        cur = self.db.execute("INSERT INTO tasks (title) VALUES (?)", (title,))
        self.db.commit()
        return {"id": cur.lastrowid, "title": title}

    def list_tasks(self):
        rows = self.db.execute(
            "SELECT id, title FROM tasks WHERE done = 0 ORDER BY id").fetchall()
        titles = [title for _, title in rows]
        summary = ", ".join(titles) if titles else "nothing"
        return {"count": len(rows), "summary": summary,
                "tasks": [{"id": i, "title": t} for i, t in rows]}

    def complete_task(self, title):
        row = self.db.execute(
            "SELECT id, title FROM tasks WHERE done = 0 AND title LIKE ?"
            " ORDER BY id LIMIT 1", ("%" + title + "%",)).fetchone()
        if row is None:
            return None
        self.db.execute("UPDATE tasks SET done = 1 WHERE id = ?", (row[0],))
        self.db.commit()
        return {"id": row[0], "title": row[1], "done": True}

    def answer(self, name, args):
        """Returns the tool response: {"output": ...} or {"error": ...}."""
        if name == "add_task":
            return {"output": self.add_task(args.get("title", "").strip())}
        if name == "list_tasks":
            return {"output": self.list_tasks()}
        if name == "complete_task":
            done = self.complete_task(args.get("title", "").strip())
            if done is None:
                return {"error": "No open task matches %r." % args.get("title")}
            return {"output": done}
        return {"error": "No tool named %s." % name}


class Call:
    def __init__(self, args):
        self.tasks = Tasks(args.db)
        self.loop = GLib.MainLoop()
        self.line = 0
        self.said = []
        self.failed = False
        pipelines = os.environ.get("VP_PIPELINES_DIR",
                                   os.path.join(HERE, "..", "pipelines"))
        self.pipeline = Gst.parse_launch(
            "appsrc name=user is-live=true format=time do-timestamp=true "
            "caps=audio/x-raw,format=S16LE,layout=interleaved,channels=1,"
            "rate=%d ! queue ! geminilivesink name=agent session=tasks "
            "endpoint=\"%s\" scenario=\"%s/tasks.scenario.json\" "
            "tools-file=\"%s/tasks.tools.json\" "
            "system-instruction=\"You manage the user's to-do list.\" "
            "geminilivesrc session=tasks ! wavenc ! filesink location=\"%s\""
            % (RATE, args.endpoint, pipelines, pipelines, args.output))
        self.agent = self.pipeline.get_by_name("agent")
        self.user = self.pipeline.get_by_name("user")
        self.agent.connect("tool-call", self.on_tool_call)
        self.agent.connect("transcript", self.on_transcript)
        self.agent.connect("turn", self.on_turn)
        self.agent.connect("session", self.on_session)
        bus = self.pipeline.get_bus()
        bus.add_signal_watch()
        bus.connect("message", self.on_message)

    # Emitted on Voxpipe's network thread: answer quickly, from here or
    # later from any thread.
    def on_tool_call(self, agent, call_id, name, args_json):
        response = self.tasks.answer(name, json.loads(args_json))
        print("  tool %s(%s) -> %s" % (name, args_json, json.dumps(response)))
        if not agent.emit("tool-response", call_id, json.dumps(response)):
            print("  the answer to %s was refused" % call_id, file=sys.stderr)

    def on_transcript(self, agent, role, text, finished):
        if role == "output":
            self.said.append(text)

    def on_turn(self, agent, state, latency_ms):
        if state == "complete":
            print("  assistant: %s" % "".join(self.said).strip())
            self.said = []
            GLib.idle_add(self.say_next_line)

    def on_session(self, agent, state, handle):
        if state == "ready":
            GLib.idle_add(self.say_next_line)

    def say_next_line(self):
        if self.line >= len(USER_LINES):
            self.user.emit("end-of-stream")
            return False
        text = USER_LINES[self.line]
        self.line += 1
        print("user: %s" % text)
        speech = VoxpipeEmulator.speech_synthesize(text, "en-us", RATE)
        pcm = speech.get_data() + bytes(RATE * 2)  # and a second of silence
        self.user.emit("push-buffer", Gst.Buffer.new_wrapped(pcm))
        return False

    def on_message(self, bus, message):
        if message.type == Gst.MessageType.ERROR:
            error, debug = message.parse_error()
            print("error: %s" % error.message, file=sys.stderr)
            self.failed = True
            self.loop.quit()
        elif message.type == Gst.MessageType.EOS:
            print("call ended")
            self.loop.quit()

    def run(self):
        self.pipeline.set_state(Gst.State.PLAYING)
        self.loop.run()
        print("cost of the call: $%.5f" % self.agent.get_property("cost"))
        self.pipeline.set_state(Gst.State.NULL)
        self.pipeline.get_bus().remove_signal_watch()
        return 1 if self.failed else 0


def main():
    parser = argparse.ArgumentParser(description="A voice task manager.")
    parser.add_argument("--db", default="tasks.db",
                        help="SQLite database, created on first run")
    parser.add_argument("--endpoint", default="local",
                        help="\"local\" (built-in emulator) or wss://...")
    parser.add_argument("--output", default="tasks-call.wav",
                        help="where to write the assistant's voice")
    args = parser.parse_args()
    Gst.init(None)
    if Gst.ElementFactory.find("geminilivesink") is None:
        plugins = os.path.join(BUILD, "gst-plugins")
        if os.path.isdir(plugins):
            Gst.Registry.get().scan_path(plugins)
    if Gst.ElementFactory.find("geminilivesink") is None:
        sys.exit("tasks.py: the geminilive plugin is not found: set "
                 "GST_PLUGIN_PATH to the build's gst-plugins directory, or "
                 "run meson devenv -C build ../examples/tasks.py.")
    return Call(args).run()


if __name__ == "__main__":
    sys.exit(main())
