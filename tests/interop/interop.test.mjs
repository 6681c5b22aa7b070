// Voxpipe
// Copyright (C) 2026 Voxpipe contributors
// SPDX-License-Identifier: LGPL-2.1-or-later
//
// Interop: the official Google Gen AI JavaScript SDK (@google/genai, pinned in
// package.json) driven against voxpipe-emulator.  Nothing here talks to the
// emulator directly: every assertion is on what the SDK's own callbacks
// (onopen / onmessage / onerror / onclose) received.  See docs/interop.md.
//
// Run: VP_EMULATOR=/path/to/voxpipe-emulator node --test interop.test.mjs
// (normally through run-interop.sh / `meson test --suite interop`).
//
// SDK facts this file relies on (tests/golden/README.txt):
//  - ai.live.connect() resolves only after setupComplete and NEVER settles
//    when the server closes first, so every wait below races a close and a
//    timer of its own.
//  - a server frame that is not JSON becomes an unhandledRejection inside the
//    SDK; we catch those and fail the running test with the reason.

import { describe, test, before, after, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { createInterface } from 'node:readline';
import { mkdtempSync, mkdirSync, readFileSync, existsSync, rmSync, createWriteStream } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { GoogleGenAI, Modality, Type, Behavior, FunctionResponseScheduling } from '@google/genai';

const HERE = dirname(fileURLToPath(import.meta.url));
// The package's exports map hides package.json; read it from disk.
const SDK_VERSION = JSON.parse(readFileSync(join(HERE, 'node_modules', '@google', 'genai', 'package.json'), 'utf8')).version;

const MODEL = 'gemini-3.1-flash-live-preview';
const API_KEY = 'interop-key';
const MAIN_SCENARIO = join(HERE, 'interop.scenario.json');
const RESUME_SCENARIO = join(HERE, 'resume.scenario.json');

// What the scenario files say (keep in step with interop.scenario.json).
const GREETING_REPLY_WORD = 'weather';        // reply to the spoken greeting
const GREETING_SPEECH = 'Hello there, what can you do for me?';
const TOOL_TRIGGER = 'What is the weather in Paris?';
const LONG_TRIGGER = 'Tell me a long story.';
const INTERRUPT_SPEECH = 'Stop, stop, please stop talking now.';
// resume.scenario.json: two turns that both match RESUME_TEXT; the scenario's
// cursor picks the first, then the second.  Only a session that carried the
// cursor over (a real resumption) answers the second turn's word next.
const RESUME_TEXT = 'Next question, please.';
const RESUME_FIRST_WORD = 'alpha';
const RESUME_SECOND_WORD = 'bravo';

const STEP_MS = 20000;      // the longest any single expected event may take
const START_MS = 15000;     // emulator start-up (first stdout line)

const KNOWN_TOP = new Set(['setupComplete', 'serverContent', 'toolCall', 'toolCallCancellation',
  'goAway', 'sessionResumptionUpdate', 'usageMetadata', 'voiceActivity',
  'voiceActivityDetectionSignal']);
const KNOWN_CONTENT = new Set(['modelTurn', 'generationComplete', 'turnComplete', 'interrupted',
  'groundingMetadata', 'inputTranscription', 'outputTranscription', 'interimInputTranscription',
  'urlContextMetadata', 'turnCompleteReason', 'waitingForInput', 'interactionStatus']);

// ---------------------------------------------------------------------------
// Unhandled rejections (e.g. the SDK's JSON.parse on a non-JSON frame) fail the
// running test with their reason instead of crashing Node.

const unhandled = [];
const liveConns = new Set();
process.on('unhandledRejection', (reason) => {
  unhandled.push(reason);
  for (const c of liveConns)
    c._notify();
});

function takeUnhandled() {
  const list = unhandled.splice(0);
  if (list.length === 0)
    return null;
  const r = list[0];
  const err = new Error(`unhandledRejection in the SDK/test: ${r && r.stack ? r.stack : String(r)}`);
  return err;
}

// ---------------------------------------------------------------------------
// Small utilities

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

function withTimeout(promise, ms, what) {
  let timer;
  const t = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms: ${what}`)), ms);
  });
  return Promise.race([promise, t]).finally(() => clearTimeout(timer));
}

function b64len(b64) {
  return Buffer.from(b64, 'base64').length;
}

function rms(buf) {
  const n = Math.floor(buf.length / 2);
  if (n === 0)
    return 0;
  let sum = 0;
  for (let i = 0; i < n; i++) {
    const s = buf.readInt16LE(i * 2);
    sum += s * s;
  }
  return Math.sqrt(sum / n);
}

function norm(text) {
  return text.replace(/\s+/g, ' ').trim().toLowerCase();
}

// ---------------------------------------------------------------------------
// Speech input: espeak-ng writes a 22050 Hz mono s16le WAV; we take its data
// chunk and resample linearly to 16 kHz (the rate the Live API wants).

const TMP = mkdtempSync(join(tmpdir(), 'vp-interop-'));

function readWavPcm(path) {
  const wav = readFileSync(path);
  assert.equal(wav.toString('ascii', 0, 4), 'RIFF', 'espeak-ng output is not a RIFF file');
  let off = 12;
  let rate = 22050;
  while (off + 8 <= wav.length) {
    const id = wav.toString('ascii', off, off + 4);
    const size = wav.readUInt32LE(off + 4);
    if (id === 'fmt ') {
      assert.equal(wav.readUInt16LE(off + 8), 1, 'WAV is not PCM');
      assert.equal(wav.readUInt16LE(off + 10), 1, 'WAV is not mono');
      rate = wav.readUInt32LE(off + 12);
      assert.equal(wav.readUInt16LE(off + 22), 16, 'WAV is not 16-bit');
    } else if (id === 'data') {
      const end = Math.min(wav.length, off + 8 + size);
      return { rate, pcm: wav.subarray(off + 8, end - ((end - off - 8) % 2)) };
    }
    off += 8 + size + (size % 2);
  }
  throw new Error('no data chunk in espeak-ng output');
}

function resample(pcm, from, to) {
  const n = Math.floor(pcm.length / 2);
  const m = Math.floor(n * to / from);
  const out = Buffer.alloc(m * 2);
  for (let j = 0; j < m; j++) {
    const x = j * from / to;
    const i = Math.floor(x);
    const f = x - i;
    const a = pcm.readInt16LE(Math.min(i, n - 1) * 2);
    const b = pcm.readInt16LE(Math.min(i + 1, n - 1) * 2);
    out.writeInt16LE(Math.round(a + (b - a) * f), j * 2);
  }
  return out;
}

let speechCounter = 0;
function speech16k(text) {
  const path = join(TMP, `speech-${speechCounter++}.wav`);
  const r = spawnSync('espeak-ng', ['-v', 'en-us', '-s', '170', '-w', path, text], { encoding: 'utf8' });
  if (r.error || r.status !== 0)
    throw new Error(`espeak-ng failed: ${r.error ? r.error.message : r.stderr}`);
  const { rate, pcm } = readWavPcm(path);
  const out = rate === 16000 ? Buffer.from(pcm) : resample(pcm, rate, 16000);
  assert.ok(rms(out) > 500, 'espeak-ng produced (near) silence');
  return out;
}

// Streams 16 kHz s16le PCM through the SDK in chunkMs pieces at real-time pace.
async function streamAudio(session, pcm, { chunkMs = 30, rate = 16000, stop } = {}) {
  const bytesPerChunk = Math.round(rate * chunkMs / 1000) * 2;
  const t0 = performance.now();
  let sent = 0;
  for (let off = 0; off < pcm.length; off += bytesPerChunk) {
    if (stop && stop())
      return sent;
    const chunk = pcm.subarray(off, Math.min(pcm.length, off + bytesPerChunk));
    session.sendRealtimeInput({ audio: { data: chunk.toString('base64'), mimeType: `audio/pcm;rate=${rate}` } });
    sent++;
    const due = t0 + ((off + bytesPerChunk) / 2 / rate) * 1000;
    const wait = due - performance.now();
    if (wait > 0)
      await sleep(wait);
  }
  return sent;
}

const silence16k = (ms) => Buffer.alloc(Math.round(16000 * ms / 1000) * 2);

// ---------------------------------------------------------------------------
// The emulator program

const EMULATOR = process.env.VP_EMULATOR;
const emulators = new Set();
// Each emulator's --verbose log goes to the build's meson-logs when meson runs us.
const LOG_DIR = process.env.VP_BUILD_DIR ? join(process.env.VP_BUILD_DIR, 'meson-logs') : null;

async function startEmulator(args = [], label = 'emulator') {
  if (!EMULATOR)
    throw new Error('VP_EMULATOR is not set: it must name the voxpipe-emulator program');
  if (!existsSync(EMULATOR))
    throw new Error(`VP_EMULATOR=${EMULATOR} does not exist`);
  const argv = ['--host', '127.0.0.1', '--port', '0', '--verbose', ...args];
  const proc = spawn(EMULATOR, argv, { stdio: ['ignore', 'pipe', 'pipe'] });
  const emu = { label, proc, argv, stderr: '', stdout: [], exit: null, log: null };
  emulators.add(emu);
  if (LOG_DIR) {
    try {
      mkdirSync(LOG_DIR, { recursive: true });
      emu.logPath = join(LOG_DIR, `interop-${label.replace(/\W+/g, '-')}.log`);
      emu.log = createWriteStream(emu.logPath);
      emu.log.write(`${EMULATOR} ${argv.join(' ')}\n`);
    } catch {
      emu.log = null;
    }
  }
  emu.exited = new Promise((resolve) => {
    proc.on('exit', (code, signal) => { emu.exit = { code, signal }; resolve(emu.exit); });
    proc.on('error', (err) => { emu.exit = { error: err }; resolve(emu.exit); });
  });
  proc.stderr.setEncoding('utf8');
  proc.stderr.on('data', (d) => {
    emu.log?.write(d);
    emu.stderr += d;
    if (emu.stderr.length > 200000)
      emu.stderr = emu.stderr.slice(-100000);
  });
  const rl = createInterface({ input: proc.stdout });
  const firstLine = new Promise((resolve) => {
    rl.on('line', (line) => {
      emu.stdout.push(line);
      if (emu.stdout.length === 1)
        resolve(line);
    });
  });
  const line = await withTimeout(Promise.race([firstLine,
    emu.exited.then((e) => { throw new Error(`${label} exited before listening: ${JSON.stringify(e)}\n${emu.stderr}`); })]),
  START_MS, `${label}: first stdout line "listening on ws://HOST:PORT"`);
  const m = /^listening on ws:\/\/([^\s:/]+):(\d+)$/.exec(line);
  assert.ok(m, `${label}: first stdout line must be "listening on ws://HOST:PORT", got ${JSON.stringify(line)}`);
  emu.host = m[1];
  emu.port = Number(m[2]);
  assert.ok(emu.port > 0 && emu.port < 65536, `${label}: bad port in ${line}`);
  emu.baseUrl = `http://127.0.0.1:${emu.port}`;
  return emu;
}

async function stopEmulator(emu, { timeoutMs = 8000 } = {}) {
  if (!emu)
    return null;
  if (emu.exit === null) {
    emu.proc.kill('SIGTERM');
    let timer;
    const done = await Promise.race([emu.exited,
      new Promise((r) => { timer = setTimeout(() => r(null), timeoutMs); })]);
    clearTimeout(timer);
    if (done === null) {
      emu.proc.kill('SIGKILL');
      await emu.exited;
      emu.killed = true;
    }
  }
  emulators.delete(emu);
  emu.log?.end();
  return emu.exit;
}

function newAi(emu, apiKey = API_KEY) {
  return new GoogleGenAI({ apiKey, httpOptions: { baseUrl: emu.baseUrl } });
}

// ---------------------------------------------------------------------------
// A Live connection through the SDK, recording everything its callbacks got.

function describeMsg(m) {
  const out = [];
  for (const [k, v] of Object.entries(m)) {
    if (k === 'serverContent') {
      const sc = [];
      for (const [ck, cv] of Object.entries(v)) {
        if (ck === 'modelTurn') {
          const parts = (cv.parts || []).map((p) => (p.inlineData
            ? `audio(${p.inlineData.mimeType},${b64len(p.inlineData.data || '')}B)`
            : Object.keys(p).join('+')));
          sc.push(`modelTurn[${parts.join(',')}]`);
        } else if (ck === 'inputTranscription' || ck === 'outputTranscription') {
          sc.push(`${ck}:${JSON.stringify(cv.text)}${cv.finished ? '(finished)' : ''}`);
        } else {
          sc.push(`${ck}:${JSON.stringify(cv)}`);
        }
      }
      out.push(`serverContent{${sc.join(' ')}}`);
    } else {
      out.push(`${k}:${JSON.stringify(v).slice(0, 120)}`);
    }
  }
  return out.join(' ');
}

class LiveConn {
  constructor(label) {
    this.label = label;
    this.msgs = [];
    this.times = [];
    this.errors = [];
    this.shapeErrors = [];
    this.opened = false;
    this.close = null;
    this.session = null;
    this._waiters = new Set();
    liveConns.add(this);
  }

  _onmessage(msg) {
    this.msgs.push(msg);
    this.times.push(performance.now());
    checkShape(msg, this.shapeErrors);
    this._notify();
  }

  _notify() {
    for (const w of [...this._waiters])
      w();
  }

  history(from = 0) {
    return this.msgs.slice(from).map((m, i) => `  #${from + i} ${describeMsg(m)}`).join('\n') || '  (nothing)';
  }

  // Resolves with the index of the first message at or after `from` for which
  // pred(msg) is true.  Rejects on close, unhandled rejection or timeout.
  waitFor(pred, { from = 0, timeoutMs = STEP_MS, what = 'message' } = {}) {
    return new Promise((resolve, reject) => {
      let scanned = from;
      let timer = null;
      const done = (fn, v) => {
        this._waiters.delete(check);
        clearTimeout(timer);
        fn(v);
      };
      const check = () => {
        for (; scanned < this.msgs.length; scanned++) {
          if (pred(this.msgs[scanned], scanned))
            return done(resolve, scanned);
        }
        const u = takeUnhandled();
        if (u)
          return done(reject, u);
        if (this.close)
          return done(reject, new Error(`${this.label}: waiting for ${what}: connection closed ` +
            `(code ${this.close.code}, reason ${JSON.stringify(this.close.reason)}) before it came; received:\n${this.history(from)}`));
        return undefined;
      };
      timer = setTimeout(() => done(reject, new Error(`${this.label}: timed out after ${timeoutMs} ms ` +
        `waiting for ${what}; received since #${from}:\n${this.history(from)}`)), timeoutMs);
      this._waiters.add(check);
      check();
    });
  }

  waitClose({ timeoutMs = STEP_MS, what = 'onclose' } = {}) {
    return new Promise((resolve, reject) => {
      let timer = null;
      const check = () => {
        const u = takeUnhandled();
        if (u || this.close) {
          this._waiters.delete(check);
          clearTimeout(timer);
          if (u)
            reject(u);
          else
            resolve(this.close);
        }
      };
      timer = setTimeout(() => {
        this._waiters.delete(check);
        reject(new Error(`${this.label}: timed out after ${timeoutMs} ms waiting for ${what}; received:\n${this.history()}`));
      }, timeoutMs);
      this._waiters.add(check);
      check();
    });
  }

  // Resolves after `ms` of quiet, with the messages that came anyway.
  async collectFor(ms, from = this.msgs.length) {
    await sleep(ms);
    const u = takeUnhandled();
    if (u)
      throw u;
    return this.msgs.slice(from);
  }

  shutdown() {
    if (this.session && !this.close) {
      try {
        this.session.close();
      } catch {
        // already gone
      }
    }
    liveConns.delete(this);
  }
}

function checkShape(msg, errors) {
  for (const k of Object.keys(msg)) {
    if (!KNOWN_TOP.has(k))
      errors.push(`unknown top-level field "${k}" (the SDK passes it through; camelCase expected)`);
  }
  if (msg.serverContent) {
    for (const k of Object.keys(msg.serverContent)) {
      if (!KNOWN_CONTENT.has(k))
        errors.push(`unknown serverContent field "${k}"`);
    }
    for (const p of msg.serverContent.modelTurn?.parts ?? []) {
      if (p.inline_data || p.inlineData?.mime_type)
        errors.push('snake_case in a modelTurn part');
    }
    for (const k of ['generationComplete', 'turnComplete', 'interrupted']) {
      if (k in msg.serverContent && msg.serverContent[k] !== true)
        errors.push(`serverContent.${k} present but not true (${JSON.stringify(msg.serverContent[k])}); proto3 JSON omits false`);
    }
  }
}

// Connects through the SDK.  Returns the LiveConn with .session set, or throws
// (closed first, or no setupComplete in time).  With expectClose, returns the
// LiveConn once onclose fired, and throws if connect() resolved instead.
async function connect(ai, label, config, { model = MODEL, expectClose = false, timeoutMs = STEP_MS } = {}) {
  const conn = new LiveConn(label);
  conns.add(conn);
  const callbacks = {
    onopen: () => { conn.opened = true; },
    onmessage: (msg) => conn._onmessage(msg),
    onerror: (e) => { conn.errors.push(e?.message ?? String(e)); conn._notify(); },
    onclose: (e) => {
      conn.close = { code: e.code, reason: String(e.reason ?? ''), wasClean: e.wasClean, at: conn.msgs.length };
      conn._notify();
    },
  };
  // connect() never settles when the server closes first: race it against
  // onclose, an unhandled rejection and a timer.
  const connecting = ai.live.connect({ model, config, callbacks });
  let check = null;
  let timer = null;
  const closedOrFailed = new Promise((resolve, reject) => {
    check = () => {
      const u = takeUnhandled();
      if (u)
        reject(u);
      else if (conn.close)
        resolve({ close: conn.close });
    };
    timer = setTimeout(() => reject(new Error(`${label}: neither setupComplete (connect() resolving) nor onclose ` +
      `within ${timeoutMs} ms; onopen ${conn.opened ? 'was' : 'was not'} called; received:\n${conn.history()}`)), timeoutMs);
    conn._waiters.add(check);
    check();
  });
  let outcome;
  try {
    outcome = await Promise.race([connecting.then((session) => ({ session })), closedOrFailed]);
  } finally {
    clearTimeout(timer);
    conn._waiters.delete(check);
  }
  if (outcome.session) {
    conn.session = outcome.session;
    if (expectClose)
      throw new Error(`${label}: connect() resolved (setupComplete) but the server should have closed; received:\n${conn.history()}`);
    return conn;
  }
  if (!expectClose)
    throw new Error(`${label}: the server closed (code ${outcome.close.code}, reason ${JSON.stringify(outcome.close.reason)}) ` +
      `before setupComplete; errors ${JSON.stringify(conn.errors)}; received:\n${conn.history()}`);
  return conn;
}

const conns = new Set();

function closeAllConns() {
  for (const c of conns)
    c.shutdown();
  conns.clear();
}

// ---------------------------------------------------------------------------
// Message predicates and turn helpers

const sc = (m) => m.serverContent ?? {};
const isSetupComplete = (m) => m.setupComplete !== undefined;
const isTurnComplete = (m) => sc(m).turnComplete === true;
const isGenComplete = (m) => sc(m).generationComplete === true;
const isInterrupted = (m) => sc(m).interrupted === true;
const audioParts = (m) => (sc(m).modelTurn?.parts ?? []).filter((p) => p.inlineData);
const hasAudio = (m) => audioParts(m).length > 0;
const isToolCall = (m) => m.toolCall !== undefined;
const isGoAway = (m) => m.goAway !== undefined;
const isResumeUpdate = (m) => m.sessionResumptionUpdate !== undefined;

function outputText(msgs) {
  return msgs.map((m) => sc(m).outputTranscription?.text ?? '').join('');
}

function inputText(msgs) {
  return msgs.map((m) => sc(m).inputTranscription?.text ?? '').join('');
}

function checkAudio(msgs, what) {
  const parts = msgs.flatMap(audioParts);
  assert.ok(parts.length > 0, `${what}: no model audio parts`);
  const chunks = [];
  for (const p of parts) {
    assert.equal(p.inlineData.mimeType, 'audio/pcm;rate=24000', `${what}: audio part mimeType`);
    assert.equal(typeof p.inlineData.data, 'string', `${what}: inlineData.data must be a base64 string`);
    const buf = Buffer.from(p.inlineData.data, 'base64');
    assert.ok(buf.length > 0, `${what}: an audio part decodes to 0 bytes`);
    assert.equal(buf.length % 2, 0, `${what}: s16le audio part has an odd byte count ${buf.length}`);
    assert.equal(buf.toString('base64'), p.inlineData.data.replace(/\s/g, ''), `${what}: data is not canonical base64`);
    chunks.push(buf);
  }
  const pcm = Buffer.concat(chunks);
  const level = rms(pcm);
  assert.ok(level > 200, `${what}: model audio RMS ${level.toFixed(1)} is (near) silence`);
  return { parts: parts.length, bytes: pcm.length, seconds: pcm.length / 48000, rms: level };
}

// The SDK's own getter must see the same audio (LiveServerMessage.data).
function checkSdkDataGetter(msgs) {
  const m = msgs.find((x) => hasAudio(x) && sc(x).modelTurn.parts.every((p) => p.inlineData));
  if (!m)
    return;
  const joined = Buffer.concat(audioParts(m).map((p) => Buffer.from(p.inlineData.data, 'base64')));
  assert.equal(typeof m.data, 'string', 'LiveServerMessage.data getter returned no audio');
  assert.ok(Buffer.from(m.data, 'base64').equals(joined), 'LiveServerMessage.data differs from the inlineData parts');
}

function assertNoShapeErrors(conn) {
  assert.deepEqual(conn.shapeErrors, [], `${conn.label}: messages the SDK passed through unconverted are malformed`);
}

// ---------------------------------------------------------------------------
// Configs (LiveConnectConfig, as an application would write them)

const TOOLS = [{
  functionDeclarations: [
    {
      name: 'get_weather',
      description: 'Current weather for a city.',
      parameters: {
        type: Type.OBJECT,
        properties: { city: { type: Type.STRING, description: 'City name' } },
        required: ['city'],
      },
    },
    {
      name: 'book_table',
      description: 'Books a table at the restaurant.',
      parameters: {
        type: Type.OBJECT,
        properties: {
          name: { type: Type.STRING },
          guests: { type: Type.INTEGER },
          time: { type: Type.STRING },
        },
        required: ['name', 'guests', 'time'],
      },
    },
  ],
}];

function baseConfig(extra = {}) {
  return {
    responseModalities: [Modality.AUDIO],
    speechConfig: { voiceConfig: { prebuiltVoiceConfig: { voiceName: 'Puck' } } },
    systemInstruction: 'You are the Voxpipe interop test assistant.',
    tools: TOOLS,
    inputAudioTranscription: {},
    outputAudioTranscription: {},
    realtimeInputConfig: { automaticActivityDetection: { silenceDurationMs: 500, prefixPaddingMs: 20 } },
    ...extra,
  };
}

// Sends text input and waits for the whole model turn.
async function textTurn(conn, text, what) {
  const from = conn.msgs.length;
  conn.session.sendRealtimeInput({ text });
  const end = await conn.waitFor(isTurnComplete, { from, what: `turnComplete of ${what}` });
  return { from, end, msgs: conn.msgs.slice(from, end + 1) };
}

// ---------------------------------------------------------------------------

describe(`@google/genai ${SDK_VERSION} against voxpipe-emulator`, { timeout: 240000 }, () => {
  let emu = null;

  before(async () => {
    assert.ok(EMULATOR, 'VP_EMULATOR must name the voxpipe-emulator program (run through run-interop.sh / meson test)');
    assert.equal(SDK_VERSION, '2.32.0', 'package-lock.json pins @google/genai 2.32.0');
    emu = await startEmulator(['--scenario', MAIN_SCENARIO, '--api-key', API_KEY, '--latency-ms', '150'], 'main emulator');
  });

  afterEach(() => {
    closeAllConns();
    const u = takeUnhandled();
    if (u)
      throw u;
  });

  after(async () => {
    closeAllConns();
    await stopEmulator(emu, { timeoutMs: 3000 });
  });

  test('1. setup with tools and transcription: connect() resolves on setupComplete', { timeout: 30000 }, async () => {
    const conn = await connect(newAi(emu), 'setup', baseConfig());
    assert.ok(conn.opened, 'onopen was not called');
    assert.ok(conn.session, 'connect() did not resolve to a Session');
    assert.ok(conn.msgs.length >= 1, 'setupComplete was not delivered to onmessage');
    assert.ok(isSetupComplete(conn.msgs[0]), `first message is not setupComplete: ${describeMsg(conn.msgs[0])}`);
    assert.equal(typeof conn.msgs[0].setupComplete, 'object');
    assert.equal(conn.msgs.filter(isSetupComplete).length, 1, 'more than one setupComplete');
    // No resumption was asked for: no sessionResumptionUpdate may come.
    const later = await conn.collectFor(400, 0);
    assert.equal(later.filter(isResumeUpdate).length, 0, 'sessionResumptionUpdate without setup.sessionResumption');
    assert.equal(conn.close, null, `closed unexpectedly: ${JSON.stringify(conn.close)}`);
    assert.deepEqual(conn.errors, []);
    assertNoShapeErrors(conn);
  });

  test('2. audio turn: 16 kHz speech in, transcripts and 24 kHz speech out', { timeout: 60000 }, async (t) => {
    const conn = await connect(newAi(emu), 'audio-turn', baseConfig());
    const from = conn.msgs.length;
    const pcm = Buffer.concat([silence16k(200), speech16k(GREETING_SPEECH), silence16k(1500)]);
    let replied = false;
    // Like a microphone: keep streaming until the model has answered.
    const streaming = streamAudio(conn.session, pcm, { chunkMs: 30, stop: () => conn.close !== null })
      .then(() => streamAudio(conn.session, silence16k(6000), { chunkMs: 30, stop: () => replied || conn.close !== null }));
    const tc = await conn.waitFor(isTurnComplete, { from, what: 'turnComplete of the audio turn' });
    replied = true;
    await withTimeout(streaming, 10000, 'audio streaming to stop');
    const msgs = conn.msgs.slice(from, tc + 1);
    const idx = (pred) => msgs.findIndex(pred);
    const lastIdx = (pred) => msgs.map((m, i) => (pred(m) ? i : -1)).filter((i) => i >= 0).pop() ?? -1;

    const heard = inputText(conn.msgs.slice(from));
    assert.ok(heard.trim().length > 0, `no inputTranscription text; received:\n${conn.history(from)}`);

    const audio = checkAudio(msgs, 'audio turn');
    assert.ok(audio.seconds > 0.3, `model audio only ${audio.seconds.toFixed(2)} s`);
    checkSdkDataGetter(msgs);

    const said = outputText(msgs);
    assert.ok(said.trim().length > 0, 'no outputTranscription text');
    assert.ok(norm(said).includes(GREETING_REPLY_WORD), `outputTranscription ${JSON.stringify(said)} is not the scenario's reply`);

    const gc = idx(isGenComplete);
    assert.ok(gc >= 0, `no generationComplete; received:\n${conn.history(from)}`);
    assert.ok(lastIdx(hasAudio) <= gc, 'model audio after generationComplete');
    assert.ok(lastIdx((m) => sc(m).outputTranscription) <= gc, 'outputTranscription after generationComplete');
    assert.equal(idx(isInterrupted), -1, 'an uninterrupted turn reported interrupted');

    const usage = msgs[msgs.length - 1].usageMetadata;
    assert.ok(usage, `turnComplete carries no usageMetadata: ${describeMsg(msgs[msgs.length - 1])}`);
    assert.ok(usage.totalTokenCount > 0, `usageMetadata.totalTokenCount ${usage.totalTokenCount}`);
    assert.ok(usage.promptTokenCount > 0, `usageMetadata.promptTokenCount ${usage.promptTokenCount}`);
    assert.ok(usage.responseTokenCount > 0, `usageMetadata.responseTokenCount ${usage.responseTokenCount}`);
    assert.ok(usage.totalTokenCount >= usage.promptTokenCount + usage.responseTokenCount,
      `totalTokenCount ${usage.totalTokenCount} < prompt ${usage.promptTokenCount} + response ${usage.responseTokenCount}`);
    for (const d of [...(usage.promptTokensDetails ?? []), ...(usage.responseTokensDetails ?? [])])
      assert.match(d.modality, /^(TEXT|IMAGE|VIDEO|AUDIO|DOCUMENT)$/, 'modality enum');
    if (usage.responseTokensDetails)
      assert.ok(usage.responseTokensDetails.some((d) => d.modality === 'AUDIO' && d.tokenCount > 0), 'no AUDIO response tokens');
    t.diagnostic(`inputTranscription ${JSON.stringify(heard)}; model audio ${audio.parts} parts, ` +
      `${audio.seconds.toFixed(2)} s, RMS ${audio.rms.toFixed(0)}; outputTranscription ${JSON.stringify(said)}; ` +
      `usageMetadata ${JSON.stringify(usage)}`);
    assert.deepEqual(conn.errors, []);
    assertNoShapeErrors(conn);
  });

  test('3. tool call round trip: toolCall, sendToolResponse, reply filled from the result', { timeout: 60000 }, async (t) => {
    const conn = await connect(newAi(emu), 'tool-call', baseConfig());
    const from = conn.msgs.length;
    conn.session.sendRealtimeInput({ text: TOOL_TRIGGER });
    const tci = await conn.waitFor(isToolCall, { from, what: 'toolCall' });
    const calls = conn.msgs[tci].toolCall.functionCalls;
    assert.ok(Array.isArray(calls) && calls.length >= 1, 'toolCall.functionCalls is empty');
    const call = calls.find((c) => c.name === 'get_weather');
    assert.ok(call, `no get_weather call in ${JSON.stringify(calls)}`);
    assert.equal(typeof call.id, 'string');
    assert.ok(call.id.length > 0, 'functionCall.id is empty');
    assert.equal(typeof call.args, 'object');
    assert.equal(call.args.city, 'Paris', `args ${JSON.stringify(call.args)}`);
    // A blocking call: the turn is not over, and the model waits for us.
    const before = conn.msgs.slice(from, tci);
    assert.equal(before.filter(isTurnComplete).length, 0, 'turnComplete before the toolCall (the model must wait for the response)');
    const idle = await conn.collectFor(600, tci + 1);
    assert.equal(idle.filter(hasAudio).length + idle.filter(isTurnComplete).length, 0,
      `the model went on without the toolResponse:\n${conn.history(tci + 1)}`);

    const tempC = 11 + Math.floor(Math.random() * 20);
    const sky = ['drizzly', 'foggy', 'sunny'][Math.floor(Math.random() * 3)];
    const after = conn.msgs.length;
    conn.session.sendToolResponse({
      functionResponses: calls.map((c) => ({
        id: c.id,
        name: c.name,
        response: c === call ? { output: { tempC, sky } } : { error: 'not used by this test' },
      })),
    });
    const tc = await conn.waitFor(isTurnComplete, { from: after, what: 'turnComplete after the toolResponse' });
    const msgs = conn.msgs.slice(after, tc + 1);
    checkAudio(msgs, 'reply after the tool response');
    const said = outputText(msgs);
    assert.ok(said.includes(String(tempC)), `reply ${JSON.stringify(said)} does not contain tempC=${tempC} from the toolResponse`);
    assert.ok(norm(said).includes(sky), `reply ${JSON.stringify(said)} does not contain sky=${sky} from the toolResponse`);
    t.diagnostic(`toolCall ${JSON.stringify(calls)}; answered {tempC: ${tempC}, sky: ${sky}}; reply ${JSON.stringify(said)}`);
    assert.ok(msgs.some(isGenComplete), 'no generationComplete after the tool response');
    assert.ok(msgs[msgs.length - 1].usageMetadata, 'turnComplete carries no usageMetadata');
    assert.equal(conn.msgs.slice(from).filter((m) => m.toolCallCancellation).length, 0, 'unexpected toolCallCancellation');
    assert.deepEqual(conn.errors, []);
    assertNoShapeErrors(conn);
  });

  // Checks an interrupted turn: [from..] has audio, then interrupted, then
  // turnComplete, no generationComplete, nothing spoken in between.
  function checkInterruptedTurn(conn, from, ii, tc) {
    const turn = conn.msgs.slice(from, tc + 1);
    assert.ok(conn.msgs.slice(from, ii).some(hasAudio), 'no model audio before the interruption');
    assert.equal(turn.filter(isGenComplete).length, 0, 'generationComplete on an interrupted turn');
    const between = conn.msgs.slice(ii + 1, tc);
    assert.equal(between.filter(hasAudio).length, 0, `model audio after interrupted:\n${conn.history(ii)}`);
    assert.equal(between.filter((m) => sc(m).outputTranscription).length, 0, 'outputTranscription after interrupted');
    assert.equal(hasAudio(conn.msgs[tc]), false, 'audio in the turnComplete message of an interrupted turn');
  }

  test('4a. barge-in by speech (server VAD): interrupted, then turnComplete, no more audio', { timeout: 60000 }, async (t) => {
    const conn = await connect(newAi(emu), 'barge-in-speech', baseConfig());
    const from = conn.msgs.length;
    conn.session.sendRealtimeInput({ text: LONG_TRIGGER });
    await conn.waitFor(hasAudio, { from, what: 'the first audio of the long reply' });
    const bargeAt = conn.msgs.length;
    let stop = false;
    const streaming = streamAudio(conn.session, speech16k(INTERRUPT_SPEECH), { chunkMs: 20, stop: () => stop || conn.close !== null });
    const ii = await conn.waitFor(isInterrupted, { from: bargeAt, what: 'serverContent.interrupted after the user spoke', timeoutMs: 10000 });
    const tc = await conn.waitFor(isTurnComplete, { from: ii, what: 'turnComplete after interrupted', timeoutMs: 10000 });
    stop = true;
    await withTimeout(streaming, 10000, 'audio streaming to stop');
    assert.equal(conn.msgs.slice(from, ii).filter(isTurnComplete).length, 0, 'the long reply completed before the barge-in could land');
    checkInterruptedTurn(conn, from, ii, tc);
    t.diagnostic(`model audio messages before the barge-in: ${conn.msgs.slice(from, ii).filter(hasAudio).length}; interrupted ` +
      `${(conn.times[ii] - conn.times[bargeAt - 1]).toFixed(0)} ms after the user started talking`);
    assert.deepEqual(conn.errors, []);
    assertNoShapeErrors(conn);
  });

  test('4b. barge-in by activityStart (VAD disabled): interrupted, turnComplete, silence while the user talks', { timeout: 60000 }, async (t) => {
    const conn = await connect(newAi(emu), 'barge-in-manual',
      baseConfig({ realtimeInputConfig: { automaticActivityDetection: { disabled: true } } }));
    const from = conn.msgs.length;
    conn.session.sendRealtimeInput({ text: LONG_TRIGGER });
    await conn.waitFor(hasAudio, { from, what: 'the first audio of the long reply' });
    const bargeAt = conn.msgs.length;
    const bargeT = performance.now();
    conn.session.sendRealtimeInput({ activityStart: {} });
    const ii = await conn.waitFor(isInterrupted, { from: bargeAt, what: 'serverContent.interrupted after activityStart', timeoutMs: 10000 });
    const tc = await conn.waitFor(isTurnComplete, { from: ii, what: 'turnComplete after interrupted', timeoutMs: 10000 });
    assert.equal(conn.msgs.slice(from, ii).filter(isTurnComplete).length, 0, 'the long reply completed before activityStart landed');
    checkInterruptedTurn(conn, from, ii, tc);
    t.diagnostic(`interrupted ${(conn.times[ii] - bargeT).toFixed(0)} ms after activityStart`);
    // The user's activity is still open: the model must stay silent.
    const quiet = await conn.collectFor(1500, tc + 1);
    assert.equal(quiet.filter(hasAudio).length, 0, `model audio while the user's activity is open:\n${conn.history(tc + 1)}`);
    conn.session.sendRealtimeInput({ activityEnd: {} });
    await sleep(200);
    assert.equal(conn.close, null, `closed after activityEnd: ${JSON.stringify(conn.close)}`);
    assert.deepEqual(conn.errors, []);
    assertNoShapeErrors(conn);
  });

  test('4c. barge-in while a tool call is pending: toolCallCancellation with its id', { timeout: 60000 }, async (t) => {
    const conn = await connect(newAi(emu), 'barge-in-tool',
      baseConfig({ realtimeInputConfig: { automaticActivityDetection: { disabled: true } } }));
    const from = conn.msgs.length;
    conn.session.sendRealtimeInput({ text: TOOL_TRIGGER });
    const tci = await conn.waitFor(isToolCall, { from, what: 'toolCall' });
    const ids = conn.msgs[tci].toolCall.functionCalls.map((c) => c.id);
    conn.session.sendRealtimeInput({ activityStart: {} });
    const ci = await conn.waitFor((m) => m.toolCallCancellation, { from: tci + 1, what: 'toolCallCancellation', timeoutMs: 10000 });
    assert.deepEqual([...conn.msgs[ci].toolCallCancellation.ids].sort(), [...ids].sort(), 'cancelled ids differ from the pending calls');
    t.diagnostic(`toolCallCancellation ${JSON.stringify(conn.msgs[ci].toolCallCancellation)}`);
    await conn.waitFor(isTurnComplete, { from: tci + 1, what: 'turnComplete after the cancellation', timeoutMs: 10000 });
    conn.session.sendRealtimeInput({ activityEnd: {} });
    assert.deepEqual(conn.errors, []);
    assertNoShapeErrors(conn);
  });

  test('7. 3.8 Live: a NON_BLOCKING declaration, the turn ends while the call runs, a WHEN_IDLE response spoken after', { timeout: 60000 }, async (t) => {
    const tools = [{ functionDeclarations: [{
      name: 'get_weather', description: 'Current weather for a city', behavior: Behavior.NON_BLOCKING,
      parameters: { type: Type.OBJECT, properties: { city: { type: Type.STRING } }, required: ['city'] },
    }] }];
    const conn = await connect(newAi(emu), 'non-blocking', baseConfig({ tools }), { model: 'gemini-3.8-live' });
    const from = conn.msgs.length;
    conn.session.sendRealtimeInput({ text: TOOL_TRIGGER });
    const tci = await conn.waitFor(isToolCall, { from, what: 'toolCall' });
    const call = conn.msgs[tci].toolCall.functionCalls.find((c) => c.name === 'get_weather');
    assert.ok(call, `no get_weather call in ${JSON.stringify(conn.msgs[tci].toolCall)}`);
    // Non-blocking: the model ends its turn without waiting for the response.
    const tc = await conn.waitFor(isTurnComplete, { from: tci + 1, what: 'turnComplete while the call runs' });
    const tempC = 11 + Math.floor(Math.random() * 20);
    const after = conn.msgs.length;
    conn.session.sendToolResponse({ functionResponses: [{
      id: call.id, name: call.name, response: { output: { tempC, sky: 'sunny' } },
      scheduling: FunctionResponseScheduling.WHEN_IDLE,
    }] });
    const rtc = await conn.waitFor(isTurnComplete, { from: after, what: 'turnComplete of the turn that speaks the result' });
    const msgs = conn.msgs.slice(after, rtc + 1);
    checkAudio(msgs, 'the result of the non-blocking call');
    const said = outputText(msgs);
    assert.ok(said.includes(String(tempC)), `result turn ${JSON.stringify(said)} does not contain tempC=${tempC}`);
    assert.equal(conn.close, null, `closed unexpectedly: ${JSON.stringify(conn.close)}`);
    assert.deepEqual(conn.errors, []);
    assertNoShapeErrors(conn);
    t.diagnostic(`toolCall at ${tci}, turnComplete at ${tc} before the response; result ${JSON.stringify(said)}`);
  });

  test('6a. wrong API key: onclose 1007 "API key not valid", connect() never resolves', { timeout: 30000 }, async () => {
    const conn = await connect(newAi(emu, 'not-the-key'), 'bad-key', baseConfig(), { expectClose: true });
    assert.equal(conn.close.code, 1007, `close ${JSON.stringify(conn.close)}`);
    assert.match(conn.close.reason, /API key not valid/, 'close reason');
    assert.ok(Buffer.byteLength(conn.close.reason) <= 123, 'close reason longer than 123 bytes');
    assert.equal(conn.msgs.filter(isSetupComplete).length, 0, 'setupComplete with a wrong key');
    assert.ok(conn.opened, 'the upgrade must complete (onopen) before the 1007 close');
  });

  test('6b. unknown model: onclose 1008 "… is not found …"', { timeout: 30000 }, async () => {
    const conn = await connect(newAi(emu), 'bad-model', baseConfig(), { model: 'gemini-0.0-no-such-model', expectClose: true });
    assert.equal(conn.close.code, 1008, `close ${JSON.stringify(conn.close)}`);
    assert.match(conn.close.reason, /not found/, 'close reason');
    assert.match(conn.close.reason, /models\/gemini-0\.0-no-such-model/, 'close reason names the model');
    assert.ok(Buffer.byteLength(conn.close.reason) <= 123, 'close reason longer than 123 bytes');
    assert.equal(conn.msgs.filter(isSetupComplete).length, 0, 'setupComplete for an unknown model');
  });

  test('6c. unknown resumption handle: onclose 1008 "session not found"', { timeout: 30000 }, async () => {
    const conn = await connect(newAi(emu), 'bad-handle',
      baseConfig({ sessionResumption: { handle: 'no-such-handle-0000' } }), { expectClose: true });
    assert.equal(conn.close.code, 1008, `close ${JSON.stringify(conn.close)}`);
    assert.match(conn.close.reason, /session not found/i, 'close reason');
  });

});

describe(`@google/genai ${SDK_VERSION}: goAway and session resumption`, { timeout: 180000 }, () => {
  afterEach(() => {
    closeAllConns();
    const u = takeUnhandled();
    if (u)
      throw u;
  });

  test('5. goAway, then a resumed connection with the handle continues the conversation', { timeout: 120000 }, async (t) => {
    const record = join(TMP, 'resume-record.json');
    // 100 s connections at 10x: goAway 4 s after connecting, close 1011 at 10 s.
    const emu2 = await startEmulator(['--scenario', RESUME_SCENARIO, '--api-key', API_KEY, '--latency-ms', '100',
      '--time-scale', '10', '--connection-lifetime', '100', '--go-away-notice', '60', '--record', record], 'resume emulator');
    const ai = newAi(emu2);

    // Connection 1: a turn, the handles, goAway.
    const c1 = await connect(ai, 'resume-1', baseConfig({ sessionResumption: {} }));
    await c1.waitFor(isResumeUpdate, { what: 'a first sessionResumptionUpdate' });
    const t1 = await textTurn(c1, RESUME_TEXT, 'turn 1');
    assert.ok(norm(outputText(t1.msgs)).includes(RESUME_FIRST_WORD), `turn 1 reply ${JSON.stringify(outputText(t1.msgs))}`);
    checkAudio(t1.msgs, 'turn 1');
    // While generating, updates must not carry a resumable handle.
    for (const m of c1.msgs.slice(t1.from, t1.end)) {
      if (isResumeUpdate(m) && m.sessionResumptionUpdate.resumable)
        assert.fail(`resumable handle while the model was generating: ${describeMsg(m)}`);
    }
    await c1.waitFor((m) => isResumeUpdate(m) && m.sessionResumptionUpdate.resumable === true && m.sessionResumptionUpdate.newHandle,
      { from: t1.end, what: 'a resumable handle after turn 1' });
    const gi = await c1.waitFor(isGoAway, { from: t1.end, what: 'goAway', timeoutMs: 30000 });
    const timeLeft = c1.msgs[gi].goAway.timeLeft;
    assert.match(String(timeLeft), /^\d+(\.\d+)?s$/, `goAway.timeLeft ${JSON.stringify(timeLeft)} is not a Duration "Ns"`);
    // 60 s of notice at time-scale 10: timeLeft is the real time left, 6 s.
    assert.ok(parseFloat(timeLeft) > 0 && parseFloat(timeLeft) <= 6, `goAway.timeLeft ${timeLeft} (expected 6s: 60 s notice at time-scale 10)`);
    let handle = null;
    for (const m of c1.msgs.slice(0, gi + 1)) {
      const u = m.sessionResumptionUpdate;
      if (u && u.resumable === true && u.newHandle)
        handle = u.newHandle;
    }
    assert.equal(typeof handle, 'string');
    assert.ok(handle.length > 0);
    for (const m of c1.msgs) {
      const u = m.sessionResumptionUpdate;
      if (u && u.resumable === true)
        assert.ok(u.newHandle, `resumable update without newHandle: ${describeMsg(m)}`);
    }
    // A well-behaved client closes the old socket itself before resuming.
    c1.session.close();
    await c1.waitClose({ timeoutMs: 5000 });

    // Connection 2: resume with the handle, the next turn in order.
    const c2 = await connect(ai, 'resume-2', baseConfig({ sessionResumption: { handle } }));
    assert.ok(isSetupComplete(c2.msgs[0]), 'resumed: first message is not setupComplete');
    const t2 = await textTurn(c2, RESUME_TEXT, 'turn 2 (resumed)');
    const said2 = norm(outputText(t2.msgs));
    assert.ok(said2.includes(RESUME_SECOND_WORD), `resumed turn reply ${JSON.stringify(said2)} is not the scenario's 2nd turn`);
    assert.ok(!said2.includes(RESUME_FIRST_WORD), 'the resumed session started the conversation over');
    checkAudio(t2.msgs, 'resumed turn');
    const usage2 = t2.msgs[t2.msgs.length - 1].usageMetadata;
    const usage1 = t1.msgs[t1.msgs.length - 1].usageMetadata;
    if (usage1 && usage2)
      assert.ok(usage2.promptTokenCount > usage1.promptTokenCount, 'resumed session lost the earlier context (promptTokenCount did not grow)');
    await c2.waitFor((m) => isResumeUpdate(m) && m.sessionResumptionUpdate.resumable === true && m.sessionResumptionUpdate.newHandle,
      { from: t2.end, what: 'a resumable handle after the resumed turn' });

    // Connection 2 runs out: goAway, then the server closes 1011.
    const gi2 = await c2.waitFor(isGoAway, { what: 'goAway on the resumed connection', timeoutMs: 30000 });
    const close2 = await c2.waitClose({ timeoutMs: 30000, what: 'the 1011 close at the end of the connection lifetime' });
    const noticeMs = performance.now() - c2.times[gi2];
    const left2 = parseFloat(c2.msgs[gi2].goAway.timeLeft) * 1000;
    assert.ok(Math.abs(noticeMs - left2) < 1500, `the close came ${noticeMs.toFixed(0)} ms after goAway, which said ${left2} ms`);
    assert.equal(close2.code, 1011, `end of lifetime close ${JSON.stringify(close2)}`);
    assert.match(close2.reason, /Deadline expired/, 'end of lifetime close reason');
    assert.deepEqual([...c1.errors, ...c2.errors], []);
    assertNoShapeErrors(c1);
    assertNoShapeErrors(c2);

    // The emulator's record (written on SIGTERM).
    const exit = await stopEmulator(emu2);
    assert.ok(!emu2.killed, 'the emulator did not exit on SIGTERM');
    assert.ok(existsSync(record), `--record ${record} was not written; exit ${JSON.stringify(exit)}; stderr:\n${emu2.stderr}`);
    const rec = JSON.parse(readFileSync(record, 'utf8'));
    assert.ok(Array.isArray(rec) && rec.length === 2, `record has ${rec.length} connections, expected 2`);
    const [r1, r2] = rec;
    assert.equal(r1.resumed, false, 'record: connection 1 marked resumed');
    assert.equal(r2.resumed, true, 'record: connection 2 not marked resumed');
    assert.equal(typeof r1.session, 'string');
    assert.equal(r2.session, r1.session, 'record: the resumed connection has another session id');
    assert.equal(r2.closeCode, 1011, 'record: connection 2 close code');
    // What the SDK put on the wire, as the emulator saw it.
    const setup1 = r1.messages[0]?.setup;
    const setup2 = r2.messages[0]?.setup;
    assert.ok(setup1 && setup2, 'record: first client message is not setup');
    assert.equal(setup1.model, `models/${MODEL}`);
    assert.deepEqual(setup1.sessionResumption, {});
    assert.equal(setup2.sessionResumption?.handle, handle, 'record: resumption handle on the wire');
    assert.ok(r1.messages.some((m) => m.realtimeInput?.text === RESUME_TEXT), 'record: turn 1 text missing');
    // The SDK's URL: a double slash before ws/, v1beta, the key only in the query (not recorded).
    for (const r of rec) {
      if ('path' in r)
        assert.equal(r.path, '//ws/google.ai.generativelanguage.v1beta.GenerativeService.BidiGenerateContent', 'record: path');
    }
    assert.ok(!JSON.stringify(rec).includes(API_KEY), 'record: the API key leaked into the record');
    t.diagnostic(`handle ${handle}; goAway.timeLeft ${timeLeft}; turn 1 ${JSON.stringify(outputText(t1.msgs))}; ` +
      `resumed turn ${JSON.stringify(outputText(t2.msgs))}; end ${close2.code} ${JSON.stringify(close2.reason)}; ` +
      `record sessions ${r1.session}/${r2.session} resumed ${r1.resumed}/${r2.resumed}`);
  });
});

// Whatever happened above, no emulator outlives the test file.
after(async () => {
  closeAllConns();
  for (const e of [...emulators])
    await stopEmulator(e, { timeoutMs: 3000 });
  rmSync(TMP, { recursive: true, force: true });
});
