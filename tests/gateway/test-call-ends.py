#!/usr/bin/python3
# Voxpipe
# Copyright (C) 2026 Voxpipe contributors
# SPDX-License-Identifier: LGPL-2.1-or-later
"""How a call ends, each way, with aiortc as the caller (a WebRTC peer
nobody here wrote): the agent's end_call tool (and the call recorded with
--record, decoded back: speech in both channels), the peer going away
without a DELETE, and SIGTERM on the gateway (no new calls, the current
turn finishes, every call closes, exit 0).  After each, the gateway has no
call left and none failed."""

import asyncio
import os
import signal
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(__file__))
import gwtest  # noqa: E402
from gwtest import log  # noqa: E402

gwtest.require("aiortc", "av", "prometheus_client")
TMP = tempfile.mkdtemp(prefix="vp-ends-")


def no_call_left(m):
    return m["voxpipe_calls_active"] == 0


async def end_call_and_record():
    log("== the agent's end_call tool, recorded ==")
    goodbye = gwtest.speak(os.path.join(TMP, "goodbye.wav"), "Thank you, goodbye.")
    confirm = gwtest.speak(os.path.join(TMP, "confirm.wav"),
                           "Yes please, book it under the name Ana.")
    caller = gwtest.make_caller(os.path.join(TMP, "three.wav"), [
        ("pause", 0.5), ("say", gwtest.QUESTION), ("pause", 11),
        ("say", confirm), ("pause", 11), ("say", goodbye), ("pause", 15)])
    record_dir = os.path.join(TMP, "records")
    reply = os.path.join(TMP, "reply-goodbye.wav")
    with gwtest.Gateway("--record", record_dir) as gw:
        call = gwtest.AiortcCall(gw, caller, record=reply)
        started = time.time()
        await call.start()
        # Nobody hangs up: the agent's goodbye turn calls end_call.
        m = await gwtest.await_metrics(gw, lambda m: m["voxpipe_calls_total"] == 1
                                       and no_call_left(m), 60,
                                       "the agent to end the call")
        log(f"the agent ended the call after {time.time() - started:.1f} s")
        assert m["voxpipe_tool_calls_total"] == 3, m   # check, book, end_call
        assert m["voxpipe_calls_failed_total"] == 0
        await call.close()
        await call.hang_up(expect=404)   # it is gone
        rate, channels, _, frames = gwtest.read_wav(reply)
        seconds, _ = gwtest.speech_seconds(frames, rate, channels)
        log(f"aiortc heard {seconds:.1f} s of the agent's speech")
        assert seconds > 6, "aiortc did not hear three replies"
        assert any("the agent ended the call" in line for line in gw.lines)
        assert gw.stop() == 0

    records = [f for f in os.listdir(record_dir) if f.endswith(".ogg")]
    assert len(records) == 1, records
    ogg = os.path.join(record_dir, records[0])
    wav = os.path.join(TMP, "record.wav")
    subprocess.run(["gst-launch-1.0", "-q", "filesrc", f"location={ogg}", "!",
                    "oggdemux", "!", "opusdec", "!", "audioconvert", "!",
                    "audio/x-raw,format=S16LE,channels=2", "!", "wavenc", "!",
                    "filesink", f"location={wav}"], check=True, timeout=60)
    rate, channels, _, frames = gwtest.read_wav(wav)
    assert channels == 2, channels
    caller_s, _ = gwtest.speech_seconds(frames, rate, 2, channel=0)
    agent_s, _ = gwtest.speech_seconds(frames, rate, 2, channel=1)
    total = len(frames) / 4 / rate
    log(f"--record: {records[0]}, {total:.1f} s; speech: caller (left) {caller_s:.1f} s, "
        f"agent (right) {agent_s:.1f} s")
    assert caller_s > 3, "the caller is missing from the recording's left channel"
    assert agent_s > 6, "the agent is missing from the recording's right channel"
    # Each side in its own channel: the caller said less than the agent.
    assert agent_s > caller_s + 2, "the two sides are mixed together"


async def peer_goes_away():
    log("== the peer goes away without hanging up ==")
    caller = gwtest.make_caller(os.path.join(TMP, "short.wav"),
                                [("pause", 0.5), ("say", gwtest.QUESTION), ("pause", 20)])
    with gwtest.Gateway("--peer-timeout", "3") as gw:
        call = gwtest.AiortcCall(gw, caller)
        await call.start()
        await gwtest.await_metrics(gw, lambda m: m["voxpipe_turns_total"] >= 1, 30,
                                   "the agent's first turn")
        gone = time.time()
        await call.close()   # no DELETE: the peer just vanishes
        m = await gwtest.await_metrics(gw, no_call_left, 15, "the gateway to notice")
        log(f"the gateway ended the call {time.time() - gone:.1f} s after the peer went")
        assert m["voxpipe_calls_failed_total"] == 0
        line = [x for x in gw.lines if "hanging up" in x]
        log("  " + line[-1])
        assert gw.stop() == 0


async def drain_on_sigterm():
    log("== SIGTERM drains ==")
    caller = gwtest.make_caller(os.path.join(TMP, "drain.wav"),
                                [("pause", 0.5), ("say", gwtest.QUESTION), ("pause", 20)])
    reply = os.path.join(TMP, "reply-drain.wav")
    with gwtest.Gateway("--drain-seconds", "8") as gw:
        call = gwtest.AiortcCall(gw, caller, record=reply)
        await call.start()
        await gwtest.await_metrics(gw, lambda m: m["voxpipe_turns_total"] >= 1, 30,
                                   "the agent to start speaking")
        gw.proc.send_signal(signal.SIGTERM)
        sent = time.time()
        await asyncio.sleep(0.3)
        loop = asyncio.get_event_loop()
        status, headers, body = await loop.run_in_executor(
            None, gwtest.http, "POST", gw.url + "/calls", call.pc.localDescription.sdp,
            "application/sdp")
        log(f"a new call while draining: {status} {body.strip()}")
        assert status == 503 and headers["Retry-After"], status
        status, _, body = await loop.run_in_executor(None, gwtest.http, "GET",
                                                     gw.url + "/healthz")
        assert status == 503 and body.strip() == "draining", (status, body)
        code = await loop.run_in_executor(None, gw.proc.wait, 30)
        log(f"the gateway exited {code} {time.time() - sent:.1f} s after SIGTERM")
        assert code == 0
        await call.close()
        assert any("drain: no agent is speaking" in x for x in gw.lines), \
            "the turn did not finish within the grace period"
        rate, channels, _, frames = gwtest.read_wav(reply)
        seconds, _ = gwtest.speech_seconds(frames, rate, channels)
        log(f"aiortc heard {seconds:.1f} s of the reply it was getting")
        assert seconds > 2.5, "the current turn was cut short"


async def main():
    await end_call_and_record()
    await peer_goes_away()
    await drain_on_sigterm()
    log("call ends: OK")


asyncio.run(main())
