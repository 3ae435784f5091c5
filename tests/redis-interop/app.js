'use strict';
// An ordinary express app, as people write them: express-session with
// connect-redis, passport-local, and socket.io on the same server. The only
// thing it does for Apache is the documented serializeUser contract: the
// user name, as a string, at passport.user. Its sockets are authenticated
// by Apache (mod_socketio_auth reads the same sessions in Redis), so the
// socket.io side only reads the X-Socketio-User header.
//
// Environment: PORT, REDIS_URL (redis://:password@127.0.0.1:port),
// SESSION_SECRET, SESSION_IDLE_MS.
//
// Routes (behind Apache under /app/, and directly):
//   POST /app/login   username, password (passport-local)
//   POST /app/logout  passport's logout (regenerates, destroys the old id)
//   GET  /app/me      {"user": name or null}: what express-session + passport see
//   GET  /app/count   {"sessions": n}: connect-redis's length() (a SCAN of sess:*)

const http = require('node:http');
const express = require('express');
const session = require('express-session');
const { RedisStore } = require('connect-redis');
const { createClient } = require('redis');
const passport = require('passport');
const LocalStrategy = require('passport-local').Strategy;
const { Server } = require('socket.io');

const PORT = Number(process.env.PORT);
const USERS = { alice: 'wonderland', bob: 'builder' };

async function main() {
  const redis = createClient({ url: process.env.REDIS_URL });
  redis.on('error', (err) => console.error(`redis: ${err.message}`));
  await redis.connect();

  passport.use(new LocalStrategy((username, password, done) => {
    done(null, USERS[username] === password ? { username } : false);
  }));
  // The contract with Apache: the name, as a string, at passport.user.
  passport.serializeUser((user, done) => done(null, user.username));
  passport.deserializeUser((name, done) => done(null, USERS[name] ? { username: name } : false));

  const store = new RedisStore({ client: redis, prefix: 'sess:' });
  const app = express();
  app.use(express.urlencoded({ extended: false }));
  app.use(session({
    store,
    secret: process.env.SESSION_SECRET,
    name: 'express.sid',
    resave: false,
    saveUninitialized: false,
    cookie: { maxAge: Number(process.env.SESSION_IDLE_MS), httpOnly: true, sameSite: 'lax' },
  }));
  app.use(passport.session());

  app.post('/app/login', passport.authenticate('local', { failWithError: true }),
    (req, res) => res.json({ user: req.user.username }),
    (err, req, res, next) => res.status(401).json({ message: 'Invalid user name or password' }));
  app.post('/app/logout', (req, res, next) => {
    req.logout((err) => (err ? next(err) : res.json({ message: 'Logged out' })));
  });
  app.get('/app/me', (req, res) => res.json({ user: req.user ? req.user.username : null }));
  app.get('/app/count', (req, res, next) => {
    store.length((err, n) => (err ? next(err) : res.json({ sessions: n })));
  });

  const server = http.createServer(app);
  const io = new Server(server);
  io.on('connection', (socket) => {
    const user = socket.handshake.headers['x-socketio-user'];
    if (!user) {
      socket.disconnect(true);
      return;
    }
    socket.emit('whoami', user);
  });
  server.listen(PORT, '127.0.0.1', () => console.log(`app on 127.0.0.1:${PORT}`));
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
