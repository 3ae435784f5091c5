'use strict';
// Sessions shared both ways between Apache (SessionStoreBackend redis) and
// an express app (express-session + connect-redis + passport, app.js),
// with socket.io-client through Apache.  Started by ./run, which provides:
//   SIO_BASE       Apache: /login, /logout (mod_session_store), /app/ (the
//                  app, proxied), /socket.io/ (AuthType SocketIO, proxied)
//   SIO_APP        the app directly
//   SIO_REDIS_URL  the private Redis
//   SIO_SECRET     the secret both sign with

const test = require('node:test');
const assert = require('node:assert/strict');
const { io } = require('socket.io-client');
const { createClient } = require('redis');

const env = (name) => {
  const v = process.env[name];
  if (!v) throw new Error(`${name} is not set: run tests/redis-interop/run`);
  return v;
};
const BASE = env('SIO_BASE');
const APP = env('SIO_APP');
const COOKIE = 'express.sid';

let redis;
test.before(async () => {
  redis = createClient({ url: env('SIO_REDIS_URL') });
  await redis.connect();
});
test.after(async () => {
  await redis.quit();
});

function cookieOf(res) {
  for (const sc of res.headers.getSetCookie()) {
    const m = /^express\.sid=([^;]*)/.exec(sc);
    if (m && m[1]) return `${COOKIE}=${m[1]}`;
  }
  return null;
}

const sidOf = (cookie) => /^s:([^.]+)\./.exec(decodeURIComponent(cookie.split('=')[1]))[1];

async function form(url, fields, cookie) {
  const headers = { 'Content-Type': 'application/x-www-form-urlencoded', Accept: 'application/json' };
  if (cookie) headers.Cookie = cookie;
  return fetch(url, { method: 'POST', redirect: 'manual', headers, body: new URLSearchParams(fields).toString() });
}

async function apacheLogin(username, password) {
  const res = await form(`${BASE}/login`, { username, password });
  assert.equal(res.status, 200, `Apache login of ${username}: ${await res.text()}`);
  return cookieOf(res);
}

async function expressLogin(username, password) {
  const res = await form(`${BASE}/app/login`, { username, password });
  assert.equal(res.status, 200, `express login of ${username}: ${await res.text()}`);
  const cookie = cookieOf(res);
  assert.ok(cookie, 'express set the session cookie');
  return cookie;
}

async function me(cookie, base = BASE) {
  const res = await fetch(`${base}/app/me`, { headers: cookie ? { Cookie: cookie } : {} });
  assert.equal(res.status, 200);
  return (await res.json()).user;
}

// socket.io-client through Apache: resolves {user} once the app says who
// the socket is (from Apache's X-Socketio-User), or {error}.
function connect(cookie, transports) {
  return new Promise((resolve) => {
    const socket = io(BASE, { transports, extraHeaders: { Cookie: cookie }, reconnection: false, timeout: 5000 });
    const done = (v) => { socket.disconnect(); resolve(v); };
    socket.on('whoami', (user) => done({ user }));
    socket.on('connect_error', (err) => done({ error: err, status: err.context && err.context.status }));
    setTimeout(() => done({ error: new Error('timeout') }), 8000);
  });
}

async function handshake(cookie) {
  const res = await fetch(`${BASE}/socket.io/?EIO=4&transport=polling`, { headers: { Cookie: cookie } });
  return { status: res.status, body: await res.text() };
}

for (const [mode, transports] of [['polling then upgrade', undefined], ['websocket only', ['websocket']]]) {
  test(`an Apache login is req.user in express, and its socket is authenticated (${mode})`, async () => {
    const cookie = await apacheLogin('alice', 'wonderland');
    assert.equal(await me(cookie), 'alice', 'express-session + passport see alice');
    assert.equal(await me(cookie, APP), 'alice', 'directly too');
    const r = await connect(cookie, transports);
    assert.equal(r.user, 'alice', `socket as alice (${r.error && r.error.message})`);
  });

  test(`a passport-local login in express authenticates sockets at Apache (${mode})`, async () => {
    const cookie = await expressLogin('bob', 'builder');
    const stored = JSON.parse(await redis.get(`sess:${sidOf(cookie)}`));
    assert.equal(stored.passport.user, 'bob', 'connect-redis stored bob at passport.user');
    assert.equal(stored.httpd, undefined, 'a session httpd did not make');
    const r = await connect(cookie, transports);
    assert.equal(r.user, 'bob', `socket as bob (${r.error && r.error.message})`);
  });
}

test('logout in express ends the session at Apache', async () => {
  const cookie = await expressLogin('bob', 'builder');
  assert.equal((await handshake(cookie)).status, 200, 'a handshake passes first');
  const res = await form(`${BASE}/app/logout`, {}, cookie);
  assert.equal(res.status, 200);
  const h = await handshake(cookie);
  assert.equal(h.status, 401, 'Apache refuses the next handshake');
  assert.match(h.body, /No session found/);
  const r = await connect(cookie, ['websocket']);
  assert.ok(r.error, 'socket.io-client gets connect_error');
});

test('logout at Apache ends the session in express', async () => {
  const cookie = await apacheLogin('alice', 'wonderland');
  assert.equal(await me(cookie), 'alice');
  const res = await fetch(`${BASE}/logout`, { headers: { Cookie: cookie, Accept: 'application/json' } });
  assert.equal(res.status, 200);
  assert.equal((await res.json()).message, 'Logged out');
  assert.equal(await me(cookie), null, 'express sees nobody');
  assert.equal(await redis.exists(`sess:${sidOf(cookie)}`), 0, 'the key is gone');
});

test('express touches and saves a session Apache made; Apache still takes it', async () => {
  const cookie = await apacheLogin('alice', 'wonderland');
  const key = `sess:${sidOf(cookie)}`;
  await redis.pExpire(key, 5000);
  assert.equal(await me(cookie), 'alice');
  const ttl = await redis.pTTL(key);
  assert.ok(ttl > 5000, `express's touch set the TTL from cookie.expires (${ttl} ms)`);
  const stored = JSON.parse(await redis.get(key));
  assert.ok(stored.httpd && stored.httpd.realm, 'httpd\'s own field is still there');
  assert.equal((await handshake(cookie)).status, 200, 'Apache accepts it after express');
});

test('connect-redis counts the sessions with httpd\'s index keys present', async () => {
  await apacheLogin('alice', 'wonderland');
  const keys = [];
  for await (const batch of redis.scanIterator({ MATCH: 'sess:*' })) keys.push(...[].concat(batch));
  const res = await fetch(`${APP}/app/count`);
  assert.equal((await res.json()).sessions, keys.length, 'length() = the sess:* keys');
  const idx = [];
  for await (const batch of redis.scanIterator({ MATCH: 'sessidx:*' })) idx.push(...[].concat(batch));
  assert.ok(idx.length > 0, 'httpd\'s index keys exist, outside sess:*');
});

test('passport.user false (passport\'s logout, half way) is nobody at Apache', async () => {
  const cookie = await expressLogin('alice', 'wonderland');
  const key = `sess:${sidOf(cookie)}`;
  const v = JSON.parse(await redis.get(key));
  v.passport.user = false;        // as passport's logout leaves it for a moment
  await redis.set(key, JSON.stringify(v), { KEEPTTL: true });
  assert.equal((await handshake(cookie)).status, 401, 'passport.user false: not logged in');
});
