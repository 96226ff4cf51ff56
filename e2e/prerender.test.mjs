// The widget's critical path does not wait for the WebAssembly: the page the
// server sends already holds what the seller can use (LinkedIn's panel for
// a connected seller, a working Connect for one who is not), and the
// WebAssembly widget takes that page over without asking again. Real
// headless Chromium against the real binary and its LinkedIn stand-in.
// The tests run in order and share one server: the seller connects in the
// second test and is connected from then on.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startProduct, wireRecord } from './lib/product.mjs';
import { launch, watchConsole, shot } from './lib/browser.mjs';

let product, browser, matched;
const viewer = 'e2e-prerender-seller';

before(async () => {
  product = await startProduct();
  browser = await launch();
  matched = (await product.records('demo')).filter(r => r.expected === 'matched');
  assert.ok(matched.length >= 3, 'the stand-in seeds fewer than three matched records');
});

after(async () => {
  await browser?.close();
  await product?.stop();
});

// cardURL is the widget page of one record for the viewer, with a fresh
// one-time context.
function cardURL(r, who = viewer) {
  const ctx = product.signContext('demo', who, wireRecord(r));
  return `${product.api}/w/demo/card?ctx=${encodeURIComponent(ctx)}`;
}

// apiCalls records the widget API requests a page (any frame) sends.
function apiCalls(page) {
  const calls = [];
  page.on('request', req => {
    const u = new URL(req.url());
    if (u.pathname.startsWith('/api/')) calls.push(`${req.method()} ${u.pathname}`);
  });
  return calls;
}

const wasmRunning = page => page.waitForFunction(() => document.documentElement.dataset.snapbridgeReady === '1', null, { timeout: 20000 });

test('a seller who is not connected sees Connect at once, and the page logs no error', async () => {
  const context = await browser.newContext();
  const page = await context.newPage();
  const errors = watchConsole(page);
  const calls = apiCalls(page);
  const answer = await page.goto(cardURL(matched[0], 'e2e-prerender-other'));
  const html = await answer.text();
  assert.match(html, /<a [^>]*data-sb-connect="1"/, 'the prerendered page has no Connect link');
  assert.match(html, /<link rel="preload" href="\/[^"]+\/web\/app\.wasm" as="fetch"/, 'the page does not preload app.wasm');
  assert.doesNotMatch(answer.headers()['content-security-policy'], /script-src[^;]*'unsafe-inline'/);
  await wasmRunning(page);
  const connect = page.getByRole('link', { name: /^Connect LinkedIn/ });
  assert.equal(await connect.isVisible(), true, 'Connect is not shown once the widget runs');
  assert.ok(!calls.includes('POST /api/v1/sales-access-token'), `the widget asked for a token it knew it cannot get: ${calls}`);
  assert.deepEqual(errors, [], 'console errors for a seller who is not connected');
  await shot(page, 'prerender-1-not-connected');
  await context.close();
});

test('Connect works while app.wasm cannot load: the popup opens and the panel appears after consent', async () => {
  const context = await browser.newContext();
  await context.route('**/app.wasm', route => route.abort());
  const page = await context.newPage();
  const errors = watchConsole(page);
  await page.goto(cardURL(matched[1]));
  const connect = page.getByRole('link', { name: /^Connect LinkedIn/ });
  await connect.waitFor();
  await shot(page, 'prerender-2-connect-without-wasm');

  const [popup] = await Promise.all([context.waitForEvent('page'), connect.click()]);
  await popup.waitForLoadState();
  assert.ok(popup.url().startsWith(`${product.standin}/oauth/v2/authorization?`), `the popup opened ${popup.url()}`);
  assert.match(await page.locator('.sb-connect__text').textContent(), /Finish signing in/);
  await Promise.all([popup.waitForEvent('close', { timeout: 15000 }), popup.getByRole('button', { name: 'Allow' }).click()]);

  const panel = page.locator('iframe.sb-panel__frame');
  await panel.waitFor({ timeout: 15000 });
  const src = new URL(await panel.getAttribute('src'));
  assert.equal(`${src.origin}${src.pathname}`, `${product.standin}/sales/widget/profile-matching`);
  assert.match(src.searchParams.get('sat') ?? '', /\S/, 'the Display Services iframe carries no sat');
  await page.frameLocator('iframe.sb-panel__frame').locator('[data-testid="sn-member"]').waitFor({ timeout: 15000 });
  assert.equal(await page.evaluate(() => document.documentElement.dataset.snapbridgeReady), undefined, 'the wasm ran after all');
  assert.deepEqual(errors.filter(e => !/app\.wasm|loading wasm failed/.test(e)), [], 'console errors besides the blocked wasm');
  await shot(page, 'prerender-3-connected-without-wasm');
  await context.close();
});

test('a connected seller\'s page carries the Sales Navigator iframe, which the wasm keeps without reloading', async () => {
  const context = await browser.newContext();
  const page = await context.newPage();
  const errors = watchConsole(page);
  const calls = apiCalls(page);
  await product.resetStats();
  const answer = await page.goto(cardURL(matched[2]));
  const html = await answer.text();
  const frameTag = html.match(/<iframe [^>]*class="sb-panel__frame"[^>]*>/)?.[0] ?? '';
  assert.match(frameTag, / src="http:\/\/[^"]+\/sales\/widget\/profile-matching\?[^"]*sat=[^"&]+/,
    'the prerendered page has no Display Services iframe with a sat');
  await wasmRunning(page);
  await page.frameLocator('iframe.sb-panel__frame').locator('[data-testid="sn-member"]').waitFor({ timeout: 15000 });
  assert.equal(await page.locator('iframe.sb-panel__frame').count(), 1);
  assert.equal((await product.stats())['display.widget'], 1, 'LinkedIn\'s panel was loaded more than once');
  assert.ok(!calls.includes('POST /api/v1/sales-access-token'), `the widget asked again for the token the page carries: ${calls}`);
  assert.deepEqual(errors, [], 'console errors for a connected seller');
  await shot(page, 'prerender-4-connected');
  await context.close();
});

test('only the widget\'s own origin can say that LinkedIn is connected', async () => {
  const context = await browser.newContext();
  const page = await context.newPage();
  await page.goto(cardURL(matched[0], 'e2e-prerender-forged'));
  await page.getByRole('link', { name: /^Connect LinkedIn/ }).waitFor();
  const states = await page.evaluate(() => {
    const say = origin => {
      window.dispatchEvent(new MessageEvent('message', { origin, data: { type: 'snapbridge:connected', code: 'forged' } }));
      return window.snapbridgeConnect.state;
    };
    return { foreign: say('https://evil.example'), opaque: say('null'), own: say(window.location.origin) };
  });
  assert.equal(states.foreign, '', 'a message from another site started a connection');
  assert.equal(states.opaque, '', 'a message from an opaque origin started a connection');
  assert.equal(states.own, 'confirming', 'a message from the widget\'s own origin was not heard');
  await context.close();
});
