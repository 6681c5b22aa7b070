#!/usr/bin/env python3
# Voxpipe
# Copyright (C) 2026 Voxpipe contributors
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# voxpipe cost (issue 15.6) and the receptionist on 3.8 and on 3.1 (15.5):
# the runner's usage log of real calls, summed by `voxpipe cost --from`,
# agrees with the meter; the estimate follows its printed formula; a price
# file overrides the table.

import json
import os
import re
import subprocess
import sys
import tempfile
import unittest

RUNNER = os.environ['VP_RUNNER']
PIPELINES = os.environ.get('VP_PIPELINES_DIR') or os.path.join(
    os.environ['VP_SOURCE_DIR'], 'pipelines')


def run(*args, timeout=120):
    p = subprocess.run([RUNNER, *args], capture_output=True, text=True,
                       timeout=timeout)
    if p.returncode != 0:
        raise AssertionError(f'{args} exited {p.returncode}:\n{p.stdout}\n{p.stderr}')
    return p.stdout


def money(pattern, text):
    m = re.search(pattern, text)
    if m is None:
        raise AssertionError(f'{pattern!r} not in:\n{text}')
    return float(m.group(1))


class Cost(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.TemporaryDirectory()
        self.log = os.path.join(self.dir.name, 'calls.jsonl')

    def tearDown(self):
        self.dir.cleanup()

    def call(self, model):
        out = run('-f', os.path.join(PIPELINES, 'receptionist.pipeline'),
                  '-D', f'output={self.dir.name}/reply.wav', '-D', f'model={model}',
                  '--usage-log', self.log)
        # The same conversation on either model: the question, the tool,
        # the table.
        self.assertIn('tool call: check_availability(', out)
        self.assertIn('agent: ', out)
        self.assertIn('We have a table for four', out)
        return out

    def test_receptionist_on_38_and_31_and_the_log_agrees_with_the_meter(self):
        out38 = self.call('gemini-3.8-live')
        out31 = self.call('gemini-3.1-flash-live-preview')
        # 3.8: the call runs on while the model ends its turn; 3.1 waits.
        self.assertIn('[a tool runs on]', out38)
        self.assertNotIn('[a tool runs on]', out31)
        self.assertIn('agent: Let me check. We have a table for four', out31)
        meter = [money(r'\ncost: \$([0-9.]+)', out38), money(r'\ncost: \$([0-9.]+)', out31)]

        lines = [json.loads(l) for l in open(self.log)]
        self.assertEqual([l['model'] for l in lines],
                         ['gemini-3.8-live', 'gemini-3.1-flash-live-preview'])
        for line, printed in zip(lines, meter):
            self.assertGreater(line['input-audio-tokens'], 0)
            self.assertGreater(line['output-audio-tokens'], 0)
            self.assertAlmostEqual(line['cost-usd'], printed, places=4)

        summed = run('cost', '--from', self.log)
        total = money(r'cost: \$([0-9.]+) \(the meter said', summed)
        said = money(r'the meter said \$([0-9.]+)\)', summed)
        self.assertAlmostEqual(total, said, places=6)
        self.assertAlmostEqual(total, sum(l['cost-usd'] for l in lines), places=6)
        self.assertIn('calls: 2', summed)

        # A price file changes the sum, and only where it says.
        prices = os.path.join(self.dir.name, 'prices.json')
        with open(prices, 'w') as f:
            json.dump({'gemini-3.8-live': {'audio-in': 0, 'audio-out': 0,
                                           'text-in': 0, 'text-out': 0}}, f)
        own = run('cost', '--from', self.log, '--price-file', prices)
        call1 = money(r'call 1: [^$]*\$([0-9.]+)', own)
        call2 = money(r'call 2: [^$]*\$([0-9.]+)', own)
        self.assertEqual(call1, 0.0)
        self.assertAlmostEqual(call2, lines[1]['cost-usd'], places=6)

    def test_estimate_follows_its_formula(self):
        out = run('cost', '--minutes', '1', '--calls-per-day', '10', '--days', '30')
        # 60 s of audio in at 32 tokens/s x $3/M, 24 s out at 25 tokens/s x $12/M.
        self.assertIn('model gemini-3.8-live', out)
        self.assertIn('not confirmed', out)
        self.assertAlmostEqual(money(r'per call: \$([0-9.]+)', out),
                               60 * 32 * 3.0 / 1e6 + 24 * 25 * 12.0 / 1e6, places=6)
        self.assertAlmostEqual(money(r'per month: 30 days x \$[0-9.]+ = \$([0-9.]+)', out),
                               30 * 10 * (60 * 32 * 3.0 / 1e6 + 24 * 25 * 12.0 / 1e6), places=2)
        video = run('cost', '--minutes', '1', '--video', '--client-vad')
        self.assertAlmostEqual(money(r'per call: \$([0-9.]+)', video),
                               30 * 32 * 3.0 / 1e6 + 24 * 25 * 12.0 / 1e6 + 60 * 258 * 1.0 / 1e6,
                               places=6)

    def test_bad_input_is_refused(self):
        p = subprocess.run([RUNNER, 'cost', '--user-talk', '2'], capture_output=True, text=True)
        self.assertEqual(p.returncode, 2)
        self.assertIn('between 0 and 1', p.stderr)
        with open(self.log, 'w') as f:
            f.write('not json\n')
        p = subprocess.run([RUNNER, 'cost', '--from', self.log], capture_output=True, text=True)
        self.assertNotEqual(p.returncode, 0)
        self.assertIn('calls.jsonl:1 is not a JSON object', p.stderr)


if __name__ == '__main__':
    unittest.main(verbosity=2)
