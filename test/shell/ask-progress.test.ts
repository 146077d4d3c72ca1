// The shell says what an answer waits for before its first words (config
// `ask.progress_interval_ms`, src/features/ask/progress.ts): a line per tick when its output is
// no terminal, one line rewritten in place when it is, and a line that stays when a route is
// given up for the next. Real services against the simulator's `hang` fault, short deadlines.
import { test, before, after, beforeEach } from 'node:test';
import assert from 'node:assert/strict';
import { runShellLine } from '../../src/adapters/shell/repl.js';
import { terminalProgress } from '../../src/adapters/shell/text.js';
import { startSim, type Simulator } from '../support/sim.js';
import { simConfig, simProviders, SIM_KEYS } from '../support/sim-config.js';
import { makeServices } from '../support/services.js';
import type { CleanupOwner } from '../support/temp.js';

let sim: Simulator;
before(async () => {
  sim = await startSim();
});
after(async () => {
  await sim.close();
});
beforeEach(() => sim.reset());

function services(t: CleanupOwner) {
  const config = simConfig(sim, { providers: simProviders(sim, { timeout_ms: 60_000 }), ask: { first_token_timeout_ms: 1000, progress_interval_ms: 20 } });
  return makeServices(config, { secrets: SIM_KEYS, owner: t }).services;
}

const FALLBACK_LINE = '[deepseek/deepseek-v4-flash timed out: no first token within 1 s — trying openrouter/deepseek/deepseek-v4-flash]\n';

test('the shell prints what /ask waits for, then the fallback it takes, then the answer', async (t) => {
  sim.setFaults('deepseek', { hang: true });
  let streamed = '';
  const out = await runShellLine('/ask are you there?', services(t), (s) => (streamed += s));
  assert.match(streamed, /^\[waiting for deepseek… \d+ s\]\n/m);
  assert.ok(streamed.includes(FALLBACK_LINE), streamed);
  // The answer follows the status lines, unbroken by them.
  const answerAt = streamed.indexOf('Simulated openrouter answer to: are you there?');
  assert.ok(answerAt > streamed.indexOf(FALLBACK_LINE));
  assert.doesNotMatch(streamed.slice(answerAt), /waiting for|— trying/);
  assert.doesNotMatch(streamed, /\r/, 'no terminal: no line rewritten in place');
  assert.match(out ?? '', /fallback after deepseek\/deepseek-v4-flash timed out: no first token within 1 s/);
});

test('on a terminal the waiting line is rewritten in place and erased before the answer; a fallback line stays', async (t) => {
  sim.setFaults('deepseek', { hang: true });
  let streamed = '';
  await runShellLine('/ask still there?', services(t), (s) => (streamed += s), true);
  const clear = '\r\x1b[2K';
  assert.ok(streamed.startsWith(`${clear}[waiting for deepseek…`), JSON.stringify(streamed.slice(0, 80)));
  assert.ok(streamed.includes(`${clear}${FALLBACK_LINE}`));
  // A waiting line still shown is erased before the answer's first words.
  const before = streamed.slice(0, streamed.indexOf('Simulated openrouter answer to: still there?'));
  assert.ok(before.endsWith(clear) || before.endsWith(FALLBACK_LINE), JSON.stringify(before.slice(-120)));
});

test('the CLI writes status lines to stderr, leaving stdout to the answer; nothing is shown once the answer began', () => {
  let stdout = '';
  let stderr = '';
  const live = terminalProgress((s) => (stdout += s), { status: (s) => (stderr += s) });
  live.status({ kind: 'waiting', text: 'waiting for deepseek… 5 s' });
  live.status({ kind: 'fallback', text: 'deepseek/x timed out — trying openrouter/x' });
  live.status(null);
  live.update('The answer');
  live.status({ kind: 'waiting', text: 'waiting for openrouter… 5 s' });
  assert.equal(stdout, 'The answer');
  assert.equal(stderr, '[waiting for deepseek… 5 s]\n[deepseek/x timed out — trying openrouter/x]\n');
});
