'use strict';
// The chat backend. It has no login, session or cookie code at all: Apache
// (mod_session_store + mod_socketio_auth) has already checked the session
// cookie of the Socket.IO handshake and put the user name in the request
// header X-Socketio-User, after removing any copy the client sent. So the
// name is read from that header and from nowhere else.
//
// Events (those of the freeCodeCamp "Advanced Node and Express" chat):
//   server -> all:    'user'         {name, currentUsers, connected}
//   client -> server: 'chat message' "text"
//   server -> all:    'chat message' {name, message}
//
// Environment: CHAT_PORT (default 3000). Listens on 127.0.0.1 only: the
// backend must be reachable through Apache and never directly, or anyone
// could send the identity header themselves.

const http = require('node:http');
const { Server } = require('socket.io');

const IDENTITY_HEADER = 'x-socketio-user';
const MAX_MESSAGE_LENGTH = 1000;
const HOST = '127.0.0.1';
const PORT = Number.parseInt(process.env.CHAT_PORT || '3000', 10);

if (!Number.isInteger(PORT) || PORT <= 0 || PORT > 65535) {
  console.error(`chat: CHAT_PORT '${process.env.CHAT_PORT}' is not a TCP port`);
  process.exit(2);
}

function log(line) {
  console.log(`${new Date().toISOString()} chat: ${line}`);
}

function identityOf(headers) {
  const name = headers[IDENTITY_HEADER];
  return typeof name === 'string' && name.length > 0 ? name : null;
}

// Everything else is Apache's to serve; a request that gets here outside
// /socket.io/ is a configuration mistake worth a clear answer.
const httpServer = http.createServer((req, res) => {
  res.writeHead(404, { 'Content-Type': 'text/plain' });
  res.end('Not found: this backend only serves /socket.io/\n');
});

const io = new Server(httpServer, {
  // Refuse at the Engine.IO handshake, before any session or socket
  // exists, a request that did not come through Apache's authentication
  // (defence in depth: Apache should never let one through).
  allowRequest(req, callback) {
    const user = identityOf(req.headers);
    if (!user) {
      log(`refused ${req.method} ${req.url} from ${req.socket.remoteAddress}: no ${IDENTITY_HEADER} header`);
      callback('not authenticated', false);
      return;
    }
    callback(null, true);
  },
});

// scripts/demo --cluster: the backends behind several httpd servers share
// their events through Redis (examples/chat/cluster/).
if (process.env.CHAT_REDIS_URL) {
  require('./cluster/adapter').attach(io, process.env.CHAT_REDIS_URL, log).catch((err) => {
    log(`cannot share events through Redis: ${err.message}`);
    process.exit(1);
  });
}

io.engine.on('connection', (engineSocket) => {
  log(`engine connection sid=${engineSocket.id} user=${identityOf(engineSocket.request.headers)} transport=${engineSocket.transport.name}`);
});

// Users online, by name: one person with two tabs is one user.
const socketsByUser = new Map();

function announce(name, connected) {
  io.emit('user', { name, currentUsers: socketsByUser.size, connected });
}

io.on('connection', (socket) => {
  const name = identityOf(socket.handshake.headers);
  if (!name) {
    // allowRequest already refuses these; a socket must never exist
    // without a name, whatever changes upstream.
    log(`disconnected socket ${socket.id}: no ${IDENTITY_HEADER} header`);
    socket.disconnect(true);
    return;
  }

  socketsByUser.set(name, (socketsByUser.get(name) || 0) + 1);
  log(`connect user=${name} socket=${socket.id} (${socketsByUser.size} users online)`);
  announce(name, true);

  socket.on('chat message', (message) => {
    if (typeof message !== 'string') {
      return;
    }
    const text = message.trim().slice(0, MAX_MESSAGE_LENGTH);
    if (text) {
      io.emit('chat message', { name, message: text });
    }
  });

  socket.on('disconnect', (reason) => {
    const left = socketsByUser.get(name) - 1;
    if (left > 0) {
      socketsByUser.set(name, left);
    } else {
      socketsByUser.delete(name);
    }
    log(`disconnect user=${name} socket=${socket.id} reason=${reason} (${socketsByUser.size} users online)`);
    announce(name, false);
  });
});

httpServer.listen(PORT, HOST, () => {
  log(`listening on http://${HOST}:${PORT}/socket.io/`);
});

function shutdown(signal) {
  log(`${signal}: closing`);
  // A client holding a connection open must not keep us alive.
  setTimeout(() => process.exit(0), 2000).unref();
  io.close(() => process.exit(0));
}
process.on('SIGINT', () => shutdown('SIGINT'));
process.on('SIGTERM', () => shutdown('SIGTERM'));
