'use strict';
// What the interop test files added for the security review share: the
// environment ./run provides, and a login by plain HTTP.

const assert = require('node:assert/strict');

function env(name) {
  const v = process.env[name];
  if (!v) throw new Error(`${name} is not set: run tests/interop/run`);
  return v;
}

// POST the login form to Apache at base; returns the "express.sid=..."
// pair as a Cookie header wants it.
async function login(base, username, password) {
  const res = await fetch(`${base}/login`, {
    method: 'POST',
    redirect: 'manual',
    headers: { 'Content-Type': 'application/x-www-form-urlencoded', Accept: 'application/json' },
    body: new URLSearchParams({ username, password }).toString(),
  });
  assert.equal(res.status, 200, `login of ${username}`);
  for (const sc of res.headers.getSetCookie()) {
    const m = /^(express\.sid=[^;]*)/.exec(sc);
    if (m) return m[1];
  }
  throw new Error(`login of ${username} set no express.sid cookie`);
}

module.exports = { env, login };
