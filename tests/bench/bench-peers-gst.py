#!/usr/bin/python3
# Voxpipe
# Copyright (C) 2026 Voxpipe contributors
# SPDX-License-Identifier: LGPL-2.1-or-later
"""N WebRTC peers on webrtcbin, for bench-gateway.py (docs/performance.md).

  bench-peers-gst.py URL N WARMUP_S WINDOW_S CALLER.ogg

Each peer streams CALLER.ogg (Opus: the caller's question and a pause,
repeated) in real time, 20 ms frames, paced by clocksync, and decodes what
comes back (rtpopusdepay ! opusdec ! level).  The offer is POSTed once ICE
gathering is complete; ICE is given 127.0.0.1 alone.  Once every peer has
answered and WARMUP_S has passed it prints "window start", WINDOW_S later
"window end", then one JSON line: for each peer, the lateness of each
received RTP packet over the window (its arrival against its RTP timestamp,
taken as the packets leave the ICE transport, before any jitter buffer,
relative to that peer's earliest) and how long the agent's audio was over
-45 dBFS.  Everything goes to 127.0.0.1 only."""

import json
import sys
import time
import urllib.request

import gi

gi.require_version("Gst", "1.0")
gi.require_version("GstWebRTC", "1.0")
gi.require_version("GstSdp", "1.0")
from gi.repository import GLib, Gst, GstSdp, GstWebRTC  # noqa: E402

Gst.init(None)
URL, N, WARMUP, WINDOW, OGG = (sys.argv[1], int(sys.argv[2]), float(sys.argv[3]),
                               float(sys.argv[4]), sys.argv[5])
loop = GLib.MainLoop()
state = {"answered": 0, "window": None}


class Peer:
    def __init__(self, index):
        self.index = index
        self.offsets = []        # (arrival, arrival - rtp time)
        self.voiced = 0.0
        self.location = None
        self.pipe = Gst.parse_launch(
            f"filesrc location={OGG} ! oggdemux ! opusparse ! clocksync ! "
            "rtpopuspay pt=111 ! application/x-rtp,media=audio,encoding-name=OPUS,"
            "payload=111,clock-rate=48000 ! webrtcbin name=w bundle-policy=max-bundle")
        self.webrtc = self.pipe.get_by_name("w")
        # Kept: PyGObject must not drop the agent webrtcbin owns.
        self.ice = self.webrtc.get_property("ice-agent")
        self.ice.emit("add-local-ip-address", "127.0.0.1")
        self.ice.set_property("ice-tcp", False)
        self.webrtc.connect("on-negotiation-needed", self.on_negotiation_needed)
        self.webrtc.connect("pad-added", self.on_pad_added)
        self.webrtc.connect("notify::ice-gathering-state", self.on_gathering)
        bus = self.pipe.get_bus()
        bus.add_signal_watch()
        bus.connect("message::element", self.on_level)
        self.pipe.connect("deep-element-added", self.on_element)
        self.pipe.set_state(Gst.State.PLAYING)

    def on_element(self, pipe, bin_, element):
        # Packets as they come off ICE (SRTP keeps the RTP header in clear).
        factory = element.get_factory()
        if factory and factory.get_name() == "nicesrc":
            element.get_static_pad("src").add_probe(Gst.PadProbeType.BUFFER, self.on_packet)

    def on_packet(self, pad, info):
        buf = info.get_buffer()
        ok, m = buf.map(Gst.MapFlags.READ)
        if ok:
            d = m.data
            if len(d) >= 12 and 128 <= d[0] <= 191 and not 192 <= d[1] <= 223:
                ts = int.from_bytes(d[4:8], "big")
                now = time.monotonic()
                if not hasattr(self, "ts0"):
                    self.ts0, self.wrap = ts, 0
                rel = (ts - self.ts0) % (1 << 32)
                self.offsets.append((now, now - rel / 48000))
            buf.unmap(m)
        return Gst.PadProbeReturn.OK

    def on_negotiation_needed(self, webrtc):
        if not getattr(self, "offering", False):
            self.offering = True
            GLib.timeout_add(300, self.create_offer)

    def create_offer(self):
        promise = Gst.Promise.new_with_change_func(self.on_offer, None)
        self.webrtc.emit("create-offer", None, promise)
        return False

    def on_offer(self, promise, _):
        reply = promise.get_reply()
        offer = reply.get_value("offer") if reply and reply.has_field("offer") else None
        if offer is None:
            # The payloader's caps are not there yet: again, shortly.
            GLib.timeout_add(200, self.create_offer)
            return
        self.webrtc.emit("set-local-description", offer, Gst.Promise.new())

    def on_gathering(self, webrtc, _):
        if webrtc.get_property("ice-gathering-state") == GstWebRTC.WebRTCICEGatheringState.COMPLETE:
            GLib.idle_add(self.post)

    def post(self):
        sdp = self.webrtc.get_property("local-description").sdp.as_text()
        req = urllib.request.Request(URL + "/calls", data=sdp.encode(), method="POST",
                                     headers={"Content-Type": "application/sdp"})
        with urllib.request.urlopen(req, timeout=30) as r:
            self.location = r.headers["Location"]
            answer = r.read().decode()
        ok, msg = GstSdp.SDPMessage.new_from_text(answer)
        desc = GstWebRTC.WebRTCSessionDescription.new(GstWebRTC.WebRTCSDPType.ANSWER, msg)
        self.webrtc.emit("set-remote-description", desc, Gst.Promise.new())
        state["answered"] += 1
        if state["answered"] == N:
            GLib.timeout_add(int(WARMUP * 1000), start_window)
        return False

    def on_pad_added(self, webrtc, pad):
        if pad.get_direction() != Gst.PadDirection.SRC:
            return
        sink = Gst.parse_bin_from_description(
            "rtpopusdepay ! opusdec ! audioconvert ! level interval=100000000 ! fakesink", True)
        self.pipe.add(sink)
        sink.sync_state_with_parent()
        pad.link(sink.get_static_pad("sink"))

    def on_level(self, bus, message):
        s = message.get_structure()
        if s.get_name() == "level" and state["window"] and state["window"][1] is None:
            rms = s.get_value("rms")
            if rms and rms[0] > -45:
                self.voiced += 0.1

    def stop(self):
        if self.location:
            try:
                req = urllib.request.Request(URL + self.location, method="DELETE")
                urllib.request.urlopen(req, timeout=10).read()
            except Exception:
                pass
        self.pipe.set_state(Gst.State.NULL)


def start_window():
    state["window"] = [time.monotonic(), None]
    print("window start", flush=True)
    GLib.timeout_add(int(WINDOW * 1000), end_window)
    return False


def end_window():
    state["window"][1] = time.monotonic()
    print("window end", flush=True)
    t0, t1 = state["window"]
    out = []
    for p in peers:
        w = [off for t, off in p.offsets if t0 <= t <= t1]
        base = min(w) if w else 0
        out.append({"lateness_ms": [round((o - base) * 1000, 2) for o in w],
                    "voiced_s": round(p.voiced, 1)})
    for p in peers:
        p.stop()
    print(json.dumps(out), flush=True)
    loop.quit()
    return False


def add_peer(i):
    peers.append(Peer(i))
    return False


peers = []
for i in range(N):
    GLib.timeout_add(100 * i, add_peer, i)
GLib.timeout_add(int((WARMUP + WINDOW + 60 + N * 0.5) * 1000), loop.quit)
loop.run()
