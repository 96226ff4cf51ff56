// Connecting LinkedIn without dead ends: a popup closed by hand or a
// consent denied says so at once and offers Connect again; a connected
// seller sees who they are connected as and can disconnect (after one
// inline confirmation); an expired widget session is renewed through
// embed.js's context callback without a reload, and without embed.js the
// widget says one thing: reload the page. Real headless Chromium against
// the real binary, its LinkedIn stand-in and its demo CRM. The tests run
// in order and share one server.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startProduct, wireRecord } from './lib/product.mjs';
import { launch, watchConsole, shot } from './lib/browser.mjs';

let product, browser, matched, seller;

before(async () => {
  product = await startProduct();
  browser = await launch();
  matched = (await product.records('demo')).filter(r => r.expected === 'matched');
  assert.ok(matched.length >= 2, 'the stand-in seeds fewer than two matched records');
  seller = 'Avery Collins'; // the first member on the stand-in's consent page
});

after(async () => {
  await browser?.close();
  await product?.stop();
});

function cardURL(r, who) {
  const ctx = product.signContext('demo', who, wireRecord(r));
  return `${product.api}/w/demo/card?ctx=${encodeURIComponent(ctx)}`;
}

const wasmRunning = frame => frame.waitForFunction(() => document.documentElement.dataset.snapbridgeReady === '1', null, { timeout: 20000 });

// openPopup presses Connect in frame and returns the consent popup.
async function openPopup(context, frame) {
  const connect = frame.getByRole('link', { name: /^Connect LinkedIn/ });
  const [popup] = await Promise.all([context.waitForEvent('page'), connect.click()]);
  await popup.waitForLoadState();
  return popup;
}

// allow approves the consent as the first member; the popup closes itself.
async function allow(popup) {
  await Promise.all([popup.waitForEvent('close', { timeout: 15000 }), popup.getByRole('button', { name: 'Allow' }).click()]);
}

const connectHref = frame => frame.locator('a[data-sb-connect]').getAttribute('href');

test('a popup closed by hand says so within a second and offers Connect again', async () => {
  const context = await browser.newContext();
  const page = await context.newPage();
  const errors = watchConsole(page);
  await page.goto(cardURL(matched[0], 'e2e-connect-closer'));
  await wasmRunning(page);
  const spent = await connectHref(page);
  const popup = await openPopup(context, page);
  assert.match(await page.locator('.sb-connect__text').textContent(), /Finish signing in/);
  const closedAt = Date.now();
  await popup.close();
  await page.getByText('You closed the LinkedIn window').waitFor({ timeout: 1000 });
  assert.ok(Date.now() - closedAt <= 1000, `the widget took ${Date.now() - closedAt} ms to notice`);
  await page.waitForFunction(old => document.querySelector('a[data-sb-connect]')?.getAttribute('href') !== old, spent, { timeout: 5000 });
  await shot(page, 'connect-1-popup-closed');

  // Connect again works: the fresh link opens LinkedIn's consent.
  const again = await openPopup(context, page);
  assert.ok(again.url().startsWith(`${product.standin}/oauth/v2/authorization?`), `Connect again opened ${again.url()}`);
  await again.close();
  await page.getByText('You closed the LinkedIn window').waitFor({ timeout: 1000 });
  assert.deepEqual(errors, [], 'console errors');
  await context.close();
});

test('a denied consent says the sign-in was cancelled; Connect again connects', async () => {
  const context = await browser.newContext();
  const page = await context.newPage();
  const errors = watchConsole(page);
  await page.goto(cardURL(matched[0], 'e2e-connect-denier'));
  await wasmRunning(page);
  const popup = await openPopup(context, page);
  await popup.getByRole('button', { name: 'Deny' }).click();
  await page.getByText('LinkedIn sign-in was cancelled').waitFor({ timeout: 5000 });
  await shot(page, 'connect-2-consent-cancelled');
  await popup.close();
  await page.waitForTimeout(500); // the popup watcher runs every 250 ms: closing must not change the words
  assert.match(await page.locator('.sb-connect__text').textContent(), /LinkedIn sign-in was cancelled/);

  await allow(await openPopup(context, page));
  await page.locator('iframe.sb-panel__frame').waitFor({ timeout: 15000 });
  await page.getByText(`Connected as ${seller}`).waitFor({ timeout: 5000 });
  assert.deepEqual(errors, [], 'console errors');
  await context.close();
});

