'use strict';
// watchSession (client.js) with socket.io-client in Node, against a small
// stand-in for Apache: it answers 401 {"message":"No session found"} for
// a request without a session, as mod_socketio_auth does, sets the
// identity header otherwise, and serves a whoami handler
// (session-store-whoami) that can be switched off (404).
const test = require('node:test');
const assert = require('node:assert/strict');
const http = require('node:http');
const { once } = require('node:events');
const { setTimeout: sleep } = require('node:timers/promises');
const { Server } = require('socket.io');
const { io: connect } = require('socket.io-client');
const { encodeIdentity, socketAuth, engineGuard } = require('socketio-auth-edge');
const { watchSession, statusOf } = require('socketio-auth-edge/client');

const REFUSAL = '{"message":"No session found"}';

async function startEdge() {
  const edge = {
    sessions: new Map(),          // cookie value -> user
    whoami: true,                 // false: no handler (404)
    upgrades: 'answer',           // 'silent': refuse an upgrade with no status at all
    passHeader: true,             // false: the app gets no identity header
    handshakes: 0,
    upgradeAttempts: 0,
  };
  const server = http.createServer();
  const io = new Server(server, { pingInterval: 300, pingTimeout: 1000 });
  io.engine.use(engineGuard(io));
  io.use(socketAuth());
  io.on('connection', (socket) => socket.emit('hello', socket.data.user));
  const engineRequest = server.listeners('request');
  const engineUpgrade = server.listeners('upgrade');
  server.removeAllListeners('request');
  server.removeAllListeners('upgrade');

  function userOf(req) {
    const m = /(?:^|; )sid=(\w+)/.exec(req.headers.cookie || '');
    delete req.headers['x-socketio-user'];
    const user = m ? edge.sessions.get(m[1]) : undefined;
    if (user && edge.passHeader) {
      req.headers['x-socketio-user'] = encodeIdentity(user);
    }
    return user;
  }

  server.on('request', (req, res) => {
    if (req.url === '/whoami') {
      const user = userOf(req);
      res.writeHead(!edge.whoami ? 404 : user ? 200 : 401, { 'Content-Type': 'application/json' });
      res.end(!edge.whoami ? '{}' : user ? JSON.stringify({ user, expires: 0, idle_expires: 0 }) : REFUSAL);
      return;
    }
    if (!new URL(req.url, 'http://x').searchParams.get('sid')) {
      edge.handshakes++;
    }
    if (!userOf(req)) {
      res.writeHead(401, { 'Content-Type': 'application/json' });
      res.end(REFUSAL);
      return;
    }
    engineRequest.forEach((l) => l.call(server, req, res));
  });
  server.on('upgrade', (req, socket, head) => {
    edge.upgradeAttempts++;
    if (!new URL(req.url, 'http://x').searchParams.get('sid')) {
      edge.handshakes++;
    }
    if (edge.upgrades === 'silent') {
      socket.destroy();
      return;
    }
    if (!userOf(req)) {
      socket.end(`HTTP/1.1 401 Unauthorized\r\nContent-Type: application/json\r\nContent-Length: ${REFUSAL.length}\r\nConnection: close\r\n\r\n${REFUSAL}`);
      return;
    }
    engineUpgrade.forEach((l) => l.call(server, req, socket, head));
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  edge.base = `http://127.0.0.1:${server.address().port}`;
  edge.io = io;
  edge.close = () => new Promise((resolve) => { io.close(); server.close(resolve); server.closeAllConnections(); });
  return edge;
}

function open(edge, cookie, transports, t) {
  const socket = connect(edge.base, {
    transports,
    extraHeaders: { cookie: `sid=${cookie}` },
    forceNew: true,
    reconnectionDelay: 50,
    reconnectionDelayMax: 100,
    randomizationFactor: 0,
  });
  const watch = watchSession(socket, {
    whoamiURL: '/whoami',
    recheckInterval: 0,
    channel: null,
    fetch: (url, init) => fetch(edge.base + url, { ...init, headers: { ...init.headers, cookie: `sid=${cookie}` } }),
  });
  const refusals = [];
  watch.on('refused', (r) => refusals.push(r));
  t.after(() => { watch.stop(); socket.close(); });
  return { socket, watch, refusals };
}

function nextEvent(watch, event) {
  return new Promise((resolve) => {
    const fn = (arg) => { watch.off(event, fn); resolve(arg); };
    watch.on(event, fn);
  });
}

test('statusOf reads the polling status and Node ws message', () => {
  assert.equal(statusOf({ description: 401 }), 401);
  assert.equal(statusOf({ description: new Error('Unexpected server response: 403') }), 403);
  assert.equal(statusOf({ description: { type: 'error' } }), undefined);
  assert.equal(statusOf(undefined), undefined);
});

for (const transports of [['polling', 'websocket'], ['websocket']]) {
  test(`a refused handshake is one "refused" with Apache's reason, no more attempts, and resumes after login (${transports})`, async (t) => {
    const edge = await startEdge();
    t.after(edge.close);
    const { socket, watch, refusals } = open(edge, 'c1', transports, t);
    const refused = await nextEvent(watch, 'refused');
    assert.deepEqual(refused, { reason: 'No session found', status: 401, source: 'handshake' });
    assert.equal(socket.active, false, 'reconnection stopped');
    assert.equal(watch.state, 'refused');
    const attempts = edge.handshakes;
    await sleep(500);   // ten reconnection delays
    assert.equal(edge.handshakes, attempts, 'no handshake while the session is gone');
    assert.equal(refusals.length, 1);

    // Still no session: resume() checks and stays quiet.
    watch.resume();
    await sleep(200);
    assert.equal(edge.handshakes, attempts, 'whoami said no: the socket did not even try');
    assert.equal(refusals.length, 1);

    edge.sessions.set('c1', 'josé');
    const resumed = nextEvent(watch, 'resumed');
    const [hello] = await Promise.all([once(socket, 'hello'), resumed, watch.resume()]);
    assert.equal(hello[0], 'josé');
    assert.equal(watch.state, 'connected');
    assert.equal(refusals.length, 1);
  });
}

test('a WebSocket in Node shows 401 but no body: the reason comes from whoami, or is the default for 401', async (t) => {
  const edge = await startEdge();
  t.after(edge.close);
  edge.whoami = false;
  const { watch } = open(edge, 'c1', ['websocket'], t);
  assert.deepEqual(await nextEvent(watch, 'refused'), { reason: 'Not authenticated', status: 401, source: 'handshake' });
});

test('no status at all (a browser WebSocket): whoami tells why; without whoami, a generic reason', async (t) => {
  const edge = await startEdge();
  t.after(edge.close);
  edge.upgrades = 'silent';
  const first = open(edge, 'c1', ['websocket'], t);
  assert.deepEqual(await nextEvent(first.watch, 'refused'), { reason: 'No session found', status: 401, source: 'handshake' });

  edge.whoami = false;
  const second = open(edge, 'c2', ['websocket'], t);
  assert.deepEqual(await nextEvent(second.watch, 'refused'),
    { reason: 'The server refused the connection', status: undefined, source: 'handshake' });
});

test('no status, but whoami says the session is alive: a backend problem, socket.io keeps retrying', async (t) => {
  const edge = await startEdge();
  t.after(edge.close);
  edge.upgrades = 'silent';
  edge.sessions.set('c1', 'alice');
  const { socket, refusals } = open(edge, 'c1', ['websocket'], t);
  while (edge.upgradeAttempts < 4) {
    await sleep(50);
  }
  assert.deepEqual(refusals, []);
  assert.equal(socket.active, true);
  edge.upgrades = 'answer';
  await once(socket, 'hello');
});

test('an open socket whose next poll is refused (logout): "refused", source closed', async (t) => {
  const edge = await startEdge();
  t.after(edge.close);
  edge.sessions.set('c1', 'alice');
  const { socket, watch } = open(edge, 'c1', ['polling'], t);
  await once(socket, 'hello');
  edge.sessions.delete('c1');
  assert.deepEqual(await nextEvent(watch, 'refused'), { reason: 'No session found', status: 401, source: 'closed' });
  assert.equal(socket.active, false);
});

test('a WebSocket closed with 1008 (Apache ended the session): "refused" with the close reason', async (t) => {
  const edge = await startEdge();
  t.after(edge.close);
  edge.sessions.set('c1', 'alice');
  const { socket, watch } = open(edge, 'c1', ['websocket'], t);
  await once(socket, 'hello');
  edge.sessions.delete('c1');
  for (const s of edge.io.sockets.sockets.values()) {
    s.conn.transport.socket.close(1008, 'Logged out');
  }
  assert.deepEqual(await nextEvent(watch, 'refused'), { reason: 'Logged out', status: undefined, source: 'closed' });
  assert.equal(socket.active, false);
});

test('the app\'s own middleware refusal: "refused", source server, with its message', async (t) => {
  const edge = await startEdge();
  t.after(edge.close);
  edge.sessions.set('c1', 'alice');
  edge.passHeader = false;
  const { watch } = open(edge, 'c1', ['polling'], t);
  assert.deepEqual(await nextEvent(watch, 'refused'), { reason: 'Not authenticated', status: undefined, source: 'server' });
});

test('a socket connecting in another tab resumes a refused one (BroadcastChannel)', async (t) => {
  const edge = await startEdge();
  t.after(edge.close);
  const channel = `test-${process.pid}-${Date.now()}`;
  const mk = () => {
    const socket = connect(edge.base, {
      transports: ['polling'], extraHeaders: { cookie: 'sid=c1' }, forceNew: true, reconnectionDelay: 50,
    });
    const watch = watchSession(socket, {
      recheckInterval: 0, channel,
      fetch: (url, init) => fetch(edge.base + url, { ...init, headers: { ...init.headers, cookie: 'sid=c1' } }),
    });
    t.after(() => { watch.stop(); socket.close(); });
    return { socket, watch };
  };
  const a = mk();
  await nextEvent(a.watch, 'refused');
  edge.sessions.set('c1', 'alice');
  const resumed = nextEvent(a.watch, 'resumed');
  const b = mk();
  await once(b.socket, 'hello');
  await resumed;
  assert.equal(a.socket.connected, true);
});
