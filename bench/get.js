'use strict';
// GET a URL and print the body; fails on a non-2xx answer or after 10 s.
//   node get.js URL
const http = require('http');

const url = process.argv[2];
if (!url) {
  console.error('usage: node get.js URL');
  process.exit(2);
}
http.get(url, { timeout: 10000, headers: { Accept: 'application/json' } }, (res) => {
  let body = '';
  res.setEncoding('utf8');
  res.on('data', (d) => { body += d; });
  res.on('end', () => {
    if (res.statusCode < 200 || res.statusCode > 299) {
      console.error(`get.js: ${url} answered ${res.statusCode}: ${body}`);
      process.exit(1);
    }
    process.stdout.write(body.endsWith('\n') ? body : `${body}\n`);
  });
}).on('timeout', function onTimeout() { this.destroy(new Error('timed out')); })
  .on('error', (err) => {
    console.error(`get.js: ${url}: ${err.message}`);
    process.exit(1);
  });