test('connected as <name> · Disconnect asks once, inline, then shows Connect', async () => {
  const context = await browser.newContext();
  const page = await context.newPage();
  const errors = watchConsole(page);
  let dialogs = 0;
  page.on('dialog', d => { dialogs++; d.dismiss(); });
  // The same seller as before, on a new page: the server prerenders who is connected.
  await page.goto(cardURL(matched[1], 'e2e-connect-denier'));
  await wasmRunning(page);
  const line = page.locator('.sb-connected');
  await line.getByText(`Connected as ${seller}`).waitFor();
  assert.equal(await line.locator('img.sb-connected__photo').count(), 1, 'no LinkedIn photo next to the name');
  await shot(page, 'connect-3-connected-as');

  await line.getByRole('button', { name: 'Disconnect' }).click();
  await page.getByText('Disconnect LinkedIn?').waitFor();
  await shot(page, 'connect-4-disconnect-confirm');
  await page.getByRole('button', { name: 'Cancel' }).click();
  await page.getByText(`Connected as ${seller}`).waitFor();
  assert.equal(await page.locator('iframe.sb-panel__frame').count(), 1, 'Cancel lost the panel');

  await page.getByRole('button', { name: 'Disconnect' }).click();
  await page.locator('.sb-connected--confirm').getByRole('button', { name: 'Disconnect' }).click();
  const connect = page.getByRole('link', { name: /^Connect LinkedIn/ });
  await connect.waitFor({ timeout: 10000 });
  assert.equal(await page.locator('iframe.sb-panel__frame').count(), 0, 'the panel stayed after Disconnect');
  await page.waitForFunction(() => document.activeElement?.matches('a[data-sb-connect]'), null, { timeout: 5000 });
  assert.equal(dialogs, 0, 'Disconnect used a browser dialog');
  await shot(page, 'connect-5-disconnected');
  assert.deepEqual(errors, [], 'console errors');
  await context.close();
});

// expireOnce makes the next DELETE /api/v1/linkedin/connection carry a
// session token the server no longer accepts: the real server answers it
// 401, as it does a session past its 15 minutes.
async function expireOnce(context) {
  let expired = false;
  await context.route('**/api/v1/linkedin/connection', route => {
    const req = route.request();
    if (expired || req.method() !== 'DELETE') return route.continue();
    expired = true;
    return route.continue({ headers: { ...req.headers(), authorization: 'Bearer expired.session.token' } });
  });
}

test('with embed.js an expired session is renewed from the CRM page: no reload, the card stays', async () => {
  const context = await browser.newContext();
  const page = await context.newPage();
  const errors = watchConsole(page);
  const asked = [];
  page.on('request', req => {
    const u = new URL(req.url());
    if (u.pathname.endsWith('/context') || u.pathname === '/api/v1/sessions') asked.push(`${req.method()} ${u.pathname}`);
  });
  const contact = matched[0];
  await page.goto(`${product.demo}/t/demo/contacts/${encodeURIComponent(contact.id)}`);
  const frameEl = page.locator('iframe[name="snapbridge-embed"]');
  await frameEl.waitFor();
  const frame = await (await frameEl.elementHandle()).contentFrame();
  await wasmRunning(frame);
  // The demo user connects (or is connected already) in the CRM page.
  if (await frame.locator('a[data-sb-connect]').count()) {
    await allow(await openPopup(context, frame));
  }
  await frame.locator('.sb-connected').waitFor({ timeout: 15000 });
  await frame.evaluate(() => { window.keptAcrossRenewal = true; });
  const card = await frame.locator('.sb-card').first().elementHandle();

  await expireOnce(context);
  await frame.getByRole('button', { name: 'Disconnect' }).click();
  await frame.locator('.sb-connected--confirm').getByRole('button', { name: 'Disconnect' }).click();
  await frame.getByRole('link', { name: /^Connect LinkedIn/ }).waitFor({ timeout: 15000 });
  assert.ok(asked.some(a => a.endsWith('/context')), `the CRM page's context callback was not used: ${asked}`);
  assert.ok(asked.includes('POST /api/v1/sessions'), `no new session was opened: ${asked}`);
  assert.equal(await frame.evaluate(() => window.keptAcrossRenewal), true, 'the widget reloaded');
  assert.equal(await card.evaluate(el => el.isConnected), true, 'the card on screen was replaced');
  assert.equal(await frame.getByText('This view has expired').count(), 0, 'the seller was told the view expired');
  await shot(page, 'connect-6-renewed-in-crm');
  // The browser logs the expired session's 401 itself; nothing else may show.
  assert.deepEqual(errors.filter(e => !/status of 401 \(Unauthorized\) @ \S+\/api\/v1\/linkedin\/connection/.test(e)), [], 'console errors');
  await context.close();
});

test('without embed.js an expired session says one thing: reload the page', async () => {
  const context = await browser.newContext();
  const page = await context.newPage();
  await page.goto(cardURL(matched[1], 'e2e-connect-plain'));
  await wasmRunning(page);
  await allow(await openPopup(context, page));
  await page.locator('.sb-connected').waitFor({ timeout: 15000 });
  await expireOnce(context);
  await page.getByRole('button', { name: 'Disconnect' }).click();
  await page.locator('.sb-connected--confirm').getByRole('button', { name: 'Disconnect' }).click();
  await page.getByText('This view has expired').waitFor({ timeout: 10000 });
  const text = await page.locator('#snapbridge-widget').innerText();
  assert.match(text, /Reload the page to continue\./);
  assert.doesNotMatch(text, /CRM page|fresh LinkedIn data|to open Sales Navigator/, `a second wording: ${text}`);
  await shot(page, 'connect-7-expired-plain-iframe');

  // The page opened again with its (now used) context says the same.
  await page.reload();
  await page.getByText('This view has expired').waitFor({ timeout: 10000 });
  assert.match(await page.locator('#snapbridge-widget').innerText(), /Reload the page to continue\./);
  await context.close();
});
