// The cluster demo in headless Chromium: two Apache servers sharing their
// sessions through one Redis, each with its own chat backend, the
// backends sharing events through Socket.IO's Redis adapter.  alice logs
// in on server A and bob on server B, and they chat; alice's login is
// valid on B too, and her logout on B ends it on A.  Started by
// tests/browser/run-cluster, which passes URL_A, URL_B, ALICE_PASSWORD,
// BOB_PASSWORD, SCREENSHOT and CHROMIUM.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { chromium } from 'playwright-core';

function env(name) {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set: run this through tests/browser/run-cluster`);
  return value;
}

const URL_A = env('URL_A');
const URL_B = env('URL_B');
const PASSWORDS = { alice: env('ALICE_PASSWORD'), bob: env('BOB_PASSWORD') };
const STEP_TIMEOUT = 15000;

async function loginAt(browser, base, user) {
  const context = await browser.newContext();
  context.setDefaultTimeout(STEP_TIMEOUT);
  const page = await context.newPage();
  await page.goto(`${base}/login.html`);
  await page.fill('#username', user);
  await page.fill('#password', PASSWORDS[user]);
  await Promise.all([
    page.waitForURL((url) => url.pathname === '/chat.html'),
    page.click('#login-form button[type=submit]'),
  ]);
  return { context, page };
}

const joined = (page, name) => page.locator('#messages li.system', { hasText: `${name} has joined the chat` })
  .first().waitFor();

describe('the cluster demo: two servers, one Redis', () => {
  let browser;
  let alice;
  let bob;

  before(async () => {
    browser = await chromium.launch({
      executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
      headless: true,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
        '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    });
  });

  after(async () => {
    if (browser) await browser.close();
  });

  it('alice on server A and bob on server B chat with each other', async () => {
    alice = await loginAt(browser, URL_A, 'alice');
    await joined(alice.page, 'alice');
    bob = await loginAt(browser, URL_B, 'bob');
    await joined(bob.page, 'bob');
    await joined(alice.page, 'bob');

    await alice.page.fill('#m', 'hello bob, from server A');
    await alice.page.press('#m', 'Enter');
    await bob.page.locator('#messages li.message', { hasText: 'hello bob, from server A' }).waitFor();
    await bob.page.fill('#m', 'hi alice, from server B');
    await bob.page.press('#m', 'Enter');
    const onAlice = alice.page.locator('#messages li.message', { hasText: 'hi alice, from server B' });
    await onAlice.waitFor();
    assert.equal(await onAlice.locator('b.name').textContent(), 'bob', 'bob\'s name, set by Apache B');
    await bob.page.screenshot({ path: env('SCREENSHOT') });
  });

  it('alice\'s session from server A is valid on server B', async () => {
    const cookies = await alice.context.cookies(URL_A);
    const sid = cookies.find((c) => c.name === 'express.sid');
    assert.ok(sid, 'alice has the session cookie of A');
    const res = await fetch(`${URL_B}/socket.io/?EIO=4&transport=polling`,
      { headers: { Cookie: `express.sid=${sid.value}` } });
    assert.equal(res.status, 200, 'B accepts the handshake');
    const logout = await fetch(`${URL_B}/logout`,
      { headers: { Cookie: `express.sid=${sid.value}`, Accept: 'application/json' }, redirect: 'manual' });
    assert.ok([200, 303].includes(logout.status), `logout on B: ${logout.status}`);
    const again = await fetch(`${URL_A}/socket.io/?EIO=4&transport=polling`,
      { headers: { Cookie: `express.sid=${sid.value}` } });
    assert.equal(again.status, 401, 'A refuses it after the logout on B');
  });
});
