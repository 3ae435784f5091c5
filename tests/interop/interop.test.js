'use strict';
// Socket.IO v4 interoperability through Apache with mod_session_store and
// mod_socketio_auth.  Started by ./run, which provides:
//   SIO_BASE         http://127.0.0.1:PORT of Apache
//   SIO_SHORT_BASE   the same on a virtual host whose sessions expire after 1 s idle
//   SIO_BACKEND      http://127.0.0.1:PORT of backend.js (direct, for its records)
//   SIO_SECRET       the secret that signs (first SessionStoreSecret)
//   SIO_OLD_SECRET   an older secret that still verifies
//   SIO_ACCESS_LOG   Apache's access log (format from scripts/lib/common.sh)

const test = require('node:test');
const assert = require('node:assert/strict');
const crypto = require('node:crypto');
const fs = require('node:fs');
const http = require('node:http');
const { io } = require('socket.io-client');
const signature = require('cookie-signature');

const env = (name) => {
  const v = process.env[name];
  if (!v) throw new Error(`${name} is not set: run tests/interop/run`);
  return v;
};
const BASE = env('SIO_BASE');
const SHORT_BASE = env('SIO_SHORT_BASE');
const BACKEND = env('SIO_BACKEND');
const SECRET = env('SIO_SECRET');
const OLD_SECRET = env('SIO_OLD_SECRET');
const ACCESS_LOG = env('SIO_ACCESS_LOG');
const COOKIE = 'express.sid';
const CONNECT_TIMEOUT_MS = 5000;

const MODES = {
  'default transports': undefined,       // polling, then upgrade
  'websocket only': ['websocket'],
};

// ---- HTTP helpers (plain fetch; no cookie jar) ----

async function login(username, password, base = BASE) {
  const res = await fetch(`${base}/login`, {
    method: 'POST',
    redirect: 'manual',
    headers: {
      'Content-Type': 'application/x-www-form-urlencoded',
      Accept: 'application/json',
    },
    body: new URLSearchParams({ username, password }).toString(),
  });
  const setCookies = res.headers.getSetCookie();
  const body = await res.text();
  let cookie = null;   // "express.sid=..." as a Cookie request header wants it
  let value = null;    // the cookie's value as on the wire
  for (const sc of setCookies) {
    const m = /^express\.sid=([^;]*)/.exec(sc);
    if (m) {
      value = m[1];
      cookie = `${COOKIE}=${value}`;
    }
  }
  return { status: res.status, body, setCookies, cookie, value };
}

async function loginOk(username, password, base = BASE) {
  const r = await login(username, password, base);
  assert.equal(r.status, 200, `login of ${username}: ${r.body}`);
  assert.ok(r.cookie, `login of ${username} set no ${COOKIE} cookie`);
  return r;
}

// What express-session does with a cookie value: decode, strip "s:",
// unsign with each secret in turn.
function unsignCookie(value, secrets) {
  const decoded = decodeURIComponent(value);
  if (!decoded.startsWith('s:')) return false;
  for (const secret of secrets) {
    const id = signature.unsign(decoded.slice(2), secret);
    if (id !== false) return id;
  }
  return false;
}

// What express-session does to make one.
const signCookie = (id, secret) => encodeURIComponent('s:' + signature.sign(id, secret));

async function backendRecords(probe) {
  const res = await fetch(`${BACKEND}/_interop/attempts?probe=${encodeURIComponent(probe)}`);
  assert.equal(res.status, 200);
  return res.json();
}

// One Engine.IO polling handshake by plain HTTP: the refusal's reason is
// in its body, which socket.io-client does not keep.
async function handshake({ cookie, query = '', extraHeaders = {}, base = BASE }) {
  const res = await fetch(`${base}/socket.io/?EIO=4&transport=polling${query}`, {
    headers: cookie ? { ...extraHeaders, Cookie: cookie } : extraHeaders,
  });
  const text = await res.text();
  return { status: res.status, text, type: res.headers.get('content-type') };
}

