'use strict';
// socketio-auth-edge through Apache, and what a client really sees.
// Started by ./run, which provides SIO_BASE (Apache), SIO_EDGE_SOCKET
// (edge-backend.js, proxied at /edge/socket.io/ through a unix socket) and
// the htpasswd users alice, bob, josé, 名前 and "a%2B+b c".
//
// - any user name reaches socket.data.user intact, through the login form,
//   the module's identity header (whose bytes are checked) and the helper,
//   over polling, WebSocket and polling-then-upgrade, all through the unix
//   socket;
// - an Engine.IO sid answers only to the user who opened it (#10 item 2),
//   where the app without the guard (backend.js) lets anyone signed in in;
// - how a refused handshake reaches socket.io-client with and without the
//   client helper (the README's migration section describes this).

const test = require('node:test');
const assert = require('node:assert/strict');
const http = require('node:http');
const crypto = require('node:crypto');
const { setTimeout: sleep } = require('node:timers/promises');
const { io } = require('socket.io-client');
const { encodeIdentity } = require('socketio-auth-edge');
const { watchSession } = require('socketio-auth-edge/client');

const env = (name) => {
  const v = process.env[name];
  if (!v) throw new Error(`${name} is not set: run tests/interop/run`);
  return v;
};
const BASE = env('SIO_BASE');
const EDGE_SOCKET = env('SIO_EDGE_SOCKET');
const EDGE_PATH = '/edge/socket.io/';
const TIMEOUT_MS = 5000;

const USERS = [['alice', 'wonderland'], ['josé', 'accent'], ['名前', 'namae'], ['a%2B+b c', 'percent']];

async function login(username, password) {
  const res = await fetch(`${BASE}/login`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/x-www-form-urlencoded', Accept: 'application/json' },
    body: new URLSearchParams({ username, password }).toString(),
  });
  assert.equal(res.status, 200, `login of ${username}: ${await res.clone().text()}`);
  assert.deepEqual(await res.json(), { user: username });
  const m = /^(express\.sid=[^;]*)/.exec(res.headers.getSetCookie().find((c) => c.startsWith('express.sid=')));
  return m[1];
}

function edgeRecords() {
  return new Promise((resolve, reject) => {
    http.get({ socketPath: EDGE_SOCKET, path: '/_edge/records' }, (res) => {
      let text = '';
      res.on('data', (c) => { text += c; });
      res.on('end', () => resolve(JSON.parse(text)));
    }).on('error', reject);
  });
}

const sockets = new Set();
test.afterEach(() => {
  for (const s of sockets) s.close();
  sockets.clear();
});

function client(cookie, transports, { path = EDGE_PATH, ...opts } = {}) {
  const probe = crypto.randomUUID();
  const socket = io(BASE, {
    path, transports, forceNew: true, reconnection: false, timeout: TIMEOUT_MS,
    extraHeaders: cookie ? { Cookie: cookie } : {},
    query: { probe },
    ...opts,
  });
  sockets.add(socket);
  return { socket, probe };
}

