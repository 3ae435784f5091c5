'use strict';
// A Socket.IO v4 app as the README tells one to write it behind Apache:
// socketio-auth-edge (../../node, by path) for the user and the Engine.IO
// guard, listening on a unix socket (in a directory only httpd may enter)
// instead of a TCP port.  The identity header of every request that
// reaches it is recorded raw, so edge.test.js can check its bytes; the
// records are served on /_edge/records, which Apache does not proxy (ask
// the socket directly).
//
// Usage: SOCKET=/path/edge.sock node edge-backend.js

const fs = require('node:fs');
const http = require('node:http');
const { Server } = require('socket.io');
const { socketAuth, engineGuard, requestUser } = require('socketio-auth-edge');

const path = process.env.SOCKET;
if (!path) {
  console.error('edge-backend: set SOCKET');
  process.exit(2);
}

const records = [];   // { sid, method, transport, header } of every Engine.IO request
const refused = [];   // what engineGuard refused

const server = http.createServer((req, res) => {
  if (req.url === '/_edge/records') {
    res.writeHead(200, { 'Content-Type': 'application/json' });
    res.end(JSON.stringify({ records, refused }));
    return;
  }
  res.writeHead(404);
  res.end();
});
const io = new Server(server, { serveClient: false, pingInterval: 1000, pingTimeout: 2000 });

io.engine.use((req, res, next) => {
  const url = new URL(req.url, 'http://edge.invalid');
  records.push({
    sid: url.searchParams.get('sid'),
    probe: url.searchParams.get('probe'),
    method: req.method,
    transport: url.searchParams.get('transport'),
    header: req.headers['x-socketio-user'] ?? null,
  });
  next();
});
io.engine.use(engineGuard(io, { onRefuse: (req, info) => refused.push(info) }));
io.engine.use(requestUser({ required: false }));
io.use(socketAuth());

io.on('connection', (socket) => {
  socket.emit('whoami', {
    data: socket.data.user,
    request: socket.request.user ?? null,
    transport: socket.conn.transport.name,
  });
  socket.on('echo', (payload, ack) => {
    if (typeof ack === 'function') {
      ack({ user: socket.data.user, transport: socket.conn.transport.name, payload });
    }
  });
});

try {
  fs.unlinkSync(path);
} catch (err) {
  if (err.code !== 'ENOENT') throw err;
}
server.listen(path, () => {
  fs.chmodSync(path, 0o660);    // the directory decides who gets in
  console.log(`edge-backend: Socket.IO ${require('socket.io/package.json').version} on unix:${path}`);
});

function shutdown() {
  io.close();
  server.close(() => process.exit(0));
  setTimeout(() => process.exit(0), 1000).unref();
}
process.on('SIGTERM', shutdown);
process.on('SIGINT', shutdown);