// ---- Socket.IO client helpers ----

const open = new Set();
test.afterEach(() => {
  for (const s of open) s.disconnect();
  open.clear();
});

// Connect through Apache.  Resolves { socket, whoami } once the backend has
// said who we are, or { error } on connect_error.  The probe rides in the
// query of every request, so the backend's records can be matched to it.
function connect({ cookie, transports, extraHeaders = {}, query = {}, path = '/socket.io/', base = BASE }) {
  const probe = crypto.randomUUID();
  const headers = { ...extraHeaders };
  if (cookie) headers.Cookie = cookie;
  const socket = io(base, {
    path,
    transports,
    extraHeaders: headers,
    query: { ...query, probe },
    forceNew: true,
    reconnection: false,
    timeout: CONNECT_TIMEOUT_MS,
  });
  open.add(socket);
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      resolve({ probe, socket, error: new Error('neither whoami nor connect_error in time') });
    }, CONNECT_TIMEOUT_MS + 1000);
    socket.once('whoami', (whoami) => {
      clearTimeout(timer);
      resolve({ probe, socket, whoami });
    });
    socket.once('connect_error', (error) => {
      clearTimeout(timer);
      resolve({ probe, socket, error });
    });
  });
}

async function connectOk(opts) {
  const r = await connect(opts);
  assert.ifError(r.error);
  assert.ok(r.socket.connected, 'socket is not connected');
  return r;
}

function emitWithAck(socket, event, payload) {
  return socket.timeout(CONNECT_TIMEOUT_MS).emitWithAck(event, payload);
}

// The client must have been refused by Apache with 401, and nothing of it
// may have reached the backend.
async function assertRefused(r, mode) {
  assert.ok(r.error, `connected (whoami ${JSON.stringify(r.whoami)}) but should have been refused`);
  assert.equal(r.socket.connected, false);
  if (mode === 'websocket only') {
    assert.equal(r.error.message, 'websocket error');
    assert.match(String(r.error.description?.message), /Unexpected server response: 401/);
  } else {
    assert.equal(r.error.message, 'xhr poll error');
    assert.equal(r.error.description, 401);
  }
  const seen = await backendRecords(r.probe);
  assert.deepEqual(seen.attempts, [], 'the backend saw requests of a refused client');
  assert.deepEqual(seen.connections, [], 'the backend saw a connection of a refused client');
}

// Every request of this client that reached the backend carried exactly
// one identity header, Apache's, naming user.
function assertIdentity(seen, user) {
  assert.ok(seen.attempts.length > 0, 'the backend recorded no request');
  for (const a of seen.attempts) {
    assert.equal(a.user, user, `${a.kind} ${a.method} ${a.transport}`);
    assert.equal(a.identityHeaders.length, 1, JSON.stringify(a.identityHeaders));
  }
  assert.equal(seen.connections.length, 1);
  assert.equal(seen.connections[0].user, user);
}

// ---- the tests ----

test('login over HTTP gives a signed express.sid that cookie-signature reads', async () => {
  const r = await loginOk('alice', 'wonderland');
  assert.deepEqual(JSON.parse(r.body), { user: 'alice' });
  const sc = r.setCookies.find((c) => c.startsWith(`${COOKIE}=`));
  assert.match(sc, /^express\.sid=s%3A[A-Za-z0-9_-]{32}\.[A-Za-z0-9%]+; Path=\/; HttpOnly; SameSite=Lax$/);

  const id = unsignCookie(r.value, [SECRET]);
  assert.equal(typeof id, 'string', 'cookie-signature did not verify the cookie Apache signed');
  assert.match(id, /^[A-Za-z0-9_-]{32}$/);
  assert.equal(Buffer.from(id, 'base64url').length, 24);
  assert.equal(unsignCookie(r.value, [OLD_SECRET]), false, 'signed with the old secret, not the first');
  assert.equal(unsignCookie(r.value, ['not the secret']), false);
  // Byte for byte what express-session would have set for this id.
  assert.equal(r.value, signCookie(id, SECRET));

  const again = await loginOk('alice', 'wonderland');
  assert.notEqual(unsignCookie(again.value, [SECRET]), id, 'two logins share a session id');
});

