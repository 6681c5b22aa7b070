# Voxpipe
# Copyright (C) 2026 Voxpipe contributors
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Helpers for the gateway tests: start `voxpipe serve`, talk HTTP to it,
make WAVs, call it with aiortc (Debian's python3-aiortc, the WebRTC library
under Pipecat's SmallWebRTC transport), measure audio, read /metrics with
prometheus_client's parser.  Everything stays on 127.0.0.1."""

import asyncio
import audioop
import json
import os
import re
import signal
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
import wave

def require(*modules):
    """Exit 77 (meson: skipped) when a Debian package the test needs is
    missing; ./bootstrap installs them."""
    import importlib
    for name in modules:
        try:
            importlib.import_module(name)
        except ImportError:
            print(f"SKIP: python module {name} is missing (apt-get install "
                  f"python3-aiortc python3-av python3-prometheus-client)")
            sys.exit(77)


RUNNER = os.environ.get("VP_RUNNER", "build/libpipeline/voxpipe")
PIPELINES = os.environ.get("VP_PIPELINES_DIR", "pipelines")
QUESTION = os.environ.get("VP_CALLER_QUESTION",
                          "build/pipelines/caller-question.wav")
AGENT = os.path.join(PIPELINES, "receptionist-call.pipeline")


def log(*args):
    print(*args, flush=True)


class Gateway:
    """voxpipe serve on 127.0.0.1:0; its log is kept and printed on failure."""

    def __init__(self, *args, pipeline=AGENT, env=None):
        self.lines = []
        e = dict(os.environ)
        e.update(env or {})
        e.setdefault("G_MESSAGES_DEBUG", "")
        # A fresh restaurant for each gateway: every table free.
        e["BELLA_DB"] = os.path.join(tempfile.mkdtemp(prefix="vp-bella-"), "bella.db")
        cmd = [RUNNER, "serve", "-f", pipeline, "--web", "127.0.0.1:0", *args]
        log("gateway:", " ".join(cmd))
        self.proc = subprocess.Popen(cmd, stdout=subprocess.PIPE,
                                     stderr=subprocess.STDOUT, text=True,
                                     env=e)
        self.url = None
        deadline = time.time() + 30
        while time.time() < deadline:
            line = self.proc.stdout.readline()
            if not line:
                break
            self.lines.append(line.rstrip())
            m = re.search(r"open (http\S+) to talk", line)
            if m:
                self.url = m.group(1).rstrip("/")
                break
        if self.url is None:
            self.dump()
            raise RuntimeError("the gateway did not start")
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()

    def _read(self):
        for line in self.proc.stdout:
            self.lines.append(line.rstrip())

    def dump(self):
        log("---- gateway log ----")
        for line in self.lines[-200:]:
            log("  " + line)

    def pid(self):
        return self.proc.pid

    def rss_kb(self):
        with open(f"/proc/{self.proc.pid}/status") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
        return 0

    def stop(self, sig=signal.SIGTERM, timeout=30):
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
        try:
            return self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
            return None

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        if exc[0] is not None:
            self.dump()
        self.stop()


def http(method, url, body=None, content_type=None, headers=None):
    """(status, headers, body text) without raising on 4xx/5xx."""
    data = body.encode() if isinstance(body, str) else body
    req = urllib.request.Request(url, data=data, method=method)
    if content_type:
        req.add_header("Content-Type", content_type)
    for k, v in (headers or {}).items():
        req.add_header(k, v)
    try:
        with urllib.request.urlopen(req, timeout=30) as r:
            return r.status, r.headers, r.read().decode()
    except urllib.error.HTTPError as e:
        return e.code, e.headers, e.read().decode()


def metrics(gateway):
    """{name: value} for unlabelled samples, via prometheus_client's parser."""
    from prometheus_client.parser import text_string_to_metric_families
    status, headers, text = http("GET", gateway.url + "/metrics")
    assert status == 200, status
    assert headers["Content-Type"].startswith("text/plain; version=0.0.4")
    out = {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            key = sample.name
            if sample.labels:
                key += "{" + ",".join(f"{k}={v}" for k, v in
                                      sorted(sample.labels.items())) + "}"
            out[key] = sample.value
    return out


def wait_for(predicate, timeout, what, step=0.1):
    deadline = time.time() + timeout
    while time.time() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(step)
    raise AssertionError(f"timed out after {timeout} s waiting for {what}")


async def await_metrics(gateway, pred, timeout, what):
    """Polls /metrics without blocking the event loop (aiortc runs on it)."""
    loop = asyncio.get_event_loop()
    deadline = time.time() + timeout
    while time.time() < deadline:
        m = await loop.run_in_executor(None, metrics, gateway)
        if pred(m):
            return m
        await asyncio.sleep(0.2)
    raise AssertionError(f"timed out after {timeout} s waiting for {what}")


# ---------------------------------------------------------------------------
# Audio


def read_wav(path):
    with wave.open(path) as w:
        return (w.getframerate(), w.getnchannels(), w.getsampwidth(),
                w.readframes(w.getnframes()))


def write_wav(path, rate, frames, channels=1):
    with wave.open(path, "wb") as w:
        w.setnchannels(channels)
        w.setsampwidth(2)
        w.setframerate(rate)
        w.writeframes(frames)


def silence(rate, seconds):
    return b"\0\0" * int(rate * seconds)


def make_caller(path, parts):
    """A mono WAV at the question's rate from ("say", wav) / ("pause", s)."""
    rate, channels, width, _ = read_wav(QUESTION)
    out = b""
    for kind, value in parts:
        if kind == "pause":
            out += silence(rate, value)
        else:
            r, c, w, frames = read_wav(value)
            assert (r, c, w) == (rate, 1, 2), (r, c, w)
            out += frames
    write_wav(path, rate, out)
    return path


def speak(path, text):
    subprocess.run(["espeak-ng", "-v", "en-us", "-w", path, text], check=True)
    return path


def speech_seconds(frames, rate, channels=1, channel=0, threshold=500):
    """Seconds of 20 ms frames whose RMS is over @threshold, and peak RMS."""
    if channels > 1:
        frames = audioop.tomono(frames, 2, 1.0 if channel == 0 else 0.0,
                                1.0 if channel == 1 else 0.0)
    step = rate // 50 * 2
    voiced, peak = 0, 0
    for i in range(0, len(frames) - step + 1, step):
        rms = audioop.rms(frames[i:i + step], 2)
        peak = max(peak, rms)
        if rms > threshold:
            voiced += 1
    return voiced * 0.02, peak


# ---------------------------------------------------------------------------
# aiortc


def loopback_only_ice():
    """aioice leaves 127.0.0.1 out of its host candidates: give it that
    address alone, so aiortc's media stays on loopback."""
    import aioice.ice
    aioice.ice.get_host_addresses = lambda use_ipv4, use_ipv6: ["127.0.0.1"]


def candidates(sdp):
    return [line for line in sdp.splitlines() if line.startswith("a=candidate")]


def check_loopback_candidates(sdp, who):
    found = candidates(sdp)
    assert found, f"{who}: no candidate at all"
    for line in found:
        address = line.split()[4]
        assert address.startswith("127."), f"{who}: candidate off loopback: {line}"
    return found


class AiortcCall:
    """One call from aiortc: the WAV as the microphone, the reply recorded,
    the data channel's events collected."""

    def __init__(self, gateway, wav, record=None):
        self.gateway = gateway
        self.wav = wav
        self.record = record
        self.events = []
        self.location = None
        self.answer = None
        self.pc = None
        self.extra_candidate = None     # a line added to the offer

    async def start(self, expect=201):
        from aiortc import RTCConfiguration, RTCPeerConnection, RTCSessionDescription
        from aiortc.contrib.media import MediaPlayer, MediaRecorder
        loopback_only_ice()
        # No STUN server: aiortc's default one is on the internet.
        self.pc = RTCPeerConnection(RTCConfiguration(iceServers=[]))
        # No data channel: aiortc 1.4 offers SCTP the old way ("DTLS/SCTP
        # 5000", its own ICE credentials inside a BUNDLE group), which
        # webrtcbin refuses.  Events are checked through /metrics instead.

        self.player = MediaPlayer(self.wav) if self.wav else None
        if self.player:
            self.pc.addTrack(self.player.audio)
        else:
            self.pc.addTransceiver("audio", direction="recvonly")
        self.recorder = MediaRecorder(self.record) if self.record else None

        @self.pc.on("track")
        def on_track(track):
            if self.recorder:
                self.recorder.addTrack(track)

        await self.pc.setLocalDescription(await self.pc.createOffer())
        while self.pc.iceGatheringState != "complete":
            await asyncio.sleep(0.05)
        offer = self.pc.localDescription.sdp
        check_loopback_candidates(offer, "aiortc's offer")
        if self.extra_candidate:
            offer = offer.replace("a=end-of-candidates",
                                  self.extra_candidate + "\r\na=end-of-candidates", 1)
        loop = asyncio.get_event_loop()
        status, headers, body = await loop.run_in_executor(
            None, http, "POST", self.gateway.url + "/calls", offer,
            "application/sdp")
        assert status == expect, (status, body)
        if status != 201:
            return status, headers, body
        self.location = headers["Location"]
        self.answer = body
        await self.pc.setRemoteDescription(RTCSessionDescription(body, "answer"))
        if self.recorder:
            await self.recorder.start()
        return status, headers, body

    def types(self):
        return [e.get("type") for e in self.events]

    async def wait_event(self, pred, timeout, what):
        deadline = time.time() + timeout
        while time.time() < deadline:
            for e in self.events:
                if pred(e):
                    return e
            await asyncio.sleep(0.05)
        raise AssertionError(f"no {what} within {timeout} s; events: "
                             f"{[e.get('type') for e in self.events]}")

    async def hang_up(self, expect=204):
        loop = asyncio.get_event_loop()
        status, _, body = await loop.run_in_executor(
            None, http, "DELETE", self.gateway.url + self.location)
        assert status == expect, (status, body)

    async def close(self):
        if self.recorder:
            await self.recorder.stop()
        if self.player and self.player.audio:
            self.player.audio.stop()
        if self.pc:
            await self.pc.close()
