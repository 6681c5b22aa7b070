#!/usr/bin/python3
# Voxpipe
# Copyright (C) 2026 Voxpipe contributors
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Each call's pipeline is gone, and its memory returned, when it ends:
50 sequential aiortc calls, each connected (media flowing, the agent's
session open) and then hung up, alternately with DELETE and by the peer
closing its connection.  After each the active-call count is back to 0;
the gateway's RSS (/proc/PID/status) after the 50 is within a small slack
of what it was after a few warm-up calls."""

import asyncio
import os
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(__file__))
import gwtest  # noqa: E402
from gwtest import log  # noqa: E402

gwtest.require("aiortc", "av", "prometheus_client")

CALLS = int(os.environ.get("VP_MEMORY_CALLS", "50"))
WARMUP = 5
SLACK_KB = 6 * 1024


async def one_call(gw, wav, n):
    call = gwtest.AiortcCall(gw, wav)
    await call.start()
    await gwtest.await_metrics(gw, lambda m: m['voxpipe_calls{state=talking}'] == 1, 15,
                               f"call {n} to connect")
    await asyncio.sleep(0.3)   # audio both ways for a moment
    if n % 2 == 0:
        await call.hang_up()
        await call.close()
    else:
        await call.close()     # the peer goes: DTLS closes, the gateway notices
    await gwtest.await_metrics(gw, lambda m: m["voxpipe_calls_active"] == 0, 20,
                               f"call {n} to be gone")


async def main():
    tmp = tempfile.mkdtemp(prefix="vp-memory-")
    wav = gwtest.make_caller(os.path.join(tmp, "caller.wav"),
                             [("pause", 0.3), ("say", gwtest.QUESTION), ("pause", 5)])
    with gwtest.Gateway("--peer-timeout", "2") as gw:
        for n in range(WARMUP):
            await one_call(gw, wav, n)
        before = gw.rss_kb()
        started = time.time()
        for n in range(CALLS):
            await one_call(gw, wav, n)
            if (n + 1) % 10 == 0:
                log(f"{n + 1} calls: RSS {gw.rss_kb() / 1024:.1f} MB")
        after = gw.rss_kb()
        m = gwtest.metrics(gw)
        log(f"{CALLS} calls in {time.time() - started:.0f} s; RSS {before / 1024:.1f} MB "
            f"before, {after / 1024:.1f} MB after ({(after - before) / CALLS:.0f} kB a call)")
        assert m["voxpipe_calls_active"] == 0
        assert m["voxpipe_calls_total"] == CALLS + WARMUP, m["voxpipe_calls_total"]
        assert m["voxpipe_calls_failed_total"] == 0, m["voxpipe_calls_failed_total"]
        assert after - before < SLACK_KB, "RSS grew with the calls: a call's memory is kept"
        assert gw.stop() == 0
    log("calls memory: OK")


asyncio.run(main())