test('login refuses a wrong password and an unknown user with 401', async () => {
  for (const [user, pass] of [['alice', 'builder'], ['mallory', 'wonderland']]) {
    const r = await login(user, pass);
    assert.equal(r.status, 401, `${user}/${pass}`);
    assert.deepEqual(JSON.parse(r.body), { message: 'Invalid user name or password' });
    assert.equal(r.cookie, null, `${user}/${pass} got a session cookie`);
  }
});

test('cookie-signature agrees with the vector of the README', () => {
  const signed = signature.sign('abc', 'keyboard cat');
  assert.equal('s:' + signed, 's:abc.BpxCrWRpvZMh/wk/djl34N+m+VQEU7K/5WenLwJCgFU');
  assert.equal(`${COOKIE}=${signCookie('abc', 'keyboard cat')}`,
    'express.sid=s%3Aabc.BpxCrWRpvZMh%2Fwk%2Fdjl34N%2Bm%2BVQEU7K%2F5WenLwJCgFU');
  assert.equal(unsignCookie('s%3Aabc.BpxCrWRpvZMh%2Fwk%2Fdjl34N%2Bm%2BVQEU7K%2F5WenLwJCgFU',
    ['new secret', 'keyboard cat']), 'abc');
  assert.equal(unsignCookie('s%3Aabc.BpxCrWRpvZMh%2Fwk%2Fdjl34N%2Bm%2BVQEU7K%2F5WenLwJCgFU',
    ['new secret']), false);
});

test('Apache accepts a cookie that cookie-signature re-signed with the older secret', async () => {
  const r = await loginOk('bob', 'builder');
  const id = unsignCookie(r.value, [SECRET]);
  const c = await connectOk({ cookie: `${COOKIE}=${signCookie(id, OLD_SECRET)}`, transports: ['websocket'] });
  assert.deepEqual(c.whoami, { user: 'bob' });
});

test('default transports: alice connects, is named by the backend, upgrades to websocket', async () => {
  const { cookie } = await loginOk('alice', 'wonderland');
  const c = await connectOk({ cookie });
  assert.deepEqual(c.whoami, { user: 'alice' });
  const engine = c.socket.io.engine;
  if (engine.transport.name !== 'websocket') {
    await new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('no upgrade event in time')), CONNECT_TIMEOUT_MS);
      engine.once('upgrade', () => { clearTimeout(timer); resolve(); });
      engine.once('upgradeError', (e) => { clearTimeout(timer); reject(e); });
    });
  }
  assert.equal(engine.transport.name, 'websocket');
  const echo = await emitWithAck(c.socket, 'echo', 'over the tunnel');
  assert.deepEqual(echo, { user: 'alice', transport: 'websocket', payload: 'over the tunnel' });

  const seen = await backendRecords(c.probe);
  assertIdentity(seen, 'alice');
  assert.equal(seen.connections[0].firstTransport, 'polling');
  const kinds = seen.attempts.map((a) => `${a.kind}:${a.transport}`);
  assert.equal(kinds[0], 'http:polling', `first request ${kinds[0]}`);
  assert.ok(kinds.includes('upgrade:websocket'), `no websocket upgrade among ${kinds}`);
  const upgrade = seen.attempts.find((a) => a.kind === 'upgrade');
  assert.ok(upgrade.sid, 'the upgrade request carried no Engine.IO sid');
});

