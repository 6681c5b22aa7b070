#!/usr/bin/python3
# Voxpipe
# Copyright (C) 2026 Voxpipe contributors
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Bad input gets a clear answer and nothing else is disturbed: while one
aiortc call is up, each bad request gets its status and a one-line reason
(docs/calls.md), a call whose negotiation fails ends alone (500), a call
beyond --max-calls 2 gets 503, and the first call goes on to hear its reply.
Also /healthz, the page's files, /metrics through prometheus_client, and
--tls-cert (HTTPS)."""

import asyncio
import os
import sys
import tempfile

sys.path.insert(0, os.path.dirname(__file__))
import gwtest  # noqa: E402
from gwtest import log  # noqa: E402

gwtest.require("aiortc", "av", "prometheus_client")

PCMU_ONLY = """v=0
o=- 1 1 IN IP4 127.0.0.1
s=-
t=0 0
m=audio 9 UDP/TLS/RTP/SAVPF 0 8
c=IN IP4 127.0.0.1
a=mid:0
a=sendrecv
a=rtpmap:0 PCMU/8000
a=rtpmap:8 PCMA/8000
a=ice-ufrag:abcd
a=ice-pwd:abcdefghijklmnopqrstuvwx
a=fingerprint:sha-256 00:11:22:33:44:55:66:77:88:99:AA:BB:CC:DD:EE:FF:00:11:22:33:44:55:66:77:88:99:AA:BB:CC:DD:EE:FF
a=setup:actpass
"""

VIDEO_ONLY = PCMU_ONLY.replace("m=audio 9 UDP/TLS/RTP/SAVPF 0 8",
                               "m=video 9 UDP/TLS/RTP/SAVPF 96").replace(
    "a=rtpmap:0 PCMU/8000\na=rtpmap:8 PCMA/8000", "a=rtpmap:96 VP8/90000")


def one_line(body):
    lines = body.strip().splitlines()
    return len(lines) == 1 and len(lines[0]) > 10


async def main():
    tmp = tempfile.mkdtemp(prefix="vp-http-")
    caller = gwtest.make_caller(os.path.join(tmp, "caller.wav"),
                                [("pause", 0.5), ("say", gwtest.QUESTION),
                                 ("pause", 14)])
    loop = asyncio.get_event_loop()

    async def request(*args, **kw):
        return await loop.run_in_executor(None, lambda: gwtest.http(*args, **kw))

    with gwtest.Gateway("--max-calls", "2", "--max-offer-bytes", "16384") as gw:
        status, _, body = await request("GET", gw.url + "/healthz")
        assert (status, body.strip()) == (200, "ok"), (status, body)
        status, headers, body = await request("GET", gw.url + "/")
        assert status == 200 and headers["Content-Type"].startswith("text/html")
        assert "call.js" in body and "Call" in body
        for name, kind in (("call.js", "text/javascript"), ("call.css", "text/css")):
            status, headers, _ = await request("GET", gw.url + "/" + name)
            assert status == 200 and headers["Content-Type"].startswith(kind), name

        reply = os.path.join(tmp, "reply.wav")
        call = gwtest.AiortcCall(gw, caller, record=reply)
        await call.start()
        offer = call.pc.localDescription.sdp

        cases = [
            ("malformed SDP", ("POST", "/calls", "this is not an offer", "application/sdp"), 400),
            ("no audio", ("POST", "/calls", VIDEO_ONLY, "application/sdp"), 422),
            ("only PCMU/PCMA", ("POST", "/calls", PCMU_ONLY, "application/sdp"), 415),
            ("body over the limit", ("POST", "/calls", "v=0\r\n" + "a=x\r\n" * 8000,
                                     "application/sdp"), 413),
            ("wrong content type", ("POST", "/calls", offer, "text/plain"), 415),
            ("DELETE of an unknown call", ("DELETE", "/calls/0000deadbeef", None, None), 404),
            ("GET on /calls", ("GET", "/calls", None, None), 405),
        ]
        # An offer webrtcbin itself refuses (aiortc 1.4's data channel, see
        # gwtest.py): that call fails alone, with a 500 and its reason.
        from aiortc import RTCConfiguration, RTCPeerConnection
        other = RTCPeerConnection(RTCConfiguration(iceServers=[]))
        other.createDataChannel("events")
        other.addTransceiver("audio")
        await other.setLocalDescription(await other.createOffer())
        while other.iceGatheringState != "complete":
            await asyncio.sleep(0.05)
        cases.append(("a call whose negotiation fails",
                      ("POST", "/calls", other.localDescription.sdp, "application/sdp"), 500))
        await other.close()

        for what, (method, path, body_in, ctype), want in cases:
            status, headers, body = await request(method, gw.url + path, body_in, ctype)
            log(f"{what}: {status} {body.strip()}")
            assert status == want, f"{what}: got {status}, want {want}"
            assert one_line(body), f"{what}: the reason is not one line: {body!r}"

        # Two calls up (--max-calls 2): one more is refused.
        second = gwtest.AiortcCall(gw, caller)
        await second.start()
        status, headers, body = await request("POST", gw.url + "/calls", offer, "application/sdp")
        log(f"more calls than --max-calls: {status} {body.strip()}")
        assert status == 503 and headers["Retry-After"] == "5", (status, headers)
        assert one_line(body)
        await second.hang_up()
        await second.close()

        # The call that was up the whole time still hears its agent.
        m = await gwtest.await_metrics(gw, lambda m: m["voxpipe_tool_calls_total"] >= 1,
                                       40, "the first call's tool call")
        await asyncio.sleep(9)
        await call.hang_up()
        await call.close()
        rate, channels, _, frames = gwtest.read_wav(reply)
        seconds, peak = gwtest.speech_seconds(frames, rate, channels)
        log(f"the call beside the refusals: {seconds:.1f} s of speech, peak {peak}")
        assert seconds >= 2.0, "the call beside the refusals heard no reply"

        m = await gwtest.await_metrics(gw, lambda m: m["voxpipe_calls_active"] == 0,
                                       15, "no active call")
        for reason, want in (("bad-offer", 1), ("no-audio", 1), ("media-type", 2),
                             ("too-large", 1), ("busy", 1)):
            got = m[f"voxpipe_calls_refused_total{{reason={reason}}}"]
            assert got == want, f"refused {reason}: {got} != {want}"
        # The negotiation that failed was a call, counted as failed; the two
        # real calls were not.
        assert m["voxpipe_calls_total"] == 3 and m["voxpipe_calls_failed_total"] == 1, m
        status, _, _ = await request("DELETE", gw.url + call.location)
        assert status == 404, "a call that ended can be deleted twice"
        assert gw.stop() == 0

    # --tls-cert: the same server over HTTPS (tests/data/self-signed.pem
    # holds the certificate and its key).
    import ssl
    import urllib.request
    pem = os.path.join(os.environ.get("VP_SOURCE_DIR", "."), "tests", "data", "self-signed.pem")
    with gwtest.Gateway("--tls-cert", pem) as gw:
        assert gw.url.startswith("https://"), gw.url
        unverified = ssl.create_default_context()
        unverified.check_hostname = False
        unverified.verify_mode = ssl.CERT_NONE
        with urllib.request.urlopen(gw.url + "/healthz", context=unverified, timeout=10) as r:
            assert r.status == 200 and r.read().decode().strip() == "ok"
        log(f"--tls-cert: {gw.url}/healthz answers over TLS")
        assert gw.stop() == 0
    log("http refusals: OK")


asyncio.run(main())
