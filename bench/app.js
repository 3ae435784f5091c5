'use strict';
// The Socket.IO v4 backend of the benchmarks: one Node process on
// 127.0.0.1, the same application in two modes.
//
//   node app.js edge PORT
//     Behind Apache + mod_socketio_auth: the user comes in the
//     X-Socketio-User header, which the module sets (and scrubs from
//     clients) on every request in scope.  No session code at all.
//
//   BENCH_SECRET=... node app.js passport PORT USERS_FILE
//     The stack mod_socketio_auth replaces: express-session (MemoryStore,
//     key express.sid) + passport (local strategy) for the app's own login
//     route POST /login, and passport.socketio's authorize() as a Socket.IO
//     middleware: it parses the signed cookie with cookie-parser, loads the
//     session from the store and deserializes the passport user.
//     USERS_FILE holds "name:password" lines; the cookie secret comes in
//     the environment, not on the command line that ps shows.
//
// Prints "listening PORT" when ready.
const http = require('http');
const fs = require('fs');
const express = require('express');
const { Server } = require('socket.io');

const [mode, portArg, usersFile] = process.argv.slice(2);
const port = Number(portArg);
const secret = process.env.BENCH_SECRET;
if (!['edge', 'passport'].includes(mode) || !port ||
    (mode === 'passport' && (!secret || !usersFile))) {
  console.error('usage: node app.js edge PORT | BENCH_SECRET=... node app.js passport PORT USERS_FILE');
  process.exit(2);
}

const app = express();
const server = http.createServer(app);
// Heartbeat settings from bench/run: short ones let the Engine.IO sessions
// that the polling runs open, and never use again, expire in seconds.
const io = new Server(server, {
  pingInterval: Number(process.env.BENCH_PING_INTERVAL) || 25000,
  pingTimeout: Number(process.env.BENCH_PING_TIMEOUT) || 20000,
});
let connected = 0;
// Sockets that arrived with a user and without one: bench/run checks that
// the edge really handed the user over.
let withUser = 0;
let withoutUser = 0;

if (mode === 'edge') {
  io.use((socket, next) => {
    socket.data.user = socket.request.headers['x-socketio-user'] || null;
    next();
  });
} else {
  const session = require('express-session');
  const cookieParser = require('cookie-parser');
  const passport = require('passport');
  const LocalStrategy = require('passport-local').Strategy;
  const passportSocketIo = require('passport.socketio');

  // Users in memory: a database round trip would only slow this side down.
  const users = new Map(fs.readFileSync(usersFile, 'utf8').split('\n')
    .filter(Boolean).map((line) => {
      const i = line.indexOf(':');
      return [line.slice(0, i), line.slice(i + 1)];
    }));
  passport.use(new LocalStrategy((username, password, done) => {
    done(null, users.get(username) === password ? { name: username } : false);
  }));
  passport.serializeUser((user, done) => done(null, user.name));
  passport.deserializeUser((name, done) =>
    done(null, users.has(name) ? { name } : false));

  const store = new session.MemoryStore();
  app.use(session({
    key: 'express.sid',
    secret,
    store,
    resave: false,
    saveUninitialized: false,
    cookie: { httpOnly: true, sameSite: 'lax', maxAge: 86400 * 1000 },
  }));
  app.use(passport.initialize());
  app.use(passport.session());
  app.post('/login', express.urlencoded({ extended: false }),
    passport.authenticate('local'),
    (req, res) => res.json({ user: req.user.name }));

  io.use(passportSocketIo.authorize({
    cookieParser,
    key: 'express.sid',
    secret,
    store,
    passport,
  }));
}

io.on('connection', (socket) => {
  connected++;
  const user = mode === 'edge' ? socket.data.user : socket.request.user && socket.request.user.name;
  if (user) withUser++; else withoutUser++;
  socket.on('disconnect', () => { connected--; });
});

app.get('/stats', (req, res) => res.json({ mode, connected, withUser, withoutUser,
  rss: process.memoryUsage().rss }));

server.listen(port, '127.0.0.1', () => console.log(`listening ${port}`));
for (const sig of ['SIGINT', 'SIGTERM']) {
  process.on(sig, () => process.exit(0));
}
