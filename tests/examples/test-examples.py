#!/usr/bin/python3
# Voxpipe
# Copyright (C) 2026 Voxpipe contributors
# SPDX-License-Identifier: LGPL-2.1-or-later
"""The examples end to end against the emulator: afterwards the database
holds what the conversation did (issue 4: receptionist books a table,
tasks.py adds and completes a task)."""

import os
import sqlite3
import subprocess
import sys
import tempfile
import unittest
import wave

BUILD = os.environ["VP_BUILD_DIR"]
SOURCE = os.environ["VP_SOURCE_DIR"]
TIMEOUT = 120


def speech_seconds(path):
    with wave.open(path) as w:
        return w.getnframes() / w.getframerate()


class Examples(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.TemporaryDirectory()
        self.addCleanup(self.dir.cleanup)

    def run_example(self, argv):
        result = subprocess.run(argv, capture_output=True, text=True,
                                timeout=TIMEOUT, cwd=self.dir.name)
        sys.stdout.write(result.stdout)
        sys.stderr.write(result.stderr)
        self.assertEqual(result.returncode, 0, "the example failed")
        return result.stdout

    def test_receptionist_books_a_table(self):
        db = os.path.join(self.dir.name, "bella.db")
        wav = os.path.join(self.dir.name, "call.wav")
        out = self.run_example([os.path.join(BUILD, "examples", "receptionist"),
                                "--db", db, "--output", wav])
        rows = sqlite3.connect(db).execute(
            "SELECT name, party_size, time, status FROM bookings").fetchall()
        self.assertEqual(rows, [("Ana", 4, "20:00", "confirmed")])
        booking = sqlite3.connect(db).execute(
            "SELECT id FROM bookings").fetchone()[0]
        # The receptionist said the booking number the database made.
        self.assertIn("Your booking number is %s" % booking, out)
        self.assertIn("call ended", out)
        self.assertGreater(speech_seconds(wav), 5)

        # A second call on the same database finds the first booking:
        # table 7 is taken, so the next party of four gets table 12.
        self.run_example([os.path.join(BUILD, "examples", "receptionist"),
                          "--db", db, "--output", wav])
        tables = [t for (t,) in sqlite3.connect(db).execute(
            "SELECT table_id FROM bookings ORDER BY rowid")]
        self.assertEqual(tables, [7, 12])

    @unittest.skipUnless(os.environ.get("VP_TYPELIB_DIR"),
                         "GObject Introspection data was not built")
    def test_tasks_py_adds_and_completes(self):
        db = os.path.join(self.dir.name, "tasks.db")
        wav = os.path.join(self.dir.name, "tasks.wav")
        out = self.run_example(["/usr/bin/python3",
                                os.path.join(SOURCE, "examples", "tasks.py"),
                                "--db", db, "--output", wav])
        rows = sqlite3.connect(db).execute(
            "SELECT title, done FROM tasks").fetchall()
        self.assertEqual(rows, [("buy milk", 1)])
        self.assertIn("You have 1 open tasks: buy milk.", out)
        self.assertIn("call ended", out)


if __name__ == "__main__":
    unittest.main(verbosity=2)
