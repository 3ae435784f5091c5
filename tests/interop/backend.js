'use strict';
// The Socket.IO v4 application that sits behind Apache in the interop test.
//
// It trusts the edge completely, as an app behind mod_socketio_auth does:
// the user is whatever X-Socketio-User the first request of the connection
// carried (socket.handshake.headers), and it says so to the client.  It
// accepts everyone, so that any refusal the tests see comes from Apache.
//
// Every HTTP request and WebSocket upgrade that reaches it is recorded
// before Engine.IO looks at it, so a test can prove that a client Apache
// refused never got here.  The records are served on /_interop/attempts,
// outside /socket.io/, which Apache does not proxy: tests ask the backend
// directly on 127.0.0.1.
//
// Usage: PORT=nnnn node backend.js

const http = require('node:http');
const { Server } = require('socket.io');

const port = Number(process.env.PORT);
if (!Number.isInteger(port) || port <= 0) {
  console.error('backend: set PORT');
  process.exit(2);
}

const IDENTITY = 'x-socketio-user';
// Header names as a CGI-ish backend might fold them: a spoofed
// "X_Socketio_User" must not survive Apache either.
const foldName = (name) => name.toLowerCase().replace(/_/g, '-');

const attempts = [];     // every request under /socket.io/ that arrived
const connections = [];  // every Socket.IO connection established

function record(req, kind) {
  const url = new URL(req.url, 'http://backend.invalid');
  const identityHeaders = [];
  for (let i = 0; i < req.rawHeaders.length; i += 2) {
    if (foldName(req.rawHeaders[i]) === IDENTITY) {
      identityHeaders.push([req.rawHeaders[i], req.rawHeaders[i + 1]]);
    }
  }
  attempts.push({
    kind,
    method: req.method,
    path: url.pathname,
    transport: url.searchParams.get('transport'),
    sid: url.searchParams.get('sid'),
    probe: url.searchParams.get('probe'),
    user: req.headers[IDENTITY] ?? null,
    identityHeaders,
    cookie: req.headers.cookie ?? null,
  });
}

function control(req, res) {
  const url = new URL(req.url, 'http://backend.invalid');
  if (req.method === 'GET' && url.pathname === '/_interop/attempts') {
    const probe = url.searchParams.get('probe');
    const pick = (list) => (probe === null ? list : list.filter((a) => a.probe === probe));
    res.writeHead(200, { 'Content-Type': 'application/json' });
    res.end(JSON.stringify({ attempts: pick(attempts), connections: pick(connections) }));
    return;
  }
  res.writeHead(404, { 'Content-Type': 'text/plain' });
  res.end('not found\n');
}

const server = http.createServer(control);
// A short ping interval ends any long poll within a second.  A polling
// client whose next request Apache refuses (after logout) closes on its
// side while its last poll is still parked here; with the default 25 s
// that poll would keep the test process alive for as long.
const io = new Server(server, {
  path: '/socket.io/',
  serveClient: false,
  pingInterval: 1000,
  pingTimeout: 2000,
});

// Engine.IO replaced the 'request' listeners and added an 'upgrade' one
// while attaching; prepending puts the recorder in front of both.
server.prependListener('request', (req) => {
  if (req.url.startsWith('/socket.io/')) record(req, 'http');
});
server.prependListener('upgrade', (req) => record(req, 'upgrade'));

io.on('connection', (socket) => {
  const user = socket.handshake.headers[IDENTITY] ?? null;
  connections.push({
    id: socket.id,
    probe: socket.handshake.query.probe ?? null,
    user,
    firstTransport: socket.conn.transport.name,
  });
  socket.emit('whoami', { user });
  // Answers on the transport in use, to show the tunnel carries traffic
  // both ways after the upgrade.
  socket.on('echo', (payload, ack) => {
    if (typeof ack === 'function') {
      ack({ user, transport: socket.conn.transport.name, payload });
    }
  });
});

server.listen(port, '127.0.0.1', () => {
  console.log(`backend: Socket.IO ${require('socket.io/package.json').version} on 127.0.0.1:${port}`);
});

function shutdown() {
  io.close();
  server.close(() => process.exit(0));
  setTimeout(() => process.exit(0), 1000).unref();
}
process.on('SIGTERM', shutdown);
process.on('SIGINT', shutdown);
