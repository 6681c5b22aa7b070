// Voxpipe
// Copyright (C) 2026 Voxpipe contributors
// SPDX-License-Identifier: LGPL-2.1-or-later
//
// The official @google/genai Node SDK (the version pinned in
// tests/interop/package-lock.json) doing the same work as bench-voxpipe,
// against the same emulator (bench-emulator), in the same run.  See
// docs/performance.md.
//
//   node sdk-bench.mjs overhead --url URL --sessions S --seconds D --out FILE
//     Each session: one 20 ms frame of 16 kHz silence per tick (one tick for
//     every session), a text turn "go" whenever the model's turn completes,
//     every model audio chunk decoded from base64.  FILE gets, per session,
//     the time each frame was handed to the SDK (before its base64) and the
//     time each model chunk was decoded; tests/bench/run joins them with the
//     emulator's trace.
//
//   node sdk-bench.mjs scale --url URL --sessions N --warmup S --window S
//     The same for N sessions; prints CPU, RSS and the tick's lateness.
//
// Times are CLOCK_MONOTONIC in microseconds (process.hrtime is
// CLOCK_MONOTONIC on Linux, like g_get_monotonic_time()).

import { readFileSync } from 'node:fs';
import { writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const HERE = dirname(fileURLToPath(import.meta.url));
const SDK_DIR = process.env.VP_SDK_DIR ?? join(HERE, '..', 'interop', 'node_modules', '@google', 'genai');
const { GoogleGenAI, Modality } = await import(join(SDK_DIR, 'dist', 'node', 'index.mjs'));
const SDK_VERSION = JSON.parse(readFileSync(join(SDK_DIR, 'package.json'), 'utf8')).version;

const MODEL = 'gemini-3.1-flash-live-preview';
const FRAME_US = 20000;

function args() {
  const a = { mode: process.argv[2], sessions: 1, seconds: 10, warmup: 3, window: 10 };
  for (let i = 3; i < process.argv.length; i += 2) {
    const k = process.argv[i].replace(/^--/, '');
    const v = process.argv[i + 1];
    a[k] = ['url', 'out'].includes(k) ? v : Number(v);
  }
  return a;
}

const nowUs = () => Number(process.hrtime.bigint() / 1000n);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

function pct(values, p) {
  if (values.length === 0)
    return -1;
  const s = Float64Array.from(values).sort();
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil(p / 100 * s.length) - 1))];
}

const PCM = Buffer.alloc(640);          // 20 ms of 16 kHz S16LE silence
const MIME = 'audio/pcm;rate=16000';

class Sess {
  constructor(index, recordTimes) {
    this.index = index;
    this.tIn = recordTimes ? [] : null;
    this.tOut = recordTimes ? [] : null;
    this.chunks = 0;
    this.audioBytes = 0;
    this.turns = 0;
    this.session = null;
    this.closed = false;
  }

  onmessage(msg) {
    const sc = msg.serverContent;
    if (!sc)
      return;
    const parts = sc.modelTurn?.parts;
    if (parts) {
      for (const part of parts) {
        if (part.inlineData?.data) {
          const pcm = Buffer.from(part.inlineData.data, 'base64');
          if (this.tOut)
            this.tOut.push(nowUs());
          this.chunks += 1;
          this.audioBytes += pcm.length;
        }
      }
    }
    if (sc.turnComplete) {
      this.turns++;
      // Keep the model talking, as bench-voxpipe does.
      this.session.sendRealtimeInput({ text: 'go' });
    }
  }

  tick() {
    if (this.closed)
      return;
    if (this.tIn)
      this.tIn.push(nowUs());
    this.session.sendRealtimeInput({ audio: { data: PCM.toString('base64'), mimeType: MIME } });
  }
}

async function connectAll(ai, n, recordTimes) {
  const sessions = [];
  // One at a time, so that the emulator numbers the connections in order.
  for (let i = 0; i < n; i++) {
    const s = new Sess(i, recordTimes);
    s.session = await ai.live.connect({
      model: MODEL,
      config: { responseModalities: [Modality.AUDIO] },
      callbacks: {
        onmessage: (m) => s.onmessage(m),
        onerror: (e) => console.error(`sdk-bench: session ${i}: ${e?.message ?? e}`),
        onclose: () => { s.closed = true; },
      },
    });
    sessions.push(s);
  }
  return sessions;
}

