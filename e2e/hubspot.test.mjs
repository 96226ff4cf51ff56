// A HubSpot account opens the widget from its app card: the demo CRM's
// HubSpot-style record page has the card, whose hubspot.fetch the demo
// signs server-side with the app's client secret (X-HubSpot-Signature-v3,
// as HubSpot's servers do); snapbridge answers a one-time widget URL and
// the card opens it in an iframe modal. HubSpot has no CRM Sync: the card
// shows the CRM fields and says the Sales Navigator panel finds the person
// by name and email. Real headless Chromium against the real binary, its
// LinkedIn stand-in and demo CRM.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startProduct } from './lib/product.mjs';
import { launch, watchConsole, shot } from './lib/browser.mjs';

let product, browser, records;

before(async () => {
  product = await startProduct();
  browser = await launch();
  records = await product.records('hub');
  assert.ok(records.length >= 1, 'the stand-in seeds no record for the HubSpot account');
});

after(async () => {
  await browser?.close();
  await product?.stop();
});

test('a HubSpot record page opens the card in an iframe modal from the app card', async () => {
  const page = await browser.newPage();
  const errors = watchConsole(page);
  const r = records[0];
  const loads = [];
  page.on('request', req => {
    const u = new URL(req.url());
    if (req.url().startsWith(`${product.api}/`)) loads.push(`${req.method()} ${u.pathname}${u.search ? '?…' : ''}`);
  });
  await page.goto(`${product.demo}/t/hub/contacts/${r.id}`);
  await page.getByRole('button', { name: 'Open Sales Navigator' }).click();
  const modal = page.locator('dialog#hubspot-modal');
  await modal.waitFor({ state: 'visible', timeout: 20000 });
  const widget = page.frameLocator('iframe#hubspot-frame');
  await widget.locator('.sb-card__name').first().waitFor({ timeout: 20000 });
  assert.equal(loads[0], 'GET /w/hub/card?…', `the browser loaded ${loads}`);
  assert.ok(!loads.some(l => l.startsWith('POST /hubspot/')), 'the browser called the signed endpoint itself');
  const frame = page.frames().find(f => f.url().startsWith(`${product.api}/w/hub/card?h=`));
  assert.ok(frame, 'the modal did not load the card with a one-time handle');
  assert.doesNotMatch(frame.url(), /signature|ctx=|token|secret/i, 'a secret reached the frame URL');
  await frame.waitForFunction(() => document.documentElement.dataset.snapbridgeReady === '1', null, { timeout: 20000 });

  assert.equal((await widget.locator('.sb-card__name').first().textContent()).trim(), `${r.firstName} ${r.lastName}`);
  const card = widget.locator('.sb-card').first();
  assert.match(await card.textContent(), new RegExp(r.title));
  await widget.locator('.sb-notice', { hasText: 'Found by name and email' }).first().waitFor();
  assert.equal(await widget.locator('.sb-notice', { hasText: 'CRM Sync is not enabled' }).count(), 0,
    'a HubSpot seller is asked to have CRM Sync turned on');
  await widget.locator('.sb-connect').first().waitFor({ timeout: 10000 });

  assert.deepEqual(errors, [], 'console errors on the HubSpot record page');
  await shot(page, 'hubspot-1-card-modal');

  // The widget URL opens one session only.
  const again = await page.request.get(frame.url());
  assert.notEqual(again.status(), 200, 'a one-time widget URL opened the card twice');
  await page.close();
});

test("the HubSpot tenant's console shows the app card settings", async () => {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  const page = await context.newPage();
  await page.goto(`${product.demo}/t/hub/admin`);
  await page.locator('#settings-form').waitFor({ timeout: 20000 });
  assert.equal(await page.locator('#set-host-kind').inputValue(), 'hubspot');
  assert.ok(await page.locator('#set-hs-portal').isVisible(), 'the HubSpot fields are hidden');
  assert.ok(!(await page.locator('#set-sf-org').isVisible()), 'the Salesforce fields show for a HubSpot tenant');
  assert.match(await page.locator('#set-hs-portal').inputValue(), /^\d+$/);
  assert.match(await page.locator('#set-hs-secret-hint').textContent(), /1 secret is active/);
  assert.match(await page.locator('#set-hs-card').textContent(), /\/hubspot\/hub\/card/);
  await shot(page, 'hubspot-2-console');
  await context.close();
});
