// Which ancestor routeops started by npm/npx watches (src/app/parent-watch.ts).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isNpmCommandLine } from '../../src/app/parent-watch.js';

test('npm and npx command lines are recognised, as npm titles itself and as node runs its scripts', () => {
  assert.equal(isNpmCommandLine('npm exec routeops sim\0\0\0\0'), true);
  assert.equal(isNpmCommandLine('npm start\0'), true);
  assert.equal(isNpmCommandLine('/usr/bin/node\0/usr/lib/node_modules/npm/bin/npx-cli.js\0routeops\0sim\0'), true);
  assert.equal(isNpmCommandLine('/usr/bin/npm\0start\0'), true);
});

test('a shell or routeops itself is not taken for npm', () => {
  assert.equal(isNpmCommandLine('sh\0-c\0routeops sim\0'), false);
  assert.equal(isNpmCommandLine('/usr/bin/node\0/app/bin/routeops.js\0sim\0'), false);
  assert.equal(isNpmCommandLine(''), false);
});
