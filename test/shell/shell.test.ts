// The shell adapter speaks the same commands as Slack, over real services and a real SQLite file.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import { startShell } from '../../src/adapters/shell/repl.js';
import { makeServices } from '../support/services.js';

test('the shell answers /spend, explains bad input and quits on exit', async () => {
  const { services, cleanup } = makeServices({ access: { spend: ['U0CFO'] } }, { now: '2026-11-23T12:00:00Z' });
  try {
    await services.ledger.record(
      [{ ts: '2026-11-23T10:00:00Z', provider: 'zai', model: 'glm-4.7', input_tokens: 1_000_000, cached_input_tokens: 0, output_tokens: 0, reasoning_tokens: 0, request_id: 's1' }],
      'import',
    );
    const input = new PassThrough();
    const output = new PassThrough();
    let printed = '';
    output.on('data', (c: Buffer) => (printed += c.toString()));
    const done = startShell(services, { input, output });
    input.write('/spend today by model\n');
    input.write('spend fortnight\n');
    input.write('/nope\n');
    input.write('exit\n');
    await done;
    // The shell runs as the local operator, so access.spend does not apply.
    assert.match(printed, /Spend today by model \(2026-11-23, UTC\)/);
    assert.match(printed, /Day\s+zai\/glm-4\.7\s+Total/);
    assert.match(printed, /2026-11-23\s+\$0\.60\s+\$0\.60/);
    assert.match(printed, /"fortnight" is not a period/);
    assert.match(printed, /"\/nope" is not a routeops command/);
  } finally {
    cleanup();
  }
});

test('nothing typed after exit runs, even when pasted in one go with it', async () => {
  const { services, cleanup } = makeServices({}, { now: '2026-11-23T12:00:00Z' });
  try {
    const input = new PassThrough();
    const output = new PassThrough();
    let printed = '';
    output.on('data', (c: Buffer) => (printed += c.toString()));
    const done = startShell(services, { input, output });
    // One write: readline emits every line before the first has been handled.
    input.write('/help\nexit\n/spend bogus\n/models\n');
    await done;
    assert.match(printed, /routeops commands/, 'the line before exit ran');
    assert.doesNotMatch(printed, /bogus|is not a period|Models/, 'the lines after exit did not');
  } finally {
    cleanup();
  }
});
