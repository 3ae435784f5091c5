'use strict';
// socketAuth, engineGuard and requestUser with a real socket.io 4 server
// and socket.io-client, the identity header sent as Apache would send it.
const test = require('node:test');
const assert = require('node:assert/strict');
const http = require('node:http');
const { once } = require('node:events');
const express = require('express');
const { Server } = require('socket.io');
const { io: connect } = require('socket.io-client');
const {
  encodeIdentity, socketAuth, engineGuard, requestUser,
} = require('socketio-auth-edge');

const HEADER = 'x-socketio-user';

async function startServer(setup) {
  const server = http.createServer();
  const io = new Server(server, { pingInterval: 500, pingTimeout: 1000 });
  const refused = [];
  io.engine.use(engineGuard(io, { onRefuse: (req, info) => refused.push(info) }));
  io.engine.use(requestUser({ required: false }));
  io.use(socketAuth());
  io.on('connection', (socket) => {
    socket.emit('hello', { data: socket.data.user, request: socket.request.user });
  });
  if (setup) setup(io);
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const base = `http://127.0.0.1:${server.address().port}`;
  return {
    base, io, refused,
    close: () => new Promise((resolve) => { io.close(); server.close(resolve); }),
  };
}

function client(base, user, transports) {
  const headers = user === undefined ? {} : { [HEADER]: user };
  return connect(base, {
    transports, extraHeaders: headers, reconnection: false, forceNew: true,
  });
}

// One raw HTTP request; for an upgrade, the response that refused it.
function request(base, path, { method = 'GET', headers = {}, body } = {}) {
  return new Promise((resolve, reject) => {
    const req = http.request(`${base}${path}`, { method, headers }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (c) => { text += c; });
      res.on('end', () => resolve({ status: res.statusCode, headers: res.headers, body: text }));
    });
    req.on('upgrade', (res, socket) => {
      socket.destroy();
      resolve({ status: res.statusCode, upgraded: true });
    });
    req.on('error', reject);
    req.end(body);
  });
}

async function handshake(base, value) {
  const res = await request(base, '/socket.io/?EIO=4&transport=polling',
    { headers: value === undefined ? {} : { [HEADER]: value } });
  assert.equal(res.status, 200, res.body);
  return JSON.parse(res.body.slice(1)).sid;
}

for (const transports of [['polling'], ['websocket']]) {
  test(`socket.data.user and socket.request.user, any name (${transports})`, async (t) => {
    const srv = await startServer();
    t.after(srv.close);
    for (const name of ['alice', 'josé', '名前', 'a%2B+b', "UTF-8''x"]) {
      const socket = client(srv.base, encodeIdentity(name), transports);
      const [hello] = await once(socket, 'hello');
      assert.deepEqual(hello, { data: name, request: { username: name } });
      socket.disconnect();
    }
  });

  test(`a socket without the header, or with a malformed one, gets connect_error (${transports})`, async (t) => {
    const srv = await startServer();
    t.after(srv.close);
    for (const [value, message] of [[undefined, 'Not authenticated'],
      ["UTF-8''jos%c3%a9", 'Malformed identity header'], ["UTF-8''%C3", 'Malformed identity header']]) {
      const socket = client(srv.base, value, transports);
      const [err] = await once(socket, 'connect_error');
      assert.equal(err.message, message);
      assert.equal(socket.active, false, 'socket.io-client does not retry a middleware refusal');
      socket.close();
    }
  });
}

