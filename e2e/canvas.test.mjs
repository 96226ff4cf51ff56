// A Salesforce org opens the widget with Canvas: the demo CRM's
// Salesforce-style record page POSTs a signed request (signed with the
// org's Connected App consumer secret, as Salesforce does) into the canvas
// iframe, and the seller sees the card with photo and Sales Navigator link,
// the frame sized by the Canvas SDK's resize messages. Real headless
// Chromium against the real binary, its LinkedIn stand-in and demo CRM.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startProduct } from './lib/product.mjs';
import { launch, watchConsole, shot } from './lib/browser.mjs';

let product, browser, matched;

before(async () => {
  product = await startProduct();
  browser = await launch();
  matched = (await product.records('sfdc')).filter(r => r.expected === 'matched');
  assert.ok(matched.length >= 1, 'the stand-in seeds no matched record for the Salesforce org');
});

after(async () => {
  await browser?.close();
  await product?.stop();
});

test('a Salesforce record page shows the card with photo and link through Canvas', async () => {
  const page = await browser.newPage();
  const errors = watchConsole(page);
  const r = matched[0];
  const posts = [];
  page.on('request', req => {
    if (req.url().startsWith(`${product.api}/w/sfdc/`)) posts.push(`${req.method()} ${new URL(req.url()).pathname}${new URL(req.url()).search ? '?…' : ''}`);
  });
  await page.goto(`${product.demo}/t/sfdc/contacts/${r.id}`);
  const widget = page.frameLocator('iframe#canvas-frame');
  await widget.locator('.sb-card__name').first().waitFor({ timeout: 20000 });
  assert.deepEqual(posts.slice(0, 2), ['POST /w/sfdc/canvas', 'GET /w/sfdc/card?…'], `the frame loaded ${posts}`);
  const frame = page.frames().find(f => f.url().startsWith(`${product.api}/w/sfdc/card?h=`));
  assert.ok(frame, 'the canvas frame did not land on the card with a one-time handle');
  assert.doesNotMatch(frame.url(), /signed_request|ctx=|token/, 'a secret reached the frame URL');
  await frame.waitForFunction(() => document.documentElement.dataset.snapbridgeReady === '1', null, { timeout: 20000 });

  const [answer] = await product.associations('sfdc', 'e2e-canvas-check', r);
  assert.equal(answer.status, 'matched');
  assert.equal((await widget.locator('.sb-card__name').first().textContent()).trim(), `${r.firstName} ${r.lastName}`);
  const photo = widget.locator('img.sb-avatar').first();
  assert.equal(await photo.getAttribute('src'), answer.profilePhoto);
  assert.ok(await photo.evaluate(el => new Promise(resolve => {
    if (el.complete) return resolve(el.naturalWidth);
    el.addEventListener('load', () => resolve(el.naturalWidth), { once: true });
    el.addEventListener('error', () => resolve(0), { once: true });
  })) > 0, 'the LinkedIn photo did not load');
  const link = widget.getByRole('link', { name: `View in Sales Navigator: ${r.firstName} ${r.lastName} (opens in a new tab)` });
  assert.equal(await link.getAttribute('href'), answer.profile);

  // The page sized the canvas frame from the Canvas SDK's resize message.
  await page.waitForFunction(() => Number(document.getElementById('canvas-frame').dataset.canvasResized) > 0, null, { timeout: 10000 });
  const resized = Number(await page.locator('#canvas-frame').getAttribute('data-canvas-resized'));
  const content = await frame.evaluate(() => Math.ceil(document.body.getBoundingClientRect().height));
  assert.ok(Math.abs(resized - content) <= 2, `frame sized to ${resized}px, the widget is ${content}px tall`);

  assert.deepEqual(errors, [], 'console errors on the Salesforce record page');
  await shot(page, 'canvas-1-salesforce-record');
  await page.close();
});

test('reloading the Salesforce page opens the card again with a fresh signed request', async () => {
  const page = await browser.newPage();
  await page.goto(`${product.demo}/t/sfdc/contacts/${matched[0].id}`);
  await page.frameLocator('iframe#canvas-frame').locator('.sb-card__name').first().waitFor({ timeout: 20000 });
  // Back in the frame's history is the used handle: a replay, refused.
  const frame = page.frames().find(f => f.url().startsWith(`${product.api}/w/sfdc/card?h=`));
  const again = await page.request.get(frame.url());
  assert.notEqual(again.status(), 200, 'a one-time handle opened the card twice');
  await page.close();
});