test('websocket only: bob connects and is named by the backend', async () => {
  const { cookie } = await loginOk('bob', 'builder');
  const c = await connectOk({ cookie, transports: ['websocket'] });
  assert.deepEqual(c.whoami, { user: 'bob' });
  assert.equal(c.socket.io.engine.transport.name, 'websocket');
  const echo = await emitWithAck(c.socket, 'echo', 42);
  assert.deepEqual(echo, { user: 'bob', transport: 'websocket', payload: 42 });

  const seen = await backendRecords(c.probe);
  assertIdentity(seen, 'bob');
  assert.deepEqual(seen.attempts.map((a) => `${a.kind}:${a.transport}:${a.sid}`), ['upgrade:websocket:null']);
  assert.equal(seen.connections[0].firstTransport, 'websocket');
});

test('unauthenticated clients get connect_error and never reach the backend', async (t) => {
  const { value } = await loginOk('alice', 'wonderland');
  const id = unsignCookie(value, [SECRET]);
  const decoded = decodeURIComponent(value);
  const tampered = decoded.slice(0, -2) + (decoded.endsWith('AA') ? 'BB' : 'AA');
  const cases = [
    ['no cookie', undefined, 'No session cookie'],
    ['no cookie, X-Socketio-User: alice', undefined, 'No session cookie', { 'X-Socketio-User': 'alice' }],
    ['unsigned id', `${COOKIE}=${id}`, 'Malformed session cookie'],
    ['tampered signature', `${COOKIE}=${encodeURIComponent(tampered)}`, 'Bad signature'],
    ['signed with an unknown secret', `${COOKIE}=${signCookie(id, 'not the secret')}`, 'Bad signature'],
    ['validly signed unknown id', `${COOKIE}=${signCookie(crypto.randomBytes(24).toString('base64url'), SECRET)}`,
      'No session found'],
  ];
  for (const [mode, transports] of Object.entries(MODES)) {
    for (const [name, cookie, reason, extraHeaders] of cases) {
      await t.test(`${mode}: ${name}`, async () => {
        const h = await handshake({ cookie, extraHeaders });
        assert.equal(h.status, 401);
        assert.equal(h.type, 'application/json');
        assert.deepEqual(JSON.parse(h.text), { message: reason });
        await assertRefused(await connect({ cookie, transports, extraHeaders }), mode);
      });
    }
  }
});

// node:http, not fetch: fetch always sends its own Sec-Fetch-Mode: cors.
function rawGet(url, headers) {
  return new Promise((resolve, reject) => {
    http.get(url, { headers, agent: false }, (res) => {
      res.resume();
      res.on('end', () => resolve({ status: res.statusCode, location: res.headers.location }));
    }).on('error', reject);
  });
}

test('SocketIOAuthLoginURL sends only a navigating browser to the login page', async () => {
  const url = `${BASE}/socket.io/?EIO=4&transport=polling`;
  assert.deepEqual(await rawGet(url, { 'Sec-Fetch-Mode': 'navigate', Accept: 'text/html' }),
    { status: 302, location: '/login.html' });
  assert.deepEqual(await rawGet(url, { Accept: 'text/html,application/xhtml+xml' }),
    { status: 302, location: '/login.html' });
  // What the refused socket.io clients above look like.
  assert.equal((await rawGet(url, { Accept: '*/*' })).status, 401);
  assert.equal((await rawGet(url, { 'Sec-Fetch-Mode': 'cors', Accept: 'text/html' })).status, 401);
  assert.equal((await rawGet(url.replace('polling', 'websocket'), {
    Accept: 'text/html', Connection: 'Upgrade', Upgrade: 'websocket',
    'Sec-WebSocket-Version': '13', 'Sec-WebSocket-Key': crypto.randomBytes(16).toString('base64'),
  })).status, 401);
});

