#!/usr/bin/python3
# Voxpipe
# Copyright (C) 2026 Voxpipe contributors
# SPDX-License-Identifier: LGPL-2.1-or-later
"""The baseline of bench-gateway.py: an aiortc server doing only the
transport work of Pipecat's SmallWebRTC transport, and no model.

  bench-smallwebrtc-server.py AGENT_VOICE.wav

For each POST /calls (an SDP offer, answered once ICE gathering is
complete, like voxpipe serve) it receives the caller's Opus, decodes it
(aiortc), resamples it to 16 kHz mono (PyAV's AudioResampler, as
SmallWebRTC does for the model), and sends back 24 kHz audio (the agent's
voice, looped, in 20 ms frames) that aiortc resamples and encodes to Opus.
It prints "listening on http://127.0.0.1:PORT" and serves until killed.
Only 127.0.0.1: aioice is given that address alone, and no STUN server."""

import asyncio
import audioop
import fractions
import http.server
import sys
import threading
import time
import wave

import aioice.ice
import av
from aiortc import (MediaStreamTrack, RTCConfiguration, RTCPeerConnection,
                    RTCSessionDescription)

aioice.ice.get_host_addresses = lambda use_ipv4, use_ipv6: ["127.0.0.1"]
RATE_OUT = 24000
FRAME = RATE_OUT // 50


def load_voice(path):
    with wave.open(path) as w:
        pcm = w.readframes(w.getnframes())
        if w.getnchannels() == 2:
            pcm = audioop.tomono(pcm, 2, 0.5, 0.5)
        if w.getframerate() != RATE_OUT:
            pcm, _ = audioop.ratecv(pcm, 2, 1, w.getframerate(), RATE_OUT, None)
    # The voice, then as long a silence: an agent does not talk all the time.
    return pcm + b"\0" * len(pcm)


class AgentVoice(MediaStreamTrack):
    """24 kHz mono s16 in 20 ms frames, paced in real time."""
    kind = "audio"

    def __init__(self, pcm):
        super().__init__()
        self.pcm = pcm
        self.pos = 0
        self.pts = 0
        self.start = None

    async def recv(self):
        if self.start is None:
            self.start = time.monotonic()
        wait = self.start + self.pts / RATE_OUT - time.monotonic()
        if wait > 0:
            await asyncio.sleep(wait)
        n = FRAME * 2
        chunk = self.pcm[self.pos:self.pos + n]
        self.pos = (self.pos + n) % len(self.pcm)
        if len(chunk) < n:
            chunk += b"\0" * (n - len(chunk))
        frame = av.AudioFrame(format="s16", layout="mono", samples=FRAME)
        frame.planes[0].update(chunk)
        frame.sample_rate = RATE_OUT
        frame.pts = self.pts
        frame.time_base = fractions.Fraction(1, RATE_OUT)
        self.pts += FRAME
        return frame


class Server:
    def __init__(self, voice):
        self.voice = voice
        self.loop = asyncio.new_event_loop()
        self.pcs = {}
        self.samples_16k = 0

    async def consume(self, track):
        resampler = av.AudioResampler(format="s16", layout="mono", rate=16000)
        while True:
            try:
                frame = await track.recv()
            except Exception:
                return
            for out in resampler.resample(frame):
                self.samples_16k += out.samples

    async def answer(self, sdp):
        pc = RTCPeerConnection(RTCConfiguration(iceServers=[]))
        pc_id = f"{id(pc):x}"
        self.pcs[pc_id] = pc

        @pc.on("track")
        def on_track(track):
            if track.kind == "audio":
                asyncio.ensure_future(self.consume(track))

        @pc.on("connectionstatechange")
        async def on_state():
            if pc.connectionState in ("failed", "closed"):
                self.pcs.pop(pc_id, None)
                await pc.close()

        await pc.setRemoteDescription(RTCSessionDescription(sdp, "offer"))
        for t in pc.getTransceivers():
            if t.kind == "audio":
                t.sender.replaceTrack(AgentVoice(self.voice))
                t.direction = "sendrecv"
        await pc.setLocalDescription(await pc.createAnswer())
        while pc.iceGatheringState != "complete":
            await asyncio.sleep(0.02)
        return pc_id, pc.localDescription.sdp

    async def hang_up(self, pc_id):
        pc = self.pcs.pop(pc_id, None)
        if pc:
            await pc.close()
        return pc is not None


def main():
    server = Server(load_voice(sys.argv[1]))

    class Handler(http.server.BaseHTTPRequestHandler):
        def log_message(self, *args):
            pass

        def do_POST(self):
            body = self.rfile.read(int(self.headers["Content-Length"])).decode()
            pc_id, sdp = asyncio.run_coroutine_threadsafe(
                server.answer(body), server.loop).result(30)
            data = sdp.encode()
            self.send_response(201)
            self.send_header("Content-Type", "application/sdp")
            self.send_header("Location", f"/calls/{pc_id}")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def do_DELETE(self):
            ok = asyncio.run_coroutine_threadsafe(
                server.hang_up(self.path.rsplit("/", 1)[-1]), server.loop).result(30)
            self.send_response(204 if ok else 404)
            self.send_header("Content-Length", "0")
            self.end_headers()

    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    print(f"listening on http://127.0.0.1:{httpd.server_address[1]}", flush=True)
    server.loop.run_forever()


main()