function next(socket, event) {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no ${event} in time`)), TIMEOUT_MS);
    socket.once(event, (arg) => { clearTimeout(timer); resolve(arg); });
  });
}

// A raw Engine.IO request through Apache.
async function engine(path, cookie, { method = 'GET', body, headers = {} } = {}) {
  const res = await fetch(`${BASE}${path}`, {
    method, body, headers: { ...headers, ...(cookie ? { Cookie: cookie } : {}) },
  });
  return { status: res.status, text: await res.text() };
}

// An upgrade through Apache; the status the backend (through the tunnel) or
// Apache answered.
function upgrade(path, cookie) {
  return new Promise((resolve, reject) => {
    const req = http.request(`${BASE}${path}`, {
      headers: {
        Cookie: cookie, Connection: 'Upgrade', Upgrade: 'websocket',
        'Sec-WebSocket-Version': '13', 'Sec-WebSocket-Key': crypto.randomBytes(16).toString('base64'),
      },
    });
    req.on('upgrade', (res, socket) => { socket.destroy(); resolve(res.statusCode); });
    req.on('response', (res) => { res.resume(); resolve(res.statusCode); });
    req.on('error', reject);
    req.end();
  });
}

for (const [mode, transports] of [['polling then upgrade', undefined], ['polling only', ['polling']],
  ['websocket only', ['websocket']]]) {
  test(`every name reaches socket.data.user intact through the unix socket (${mode})`, async () => {
    for (const [name, password] of USERS) {
      const cookie = await login(name, password);
      const { socket, probe } = client(cookie, transports);
      const whoami = await next(socket, 'whoami');
      assert.deepEqual(whoami.data, name);
      assert.deepEqual(whoami.request, { username: name });
      const echo = await socket.timeout(TIMEOUT_MS).emitWithAck('echo', 'ping');
      assert.equal(echo.user, name);
      const mine = (await edgeRecords()).records.filter((r) => r.probe === probe);
      assert.ok(mine.length > 0);
      for (const r of mine) {
        assert.equal(r.header, encodeIdentity(name), `${r.method} ${r.transport}`);
      }
      socket.close();
    }
  });
}

test("the identity header's bytes on the wire", async () => {
  const expected = {
    alice: 'alice', 'josé': "UTF-8''jos%C3%A9", '名前': "UTF-8''%E5%90%8D%E5%89%8D", 'a%2B+b c': 'a%2B+b c',
  };
  for (const [name, password] of USERS) {
    const cookie = await login(name, password);
    const { socket, probe } = client(cookie, ['polling']);
    await next(socket, 'whoami');
    const first = (await edgeRecords()).records.find((r) => r.probe === probe);
    assert.equal(first.header, expected[name], name);
  }
});

test('a client that sends its own identity header is still the session\'s user', async () => {
  const cookie = await login('alice', 'wonderland');
  const { socket } = client(cookie, ['polling'], { extraHeaders: { Cookie: cookie, 'X-Socketio-User': "UTF-8''bob" } });
  assert.equal((await next(socket, 'whoami')).data, 'alice');
});

test('an Engine.IO sid answers only to its user: refused with the guard, open without it', async () => {
  const alice = await login('alice', 'wonderland');
  const bob = await login('bob', 'builder');
  const query = (sid) => `?EIO=4&transport=polling&sid=${encodeURIComponent(sid)}`;

  // Both behind SocketIOAuthBindSid Off (./run): the apps' own answers.
  for (const [app, path, guarded] of [['socketio-auth-edge', EDGE_PATH, true], ['backend.js', '/unbound/socket.io/', false]]) {
    const open = await engine(`${path}?EIO=4&transport=polling`, alice);
    assert.equal(open.status, 200, open.text);
    const sid = JSON.parse(open.text.slice(1)).sid;
    assert.equal((await engine(`${path}${query(sid)}`, alice, { method: 'POST', body: '40' })).status, 200);

    // Bob, signed in with his own valid cookie, uses alice's sid.
    const poll = await engine(`${path}${query(sid)}`, bob);
    const post = await engine(`${path}${query(sid)}`, bob, {
      method: 'POST', body: '42["chat message","sent as alice"]', headers: { 'Content-Type': 'text/plain' },
    });
    const up = await upgrade(`${path}?EIO=4&transport=websocket&sid=${encodeURIComponent(sid)}`, bob);
    if (guarded) {
      assert.deepEqual([poll.status, post.status, up], [403, 403, 403], app);
      assert.deepEqual(JSON.parse(poll.text), { message: 'This connection belongs to another user' });
    } else {
      // The hole engineGuard closes: bob reads alice's packets (her
      // CONNECT answer) and writes on her socket.
      assert.equal(poll.status, 200, app);
      assert.match(poll.text, /^40\{"sid":/, 'bob read alice\'s packets');
      assert.equal(post.status, 200, 'bob wrote on alice\'s socket');
    }
    // Alice herself is never refused.
    const own = await engine(`${path}${query(sid)}`, alice);
    assert.equal(own.status, 200, `${app}: alice polls her own socket`);
  }
  const { refused } = await edgeRecords();
  assert.ok(refused.length >= 3);
});

test('what socket.io-client sees of a refusal without the helper: a transport error, and it keeps retrying', async () => {
  for (const [transports, message] of [[['polling'], 'xhr poll error'], [['websocket'], 'websocket error']]) {
    const { socket } = client(null, transports, { reconnection: true, reconnectionDelay: 100, reconnectionDelayMax: 100 });
    const errors = [];
    // The body as it is when the error is reported (the XHR is reused).
    socket.on('connect_error', (err) => errors.push({ ...err, message: err.message, body: err.context?.responseText }));
    while (errors.length < 3) {
      await sleep(50);
    }
    socket.close();
    const err = errors[0];
    assert.equal(err.message, message);
    if (transports[0] === 'polling') {
      assert.equal(err.description, 401);
      assert.deepEqual(JSON.parse(err.body), { message: 'No session cookie' });
    } else {
      assert.match(err.description.message, /Unexpected server response: 401/);
    }
    assert.equal(socket.active, false, 'closed by us');
  }
});

test('with watchSession: one "refused" with Apache\'s reason, and no more attempts', async () => {
  const cookie = await login('josé', 'accent');
  await engine('/logout', cookie);
  for (const transports of [['polling'], ['websocket']]) {
    const { socket } = client(cookie, transports, { reconnection: true, reconnectionDelay: 100, reconnectionDelayMax: 100 });
    const watch = watchSession(socket, {
      channel: null,
      recheckInterval: 0,
      whoamiURL: null,        // none in this configuration
    });
    const refusals = [];
    let errors = 0;
    socket.on('connect_error', () => { errors++; });
    watch.on('refused', (r) => refusals.push(r));
    while (refusals.length === 0) {
      await sleep(50);
    }
    await sleep(500);
    watch.stop();
    assert.deepEqual(refusals, [transports[0] === 'polling'
      ? { reason: 'No session found', status: 401, source: 'handshake' }
      : { reason: 'Not authenticated', status: 401, source: 'handshake' }], String(transports));
    assert.equal(errors, 1, 'no reconnection after the refusal');
    assert.equal(socket.active, false);
  }
});