test('a spoofed X-Socketio-User next to a valid alice cookie: the backend sees alice', async (t) => {
  const { cookie } = await loginOk('alice', 'wonderland');
  const spoof = { 'X-Socketio-User': 'mallory', 'x_socketio_user': 'mallory', 'X-SOCKETIO-USER': 'mallory' };
  for (const [mode, transports] of Object.entries(MODES)) {
    await t.test(mode, async () => {
      const c = await connectOk({ cookie, transports, extraHeaders: spoof });
      assert.deepEqual(c.whoami, { user: 'alice' });
      const seen = await backendRecords(c.probe);
      assertIdentity(seen, 'alice');
      for (const a of seen.attempts) {
        assert.deepEqual(a.identityHeaders.map(([, v]) => v), ['alice']);
      }
    });
  }
});

test('cookie headers as browsers and express send them are read like express does', async (t) => {
  const { value } = await loginOk('alice', 'wonderland');
  const id = unsignCookie(value, [SECRET]);
  const bad = signCookie(id, 'not the secret');
  const accepted = [
    ['among other cookies', `theme=dark; ${COOKIE}=${value}; lang=en`],
    ['quoted', `${COOKIE}="${value}"`],
    ['not percent-encoded', `${COOKIE}=${decodeURIComponent(value)}`],
    ['the first of two, the second bad', `${COOKIE}=${value}; ${COOKIE}=${bad}`],
  ];
  for (const [name, cookie] of accepted) {
    await t.test(`accepted: ${name}`, async () => {
      const c = await connectOk({ cookie, transports: ['websocket'] });
      assert.deepEqual(c.whoami, { user: 'alice' });
    });
  }
  await t.test('refused: the second of two, the first bad', async () => {
    const cookie = `${COOKIE}=${bad}; ${COOKIE}=${value}`;
    const h = await handshake({ cookie });
    assert.equal(h.status, 401);
    assert.deepEqual(JSON.parse(h.text), { message: 'Bad signature' });
    await assertRefused(await connect({ cookie, transports: ['websocket'] }), 'websocket only');
  });
});

test('SocketIOAuthStripCookie On: the backend gets the user but not the session cookie', async (t) => {
  const { value } = await loginOk('bob', 'builder');
  // Written with and without spaces: the header Apache rebuilds is then
  // longer than the one it got.
  const forms = {
    spaced: `theme=dark; ${COOKIE}=${value}; lang=en`,
    tight: `theme=dark;${COOKIE}=${value};lang=en`,
  };
  for (const [mode, transports] of Object.entries(MODES)) for (const [form, cookie] of Object.entries(forms)) {
    await t.test(`${mode}, ${form}`, async () => {
      const c = await connectOk({ cookie, transports, path: '/stripped/socket.io/' });
      assert.deepEqual(c.whoami, { user: 'bob' });
      const seen = await backendRecords(c.probe);
      assertIdentity(seen, 'bob');
      for (const a of seen.attempts) {
        const names = (a.cookie ?? '').split(';').map((c) => c.trim().split('=')[0]);
        assert.deepEqual(names, ['theme', 'lang'], `the backend got Cookie: ${a.cookie}`);
      }
    });
  }
});

test("an unsigned ?session_id= query (passport.socketio's hole) is refused", async (t) => {
  const { value } = await loginOk('alice', 'wonderland');
  const id = unsignCookie(value, [SECRET]);
  for (const [mode, transports] of Object.entries(MODES)) {
    for (const [name, sessionId] of [['raw id', id], ['signed cookie value', decodeURIComponent(value)]]) {
      await t.test(`${mode}: ${name}`, async () => {
        const h = await handshake({ query: `&session_id=${encodeURIComponent(sessionId)}` });
        assert.equal(h.status, 401);
        assert.deepEqual(JSON.parse(h.text), { message: 'No session cookie' });
        await assertRefused(await connect({ transports, query: { session_id: sessionId } }), mode);
      });
    }
  }
});

