'use strict';
// Log in once through a login form and print the session cookie as
// "name=value", ready for a Cookie header.
//
//   node login.js URL COOKIE_NAME user=NAME pass=SECRET [field=value ...]
//
// The form is posted as application/x-www-form-urlencoded with the given
// fields (their names are the caller's: username/password for
// mod_session_store and the passport app, httpd_username/httpd_password for
// mod_auth_form).  Fails unless the answer is a 2xx or 3xx that sets the
// cookie.
const http = require('http');

const [url, cookieName, ...fields] = process.argv.slice(2);
if (!url || !cookieName || fields.length === 0) {
  console.error('usage: node login.js URL COOKIE_NAME field=value ...');
  process.exit(2);
}
const body = new URLSearchParams(fields.map((f) => {
  const i = f.indexOf('=');
  return [f.slice(0, i), f.slice(i + 1)];
})).toString();

const req = http.request(url, {
  method: 'POST',
  headers: {
    'Content-Type': 'application/x-www-form-urlencoded',
    'Content-Length': Buffer.byteLength(body),
    Accept: 'application/json',
  },
  timeout: 10000,
}, (res) => {
  res.resume();
  const cookies = res.headers['set-cookie'] || [];
  const mine = cookies.map((c) => c.split(';')[0])
    .find((c) => c.startsWith(`${cookieName}=`) && c.length > cookieName.length + 1);
  if (res.statusCode >= 400 || !mine) {
    console.error(`login.js: ${url} answered ${res.statusCode} ` +
      `without a ${cookieName} cookie (Set-Cookie: ${JSON.stringify(cookies)})`);
    process.exit(1);
  }
  console.log(mine);
});
req.on('timeout', () => req.destroy(new Error('timed out')));
req.on('error', (err) => {
  console.error(`login.js: ${url}: ${err.message}`);
  process.exit(1);
});
req.end(body);
