// The chat demo in a real browser (Debian's Chromium, headless), through
// Apache with mod_session_store and mod_socketio_auth. Started by
// tests/browser/run, which runs the stack and passes it in the environment:
//   CHAT_URL, BACKEND_SOCKET, ALICE_PASSWORD, BOB_PASSWORD, EXTRA_PASSWORD
//   (josé, 名前 and "a%2B+b c"), BACKEND_LOG, SCREENSHOT, CHROMIUM.
// The tests run in order and build on each other, like a person would.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, mkdirSync, statSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { dirname } from 'node:path';
import { chromium } from 'playwright-core';

function env(name) {
  const value = process.env[name];
  if (!value) {
    throw new Error(`${name} is not set: run this through tests/browser/run`);
  }
  return value;
}

const CHAT_URL = env('CHAT_URL');
const BACKEND_SOCKET = env('BACKEND_SOCKET');
const PASSWORDS = { alice: env('ALICE_PASSWORD'), bob: env('BOB_PASSWORD') };
const EXTRA_PASSWORD = env('EXTRA_PASSWORD');
const BACKEND_LOG = env('BACKEND_LOG');
const SCREENSHOT = env('SCREENSHOT');
const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';
const COOKIE_NAME = 'express.sid';
const STEP_TIMEOUT = 15000;

function backendLog() {
  return readFileSync(BACKEND_LOG, 'utf8').split('\n').filter(Boolean);
}

function engineConnections(lines) {
  return lines.filter((line) => / chat: (engine connection|refused)/.test(line));
}

