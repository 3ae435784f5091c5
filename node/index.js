'use strict';
// socketio-auth-edge: the Node side of mod_socketio_auth.
//
// Apache (mod_session_store + mod_socketio_auth) checks the session cookie
// of every Socket.IO request and hands the user to the app in one request
// header, X-Socketio-User, after removing any copy the client sent.  This
// module reads that header the same way everywhere:
//
//   io.engine.use(engineGuard(io));  // a socket's later requests: same user
//   io.use(socketAuth());            // socket.data.user, or connect_error
//   app.use(requestUser());          // req.user = { username } for express
//
// The header's value is the name itself when it is printable ASCII, else
// an RFC 8187 ext-value, UTF-8''<percent-encoded UTF-8> (see README.md and
// core/identity_header.h in the repository): decodeIdentity reads both.

const { ServerResponse } = require('node:http');

const DEFAULT_HEADER = 'x-socketio-user';
const FLAG = "UTF-8''";
// RFC 8187 attr-char, and %XX: all an encoded value may hold after the flag.
const ENCODED = /^UTF-8''(?:[A-Za-z0-9!#$&+\-.^_`|~]|%[0-9A-F]{2})*$/;
const LOOKS_ENCODED = /^utf-8'/i;
const PLAIN = /^[\x20-\x7e]*$/;
const CONTROL = /[\x00-\x1f\x7f]/;

const NOT_AUTHENTICATED = 'Not authenticated';
const MALFORMED = 'Malformed identity header';
const OTHER_USER = 'This connection belongs to another user';

// The name a header value carries; null when there is none (no header, or
// an empty one).  Throws a TypeError for a value that is not in the format
// (a forged header, or a module that does not encode).
function decodeIdentity(value) {
  if (value === undefined || value === null || value === '') {
    return null;
  }
  if (typeof value !== 'string') {
    throw new TypeError(`${MALFORMED}: not a single value`);
  }
  if (!LOOKS_ENCODED.test(value)) {
    // Node reads header bytes as Latin-1: anything beyond ASCII here was
    // not written by the module, which encodes such names.
    if (!PLAIN.test(value) || value.trim() !== value) {
      throw new TypeError(`${MALFORMED}: raw bytes outside printable ASCII`);
    }
    return value;
  }
  if (!ENCODED.test(value)) {
    throw new TypeError(`${MALFORMED}: not an RFC 8187 UTF-8 value`);
  }
  let name;
  try {
    name = decodeURIComponent(value.slice(FLAG.length));
  } catch {
    throw new TypeError(`${MALFORMED}: not UTF-8`);
  }
  if (name === '' || CONTROL.test(name)) {
    throw new TypeError(`${MALFORMED}: empty, or control characters`);
  }
  return name;
}

const ATTR_CHAR = /[A-Za-z0-9!#$&+\-.^_`|~]/;

// The header value mod_socketio_auth sends for a name (the same bytes as
// core/identity_header.c), for tests and for other front ends.
function encodeIdentity(name) {
  if (typeof name !== 'string') {
    throw new TypeError('encodeIdentity: the name must be a string');
  }
  if (PLAIN.test(name) && name.trim() === name && !LOOKS_ENCODED.test(name)) {
    return name;
  }
  let out = FLAG;
  for (const byte of Buffer.from(name, 'utf8')) {
    const c = String.fromCharCode(byte);
    out += byte < 0x80 && ATTR_CHAR.test(c)
      ? c : `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return out;
}

function headerName(options) {
  const name = (options && options.header) || DEFAULT_HEADER;
  if (typeof name !== 'string' || !/^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/.test(name)) {
    throw new TypeError(`socketio-auth-edge: '${name}' is not a header name`);
  }
  return name.toLowerCase();
}

// { user } or { reason, status } for a request's headers.
function identityOf(headers, header) {
  let user;
  try {
    user = decodeIdentity(headers[header]);
  } catch (err) {
    return { reason: MALFORMED, status: 400, detail: err.message };
  }
  return user === null ? { reason: NOT_AUTHENTICATED, status: 401 } : { user };
}

// io.use(socketAuth()): the user on socket.data.user, where the Redis
// adapter and fetchSockets() carry it; a socket without one is refused
// with an Error whose message the client gets in connect_error.
function socketAuth(options) {
  const header = headerName(options);
  return function socketioAuthEdge(socket, next) {
    const id = identityOf(socket.request.headers, header);
    if (id.reason) {
      const err = new Error(id.reason);
      err.data = { status: id.status };
      next(err);
      return;
    }
    socket.data.user = id.user;
    next();
  };
}

function sidOf(req) {
  if (req._query && typeof req._query === 'object') {
    return req._query.sid;
  }
  return new URL(req.url, 'http://engine.invalid').searchParams.get('sid');
}

function refuseRequest(req, res, message) {
  const body = JSON.stringify({ message });
  if (res instanceof ServerResponse) {
    res.writeHead(403, {
      'Content-Type': 'application/json',
      'Content-Length': Buffer.byteLength(body),
      'Cache-Control': 'no-store',
    });
    res.end(body);
    return;
  }
  // An upgrade: Engine.IO hands middlewares a stand-in whose writeHead()
  // writes nothing, so answer on the connection itself.
  const { socket } = req;
  if (socket.writable) {
    socket.end('HTTP/1.1 403 Forbidden\r\nConnection: close\r\n'
      + 'Content-Type: application/json\r\nCache-Control: no-store\r\n'
      + `Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`);
  } else {
    socket.destroy();
  }
}

// io.engine.use(engineGuard(io)): every later request of an Engine.IO
// socket (polls, posts, the WebSocket upgrade) must carry the identity
// the socket was opened with.  The sid is no secret (it is in URLs and
// access logs): without this, a signed-in user who learns another user's
// sid could read and write on that user's socket with their own cookie.
// Install it before the server accepts connections.
function engineGuard(ioOrEngine, options) {
  const engine = ioOrEngine && (ioOrEngine.engine || ioOrEngine);
  if (!engine || typeof engine.on !== 'function') {
    throw new TypeError('engineGuard(io): pass the Socket.IO server, or io.engine');
  }
  const header = headerName(options);
  const onRefuse = options && options.onRefuse;
  const opened = new Map();     // sid -> the identity header it was opened with

  engine.on('connection', (socket) => {
    opened.set(socket.id, socket.request.headers[header]);
    socket.once('close', () => opened.delete(socket.id));
  });

  return function socketioAuthEdgeGuard(req, res, next) {
    const sid = sidOf(req);
    if (!sid || !opened.has(sid) || opened.get(sid) === req.headers[header]) {
      next();     // a handshake, the same user, or a sid Engine.IO refuses
      return;
    }
    if (typeof onRefuse === 'function') {
      onRefuse(req, { sid, reason: OTHER_USER });
    }
    refuseRequest(req, res, OTHER_USER);
  };
}

// app.use(requestUser()) (or io.engine.use(requestUser())): req.user =
// { username }, the shape passport-local gave, for the app's own routes
// behind AuthType SocketIO.  Without the header the answer is 401 JSON (400
// for a malformed one); with { required: false } nothing is refused and
// req.user stays unset (so socketAuth() can answer for sockets).
function requestUser(options) {
  const header = headerName(options);
  const required = !(options && options.required === false);
  return function socketioAuthEdgeUser(req, res, next) {
    const id = identityOf(req.headers, header);
    if (id.user !== undefined) {
      req.user = { username: id.user };
      next();
      return;
    }
    if (!required) {
      next();
      return;
    }
    const body = JSON.stringify({ message: id.reason });
    res.writeHead(id.status, {
      'Content-Type': 'application/json',
      'Content-Length': Buffer.byteLength(body),
      'Cache-Control': 'no-store',
    });
    res.end(body);
  };
}

module.exports = {
  DEFAULT_HEADER,
  decodeIdentity,
  encodeIdentity,
  socketAuth,
  engineGuard,
  requestUser,
};
