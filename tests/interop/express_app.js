'use strict';
// An app with the real express-session middleware (and through it npm
// cookie and cookie-signature), behind Apache in the interop test, to ask
// which session express-session picks from the Cookie header it is sent.
//
// Its store knows every session id: whatever id express-session asks for
// is "found", and the app answers it.  So the answer is exactly the id
// express-session read from the cookie (after parsing, decoding and
// checking the signature), or null when it read none it could verify.
// Apache's pick rides along in X-Socketio-User when the request came
// through an AuthType SocketIO scope.
//
// Usage: PORT=nnnn SECRETS='["first","older"]' node express_app.js

const http = require('node:http');
const session = require('express-session');

const port = Number(process.env.PORT);
const secrets = JSON.parse(process.env.SECRETS || 'null');
if (!Number.isInteger(port) || port <= 0 || !Array.isArray(secrets)) {
  console.error('express_app: set PORT and SECRETS');
  process.exit(2);
}

class EveryIdStore extends session.Store {
  get(sid, cb) {
    cb(null, { cookie: { originalMaxAge: null }, readFromCookie: sid });
  }

  set(sid, sess, cb) {
    cb();
  }

  destroy(sid, cb) {
    cb();
  }
}

const middleware = session({
  name: 'express.sid',
  secret: secrets,
  store: new EveryIdStore(),
  resave: false,
  saveUninitialized: false,
});

const server = http.createServer((req, res) => {
  middleware(req, res, (err) => {
    if (err) {
      res.writeHead(500, { 'Content-Type': 'application/json' });
      res.end(JSON.stringify({ error: String(err) }));
      return;
    }
    res.writeHead(200, { 'Content-Type': 'application/json' });
    res.end(JSON.stringify({
      sid: req.session.readFromCookie ?? null,
      apacheUser: req.headers['x-socketio-user'] ?? null,
      cookie: req.headers.cookie ?? null,
    }));
  });
});

server.listen(port, '127.0.0.1', () => {
  console.log(`express_app: express-session ${require('express-session/package.json').version} on 127.0.0.1:${port}`);
});

function shutdown() {
  server.close(() => process.exit(0));
  setTimeout(() => process.exit(0), 1000).unref();
}
process.on('SIGTERM', shutdown);
process.on('SIGINT', shutdown);
