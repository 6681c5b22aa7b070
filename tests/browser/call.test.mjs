// Voxpipe
// Copyright (C) 2026 Voxpipe contributors
// SPDX-License-Identifier: LGPL-2.1-or-later
//
// A person's browser calls the agent: Debian's Chromium, headless, driven by
// playwright-core, opens the page served by `voxpipe serve` (the receptionist
// on the emulator) and presses Call.  Its fake microphone plays a caller who
// asks for a table, confirms the booking, and then talks over the agent's
// answer.  The test asserts what a person sees and hears on the page: their
// turn and the agent's reply in the transcript, the tool call and its result,
// a latency and a cost on the turn, agent audio arriving (the level the page
// measures with WebAudio), the agent's audio stopping after the barge-in
// (how long after is printed), the agent's goodbye ending the call, and after
// Hang up, no call left on the gateway; a closed tab ends its call too.
// A screenshot of the page mid-call goes to $VP_TEST_OUT/call-page.png.

import { spawn, execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright-core';

const RUNNER = process.env.VP_RUNNER;
const PIPELINES = process.env.VP_PIPELINES_DIR;
const QUESTION = process.env.VP_CALLER_QUESTION;
const OUT = process.env.VP_TEST_OUT || tmpdir();
const tmp = mkdtempSync(join(tmpdir(), 'vp-browser-'));
const log = (...a) => console.log(...a);

function fail(message) {
  throw new Error(message);
}

// ---------------------------------------------------------------------------
// The caller's microphone: a WAV of silences and espeak-ng phrases.

function readWav(path) {
  const b = readFileSync(path);
  let off = 12, fmt = null, data = null;
  while (off + 8 <= b.length) {
    const id = b.toString('ascii', off, off + 4), size = b.readUInt32LE(off + 4);
    if (id === 'fmt ') fmt = { channels: b.readUInt16LE(off + 10), rate: b.readUInt32LE(off + 12) };
    if (id === 'data') data = b.subarray(off + 8, off + 8 + Math.min(size, b.length - off - 8));
    off += 8 + size + (size & 1);
  }
  if (!fmt || !data || fmt.channels !== 1) fail(`${path}: not a mono WAV`);
  return { rate: fmt.rate, data };
}

function writeWav(path, rate, pcm) {
  const h = Buffer.alloc(44);
  h.write('RIFF', 0); h.writeUInt32LE(36 + pcm.length, 4); h.write('WAVEfmt ', 8);
  h.writeUInt32LE(16, 16); h.writeUInt16LE(1, 20); h.writeUInt16LE(1, 22);
  h.writeUInt32LE(rate, 24); h.writeUInt32LE(rate * 2, 28); h.writeUInt16LE(2, 32);
  h.writeUInt16LE(16, 34); h.write('data', 36); h.writeUInt32LE(pcm.length, 40);
  writeFileSync(path, Buffer.concat([h, pcm]));
}

function say(text) {
  const path = join(tmp, `say-${Math.random().toString(16).slice(2)}.wav`);
  execFileSync('espeak-ng', ['-v', 'en-us', '-w', path, text]);
  return readWav(path);
}

// The timeline the caller follows, in seconds from when the microphone opens.
const question = readWav(QUESTION);
const confirm = say('Yes please, book it under the name Ana.');
// The scenario's third turn in order: the goodbye, which ends the call.
const bargeIn = say('Thank you, goodbye.');
const rate = question.rate;
const pause = (s) => Buffer.alloc(Math.round(rate * s) * 2);
const plan = [
  ['pause', 2.0], ['say', question], ['pause', 12.0], ['say', confirm],
  // Over the agent's "You're all set. Your booking number is …".
  ['pause', 3.2], ['say', bargeIn], ['pause', 20.0],
];
const parts = [];
let t = 0;
const spoken = [];
for (const [kind, v] of plan) {
  const pcm = kind === 'pause' ? pause(v) : v.data;
  if (kind === 'say') spoken.push([t, t + pcm.length / 2 / rate]);
  parts.push(pcm);
  t += pcm.length / 2 / rate;
}
const micWav = join(tmp, 'caller.wav');
writeWav(micWav, rate, Buffer.concat(parts));
log(`caller: ${spoken.map(([a, b]) => `${a.toFixed(1)}-${b.toFixed(1)} s`).join(', ')} of ${t.toFixed(1)} s`);

// ---------------------------------------------------------------------------
// The gateway

function startGateway() {
  return new Promise((resolve, reject) => {
    const proc = spawn(RUNNER, ['serve', '-f', join(PIPELINES, 'receptionist-call.pipeline'),
      '--web', '127.0.0.1:0'], {
      stdio: ['ignore', 'pipe', 'pipe'],
      // A fresh restaurant: every table free.
      env: { ...process.env, BELLA_DB: join(tmp, 'bella.db') },
    });
    const lines = [];
    const timer = setTimeout(() => reject(new Error('the gateway did not start')), 30000);
    const take = (chunk) => {
      for (const line of chunk.toString().split('\n')) {
        if (!line) continue;
        lines.push(line);
        const m = line.match(/open (http\S+) to talk/);
        if (m) { clearTimeout(timer); resolve({ proc, lines, url: m[1].replace(/\/$/, '') }); }
      }
    };
    proc.stdout.on('data', take);
    proc.stderr.on('data', take);
    proc.on('exit', (code) => reject(new Error(`the gateway exited (${code}): ${lines.join('\n')}`)));
  });
}

async function metrics(url) {
  const text = await (await fetch(url + '/metrics')).text();
  const out = {};
  for (const line of text.split('\n'))
    if (line && !line.startsWith('#')) { const [k, v] = line.split(' '); out[k] = Number(v); }
  return out;
}

async function until(what, timeoutMs, fn) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > deadline) fail(`timed out after ${timeoutMs / 1000} s waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

// ---------------------------------------------------------------------------

const gw = await startGateway();
log(`gateway: ${gw.url}`);
let context;
let ok = false;
try {
  context = await chromium.launchPersistentContext(mkdtempSync(join(tmpdir(), 'vp-chromium-')), {
    executablePath: '/usr/bin/chromium',
    headless: true,
    viewport: { width: 1280, height: 860 },
    args: [
      '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync',
      '--use-fake-ui-for-media-stream', '--use-fake-device-for-media-stream',
      `--use-file-for-fake-audio-capture=${micWav}%noloop`,
      '--allow-loopback-in-peer-connection', '--autoplay-policy=no-user-gesture-required',
    ],
  });
  const page = await context.newPage();
  page.on('console', (m) => { if (m.type() === 'error') log('page console:', m.text()); });
  // Every candidate Chromium sees from the gateway, checked below.
  await page.goto(gw.url + '/');
  await page.click('#call');
  const callStart = Date.now();

  const stats = () => page.evaluate(() => window.vpStats);
  await until('the call to be talking', 20000, async () => (await stats()).state === 'talking');
  log(`talking after ${((Date.now() - callStart) / 1000).toFixed(1)} s`);

  // Turn 1: the question, the tool, the reply, with its latency and cost.
  await page.locator('.msg.caller .bubble', { hasText: 'table for four' }).first().waitFor({ timeout: 30000 });
  await page.locator('.tool .name', { hasText: 'check_availability' }).waitFor({ timeout: 30000 });
  await page.locator('.tool:not(.pending) .result').first().waitFor({ timeout: 15000 });
  await page.locator('.msg.agent .bubble', { hasText: 'Shall I book it' }).waitFor({ timeout: 30000 });
  await page.locator('.msg.agent .chip.latency').first().waitFor({ timeout: 15000 });
  await page.locator('.msg.agent .chip.cost').first().waitFor({ timeout: 15000 });
  const first = await page.evaluate(() => {
    const agent = document.querySelector('.msg.agent');
    return {
      caller: document.querySelector('.msg.caller .bubble').textContent,
      agent: agent.querySelector('.bubble').textContent,
      tool: agent.querySelector('.tool .name').textContent,
      result: agent.querySelector('.tool .result').textContent,
      latency: agent.querySelector('.chip.latency').textContent,
      cost: agent.querySelector('.chip.cost').textContent,
      total: document.getElementById('total-cost').textContent,
    };
  });
  log('turn 1 on the page:', JSON.stringify(first));
  if (!/check_availability/.test(first.tool) || !/available: true/.test(first.result)) fail('no tool result shown');
  const latencyMs = Number(first.latency.match(/(\d+) ms/)?.[1]);
  if (!(latencyMs > 0 && latencyMs < 5000)) fail(`no plausible latency on the turn: ${first.latency}`);
  if (!(Number(first.cost.match(/\$([0-9.]+)/)?.[1]) > 0)) fail(`no cost on the turn: ${first.cost}`);

  // The transcript runs ahead of the voice (on 3.8 the result is spoken in
  // a turn of its own, after "Let me check." has played): wait for it.
  const heardOf = (s) => s.remoteLevels.filter(([, l]) => l > 0.01).length * 0.02;
  await until('the agent\'s audio at the browser (1.5 s over RMS 0.01)', 15000,
    async () => { const s = await stats(); return heardOf(s) >= 1.5 && s.remotePeak >= 0.03; });
  const s1 = await stats();
  const heard = heardOf(s1);
  log(`agent audio at the browser so far: ${heard.toFixed(1)} s over RMS 0.01, peak RMS ${s1.remotePeak.toFixed(3)}`);
  if (heard < 1.5 || s1.remotePeak < 0.03) fail('the agent\'s audio did not arrive at the browser');

  // Turn 2, and the caller's goodbye over its reply: a barge-in.
  await page.locator('.msg.agent .bubble', { hasText: 'all set' }).waitFor({ timeout: 40000 });
  await until('the agent speaking', 5000, async () => (await stats()).remoteLevel > 0.02);
  await page.screenshot({ path: join(OUT, 'call-page.png') });
  const interrupted = await until('the barge-in', 30000, async () => {
    const s = await stats();
    return s.events.find((e) => e.event.type === 'interrupted');
  });
  await page.waitForTimeout(1500);
  const s2 = await stats();
  // The caller starts speaking over the agent when their level rises (the
  // emulator's VAD interrupts within tens of ms, so the page's meter may see
  // it just after the event); the agent's audio has stopped when its level
  // stays under 0.005 for 700 ms.
  const tInt = interrupted.t;
  const onsetAt = s2.localLevels.find(([tt, l]) => tt > tInt - 3000 && tt < tInt + 500 && l > 0.02);
  if (!onsetAt) fail('the caller\'s barge-in was not heard by the page\'s microphone meter');
  const onset = onsetAt[0];
  const levels = s2.remoteLevels;
  const speakingBefore = levels.filter(([tt, l]) => tt > onset - 1000 && tt < onset && l > 0.01).length;
  if (speakingBefore < 10) fail('the agent was not speaking when the caller barged in');
  let stop = null;
  for (let i = 0; i < levels.length && stop === null; i++) {
    if (levels[i][0] < onset) continue;
    const next = levels.slice(i).filter(([tt]) => tt < levels[i][0] + 700);
    if (next.length >= 25 && next.every(([, l]) => l < 0.005)) stop = levels[i][0];
  }
  if (stop === null) fail('the agent\'s audio did not stop after the barge-in');
  log(`barge-in: the agent's audio stopped at the browser ${(stop - onset).toFixed(0)} ms after ` +
    `the caller started speaking over it, ${(stop - tInt).toFixed(0)} ms from the page's ` +
    `"interrupted" event`);
  log(`barge-in: the gateway dropped ${(interrupted.event['dropped-samples'] / 24).toFixed(0)} ms of queued reply`);
  if (stop - onset > 1500) fail('the agent went on speaking for more than 1.5 s over the caller');

  // The goodbye turn: the agent's end_call tool ends the call, and the page says so.
  await page.locator('.tool .name', { hasText: 'end_call' }).waitFor({ timeout: 30000 });
  await page.locator('#banner', { hasText: 'Call ended' }).waitFor({ timeout: 30000 });
  log('end-call:', await page.locator('#banner').textContent());
  await until('the agent\'s call to end', 15000, async () => (await metrics(gw.url)).voxpipe_calls_active === 0);

  // A second call, hung up from the page: the gateway has no call left.
  await page.click('#call');
  await until('the second call to be talking', 20000, async () => (await stats()).state === 'talking');
  await page.locator('.msg.caller .bubble', { hasText: 'table' }).first().waitFor({ timeout: 30000 });
  await page.click('#call');
  await page.locator('#banner', { hasText: 'hung up' }).waitFor({ timeout: 5000 });
  const m = await until('no active call', 15000, async () => {
    const mm = await metrics(gw.url);
    return mm.voxpipe_calls_active === 0 ? mm : null;
  });
  log(`after hang-up: ${m.voxpipe_calls_active} active, ${m.voxpipe_calls_total} total, ` +
    `${m.voxpipe_tool_calls_total} tool calls, ${m.voxpipe_interruptions_total} interruption(s)`);
  if (m.voxpipe_calls_total !== 2 || m.voxpipe_calls_failed_total !== 0) fail('metrics say a call failed');
  if (!gw.lines.some((l) => /hanging up: the caller hung up/.test(l))) fail('no hang-up in the call log');

  // A third call, and the tab closes: the page's pagehide DELETE, or else the
  // connection or its data channel closing, ends the call on the gateway.
  const tab = await context.newPage();
  await tab.goto(gw.url + '/');
  await tab.click('#call');
  await until('the third call to be talking', 20000,
    async () => (await tab.evaluate(() => window.vpStats.state)) === 'talking');
  const closedAt = Date.now();
  await tab.close();
  await until('the closed tab\'s call to end', 20000,
    async () => (await metrics(gw.url)).voxpipe_calls_active === 0);
  const why = gw.lines.filter((l) => /hanging up/.test(l)).pop();
  log(`tab closed: the gateway ended its call ${((Date.now() - closedAt) / 1000).toFixed(1)} s later (${why.replace(/.*hanging up: /, '')})`);
  if ((await metrics(gw.url)).voxpipe_calls_failed_total !== 0) fail('the closed tab counted as a failure');
  ok = true;
} finally {
  if (context) await context.close();
  gw.proc.kill('SIGTERM');
  if (!ok) log('---- gateway log ----\n' + gw.lines.slice(-150).join('\n'));
}
log('browser: OK');
process.exit(0);