test('after logout a new connection with the old cookie is refused', async (t) => {
  const { cookie } = await loginOk('bob', 'builder');
  for (const [mode, transports] of Object.entries(MODES)) {
    const c = await connectOk({ cookie, transports });
    assert.deepEqual(c.whoami, { user: 'bob' }, `${mode} before logout`);
    c.socket.disconnect();
  }

  const res = await fetch(`${BASE}/logout`, { method: 'POST', headers: { Cookie: cookie, Accept: 'application/json' } });
  assert.equal(res.status, 200);
  assert.deepEqual(await res.json(), { message: 'Logged out' });
  const expired = res.headers.getSetCookie().find((c) => c.startsWith(`${COOKIE}=`));
  assert.ok(expired, 'logout did not expire the cookie');
  assert.match(expired, /^express\.sid=;.*Max-Age=0/);

  const h = await handshake({ cookie });
  assert.equal(h.status, 401);
  assert.deepEqual(JSON.parse(h.text), { message: 'No session found' });
  for (const [mode, transports] of Object.entries(MODES)) {
    await t.test(mode, async () => {
      await assertRefused(await connect({ cookie, transports }), mode);
    });
  }
});

test('after logout an open polling-only socket is cut off at its next request', async () => {
  // Every polling request is authenticated on its own, so logout reaches a
  // polling socket at once; an open WebSocket tunnel is not re-checked yet
  // (its re-check is the live-socket work of a later release).
  const { cookie } = await loginOk('alice', 'wonderland');
  const c = await connectOk({ cookie, transports: ['polling'] });
  assert.deepEqual(await emitWithAck(c.socket, 'echo', 1), { user: 'alice', transport: 'polling', payload: 1 });
  const res = await fetch(`${BASE}/logout`, { headers: { Cookie: cookie, Accept: 'application/json' } });
  assert.equal(res.status, 200);
  await res.arrayBuffer();
  const gone = new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('still connected')), CONNECT_TIMEOUT_MS);
    c.socket.once('disconnect', (reason) => { clearTimeout(timer); resolve(reason); });
  });
  c.socket.emit('echo', 2);  // a POST, refused
  assert.equal(await gone, 'transport error');
});

test('an idle session expires: a new connection with its cookie is refused', async (t) => {
  const { cookie } = await loginOk('alice', 'wonderland', SHORT_BASE);
  const c = await connectOk({ cookie, transports: ['websocket'], base: SHORT_BASE });
  assert.deepEqual(c.whoami, { user: 'alice' });
  c.socket.disconnect();
  await new Promise((resolve) => setTimeout(resolve, 2500));
  const h = await handshake({ cookie, base: SHORT_BASE });
  assert.equal(h.status, 401);
  assert.deepEqual(JSON.parse(h.text), { message: 'Session expired' });
  for (const [mode, transports] of Object.entries(MODES)) {
    await t.test(mode, async () => {
      await assertRefused(await connect({ cookie, transports, base: SHORT_BASE }), mode);
    });
  }
});

test('the access log names the user of accepted and the reason of refused requests', () => {
  // Format: %h %u %t "%r" %>s %b "%{SOCKETIO_AUTH_ERROR}n"
  const REASONS = ['No session cookie', 'Malformed session cookie', 'Bad signature', 'No session found', 'Session expired'];
  const lines = fs.readFileSync(ACCESS_LOG, 'utf8').split('\n').filter((l) => l.includes(' /socket.io/'));
  assert.ok(lines.length > 0, 'no /socket.io/ requests in the access log');
  const users = new Set();
  const reasons = new Set();
  for (const line of lines) {
    const m = /^\S+ (\S+) \[[^\]]+\] "[^"]*" (\d{3}) \S+ "([^"]*)"$/.exec(line);
    assert.ok(m, `unparsable: ${line}`);
    const [, user, status, reason] = m;
    if (status === '401' || status === '302') {
      assert.equal(user, '-', line);
      assert.ok(REASONS.includes(reason), line);
      reasons.add(reason);
    } else {
      assert.ok(user === 'alice' || user === 'bob', line);
      assert.equal(reason, '-', line);
      users.add(user);
    }
  }
  assert.deepEqual([...users].sort(), ['alice', 'bob']);
  assert.deepEqual([...reasons].sort(), [...REASONS].sort());
});
