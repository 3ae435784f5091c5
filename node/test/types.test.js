'use strict';
// index.d.ts and client.d.ts compile in an app that uses socket.io,
// socket.io-client and express together (test/types-check.ts, strict).
const test = require('node:test');
const assert = require('node:assert/strict');
const { execFileSync } = require('node:child_process');
const path = require('node:path');

test('the TypeScript declarations compile against socket.io, socket.io-client and express', () => {
  const tsc = require.resolve('typescript/bin/tsc');
  try {
    execFileSync(process.execPath, [tsc, '-p', path.join(__dirname, 'tsconfig.json')],
      { encoding: 'utf8', stdio: 'pipe' });
  } catch (err) {
    assert.fail(`tsc failed:\n${err.stdout}${err.stderr}`);
  }
});
