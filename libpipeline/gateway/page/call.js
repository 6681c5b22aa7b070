/* Voxpipe: the call page's logic (docs/calls.md).
 *
 * Call: the microphone (echo cancellation on) goes into an RTCPeerConnection
 * with a data channel "events"; the offer is POSTed to /calls once ICE
 * gathering is complete (non-trickle) and the answer comes back in the
 * response, with the call's URL in Location.  Hang up: DELETE that URL.
 * Every bus event of the call's pipeline arrives on the data channel as one
 * JSON object; the page shows them as a conversation.
 *
 * window.vpStats exposes what the page measures, for tests and curious
 * people: the call state, the levels of both sides (RMS, 0..1, from
 * WebAudio AnalyserNodes), a short history of the agent's level, and the
 * events with the time they arrived. */
(() => {
  "use strict";

  const $ = (id) => document.getElementById(id);
  const stats = {
    state: "idle",
    callId: null,
    localLevel: 0,
    remoteLevel: 0,
    remotePeak: 0,
    remoteLevels: [],    // [performance.now(), rms] every 20 ms, last 60 s
    localLevels: [],     // the same for the microphone
    events: [],          // {t: performance.now(), event}
    turns: [],
    totalCost: 0,
    endReason: null,
  };
  window.vpStats = stats;

  let pc = null, channel = null, micStream = null, location_ = null;
  let audioContext = null, localAnalyser = null, remoteAnalyser = null;
  let meterTimer = null, clockTimer = null, startedAt = 0;

  /* ---------------------------------------------------------------- */
  /* The conversation */

  let callerMsg = null, agentMsg = null, turn = null;
  let costAtTurnStart = 0, toolCount = 0;
  const tools = new Map();

  function el(tag, cls, text) {
    const e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text !== undefined) e.textContent = text;
    return e;
  }

  function scrollDown() {
    const list = $("transcript");
    list.scrollTop = list.scrollHeight;
  }

  function addMessage(role) {
    $("empty").hidden = true;
    const li = el("li", "msg partial " + role);
    li.append(el("span", "who", role === "caller" ? "You" : "Agent"),
      el("div", "bubble", ""));
    if (role === "agent") li.append(el("div", "tools"), el("div", "chips"));
    $("transcript").append(li);
    scrollDown();
    return li;
  }

  function appendText(msg, text) {
    const bubble = msg.querySelector(".bubble");
    const old = bubble.textContent;
    const glue = old && text && !/^[\s,.!?;:]/.test(text) && !/\s$/.test(old) ? " " : "";
    bubble.textContent = (old + glue + text).replace(/\s+/g, " ").trimStart();
    scrollDown();
  }

  function closeCaller() {
    if (callerMsg) callerMsg.classList.remove("partial");
    callerMsg = null;
  }

  function ensureAgent() {
    if (!agentMsg) agentMsg = addMessage("agent");
    return agentMsg;
  }

  function chip(msg, cls, text) {
    let c = msg.querySelector(".chip." + cls);
    if (!c) {
      c = el("span", "chip " + cls);
      msg.querySelector(".chips").append(c);
    }
    c.textContent = text;
  }

  function money(x) { return "$" + x.toFixed(4); }

  function onTranscript(e) {
    if (e.role === "input") {
      if (!e.text.trim() && !callerMsg) return;
      if (!callerMsg) callerMsg = addMessage("caller");
      appendText(callerMsg, e.text);
      if (e.finished) closeCaller();
    } else {
      closeCaller();
      if (!e.text.trim() && !agentMsg) return;
      appendText(ensureAgent(), e.text);
    }
  }

  function onTurn(e) {
    if (e.state === "started") {
      closeCaller();
      turn = { latencyMs: e["latency-ms"], cost: 0, msg: ensureAgent() };
      stats.turns.push(turn);
      costAtTurnStart = stats.totalCost;
      $("turn-count").textContent = String(stats.turns.length);
      if (e["latency-ms"] >= 0) {
        const ms = Math.round(e["latency-ms"]);
        chip(turn.msg, "latency", ms + " ms voice-to-voice");
        $("last-latency").textContent = ms + " ms";
      }
    } else if (e.state === "complete" || e.state === "interrupted") {
      if (agentMsg) {
        agentMsg.classList.remove("partial");
        if (e.state === "interrupted") agentMsg.classList.add("interrupted");
      }
      agentMsg = null;
    }
  }

  function onUsage(e) {
    stats.totalCost = e["cost-usd"];
    $("total-cost").textContent = money(stats.totalCost);
    if (turn) {
      turn.cost = stats.totalCost - costAtTurnStart;
      chip(turn.msg, "cost", money(turn.cost) + " this turn");
    }
  }

  function onToolCall(e) {
    const card = el("div", "tool pending");
    card.dataset.id = e.id;
    card.append(el("span", "name", e.name), el("code", "", e.args || "{}"),
      el("span", "result"));
    ensureAgent().querySelector(".tools").append(card);
    tools.set(e.id, card);
    toolCount += 1;
    $("tool-count").textContent = String(toolCount);
    scrollDown();
  }

  function onToolResult(e) {
    const card = tools.get(e.id);
    if (!card) return;
    card.classList.remove("pending");
    let text = e.response;
    try {
      let r = JSON.parse(e.response);
      /* A handler's answer is {"output": …} or {"error": …}. */
      if (r && typeof r.output === "object" && Object.keys(r).length === 1) r = r.output;
      text = Object.entries(r).map(([k, v]) => k + ": " +
        (typeof v === "object" ? JSON.stringify(v) : v)).join(" · ");
    } catch (_) { /* shown as it came */ }
    card.querySelector(".result").textContent = "→ " + text;
    if (card.querySelector(".name").textContent === "end_call")
      showBanner("The agent is ending the call…", true);
  }

  function onEvent(e) {
    stats.events.push({ t: performance.now(), event: e });
    switch (e.type) {
      case "transcript": onTranscript(e); break;
      case "turn": onTurn(e); break;
      case "usage": onUsage(e); break;
      case "tool-call": onToolCall(e); break;
      case "tool-result": onToolResult(e); break;
      case "interrupted":
        if (agentMsg) agentMsg.classList.add("interrupted");
        break;
      case "session":
        if (e.state === "ready" && stats.state === "connecting") setStatus("connecting", "Agent ready, connecting audio…");
        break;
      case "call":
        if (e.state === "talking") setStatus("talking", "On call");
        else if (e.state === "ended") remoteEnded(e.reason);
        break;
      default: break;
    }
  }

  /* ---------------------------------------------------------------- */
  /* Levels */

  function rms(analyser, buffer) {
    analyser.getFloatTimeDomainData(buffer);
    let sum = 0;
    for (let i = 0; i < buffer.length; i++) sum += buffer[i] * buffer[i];
    return Math.sqrt(sum / buffer.length);
  }

  function showLevel(id, dbId, level) {
    const db = level > 0 ? 20 * Math.log10(level) : -100;
    const width = Math.max(0, Math.min(100, (db + 60) / 60 * 100));
    $(id).style.width = width.toFixed(1) + "%";
    $(dbId).textContent = db > -60 ? db.toFixed(0) + " dB" : "–";
  }

  function startMeters() {
    const buffer = new Float32Array(1024);
    meterTimer = setInterval(() => {
      if (localAnalyser) {
        stats.localLevel = rms(localAnalyser, buffer);
        stats.localLevels.push([performance.now(), stats.localLevel]);
        if (stats.localLevels.length > 3000) stats.localLevels.shift();
        showLevel("local-level", "local-db", stats.localLevel);
      }
      if (remoteAnalyser) {
        const level = rms(remoteAnalyser, buffer);
        const now = performance.now();
        stats.remoteLevel = level;
        stats.remotePeak = Math.max(stats.remotePeak, level);
        stats.remoteLevels.push([now, level]);
        while (stats.remoteLevels.length && stats.remoteLevels[0][0] < now - 60000)
          stats.remoteLevels.shift();
        showLevel("remote-level", "remote-db", level);
        const avatar = $("avatar");
        avatar.classList.toggle("speaking", level > 0.01);
        avatar.style.setProperty("--pulse", String(1 + Math.min(level * 2, 0.1)));
      }
    }, 20);
  }

  function attachAnalyser(stream) {
    const source = audioContext.createMediaStreamSource(stream);
    const analyser = audioContext.createAnalyser();
    analyser.fftSize = 1024;
    source.connect(analyser);
    return analyser;
  }

  /* ---------------------------------------------------------------- */
  /* The call */

  function setStatus(state, text) {
    stats.state = state;
    $("status").dataset.state = state;
    $("status").textContent = text;
    $("live").hidden = state !== "talking";
    const button = $("call");
    const inCall = state === "connecting" || state === "talking";
    button.dataset.action = inCall ? "hangup" : "call";
    button.querySelector(".label").textContent = inCall ? "Hang up" : "Call";
    button.disabled = false;
  }

  function showBanner(text, info) {
    const b = $("banner");
    b.textContent = text;
    b.className = "banner" + (info ? " info" : "");
    b.hidden = false;
  }

  function tick() {
    const s = Math.floor((performance.now() - startedAt) / 1000);
    $("timer").textContent = String(Math.floor(s / 60)).padStart(2, "0") + ":" +
      String(s % 60).padStart(2, "0");
  }

  function gatheringComplete(peer) {
    if (peer.iceGatheringState === "complete") return Promise.resolve();
    return new Promise((resolve) => {
      const timer = setTimeout(resolve, 5000);
      peer.addEventListener("icegatheringstatechange", () => {
        if (peer.iceGatheringState === "complete") { clearTimeout(timer); resolve(); }
      });
    });
  }

  function resetConversation() {
    for (const li of [...$("transcript").children]) if (li.id !== "empty") li.remove();
    $("empty").hidden = false;
    callerMsg = agentMsg = turn = null;
    costAtTurnStart = 0;
    toolCount = 0;
    tools.clear();
    Object.assign(stats, {
      callId: null, remotePeak: 0, remoteLevels: [], localLevels: [], events: [],
      turns: [], totalCost: 0, endReason: null,
    });
    $("total-cost").textContent = money(0);
    $("last-latency").textContent = "–";
    $("turn-count").textContent = "0";
    $("tool-count").textContent = "0";
  }

  async function call() {
    resetConversation();
    $("banner").hidden = true;
    $("call").disabled = true;
    setStatus("connecting", "Asking for the microphone…");
    try {
      micStream = await navigator.mediaDevices.getUserMedia({
        audio: { echoCancellation: true, noiseSuppression: true, autoGainControl: true },
      });
      audioContext = new AudioContext();
      localAnalyser = attachAnalyser(micStream);

      pc = new RTCPeerConnection({ iceServers: [] });
      channel = pc.createDataChannel("events");
      channel.onmessage = (m) => { try { onEvent(JSON.parse(m.data)); } catch (_) { } };
      for (const track of micStream.getAudioTracks()) pc.addTrack(track, micStream);
      pc.ontrack = (e) => {
        const stream = e.streams[0] || new MediaStream([e.track]);
        $("remote-audio").srcObject = stream;
        remoteAnalyser = attachAnalyser(stream);
      };
      pc.onconnectionstatechange = () => {
        if (pc && (pc.connectionState === "failed" || pc.connectionState === "closed"))
          remoteEnded("the connection " + pc.connectionState);
      };

      setStatus("connecting", "Calling…");
      await pc.setLocalDescription(await pc.createOffer());
      await gatheringComplete(pc);
      const response = await fetch("/calls", {
        method: "POST",
        headers: { "Content-Type": "application/sdp" },
        body: pc.localDescription.sdp,
      });
      const body = await response.text();
      if (response.status !== 201) throw new Error(body.trim() || ("HTTP " + response.status));
      location_ = response.headers.get("Location");
      stats.callId = location_ ? location_.split("/").pop() : null;
      await pc.setRemoteDescription({ type: "answer", sdp: body });
      startedAt = performance.now();
      clockTimer = setInterval(tick, 500);
      tick();
      startMeters();
    } catch (err) {
      cleanUp();
      setStatus("ended", "Could not call");
      showBanner("The call could not start: " + err.message);
    }
  }

  function cleanUp() {
    if (meterTimer) clearInterval(meterTimer);
    if (clockTimer) clearInterval(clockTimer);
    meterTimer = clockTimer = null;
    if (pc) pc.close();
    pc = null;
    channel = null;
    if (micStream) micStream.getTracks().forEach((t) => t.stop());
    micStream = null;
    if (audioContext) audioContext.close();
    audioContext = localAnalyser = remoteAnalyser = null;
    stats.localLevel = stats.remoteLevel = 0;
    showLevel("local-level", "local-db", 0);
    showLevel("remote-level", "remote-db", 0);
    $("avatar").classList.remove("speaking");
  }

  function remoteEnded(reason) {
    if (stats.state === "ended" || stats.state === "idle" || stats.state === "ending") return;
    stats.endReason = reason || "ended";
    cleanUp();
    location_ = null;
    setStatus("ended", "Call ended");
    showBanner("Call ended: " + stats.endReason + ".", true);
  }

  async function hangUp() {
    const where = location_;
    location_ = null;
    stats.endReason = "you hung up";
    stats.state = "ending";
    $("call").disabled = true;
    /* The gateway first (DELETE), then the connection. */
    if (where) {
      try { await fetch(where, { method: "DELETE" }); } catch (_) { }
    }
    cleanUp();
    setStatus("ended", "Call ended");
    showBanner("You hung up.", true);
  }

  $("call").addEventListener("click", () => {
    if ($("call").dataset.action === "call") call(); else hangUp();
  });
  window.addEventListener("pagehide", () => {
    /* The tab closes: hang up (keepalive outlives the page). */
    if (location_) fetch(location_, { method: "DELETE", keepalive: true });
  });
})();
