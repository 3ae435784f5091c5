'use strict';
// The chat backend. It has no login, session or cookie code at all: Apache
// (mod_session_store + mod_socketio_auth) has already checked the session
// cookie of every Socket.IO request and put the user name in the request
// header X-Socketio-User, after removing any copy the client sent.
// socketio-auth-edge (../../node) reads it: the name is on socket.data.user
// and comes from nowhere else.
//
// Events (those of the freeCodeCamp "Advanced Node and Express" chat):
//   server -> all:    'user'         {name, currentUsers, connected}
//   client -> server: 'chat message' "text"
//   server -> all:    'chat message' {name, message}
//
// Environment, where to listen (only Apache may reach the backend, or
// anyone could send the identity header themselves):
//   CHAT_SOCKET   a unix socket path: only processes that may open its
//                 directory reach it (the demo gives that to httpd alone)
//   CHAT_PORT     else 127.0.0.1:CHAT_PORT (default 3000): any local
//                 process can connect there

const fs = require('node:fs');
const http = require('node:http');
const { Server } = require('socket.io');
const { socketAuth, engineGuard, decodeIdentity } = require('socketio-auth-edge');

const MAX_MESSAGE_LENGTH = 1000;
const HOST = '127.0.0.1';
const SOCKET_PATH = process.env.CHAT_SOCKET || '';
const PORT = Number.parseInt(process.env.CHAT_PORT || '3000', 10);

if (!SOCKET_PATH && (!Number.isInteger(PORT) || PORT <= 0 || PORT > 65535)) {
  console.error(`chat: CHAT_PORT '${process.env.CHAT_PORT}' is not a TCP port`);
  process.exit(2);
}

function log(line) {
  console.log(`${new Date().toISOString()} chat: ${line}`);
}

function userOf(req) {
  try {
    return decodeIdentity(req.headers['x-socketio-user']);
  } catch {
    return null;
  }
}

// Everything else is Apache's to serve; a request that gets here outside
// /socket.io/ is a configuration mistake worth a clear answer.
const httpServer = http.createServer((req, res) => {
  res.writeHead(404, { 'Content-Type': 'text/plain' });
  res.end('Not found: this backend only serves /socket.io/\n');
});

const io = new Server(httpServer);

// Every later request of a connection (polls, posts, the upgrade) must be
// from the user who opened it: an Engine.IO sid is in every URL and access
// log, and must not let another signed-in user read or write on it.
io.engine.use(engineGuard(io, {
  onRefuse: (req, { sid }) => log(`refused ${req.method} sid=${sid}: another user (${userOf(req)})`),
}));

// scripts/demo --cluster: the backends behind several httpd servers share
// their events through Redis (examples/chat/cluster/).
if (process.env.CHAT_REDIS_URL) {
  require('./cluster/adapter').attach(io, process.env.CHAT_REDIS_URL, log).catch((err) => {
    log(`cannot share events through Redis: ${err.message}`);
    process.exit(1);
  });
}

io.engine.on('connection', (engineSocket) => {
  log(`engine connection sid=${engineSocket.id} user=${userOf(engineSocket.request)} transport=${engineSocket.transport.name}`);
});

// No identity header: the request did not come through Apache's
// authentication (Apache should never let one through). The client gets
// the message in connect_error.
const authenticate = socketAuth();
io.use((socket, next) => authenticate(socket, (err) => {
  if (err) {
    log(`refused socket ${socket.id} from ${socket.request.socket.remoteAddress || 'the unix socket'}: ${err.message}`);
  }
  next(err);
}));

// Users online, by name: one person with two tabs is one user.
const socketsByUser = new Map();

function announce(name, connected) {
  io.emit('user', { name, currentUsers: socketsByUser.size, connected });
}

io.on('connection', (socket) => {
  const name = socket.data.user;
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

if (SOCKET_PATH) {
  // A socket left by a backend that was killed would make listen fail.
  try {
    if (fs.lstatSync(SOCKET_PATH).isSocket()) {
      fs.unlinkSync(SOCKET_PATH);
    }
  } catch (err) {
    if (err.code !== 'ENOENT') throw err;
  }
  httpServer.listen(SOCKET_PATH, () => {
    // The directory decides who may connect; the socket itself is for
    // its owner and group (httpd's, in the demo).
    fs.chmodSync(SOCKET_PATH, 0o660);
    log(`listening on unix:${SOCKET_PATH}`);
  });
} else {
  httpServer.listen(PORT, HOST, () => {
    log(`listening on http://${HOST}:${PORT}/socket.io/`);
  });
}

function shutdown(signal) {
  log(`${signal}: closing`);
  // A client holding a connection open must not keep us alive.
  setTimeout(() => process.exit(0), 2000).unref();
  io.close(() => process.exit(0));
}
process.on('SIGINT', () => shutdown('SIGINT'));
process.on('SIGTERM', () => shutdown('SIGTERM'));
