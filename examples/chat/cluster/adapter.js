'use strict';
// scripts/demo --cluster: several chat backends (one behind each httpd)
// share their events through Redis with Socket.IO's Redis adapter, so that
// alice on one server and bob on another are in one chat.  Loaded by
// server.js only when CHAT_REDIS_URL is set; its packages are in this
// directory's own package.json, so the plain demo does not need them.
const { createClient } = require('redis');
const { createAdapter } = require('@socket.io/redis-adapter');

async function attach(io, url, log) {
  const pub = createClient({ url });
  const sub = pub.duplicate();
  for (const client of [pub, sub]) {
    client.on('error', (err) => log(`redis: ${err.message}`));
  }
  await Promise.all([pub.connect(), sub.connect()]);
  io.adapter(createAdapter(pub, sub, { key: 'chat-demo' }));
  log('sharing events through Redis (@socket.io/redis-adapter)');
}

module.exports = { attach };
