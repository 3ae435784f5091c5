'use strict';
// Apache and express-session pick the same session from the same Cookie
// header (issue #10, item 12): a table of tricky headers, each sent as
// raw bytes through Apache to a real express-session app (express_app.js)
// once outside any scope (express-session's pick) and once through an
// AuthType SocketIO scope (Apache's pick, and express-session's on the
// very header Apache forwarded).  Started by ./run, which provides:
//   SIO_BASE         http://127.0.0.1:PORT of Apache
//   SIO_SECRET       the secret that signs

const test = require('node:test');
const assert = require('node:assert/strict');
const net = require('node:net');
const signature = require('cookie-signature');

const { env, login } = require('./helpers');

const BASE = new URL(env('SIO_BASE'));
const SECRET = env('SIO_SECRET');
const COOKIE = 'express.sid';

// One GET with exactly these Cookie header lines, as bytes; resolves
// { status, body }.
function rawGet(path, cookieLines) {
  return new Promise((resolve, reject) => {
    const sock = net.connect(Number(BASE.port), BASE.hostname);
    let data = Buffer.alloc(0);
    sock.setTimeout(10000, () => sock.destroy(new Error(`timeout on ${path}`)));
    sock.on('data', (d) => { data = Buffer.concat([data, d]); });
    sock.on('error', reject);
    sock.on('end', () => {
      const text = data.toString('latin1');
      const head = text.slice(0, text.indexOf('\r\n\r\n'));
      let body = text.slice(head.length + 4);
      if (/^transfer-encoding:\s*chunked/im.test(head)) {
        let out = '';
        for (let rest = body; ;) {
          const nl = rest.indexOf('\r\n');
          const n = parseInt(rest.slice(0, nl), 16);
          if (!n) break;
          out += rest.slice(nl + 2, nl + 2 + n);
          rest = rest.slice(nl + 4 + n);
        }
        body = out;
      }
      resolve({ status: Number(head.split(' ')[1]), body });
    });
    const lines = [`GET ${path} HTTP/1.1`, `Host: ${BASE.host}`,
                   ...cookieLines.map((c) => `Cookie: ${c}`), 'Connection: close', '', ''];
    sock.end(Buffer.from(lines.join('\r\n'), 'latin1'));
  });
}

test('Apache and express-session pick the same session on tricky Cookie headers', async (t) => {
  // The values, as on the wire.
  const A = (await login(BASE.origin, 'alice', 'wonderland')).slice(COOKIE.length + 1);
  const B = (await login(BASE.origin, 'bob', 'builder')).slice(COOKIE.length + 1);
  const userOfSid = new Map();
  for (const [value, user] of [[A, 'alice'], [B, 'bob']]) {
    userOfSid.set(signature.unsign(decodeURIComponent(value).slice(2), SECRET), user);
  }
  const raw = decodeURIComponent(A);                    // s:<id>.<sig>
  const lower = A.replace(/%[0-9A-F]{2}/g, (e) => e.toLowerCase());
  const withOverlong = A.replace('s%3A', 's%3A%C0%AE');

  // [what, Cookie header line(s), the session both must pick]
  const table = [
    ['the cookie alone', [`${COOKIE}=${A}`], 'alice'],
    ["a ',' is not a separator (the issue's example)", [`a=1,${COOKIE}=${A}; ${COOKIE}=${B}`], 'bob'],
    ["two pairs joined by ','", [`${COOKIE}=${A}, ${COOKIE}=${B}`], null],
    ['the first of two wins', [`${COOKIE}=${B}; ${COOKIE}=${A}`], 'bob'],
    ['no space after ;', [`${COOKIE}=${A};${COOKIE}=${B}`], 'alice'],
    ['spaces around the name and the =', [`  ${COOKIE}  =  ${A}  ; x=1`], 'alice'],
    ['TABs around the value', [`${COOKIE}=\t${A}\t; x=1`], 'alice'],
    ['a quoted value', [`${COOKIE}="${A}"`], 'alice'],
    ['an opening quote only', [`${COOKIE}="${A}`], null],
    ['a closing quote only', [`${COOKIE}=${A}"`], null],
    ['empty quotes first', [`${COOKIE}=""; ${COOKIE}=${A}`], null],
    ['a lone quote first', [`${COOKIE}="; ${COOKIE}=${A}`], null],
    ['an empty value first', [`${COOKIE}=; ${COOKIE}=${A}`], null],
    ['junk first', [`${COOKIE}=junk; ${COOKIE}=${A}`], null],
    ['the name in capitals first', [`EXPRESS.SID=${A}; ${COOKIE}=${B}`], 'bob'],
    ['the name quoted first', [`"${COOKIE}"=${A}; ${COOKIE}=${B}`], 'bob'],
    ['a space inside the name first', [`express .sid=${A}; ${COOKIE}=${B}`], 'bob'],
    ['a pair without = first', [`${COOKIE}; ${COOKIE}=${A}`], 'alice'],
    ['pairs without = and empty pairs', [`foo; ;; bar; ${COOKIE}=${B}`], 'bob'],
    ['an empty name first', [`=${A}; ${COOKIE}=${B}`], 'bob'],
    ['a value with =', [`x=y=z; ${COOKIE}=${B}`], 'bob'],
    ['a , after the value', [`${COOKIE}=${A},b=1`], null],
    ['a leading , before the name', [`,${COOKIE}=${A}; ${COOKIE}=${B}`], 'bob'],
    ['not percent-encoded', [`${COOKIE}=${raw}`], 'alice'],
    ['lower-case escapes', [`${COOKIE}=${lower}`], 'alice'],
    ['a dangling % (not decoded, so no s:)', [`${COOKIE}=${A}%`], null],
    ['overlong UTF-8 (not decoded, so no s:)', [`${COOKIE}=${withOverlong}`], null],
    // httpd joins repeated headers with ", ": both read the joined line.
    ['two Cookie headers, another cookie first', ['a=1', `${COOKIE}=${A}`], null],
    ['two Cookie headers, the session in both', [`${COOKIE}=${A}`, `${COOKIE}=${B}`], null],
    ['two Cookie headers, the session first', [`${COOKIE}=${A}`, 'a=1'], null],
  ];
  assert.ok(table.length >= 20);

  for (const [what, lines, want] of table) {
    await t.test(what, async () => {
      // express-session alone, outside any scope.
      const open = await rawGet('/express/open/whoami', lines);
      assert.equal(open.status, 200, open.body);
      const express = JSON.parse(open.body);
      const expressUser = express.sid === null ? null : userOfSid.get(express.sid) ?? `unknown ${express.sid}`;

      // Apache's pick, and express-session's on what Apache forwarded.
      const auth = await rawGet('/express/auth/whoami', lines);
      let apacheUser = null;
      if (auth.status === 200) {
        const seen = JSON.parse(auth.body);
        apacheUser = seen.apacheUser;
        const behind = seen.sid === null ? null : userOfSid.get(seen.sid) ?? `unknown ${seen.sid}`;
        assert.equal(behind, apacheUser, 'express-session behind the scope picks another session');
      }
      else {
        assert.equal(auth.status, 401, auth.body);
      }
      assert.equal(expressUser, want, `express-session picks ${expressUser}`);
      assert.equal(apacheUser, want, `Apache picks ${apacheUser}`);
    });
  }
});
