'use strict';
// Engine.IO sids are bound to the session that opened them (issue #10,
// item 2), with a real socket.io 4 server (backend.js) and client.  bob,
// signed in, learns the sid of alice's polling socket and sends a packet
// on it with his own cookie: engine.io itself would take it ("ok"), as the
// same app behind SocketIOAuthBindSid Off shows; Apache refuses it.
// Started by ./run, which provides SIO_BASE and SIO_BACKEND.

const test = require('node:test');
const assert = require('node:assert/strict');
const crypto = require('node:crypto');
const net = require('node:net');
const { io } = require('socket.io-client');

const { env, login: loginAt } = require('./helpers');

const BASE = env('SIO_BASE');
const BACKEND = env('SIO_BACKEND');
const TIMEOUT_MS = 5000;
const login = (username, password) => loginAt(BASE, username, password);

// A polling-only socket (so that its sid keeps being used over HTTP).
function connect(cookie, path) {
  const socket = io(BASE, {
    path,
    transports: ['polling'],
    extraHeaders: { Cookie: cookie },
    forceNew: true,
    reconnection: false,
    timeout: TIMEOUT_MS,
  });
  return new Promise((resolve, reject) => {
    socket.once('whoami', (whoami) => resolve({ socket, whoami }));
    socket.once('connect_error', reject);
  });
}

async function attempts(probe) {
  const res = await fetch(`${BACKEND}/_interop/attempts?probe=${probe}`);
  return (await res.json()).attempts;
}

// A WebSocket upgrade by hand: resolves the status of the answer.
function upgradeStatus(path, cookie) {
  const url = new URL(path, BASE);
  return new Promise((resolve, reject) => {
    const sock = net.connect(Number(url.port), url.hostname);
    let data = '';
    sock.setTimeout(TIMEOUT_MS, () => sock.destroy(new Error('timeout')));
    sock.on('data', (d) => {
      data += d.toString('latin1');
      if (data.includes('\r\n')) {
        sock.destroy();
        resolve(Number(data.split(' ')[1]));
      }
    });
    sock.on('error', reject);
    sock.write([`GET ${url.pathname}${url.search} HTTP/1.1`, `Host: ${url.host}`,
                'Upgrade: websocket', 'Connection: Upgrade',
                `Sec-WebSocket-Key: ${crypto.randomBytes(16).toString('base64')}`,
                'Sec-WebSocket-Version: 13', `Cookie: ${cookie}`, '', ''].join('\r\n'));
  });
}

test("bob cannot use the sid of alice's socket; without the binding he can", async (t) => {
  const alice = await login('alice', 'wonderland');
  const bob = await login('bob', 'builder');

  for (const [path, bound] of [['/socket.io/', true], ['/unbound/socket.io/', false]]) {
    await t.test(bound ? 'SocketIOAuthBindSid On (the default)' : 'SocketIOAuthBindSid Off', async () => {
      const { socket, whoami } = await connect(alice, path);
      try {
        assert.deepEqual(whoami, { user: 'alice' });
        const sid = socket.io.engine.id;
        assert.match(sid, /^[A-Za-z0-9_-]{20}$/);

        // bob posts a Socket.IO event on alice's socket.
        const probe = crypto.randomUUID();
        const res = await fetch(`${BASE}${path}?EIO=4&transport=polling&sid=${sid}&probe=${probe}`, {
          method: 'POST',
          headers: { Cookie: bob, 'Content-Type': 'text/plain;charset=UTF-8' },
          body: '42["echo","from bob"]',
        });
        const text = await res.text();
        if (bound) {
          assert.equal(res.status, 403);
          assert.deepEqual(JSON.parse(text), { message: 'Engine.IO sid of another user' });
          assert.deepEqual(await attempts(probe), [], 'the backend saw bob\'s request');
          assert.equal(await upgradeStatus(`${path}?EIO=4&transport=websocket&sid=${sid}`, bob), 403,
                       'bob upgrades alice\'s socket');
        }
        else {
          // engine.io takes the packet: it trusts whoever names the sid.
          assert.equal(res.status, 200);
          assert.equal(text, 'ok');
          const seen = await attempts(probe);
          assert.equal(seen.length, 1);
          assert.equal(seen[0].user, 'bob', 'the backend is told it is bob, on alice\'s socket');
        }
        // alice's socket still works.
        const ack = await socket.timeout(TIMEOUT_MS).emitWithAck('echo', 'from alice');
        assert.equal(ack.user, 'alice');
      }
      finally {
        socket.disconnect();
      }
    });
  }
});

test('alice polls, then upgrades, on her own bound socket', async () => {
  const alice = await login('alice', 'wonderland');
  const socket = io(BASE, {
    path: '/socket.io/',
    extraHeaders: { Cookie: alice },
    forceNew: true,
    reconnection: false,
    timeout: TIMEOUT_MS,
  });
  try {
    await new Promise((resolve, reject) => {
      socket.once('whoami', resolve);
      socket.once('connect_error', reject);
    });
    await new Promise((resolve) => {
      if (socket.io.engine.transport.name === 'websocket') resolve();
      else socket.io.engine.once('upgrade', resolve);
    });
    const ack = await socket.timeout(TIMEOUT_MS).emitWithAck('echo', 'upgraded');
    assert.deepEqual([ack.user, ack.transport], ['alice', 'websocket']);
  }
  finally {
    socket.disconnect();
  }
});