test('engineGuard: a sid answers only to the identity it was opened with', async (t) => {
  const srv = await startServer();
  t.after(srv.close);
  const alice = encodeIdentity('alice');
  const sid = await handshake(srv.base, alice);
  const path = `/socket.io/?EIO=4&transport=polling&sid=${encodeURIComponent(sid)}`;

  for (const [who, headers] of [['bob', { [HEADER]: 'bob' }], ['nobody', {}],
    ['alice in another spelling', { [HEADER]: "UTF-8''alice" }]]) {
    const poll = await request(srv.base, path, { headers });
    assert.equal(poll.status, 403, `${who} polls alice's socket`);
    assert.deepEqual(JSON.parse(poll.body), { message: 'This connection belongs to another user' });
    assert.equal(poll.headers['cache-control'], 'no-store');
    const post = await request(srv.base, path, {
      method: 'POST', headers: { ...headers, 'content-type': 'text/plain' }, body: '40',
    });
    assert.equal(post.status, 403, `${who} posts on alice's socket`);
    const upgrade = await request(srv.base, `/socket.io/?EIO=4&transport=websocket&sid=${encodeURIComponent(sid)}`, {
      headers: { ...headers, Connection: 'Upgrade', Upgrade: 'websocket', 'Sec-WebSocket-Version': '13', 'Sec-WebSocket-Key': 'dGhlIHNhbXBsZSBub25jZQ==' },
    });
    assert.equal(upgrade.status, 403, `${who} upgrades alice's socket`);
  }
  assert.equal(srv.refused.length, 9);
  assert.deepEqual(srv.refused[0], { sid, reason: 'This connection belongs to another user' });

  // Alice herself still can: connect, then upgrade.
  const post = await request(srv.base, path, {
    method: 'POST', headers: { [HEADER]: alice, 'content-type': 'text/plain' }, body: '40',
  });
  assert.equal(post.status, 200, post.body);
  const poll = await request(srv.base, path, { headers: { [HEADER]: alice } });
  assert.equal(poll.status, 200);
  assert.match(poll.body, /^40\{"sid":/);
  const upgrade = await request(srv.base, `/socket.io/?EIO=4&transport=websocket&sid=${encodeURIComponent(sid)}`, {
    headers: { [HEADER]: alice, Connection: 'Upgrade', Upgrade: 'websocket', 'Sec-WebSocket-Version': '13', 'Sec-WebSocket-Key': 'dGhlIHNhbXBsZSBub25jZQ==' },
  });
  assert.equal(upgrade.status, 101);
});

test('engineGuard: socket.io-client polling then upgrading as the same user is never refused', async (t) => {
  const srv = await startServer();
  t.after(srv.close);
  const socket = client(srv.base, encodeIdentity('josé'), ['polling', 'websocket']);
  const upgraded = once(socket.io.engine, 'upgrade');
  await once(socket, 'hello');
  await upgraded;
  assert.equal(socket.io.engine.transport.name, 'websocket');
  socket.disconnect();
  assert.deepEqual(srv.refused, []);
});

test('engineGuard forgets closed sockets', async (t) => {
  const srv = await startServer();
  t.after(srv.close);
  const sid = await handshake(srv.base, 'alice');
  const engineSocket = srv.io.engine.clients[sid];
  const closed = once(engineSocket, 'close');
  engineSocket.close(true);
  await closed;
  const poll = await request(srv.base, `/socket.io/?EIO=4&transport=polling&sid=${sid}`, { headers: { [HEADER]: 'bob' } });
  assert.equal(poll.status, 400, 'Engine.IO itself answers for an unknown sid');
  assert.deepEqual(srv.refused, []);
});

test('engineGuard and requestUser refuse a header name that is not a token', () => {
  assert.throws(() => engineGuard({ on() {} }, { header: 'x user' }), TypeError);
  assert.throws(() => requestUser({ header: 'x:user' }), TypeError);
  assert.throws(() => engineGuard({}), TypeError);
});

test('requestUser: req.user for express routes', async (t) => {
  const app = express();
  app.use('/api', requestUser());
  app.use('/public', requestUser({ required: false }));
  app.use('/renamed', requestUser({ header: 'X-Remote-Name' }));
  app.get(['/api/me', '/public/me', '/renamed/me'], (req, res) => res.json({ user: req.user ?? null }));
  const server = app.listen(0, '127.0.0.1');
  await once(server, 'listening');
  t.after(() => server.close());
  const base = `http://127.0.0.1:${server.address().port}`;

  let res = await request(base, '/api/me', { headers: { [HEADER]: encodeIdentity('josé') } });
  assert.deepEqual(JSON.parse(res.body), { user: { username: 'josé' } });
  res = await request(base, '/api/me');
  assert.equal(res.status, 401);
  assert.deepEqual(JSON.parse(res.body), { message: 'Not authenticated' });
  res = await request(base, '/api/me', { headers: { [HEADER]: 'josÃ©' } });
  assert.equal(res.status, 400);
  assert.deepEqual(JSON.parse(res.body), { message: 'Malformed identity header' });
  res = await request(base, '/public/me');
  assert.deepEqual([res.status, JSON.parse(res.body)], [200, { user: null }]);
  res = await request(base, '/public/me', { headers: { [HEADER]: 'josÃ©' } });
  assert.deepEqual([res.status, JSON.parse(res.body)], [200, { user: null }]);
  res = await request(base, '/renamed/me', { headers: { 'x-remote-name': 'carol', [HEADER]: 'mallory' } });
  assert.deepEqual(JSON.parse(res.body), { user: { username: 'carol' } });
});
