#!/usr/bin/python3
# Voxpipe
# Copyright (C) 2026 Voxpipe contributors
# SPDX-License-Identifier: LGPL-2.1-or-later
"""A second WebRTC peer nobody here wrote: aiortc (Debian's python3-aiortc,
the library under Pipecat's SmallWebRTC transport) calls the receptionist
on the emulator without a browser.  It sends the caller's question and
records the reply; the test asserts what aiortc itself received: speech in
the reply (level, duration), loopback-only candidates in the answer, and
the tool call, a turn's latency and the cost in /metrics (aiortc 1.4's
data channel offer is one webrtcbin does not take: see gwtest.py)."""

import asyncio
import os
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(__file__))
import gwtest  # noqa: E402
from gwtest import log  # noqa: E402

gwtest.require("aiortc", "av", "prometheus_client")


async def main():
    tmp = tempfile.mkdtemp(prefix="vp-aiortc-")
    caller = gwtest.make_caller(os.path.join(tmp, "caller.wav"),
                                [("pause", 0.5), ("say", gwtest.QUESTION),
                                 ("pause", 12)])
    reply = os.path.join(tmp, "reply.wav")
    with gwtest.Gateway() as gw:
        call = gwtest.AiortcCall(gw, caller, record=reply)
        # A candidate off loopback in the offer (TEST-NET-1, unrouted): the
        # gateway must drop it, so that no packet goes there.
        call.extra_candidate = ("a=candidate:9 1 udp 2122260223 192.0.2.99 40000 "
                                "typ host")
        started = time.time()
        await call.start()
        for _ in range(50):
            if any("1 remote candidate dropped" in x for x in gw.lines):
                break
            await asyncio.sleep(0.1)
        else:
            raise AssertionError("the candidate off loopback was not dropped")
        found = gwtest.check_loopback_candidates(call.answer, "the gateway's answer")
        log(f"answer: {len(found)} candidate(s), all on loopback")
        assert call.location.startswith("/calls/"), call.location

        # aiortc hears the whole reply: "Let me check." and, after the tool,
        # "We have a table for four ... Shall I book it?" (about 6 s).
        await gwtest.await_metrics(gw, lambda m: m["voxpipe_tool_calls_total"] >= 1
                                   and m["voxpipe_turn_latency_seconds_count"] >= 1,
                                   40, "a tool call and a turn in /metrics")
        await asyncio.sleep(9.0)
        await call.hang_up()
        await call.close()
        log(f"call lasted {time.time() - started:.1f} s")

        rate, channels, _, frames = gwtest.read_wav(reply)
        seconds, peak = gwtest.speech_seconds(frames, rate, channels)
        total = len(frames) / 2 / channels / rate
        log(f"reply recorded by aiortc: {total:.1f} s, speech {seconds:.1f} s, peak RMS {peak}")
        assert seconds >= 2.0, "the reply has too little speech"
        assert peak > 1500, "the reply is too quiet"

        m = gwtest.wait_for(lambda: (lambda m: m if m["voxpipe_calls_active"] == 0 else None)(
            gwtest.metrics(gw)), 15, "no active call")
        log("metrics:", {k: v for k, v in m.items() if not k.startswith("voxpipe_turn_latency")})
        assert m["voxpipe_calls_total"] == 1
        assert m["voxpipe_tool_calls_total"] >= 1
        assert m["voxpipe_turn_latency_seconds_count"] >= 1
        assert m["voxpipe_cost_usd_total"] > 0
        assert m["voxpipe_calls_failed_total"] == 0
        assert gw.stop() == 0, "the gateway did not exit 0 on SIGTERM"
    log("aiortc: OK")


asyncio.run(main())
