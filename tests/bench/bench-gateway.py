#!/usr/bin/python3
# Voxpipe
# Copyright (C) 2026 Voxpipe contributors
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Calls per core (issue 13, point 10; docs/performance.md).

  tests/bench/bench-gateway.py [--build-dir build] [--n 1,10,20] [--seconds 15]
                               [--peers gst|aiortc] [--model in|apart|both] [--json FILE]

N concurrent WebRTC peers in another process (webrtcbin, bench-peers-gst.py;
or with --peers aiortc, aiortc peers in this process) each send the caller's
question in real time (20 ms Opus frames, a pause, again) and receive the
agent's audio.  They call, in turn:
  * voxpipe serve -f pipelines/receptionist-call.pipeline on the emulator:
    a whole Voxpipe call, transport and agent.  With --model in (the
    default) the emulator runs in the gateway's process (endpoint=local: its
    VAD and espeak-ng speech count against Voxpipe); with --model apart it is
    a voxpipe-emulator process of its own, as the model is Google's in
    production, and its CPU is printed apart;
  * bench-smallwebrtc-server.py: aiortc doing only the transport work of
    Pipecat's SmallWebRTC (Opus decoded, resampled to 16 kHz; 24 kHz audio
    encoded back), no model.
For each N it measures the server process over a window once every peer
has connected: CPU (utime+stime from /proc/PID/stat) and RSS above the
idle server, per call; and at the peers, each received frame's lateness
(its arrival against its RTP timestamp, relative to the earliest frame of
that peer).  A run holds when every peer got the agent's audio and the
lateness p99 is under 40 ms.  Everything stays on 127.0.0.1; the peers
share the machine's cores with the server, so their own CPU (printed)
limits how far N can go here."""

import argparse
import asyncio
import audioop
import fractions
import json
import os
import re
import subprocess
import sys
import tempfile
import time
import urllib.request
import wave

import aioice.ice
import av
from aiortc import (MediaStreamTrack, RTCConfiguration, RTCPeerConnection,
                    RTCSessionDescription)

HERE = os.path.dirname(os.path.abspath(__file__))
SRC = os.path.dirname(os.path.dirname(HERE))
aioice.ice.get_host_addresses = lambda use_ipv4, use_ipv6: ["127.0.0.1"]
TICK = os.sysconf("SC_CLK_TCK")
PAGE_KB = os.sysconf("SC_PAGE_SIZE") // 1024


def log(msg):
    print(f"bench-gateway: {msg}", file=sys.stderr, flush=True)


def pct(values, p):
    if not values:
        return None
    s = sorted(values)
    return s[max(0, min(len(s) - 1, int(len(s) * p / 100 + 0.999) - 1))]


def cpu_seconds(pid):
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICK


def rss_kb(pid):
    with open(f"/proc/{pid}/statm") as f:
        return int(f.read().split()[1]) * PAGE_KB


class Speech(MediaStreamTrack):
    """The caller: 48 kHz mono s16, 20 ms frames, in real time."""
    kind = "audio"

    def __init__(self, pcm):
        super().__init__()
        self.pcm, self.pos, self.pts, self.start = pcm, 0, 0, None

    async def recv(self):
        if self.start is None:
            self.start = time.monotonic()
        wait = self.start + self.pts / 48000 - time.monotonic()
        if wait > 0:
            await asyncio.sleep(wait)
        n = 960 * 2
        chunk = self.pcm[self.pos:self.pos + n]
        self.pos = (self.pos + n) % len(self.pcm)
        chunk += b"\0" * (n - len(chunk))
        frame = av.AudioFrame(format="s16", layout="mono", samples=960)
        frame.planes[0].update(chunk)
        frame.sample_rate, frame.pts = 48000, self.pts
        frame.time_base = fractions.Fraction(1, 48000)
        self.pts += 960
        return frame


class Peer:
    def __init__(self, url, pcm):
        self.url, self.pcm = url, pcm
        self.frames = []          # (arrival, pts seconds, rms)
        self.location = None

    async def call(self):
        self.pc = RTCPeerConnection(RTCConfiguration(iceServers=[]))
        self.pc.addTrack(Speech(self.pcm))

        @self.pc.on("track")
        def on_track(track):
            asyncio.ensure_future(self.listen(track))

        await self.pc.setLocalDescription(await self.pc.createOffer())
        while self.pc.iceGatheringState != "complete":
            await asyncio.sleep(0.02)
        loop = asyncio.get_event_loop()

        def post():
            req = urllib.request.Request(self.url + "/calls", method="POST",
                                         data=self.pc.localDescription.sdp.encode(),
                                         headers={"Content-Type": "application/sdp"})
            with urllib.request.urlopen(req, timeout=30) as r:
                return r.headers["Location"], r.read().decode()
        self.location, answer = await loop.run_in_executor(None, post)
        await self.pc.setRemoteDescription(RTCSessionDescription(answer, "answer"))

    async def listen(self, track):
        loop = asyncio.get_event_loop()
        while True:
            try:
                frame = await track.recv()
            except Exception:
                return
            pcm = bytes(frame.planes[0])[:frame.samples * 2 * len(frame.layout.channels)]
            self.frames.append((loop.time(), float(frame.pts * frame.time_base),
                                audioop.rms(pcm, 2)))

    async def hang_up(self):
        loop = asyncio.get_event_loop()

        def delete():
            req = urllib.request.Request(self.url + self.location, method="DELETE")
            try:
                urllib.request.urlopen(req, timeout=10).read()
            except Exception:
                pass
        if self.location:
            await loop.run_in_executor(None, delete)
        await self.pc.close()


def start_server(cmd, env=None):
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                            text=True, env=env)
    deadline = time.time() + 30
    while time.time() < deadline:
        line = proc.stdout.readline()
        m = re.search(r"(http://127\.0\.0\.1:\d+)", line)
        if m:
            return proc, m.group(1)
    proc.kill()
    raise RuntimeError(f"{cmd[0]} did not start")


def start_model(build_dir):
    """voxpipe-emulator on its own, with the receptionist's scenario."""
    proc = subprocess.Popen([os.path.join(build_dir, "libpipeline", "voxpipe-emulator"),
                             "--scenario", os.path.join(SRC, "pipelines",
                                                        "receptionist.scenario.json")],
                            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    deadline = time.time() + 30
    while time.time() < deadline:
        m = re.search(r"(ws://127\.0\.0\.1:\d+)", proc.stdout.readline())
        if m:
            return proc, m.group(1)
    proc.kill()
    raise RuntimeError("voxpipe-emulator did not start")


async def run_gst(kind, cmd, n, seconds, ogg, env=None, model=None):
    """The peers in their own process (bench-peers-gst.py); @model, the
    emulator's process when it runs apart, is measured over the same window."""
    proc, url = start_server(cmd, env)
    await asyncio.sleep(1.0)
    idle_rss = rss_kb(proc.pid)
    peers = subprocess.Popen(["/usr/bin/python3", os.path.join(HERE, "bench-peers-gst.py"),
                              url, str(n), "4", str(seconds), ogg],
                             stdout=subprocess.PIPE, text=True)
    loop = asyncio.get_event_loop()
    t0 = c0 = m0 = t1 = c1 = m1 = rss = None
    report = None
    try:
        while True:
            line = await loop.run_in_executor(None, peers.stdout.readline)
            if not line:
                break
            if line.startswith("window start"):
                t0, c0, m0 = time.monotonic(), cpu_seconds(proc.pid), cpu_seconds(peers.pid)
                e0 = cpu_seconds(model.pid) if model else 0
            elif line.startswith("window end"):
                t1, c1, m1 = time.monotonic(), cpu_seconds(proc.pid), cpu_seconds(peers.pid)
                e1 = cpu_seconds(model.pid) if model else 0
                rss = rss_kb(proc.pid)
            elif line.startswith("["):
                report = json.loads(line)
                break
        peers.wait(60)
    finally:
        if peers.poll() is None:
            peers.kill()
        proc.terminate()
        try:
            proc.wait(20)
        except subprocess.TimeoutExpired:
            proc.kill()
    if report is None or t1 is None:
        log(f"{kind} N={n}: the peers did not report")
        return {"server": kind, "n": n, "holds": False, "cpu_per_call_pct": 0,
                "cpu_total_pct": 0, "rss_per_call_mb": 0, "rss_mb": 0, "peers_cpu_pct": 0,
                "lateness_p99_ms": None, "lateness_p50_ms": None, "peers_hearing_agent": 0}
    lateness = [x for p in report for x in p["lateness_ms"]]
    heard = sum(1 for p in report if p["voiced_s"] >= 1.0)
    wall = t1 - t0
    result = {
        "server": kind, "n": n,
        "cpu_per_call_pct": (c1 - c0) / wall * 100 / n,
        "cpu_total_pct": (c1 - c0) / wall * 100,
        "rss_per_call_mb": (rss - idle_rss) / 1024 / n,
        "rss_mb": rss / 1024,
        "peers_cpu_pct": (m1 - m0) / wall * 100,
        "model_cpu_pct": (e1 - e0) / wall * 100,
        "lateness_p99_ms": pct(lateness, 99), "lateness_p50_ms": pct(lateness, 50),
        "peers_hearing_agent": heard,
    }
    result["holds"] = heard == n and result["lateness_p99_ms"] is not None \
        and result["lateness_p99_ms"] < 40
    log(json.dumps(result))
    return result


def make_ogg(question, seconds, directory):
    """The caller for the webrtcbin peers: the question and 3 s of pause,
    again and again, as 20 ms Opus frames in Ogg."""
    with wave.open(question) as w:
        rate, pcm = w.getframerate(), w.readframes(w.getnframes())
    cycle = pcm + b"\0" * (rate * 2 * 3)
    repeat = int(seconds / (len(cycle) / 2 / rate)) + 1
    wav = os.path.join(directory, "caller-loop.wav")
    with wave.open(wav, "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(rate)
        w.writeframes(cycle * repeat)
    ogg = os.path.join(directory, "caller-loop.ogg")
    subprocess.run(["gst-launch-1.0", "-q", "filesrc", f"location={wav}", "!", "wavparse", "!",
                    "audioconvert", "!", "audioresample", "!",
                    "audio/x-raw,rate=48000,channels=1", "!", "opusenc", "frame-size=20",
                    "audio-type=voice", "!", "oggmux", "!", "filesink", f"location={ogg}"],
                   check=True, timeout=120)
    return ogg


async def run(kind, cmd, n, seconds, pcm, env=None):
    proc, url = start_server(cmd, env)
    await asyncio.sleep(1.0)
    idle_rss = rss_kb(proc.pid)
    me = os.getpid()
    peers = [Peer(url, pcm) for _ in range(n)]
    try:
        for p in peers:
            await p.call()
            await asyncio.sleep(0.1)
        await asyncio.sleep(4.0)          # every peer connected and talking
        t0, c0, m0 = asyncio.get_event_loop().time(), cpu_seconds(proc.pid), cpu_seconds(me)
        await asyncio.sleep(seconds)
        t1, c1, m1 = asyncio.get_event_loop().time(), cpu_seconds(proc.pid), cpu_seconds(me)
        rss = rss_kb(proc.pid)
    finally:
        for p in peers:
            await p.hang_up()
        proc.terminate()
        try:
            proc.wait(20)
        except subprocess.TimeoutExpired:
            proc.kill()
    lateness, heard = [], 0
    for p in peers:
        window = [f for f in p.frames if t0 <= f[0] <= t1]
        if not window:
            continue
        base = min(a - ts for a, ts, _ in window)
        lateness += [(a - ts - base) * 1000 for a, ts, _ in window]
        if sum(1 for *_, r in window if r > 300) * 0.02 >= 1.0:
            heard += 1
    wall = t1 - t0
    result = {
        "server": kind, "n": n,
        "cpu_per_call_pct": (c1 - c0) / wall * 100 / n,
        "cpu_total_pct": (c1 - c0) / wall * 100,
        "rss_per_call_mb": (rss - idle_rss) / 1024 / n,
        "rss_mb": rss / 1024,
        "peers_cpu_pct": (m1 - m0) / wall * 100,
        "model_cpu_pct": (e1 - e0) / wall * 100,
        "lateness_p99_ms": pct(lateness, 99), "lateness_p50_ms": pct(lateness, 50),
        "peers_hearing_agent": heard,
    }
    result["holds"] = heard == n and result["lateness_p99_ms"] is not None \
        and result["lateness_p99_ms"] < 40
    log(json.dumps(result))
    return result


def load_pcm(path, rate=48000):
    with wave.open(path) as w:
        pcm = w.readframes(w.getnframes())
        pcm, _ = audioop.ratecv(pcm, 2, 1, w.getframerate(), rate, None)
    return pcm + b"\0" * (rate * 2 * 3)     # the question, 3 s of pause


async def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--build-dir", default=os.path.join(SRC, "build"))
    ap.add_argument("--n", default="1,10,20")
    ap.add_argument("--seconds", type=float, default=15)
    ap.add_argument("--peers", choices=["gst", "aiortc"], default="gst")
    ap.add_argument("--model", choices=["in", "apart", "both"], default="in",
                    help="the emulator in the gateway's process, in its own, or both runs")
    ap.add_argument("--json")
    args = ap.parse_args()
    b = os.path.abspath(args.build_dir)
    question = os.path.join(b, "pipelines", "caller-question.wav")
    pcm = load_pcm(question)
    voice = os.path.join(tempfile.mkdtemp(prefix="vp-bench-gw-"), "agent.wav")
    subprocess.run(["espeak-ng", "-v", "en-us", "-w", voice, "We have a table for four "
                    "at eight pm tomorrow. Shall I book it?"], check=True)
    env = dict(os.environ, GST_PLUGIN_PATH=os.path.join(b, "gst-plugins"),
               BELLA_DB=os.path.join(os.path.dirname(voice), "bella.db"))
    voxpipe = [os.path.join(b, "libpipeline", "voxpipe"), "serve", "-f",
               os.path.join(SRC, "pipelines", "receptionist-call.pipeline"),
               "--web", "127.0.0.1:0", "--max-calls", "0", "--peer-timeout", "0"]
    aiortc_server = ["/usr/bin/python3", os.path.join(HERE, "bench-smallwebrtc-server.py"), voice]
    results = []
    ns = [int(x) for x in args.n.split(",")]
    if args.peers == "gst":
        ogg = make_ogg(question, args.seconds + 4 + 60 + max(ns) * 0.5, os.path.dirname(voice))
    for n in ns:
        if args.peers == "gst":
            if args.model in ("in", "both"):
                results.append(await run_gst("voxpipe", voxpipe, n, args.seconds, ogg, env))
            if args.model in ("apart", "both"):
                model, ws = start_model(b)
                try:
                    results.append(await run_gst(
                        "voxpipe-apart", voxpipe + ["-D", "endpoint=" + ws], n, args.seconds,
                        ogg, dict(env, GEMINI_API_KEY="bench"), model))
                finally:
                    model.terminate()
                    model.wait(20)
            results.append(await run_gst("smallwebrtc", aiortc_server, n, args.seconds, ogg))
        else:
            results.append(await run("voxpipe", voxpipe, n, args.seconds, pcm, env))
            results.append(await run("smallwebrtc", aiortc_server, n, args.seconds, pcm))
    print(f"{'N':>4} {'server':<14} {'CPU/call':>9} {'RSS/call':>9} {'lateness p99':>13} "
          f"{'heard':>6} {'peers CPU':>10} {'model CPU':>10} holds")
    for r in results:
        p99 = f"{r['lateness_p99_ms']:.1f} ms" if r["lateness_p99_ms"] is not None else "-"
        model_cpu = f"{r.get('model_cpu_pct', 0):.1f}%" if r["server"] == "voxpipe-apart" else "-"
        print(f"{r['n']:>4} {r['server']:<14} {r['cpu_per_call_pct']:>8.2f}% "
              f"{r['rss_per_call_mb']:>6.2f} MB {p99:>13} {r['peers_hearing_agent']:>3}/{r['n']:<2} "
              f"{r['peers_cpu_pct']:>9.1f}% {model_cpu:>10} {'yes' if r['holds'] else 'no'}")
    for n in sorted({r["n"] for r in results}):
        s = next(r for r in results if r["n"] == n and r["server"] == "smallwebrtc")
        for v in (r for r in results if r["n"] == n and r["server"].startswith("voxpipe")):
            if s["cpu_per_call_pct"] > 0:
                print(f"N={n}: {v['server']} call / SmallWebRTC transport CPU per call = "
                      f"{v['cpu_per_call_pct'] / s['cpu_per_call_pct']:.2f}")
    if args.json:
        with open(args.json, "w") as f:
            json.dump(results, f, indent=1)


asyncio.run(main())