// A request straight to the backend's unix socket, as a local process
// that could open it would make it (never through Apache).
function backendRequest(path, { method = 'GET', body } = {}) {
  return new Promise((resolve, reject) => {
    const req = httpRequest({ socketPath: BACKEND_SOCKET, path, method,
      headers: body ? { 'Content-Type': 'text/plain' } : {} }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (c) => { text += c; });
      res.on('end', () => resolve({ status: res.statusCode, body: text }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

async function newPage(browser) {
  const context = await browser.newContext();
  context.setDefaultTimeout(STEP_TIMEOUT);
  const page = await context.newPage();
  return { context, page };
}

// Submits the login form and waits until the browser has followed the
// login handler's 303 to `expected` (path and query).
async function login(page, user, password, expected) {
  await page.goto(`${CHAT_URL}/login.html`);
  await page.fill('#username', user);
  await page.fill('#password', password);
  const [post] = await Promise.all([
    page.waitForResponse((res) => res.request().method() === 'POST'
      && new URL(res.url()).pathname === '/login'),
    page.click('#login-form button[type=submit]'),
  ]);
  assert.equal(post.status(), 303, `POST /login as ${user}`);
  assert.equal(post.headers().location, expected, `POST /login as ${user} redirects`);
  await page.waitForURL((url) => `${url.pathname}${url.search}` === expected);
}

async function sessionCookie(context) {
  return (await context.cookies(CHAT_URL)).find((c) => c.name === COOKIE_NAME);
}

async function waitForText(page, selector, text) {
  await page.locator(selector, { hasText: text }).first().waitFor();
}

// A request as a script would make it (not a navigation): 401 + JSON.
async function handshakeWithCookie(cookieValue, extraHeaders = {}) {
  const res = await fetch(`${CHAT_URL}/socket.io/?EIO=4&transport=polling`, {
    headers: { Cookie: `${COOKIE_NAME}=${cookieValue}`, ...extraHeaders },
  });
  return { status: res.status, body: await res.text() };
}

describe('chat demo in headless Chromium', () => {
  let browser;
  let alice;
  let bob;
  let aliceCookie;
  const aliceSockets = [];

  before(async () => {
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      headless: true,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
        '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    });
  });

  after(async () => {
    if (browser) {
      await browser.close();
    }
  });

  it('sends a browser without a session to the login page, and no socket of it reaches the backend', async () => {
    const before = engineConnections(backendLog()).length;
    const { context, page } = await newPage(browser);
    try {
      const redirects = [];
      page.on('response', (res) => {
        if (res.status() >= 300 && res.status() < 400) {
          redirects.push(`${res.status()} ${new URL(res.url()).pathname} -> ${res.headers().location}`);
        }
      });
      await page.goto(`${CHAT_URL}/chat.html`);
      assert.equal(new URL(page.url()).pathname, '/login.html');
      assert.deepEqual(redirects, ['302 /chat.html -> /login.html']);
      assert.ok(await page.locator('#login-form').isVisible(), 'the login form is shown');
      assert.equal(await page.locator('#messages').count(), 0, 'no chat on the page');

      // Even asked directly, Apache refuses everything under /socket.io/.
      const probes = await page.evaluate(async () => {
        const poll = await fetch('/socket.io/?EIO=4&transport=polling');
        const client = await fetch('/socket.io/socket.io.js');
        const ws = await new Promise((resolve) => {
          const socket = new WebSocket(`ws://${location.host}/socket.io/?EIO=4&transport=websocket`);
          const timer = setTimeout(() => resolve('timeout'), 5000);
          socket.onopen = () => { clearTimeout(timer); socket.close(); resolve('open'); };
          socket.onerror = () => { clearTimeout(timer); resolve('error'); };
        });
        return { poll: poll.status, pollBody: await poll.text(), client: client.status, ws };
      });
      assert.deepEqual(probes, {
        poll: 401, pollBody: '{"message":"No session cookie"}\n', client: 401, ws: 'error',
      });
      assert.equal(await sessionCookie(context), undefined, 'no session cookie was set');
    } finally {
      await context.close();
    }
    assert.equal(engineConnections(backendLog()).length, before,
      'the backend saw no Engine.IO connection or attempt from the anonymous browser');
  });

  it('sends a wrong password back to login.html?error=1 with the error shown', async () => {
    const { context, page } = await newPage(browser);
    try {
      await login(page, 'alice', `${PASSWORDS.alice}-wrong`, '/login.html?error=1');
      const url = new URL(page.url());
      assert.equal(`${url.pathname}${url.search}`, '/login.html?error=1');
      assert.ok(await page.locator('#login-error').isVisible(), 'the error message is visible');
      assert.match(await page.locator('#login-error').innerText(), /Invalid user name or password/);
      assert.equal(await sessionCookie(context), undefined, 'no session cookie after a failed login');

      await login(page, 'mallory', 'whatever', '/login.html?error=1');
      assert.equal(new URL(page.url()).search, '?error=1', 'an unknown user fails the same way');
    } finally {
      await context.close();
    }
  });

  it('logs alice and bob in, in two contexts, and both see "2 users online"', async () => {
    alice = await newPage(browser);
    bob = await newPage(browser);
    alice.page.on('websocket', (ws) => aliceSockets.push(ws.url()));

    await login(alice.page, 'alice', PASSWORDS.alice, '/chat.html');
    assert.equal(new URL(alice.page.url()).pathname, '/chat.html');
    aliceCookie = await sessionCookie(alice.context);
    assert.ok(aliceCookie, 'alice has a session cookie');
    assert.match(aliceCookie.value, /^s%3A[A-Za-z0-9_-]{32}\.[A-Za-z0-9%]+$/);
    assert.equal(aliceCookie.httpOnly, true);
    assert.equal(aliceCookie.sameSite, 'Lax');
    assert.equal(aliceCookie.path, '/');
    await waitForText(alice.page, '#num-users', /^1 user online$/);
    await waitForText(alice.page, '#me', /^Signed in as alice$/);

    await login(bob.page, 'bob', PASSWORDS.bob, '/chat.html');
    assert.equal(new URL(bob.page.url()).pathname, '/chat.html');
    const bobCookie = await sessionCookie(bob.context);
    assert.notEqual(bobCookie.value, aliceCookie.value, 'two sessions, two cookies');

    await waitForText(alice.page, '#num-users', /^2 users online$/);
    await waitForText(bob.page, '#num-users', /^2 users online$/);
    await waitForText(alice.page, '#messages li.system', /^bob has joined the chat$/);
    await waitForText(bob.page, '#messages li.system', /^bob has joined the chat$/);

    const connected = backendLog().filter((l) => / chat: connect user=/.test(l));
    assert.deepEqual(connected.map((l) => l.match(/user=(\S+)/)[1]), ['alice', 'bob'],
      'the backend named the sockets from Apache\'s header');
  });

  it('delivers alice\'s message to bob under alice\'s name, over a WebSocket through Apache', async () => {
    const text = `hello bob, it is ${Date.now()}`;
    await alice.page.fill('#m', text);
    await alice.page.press('#m', 'Enter');
    const onBob = bob.page.locator('#messages li.message', { hasText: text });
    await onBob.waitFor();
    assert.equal(await onBob.locator('.name').innerText(), 'alice');
    assert.equal(await onBob.locator('.name + span').innerText(), text);
    await alice.page.locator('#messages li.message', { hasText: text }).waitFor();

    await bob.page.fill('#m', 'hi alice!');
    await bob.page.click('#send-form button');
    const onAlice = alice.page.locator('#messages li.message', { hasText: 'hi alice!' });
    await onAlice.waitFor();
    assert.equal(await onAlice.locator('.name').innerText(), 'bob');

    // socket.io-client upgrades from polling; the upgrade went through the
    // proxy (ProxyPass ... upgrade=websocket) behind AuthType SocketIO.
    assert.ok(aliceSockets.some((u) => /\/socket\.io\/\?EIO=4&transport=websocket&sid=/.test(u)),
      `alice's page opened a WebSocket: ${JSON.stringify(aliceSockets)}`);

    mkdirSync(dirname(SCREENSHOT), { recursive: true });
    await bob.page.screenshot({ path: SCREENSHOT });
  });

  it('gives the backend the session\'s user even when the client claims another name', async () => {
    const res = await handshakeWithCookie(aliceCookie.value, {
      'X-Socketio-User': 'bob', 'x_socketio_user': 'mallory', 'X-SOCKETIO-USER': 'eve',
    });
    assert.equal(res.status, 200, res.body);
    const sid = JSON.parse(res.body.slice(1)).sid;
    const line = backendLog().find((l) => l.includes(`engine connection sid=${sid} `));
    assert.ok(line, `the backend logged the handshake ${sid}`);
    assert.match(line, / user=alice /);
  });

  it('runs the backend on a unix socket only httpd may open; one without the header is refused there', async () => {
    const dir = statSync(dirname(BACKEND_SOCKET));
    assert.equal(dir.mode & 0o007, 0, 'other users cannot enter the socket\'s directory');
    assert.ok(statSync(BACKEND_SOCKET).isSocket());

    // A process that can open it (we started it) and sends no identity:
    // the Engine.IO handshake works, the Socket.IO connect is refused with
    // the message socket.io-client shows in connect_error.
    const open = await backendRequest('/socket.io/?EIO=4&transport=polling');
    assert.equal(open.status, 200);
    const sid = JSON.parse(open.body.slice(1)).sid;
    const path = `/socket.io/?EIO=4&transport=polling&sid=${encodeURIComponent(sid)}`;
    assert.equal((await backendRequest(path, { method: 'POST', body: '40' })).status, 200);
    const answer = await backendRequest(path);
    assert.equal(answer.body, '44{"message":"Not authenticated","data":{"status":401}}');
    assert.ok(backendLog().some((l) => / chat: refused socket \S+ from the unix socket: Not authenticated$/.test(l)));
  });

  it('carries names beyond ASCII intact: login form, Apache, socket.data.user, the page', async () => {
    for (const name of ['josé', '名前', 'a%2B+b c']) {
      const { context, page } = await newPage(browser);
      try {
        await login(page, name, EXTRA_PASSWORD, '/chat.html');
        await waitForText(page, '#messages li.system', `${name} has joined the chat`);
        await page.fill('#m', `hello from ${name}`);
        await page.press('#m', 'Enter');
        const mine = page.locator('#messages li.message', { hasText: `hello from ${name}` });
        await mine.waitFor();
        assert.equal(await mine.locator('.name').innerText(), name);
        assert.ok(backendLog().some((l) => l.includes(` chat: connect user=${name} socket=`)),
          `the backend named the socket ${name}`);
      } finally {
        await context.close();
      }
    }
  });

  it('connects polling-only and WebSocket-only clients through the unix socket', async () => {
    const results = await alice.page.evaluate(() => Promise.all([['polling'], ['websocket']].map(
      (transports) => new Promise((resolve, reject) => {
        const s = io({ transports, forceNew: true, reconnection: false });
        s.on('connect_error', (err) => reject(new Error(`${transports}: ${err.message}`)));
        s.on('chat message', (m) => {
          if (m.message === `via ${transports}`) {
            resolve({ transport: s.io.engine.transport.name, name: m.name });
            s.close();
          }
        });
        s.on('connect', () => s.emit('chat message', `via ${transports}`));
      }),
    )));
    assert.deepEqual(results, [{ transport: 'polling', name: 'alice' }, { transport: 'websocket', name: 'alice' }]);
  });

  it('shows why a session was refused, stops reconnecting, and resumes after a new login in another tab', async () => {
    const other = await alice.context.newPage();
    try {
      // Logged out from another tab (the browser drops the cookie): the
      // open WebSocket lives on, so make the connection drop (as a network
      // blip or a backend restart would) and let socket.io reconnect into
      // Apache's refusal.
      await other.goto(`${CHAT_URL}/logout`);
      assert.equal(new URL(other.url()).pathname, '/login.html');
      await alice.page.evaluate(() => window.chat.socket.io.engine.close());
      await waitForText(alice.page, '#status', /^Signed out: No session cookie\. Sign in again$/);
      assert.equal(await alice.page.locator('#status a').getAttribute('href'), '/login.html');
      assert.ok(await alice.page.locator('#m').isDisabled(), 'no typing into a chat that is gone');
      await alice.page.screenshot({ path: SCREENSHOT.replace(/\.png$/, '-refused.png') });
      assert.deepEqual(await alice.page.evaluate(() => [window.chat.watch.state, window.chat.socket.active]),
        ['refused', false]);

      const attempts = [];
      const onRequest = (req) => {
        if (new URL(req.url()).pathname.startsWith('/socket.io/')) attempts.push(req.url());
      };
      alice.page.on('request', onRequest);
      await alice.page.waitForTimeout(3000);  // socket.io alone retries within 1 to 5 s
      alice.page.off('request', onRequest);
      assert.deepEqual(attempts, [], 'no reconnection while the session is gone');

      // A WebSocket-only client gets no status from the browser: the
      // helper asks the whoami handler, or without one gives a generic reason.
      const wsOnly = await alice.page.evaluate(async () => {
        const whoami = (await fetch('/whoami')).status;
        const refusal = await new Promise((resolve) => {
          const s = io({ transports: ['websocket'], forceNew: true });
          const w = SocketioAuthEdge.watchSession(s, { channel: null });
          w.on('refused', (r) => { w.stop(); s.close(); resolve(r); });
        });
        return { whoami, refusal };
      });
      assert.deepEqual(wsOnly.refusal, wsOnly.whoami === 404
        ? { reason: 'The server refused the connection', status: undefined, source: 'handshake' }
        : { reason: 'No session cookie', status: 401, source: 'handshake' });

      // Signing in again in the other tab brings this one back.
      await login(other, 'alice', PASSWORDS.alice, '/chat.html');
      await waitForText(alice.page, '#messages li.system', /^Signed in again: reconnected$/);
    await waitForText(alice.page, '#me', /^Signed in as alice$/);
      assert.ok(await alice.page.locator('#status').isHidden());
      assert.equal(await alice.page.evaluate(() => window.chat.watch.state), 'connected');
      await alice.page.fill('#m', 'back again');
      await alice.page.press('#m', 'Enter');
      await bob.page.locator('#messages li.message', { hasText: 'back again' }).waitFor();
    } finally {
      await other.close();
    }
    aliceCookie = await sessionCookie(alice.context);
  });

  it('ends the session on logout: login page, bob sees alice leave, the old cookie is refused', async () => {
    await Promise.all([
      alice.page.waitForURL((url) => url.pathname === '/login.html'),
      alice.page.click('#logout'),
    ]);
    assert.equal(await sessionCookie(alice.context), undefined, 'the browser dropped the cookie');
    await waitForText(bob.page, '#messages li.system', /^alice has left the chat$/);
    await waitForText(bob.page, '#num-users', /^1 user online$/);

    await alice.page.goto(`${CHAT_URL}/chat.html`);
    assert.equal(new URL(alice.page.url()).pathname, '/login.html', 'chat.html leads to the login page again');

    // The session is gone from the store, not only from the browser.
    const replay = await handshakeWithCookie(aliceCookie.value);
    assert.equal(replay.status, 401);
    assert.equal(replay.body, '{"message":"No session found"}\n');

    await alice.page.reload();
    assert.equal(new URL(alice.page.url()).pathname, '/login.html');
    await bob.context.close();
    await alice.context.close();
  });
});
