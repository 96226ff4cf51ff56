// What a seller does in a CRM with snapbridge embedded, in real headless
// Chromium against the real binary, its LinkedIn stand-in and demo CRM.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { startProduct, wireRecord } from './lib/product.mjs';
import { launch, watchConsole, shot, screenshotDir } from './lib/browser.mjs';

let product, browser;
const byOutcome = {};

before(async () => {
  product = await startProduct();
  browser = await launch();
  for (const tenant of ['demo', 'nosync']) {
    for (const r of await product.records(tenant)) {
      (byOutcome[r.expected] ??= []).push({ ...r, tenant });
    }
  }
});

after(async () => {
  await browser?.close();
  await product?.stop();
  console.log(`screenshots: ${screenshotDir}`);
});

// openContact opens the demo CRM page of one record and returns the
// widget's frame (cross-site: the CRM and snapbridge are different origins).
async function openContact(page, r) {
  await page.goto(`${product.demo}/t/${r.tenant}/contacts/${r.id}`);
  const widget = page.frameLocator('iframe[src*="/w/"]');
  await widget.locator('.sb-card__name').first().waitFor();
  return widget;
}

async function waitReady(page) {
  const frame = page.frames().find(f => f.url().includes('/w/'));
  await frame.waitForFunction(() => document.documentElement.dataset.snapbridgeReady === '1', null, { timeout: 15000 });
  return frame;
}

test('a seller opens a matched contact and sees name, photo and the Sales Navigator link', async () => {
  const page = await browser.newPage();
  const r = byOutcome.matched[0];
  const widget = await openContact(page, r);
  await waitReady(page);
  assert.equal((await widget.locator('.sb-card__name').first().textContent()).trim(), `${r.firstName} ${r.lastName}`);
  const photo = widget.locator('img.sb-avatar').first();
  await photo.waitFor();
  await page.waitForFunction(() => true);
  const loaded = await photo.evaluate(img => img.complete ? img.naturalWidth : new Promise(res => img.onload = () => res(img.naturalWidth)));
  assert.ok(loaded > 0, 'the LinkedIn photo did not load');
  const link = widget.getByRole('link', { name: new RegExp(`View ${r.firstName} ${r.lastName} in Sales Navigator`) });
  assert.equal(await link.getAttribute('href'), `${product.standin}/sales/people/${r.memberId}`);
  assert.equal(await link.getAttribute('target'), '_blank');
  assert.match(await link.getAttribute('rel'), /noopener/);
  assert.match(await link.getAttribute('rel'), /noreferrer/);
  await shot(page, '01-card-matched-not-connected');
  await page.close();
});

test('a seller connects LinkedIn once and the Sales Navigator panel appears without a reload', async () => {
  const context = await browser.newContext();
  const page = await context.newPage();
  const r = byOutcome.matched[1];
  const widget = await openContact(page, r);
  await waitReady(page);
  await page.evaluate(() => { window.__stillTheSamePage = true; });
  const connect = widget.getByRole('button', { name: /Connect your LinkedIn account/ });
  await connect.waitFor();
  const [popup] = await Promise.all([context.waitForEvent('page'), connect.click()]);
  await popup.waitForLoadState();
  assert.match(popup.url(), /\/oauth\/v2\/authorization\?/, 'the popup is not the LinkedIn consent page');
  await shot(popup, '02-consent-popup');
  await Promise.all([popup.waitForEvent('close', { timeout: 15000 }), popup.locator('button.allow').click()]);

  const panel = widget.locator('iframe.sb-panel__frame');
  await panel.waitFor({ timeout: 15000 });
  assert.match(await panel.getAttribute('src'), /[?&]sat=sandbox-/, 'the Display Services iframe carries no sat');
  const sn = widget.frameLocator('iframe.sb-panel__frame').locator('[data-testid="sn-member"]');
  await sn.waitFor({ timeout: 15000 });
  assert.match(await sn.textContent(), new RegExp(r.lastName));
  assert.equal(await page.evaluate(() => window.__stillTheSamePage), true, 'the CRM page was reloaded');
  await shot(page, '03-card-connected-with-panel');

  // The happy path, once connected: a fresh visit shows card and panel
  // without a single console error.
  const again = await context.newPage();
  const errors = watchConsole(again);
  const w2 = await openContact(again, byOutcome.matched[2]);
  await w2.frameLocator('iframe.sb-panel__frame').locator('[data-testid="sn-member"]').waitFor({ timeout: 15000 });
  await waitReady(again);
  assert.deepEqual(errors, [], 'console errors on the happy path');
  await context.close();
});

test('a seller sees at a glance when there is no photo, no match, or no CRM sync', async () => {
  const page = await browser.newPage();
  let widget = await openContact(page, byOutcome.no_photo[0]);
  await widget.locator('.sb-avatar--initials').first().waitFor();
  assert.match(await widget.locator('.sb-avatar--initials').first().getAttribute('aria-label'), /no public LinkedIn photo/);
  await shot(page, '04-card-no-photo');

  widget = await openContact(page, byOutcome.no_match[0]);
  await widget.getByText('No LinkedIn match yet').waitFor();
  await shot(page, '05-card-no-match');

  widget = await openContact(page, byOutcome.crm_sync_disabled[0]);
  await widget.getByText('CRM Sync is not enabled').first().waitFor();
  await shot(page, '06-card-crm-sync-disabled');
  await page.close();
});

test('the list view shows a card per contact, looked up in batches', async () => {
  const page = await browser.newPage();
  await product.resetStats();
  await page.goto(`${product.demo}/t/demo/`);
  const list = page.frameLocator('iframe[src*="/w/demo/list"]');
  await list.locator('.sb-list__row').first().waitFor();
  const rows = await list.locator('.sb-list__row').count();
  const listed = 12; // the demo CRM's list names its first 12 contacts
  assert.equal(rows, listed);
  const stats = await product.stats();
  const calls = (stats['profileAssociations.batch'] ?? 0) + (stats['profileAssociations.get'] ?? 0);
  assert.ok(calls >= 1 && calls <= Math.ceil(listed / 20), `list look-ups made ${calls} LinkedIn calls`);
  await shot(page, '07-list');
  await page.close();
});

test('a page on an origin the tenant did not allow cannot frame the widget', async () => {
  const r = byOutcome.matched[3];
  const ctx = product.signContext('demo', 'crm-user-9', wireRecord(r));
  const evil = http.createServer((req, res) => {
    res.setHeader('Content-Type', 'text/html');
    res.end(`<!doctype html><h1>Not an allowed CRM</h1><iframe id="w" width="320" height="500" src="${product.api}/w/demo/card?ctx=${encodeURIComponent(ctx)}"></iframe>`);
  });
  await new Promise(res => evil.listen(0, '127.0.0.1', res));
  const page = await browser.newPage();
  const blocked = [];
  page.on('console', m => { if (/frame-ancestors/.test(m.text())) blocked.push(m.text()); });
  await page.goto(`http://127.0.0.1:${evil.address().port}/`);
  await page.waitForTimeout(1500);
  const framed = page.frames().filter(f => f !== page.mainFrame());
  for (const f of framed) {
    const hasWidget = await f.locator('#snapbridge-widget').count().catch(() => 0);
    assert.equal(hasWidget, 0, `the widget rendered inside a disallowed origin (${f.url()})`);
  }
  assert.ok(blocked.length > 0, 'Chromium did not report a frame-ancestors refusal');
  await shot(page, '08-refused-frame');
  await page.close();
  evil.close();
});