// One timer for every session, on an absolute schedule.
function startTicker(sessions, t0, onTick) {
  let k = 0;
  let stopped = false;
  const step = () => {
    if (stopped)
      return;
    const due = t0 + k * FRAME_US;
    onTick(due, nowUs() - due, null);
    for (const s of sessions) {
      s.tick();
      // sendRealtimeInput() has written the frame to the socket by now.
      onTick(due, null, nowUs() - due);
    }
    k++;
    const next = t0 + k * FRAME_US;
    setTimeout(step, Math.max(0, (next - nowUs()) / 1000));
  };
  setTimeout(step, Math.max(0, (t0 - nowUs()) / 1000));
  return () => { stopped = true; };
}

// The overhead run: session i's frames are due i/S of a period after session
// 0's (as bench-voxpipe's), so that no frame waits behind another
// session's in the emulator.
function startStaggeredTicker(sessions, t0) {
  let k = 0;
  let i = 0;
  let stopped = false;
  const due = () => t0 + k * FRAME_US + Math.floor(i * FRAME_US / sessions.length);
  const step = () => {
    if (stopped)
      return;
    sessions[i].tick();
    if (++i === sessions.length) {
      i = 0;
      k++;
    }
    setTimeout(step, Math.max(0, (due() - nowUs()) / 1000));
  };
  setTimeout(step, Math.max(0, (due() - nowUs()) / 1000));
  return () => { stopped = true; };
}

function nextTick() {
  const t = nowUs() + 50000;
  return t - (t % FRAME_US);
}

async function overhead(a) {
  const ai = new GoogleGenAI({ apiKey: 'bench', httpOptions: { baseUrl: a.url.replace(/^ws/, 'http') } });
  const sessions = await connectAll(ai, a.sessions, true);
  for (const s of sessions)
    s.session.sendRealtimeInput({ text: 'go' });
  const stop = startStaggeredTicker(sessions, nextTick());
  await sleep(a.seconds * 1000);
  stop();
  await sleep(300);
  writeFileSync(a.out, JSON.stringify({ sdk: SDK_VERSION, sessions: sessions.map((s) => ({ in: s.tIn, out: s.tOut })) }));
  for (const s of sessions)
    s.session.close();
  console.log(JSON.stringify({ mode: 'overhead', client: 'sdk', sdk: SDK_VERSION, sessions: a.sessions }));
  process.exit(0);
}

function cpuSeconds() {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1e6;
}

async function scale(a) {
  const ai = new GoogleGenAI({ apiKey: 'bench', httpOptions: { baseUrl: a.url.replace(/^ws/, 'http') } });
  global.gc?.();
  const rssBase = process.memoryUsage().rss / 1024;
  const sessions = await connectAll(ai, a.sessions, false);
  for (const s of sessions)
    s.session.sendRealtimeInput({ text: 'go' });
  const t0 = nextTick();
  const w0 = t0 + a.warmup * 1e6;
  const w1 = w0 + a.window * 1e6;
  const late = [];
  const sendLate = [];
  const stop = startTicker(sessions, t0, (due, tick, send) => {
    if (due >= w0 && due < w1) {
      if (tick !== null)
        late.push(tick);
      else
        sendLate.push(send);
    }
  });
  await sleep(Math.max(0, (w0 - nowUs()) / 1000));
  const cpu0 = cpuSeconds();
  const bytes0 = sessions.reduce((n, s) => n + s.audioBytes, 0);
  const real0 = nowUs();
  await sleep(Math.max(0, (w1 - nowUs()) / 1000));
  const cpu1 = cpuSeconds();
  const real1 = nowUs();
  const rss = process.memoryUsage().rss / 1024;
  const bytes1 = sessions.reduce((n, s) => n + s.audioBytes, 0);
  stop();
  console.log(JSON.stringify({
    mode: 'scale', client: 'sdk', sdk: SDK_VERSION, sessions: a.sessions,
    ready: sessions.length, t0_us: t0, window_start_us: w0, window_end_us: w1,
    cpu_s: cpu1 - cpu0, wall_s: (real1 - real0) / 1e6, rss_base_kb: rssBase, rss_kb: rss,
    tick_late_p99_us: pct(late, 99), model_audio_s: (bytes1 - bytes0) / 48000,
    send_late_n: sendLate.length, send_late_p50_us: pct(sendLate, 50), send_late_p99_us: pct(sendLate, 99),
    turns: sessions.reduce((n, s) => n + s.turns, 0),
  }));
  process.exit(0);
}

const a = args();
if (a.mode === 'overhead')
  await overhead(a);
else if (a.mode === 'scale')
  await scale(a);
else {
  console.error('usage: node sdk-bench.mjs overhead|scale --url URL ...');
  process.exit(2);
}
