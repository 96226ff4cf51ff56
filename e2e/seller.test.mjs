// What a seller does in a CRM with snapbridge embedded, in real headless
// Chromium against the real binary, its LinkedIn stand-in and demo CRM.
// The tests run in order and share one server: the list runs first, while
// no record has been looked up yet, and the seller connects LinkedIn once
// in the middle, as in real life.
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
  for (const outcome of ['matched', 'no_photo', 'no_match', 'crm_sync_disabled']) {
    assert.ok(byOutcome[outcome]?.length, `the stand-in seeds no ${outcome} record`);
  }
});

after(async () => {
  await browser?.close();
  await product?.stop();
  console.log(`screenshots: ${screenshotDir}`);
});

// openContact opens the demo CRM page of one record and waits for the
// prerendered card inside the widget's iframe, which is cross-site: the
// CRM and snapbridge listen on different ports.
async function openContact(page, r) {
  await page.goto(`${product.demo}/t/${r.tenant}/contacts/${r.id}`);
  const widget = page.frameLocator(`iframe[src^="${product.api}/w/${r.tenant}/card?"]`);
  await widget.locator('.sb-card__name').first().waitFor();
  return widget;
}

// waitRunning waits until the WebAssembly widget has mounted in the page's
// widget iframe (it sets data-snapbridge-ready on <html>) and returns it.
async function waitRunning(page) {
  const frame = page.frames().find(f => f.url().startsWith(`${product.api}/w/`));
  assert.ok(frame, 'the page has no snapbridge widget frame');
  await frame.waitForFunction(() => document.documentElement.dataset.snapbridgeReady === '1', null, { timeout: 15000 });
  return frame;
}

// contextRecords reads the records a context token (a JWT) names.
function contextRecords(src) {
  const ctx = new URL(src).searchParams.get('ctx');
  return JSON.parse(Buffer.from(ctx.split('.')[1], 'base64url').toString()).records;
}

// photoWidth waits for an <img> to finish loading and returns its natural
// width: 0 when the browser could not load or decode it.
async function photoWidth(img) {
  return img.evaluate(el => new Promise(resolve => {
    const done = () => resolve(el.naturalWidth);
    if (el.complete) return done();
    el.addEventListener('load', done, { once: true });
    el.addEventListener('error', done, { once: true });
  }));
}

test('the list view shows a card per listed contact, looked up in batches', async () => {
  await product.resetStats();
  const page = await browser.newPage();
  const errors = watchConsole(page);
  await page.goto(`${product.demo}/t/demo/`);
  const iframe = page.locator(`iframe[src^="${product.api}/w/demo/list?"]`);
  const listed = contextRecords(await iframe.getAttribute('src'));
  assert.ok(listed.length > 1, 'the list context names fewer than two records');
  const list = page.frameLocator(`iframe[src^="${product.api}/w/demo/list?"]`);
  await list.locator('.sb-list__row').first().waitFor();
  await waitRunning(page);

  // A page of 12 rows at a time; the pager says where the page is.
  const shown = listed.slice(0, 12);
  assert.equal(await list.locator('.sb-list__row').count(), shown.length, 'one row per listed contact on the first page');
  const names = (await list.locator('.sb-list__row .sb-card__name').allTextContents()).map(s => s.trim());
  assert.deepEqual(names, shown.map(r => `${r.firstName} ${r.lastName}`));
  if (listed.length > 12) assert.equal((await list.locator('.sb-pager__range').textContent()).trim(), `1–12 of ${listed.length}`);
  const crmRows = (await page.locator('table tbody tr td:first-child').allTextContents()).map(s => s.trim());
  assert.deepEqual(crmRows.slice(0, listed.length), listed.map(r => `${r.firstName} ${r.lastName}`),
    'the widget lists other contacts than the CRM table');

  const calls = await product.stats();
  const lookups = (calls['profileAssociations.batch'] ?? 0) + (calls['profileAssociations.get'] ?? 0);
  assert.ok(lookups >= 1, 'the list was shown without asking LinkedIn (nothing was cached yet)');
  assert.ok(lookups <= Math.ceil(listed.length / 20), `${listed.length} contacts took ${lookups} LinkedIn calls`);

  // Each matched row links to the member's Sales Navigator profile.
  const answers = await product.associations('demo', 'e2e-list-check', ...shown);
  for (const [i, a] of answers.entries()) {
    const links = list.locator('.sb-list__row').nth(i).getByRole('link', { name: /in Sales Navigator/ });
    if (a.status === 'matched') assert.equal(await links.getAttribute('href'), a.profile, `row ${i + 1}`);
    else assert.equal(await links.count(), 0, `row ${i + 1} (${a.status}) links to a profile`);
  }
  assert.deepEqual(errors, [], 'console errors on the list page');
  await shot(page, '07-list');
  await page.close();
});

test('a seller opens a matched contact and sees name, photo and the Sales Navigator link', async () => {
  const page = await browser.newPage();
  const r = byOutcome.matched[0];
  const widget = await openContact(page, r);
  await waitRunning(page);
  const [answer] = await product.associations(r.tenant, 'e2e-check', r);
  assert.equal(answer.status, 'matched');

  assert.equal((await widget.locator('.sb-card__name').first().textContent()).trim(), `${r.firstName} ${r.lastName}`);
  const photo = widget.locator('img.sb-avatar').first();
  assert.equal(await photo.getAttribute('src'), answer.profilePhoto);
  assert.ok(await photoWidth(photo) > 0, 'the LinkedIn photo did not load');
  const link = widget.getByRole('link', { name: `View in Sales Navigator: ${r.firstName} ${r.lastName} (opens in a new tab)` });
  assert.match(await link.textContent(), /View in Sales Navigator/);
  assert.equal(await link.getAttribute('href'), answer.profile);
  assert.equal(await link.getAttribute('target'), '_blank');
  const rel = (await link.getAttribute('rel')).split(/\s+/);
  assert.ok(rel.includes('noopener') && rel.includes('noreferrer'), `rel="${rel.join(' ')}"`);
  // Not connected yet: the panel offers the consent popup instead.
  await widget.getByRole('link', { name: /^Connect LinkedIn/ }).waitFor();
  await shot(page, '01-card-matched-not-connected');
  await page.close();
});

// Before the demo viewer connects: with the Sales Navigator panel showing,
// the card is a compact header and LinkedIn's panel shows the person.
test('a seller sees at a glance when there is no photo, no match, or no CRM sync', async () => {
  const page = await browser.newPage();
  const noPhoto = byOutcome.no_photo[0];
  let widget = await openContact(page, noPhoto);
  const initials = widget.locator('.sb-card .sb-avatar--initials').first();
  await initials.waitFor();
  assert.equal((await initials.textContent()).trim(), `${noPhoto.firstName[0]}${noPhoto.lastName[0]}`);
  assert.match(await initials.getAttribute('aria-label'), /no public LinkedIn photo/);
  assert.equal(await widget.locator('.sb-card img.sb-avatar').count(), 0, 'a photo is shown for a member without a public one');
  assert.equal(await widget.getByRole('link', { name: /in Sales Navigator/ }).count(), 1, 'the matched member has no profile link');
  await shot(page, '04-card-no-photo');

  widget = await openContact(page, byOutcome.no_match[0]);
  const noMatch = widget.getByRole('status').or(widget.locator('.sb-notice')).filter({ hasText: 'No LinkedIn match yet' });
  await noMatch.first().waitFor();
  assert.match(await noMatch.first().textContent(), /Sales Navigator panel below/);
  assert.equal(await widget.getByRole('link', { name: /in Sales Navigator/ }).count(), 0, 'a profile link for an unmatched record');
  await shot(page, '05-card-no-match');

  widget = await openContact(page, byOutcome.crm_sync_disabled[0]);
  const noSync = widget.locator('.sb-notice').filter({ hasText: 'CRM Sync is not enabled' });
  await noSync.first().waitFor();
  assert.match(await noSync.first().textContent(), /admin/);
  assert.equal(await widget.getByRole('link', { name: /in Sales Navigator/ }).count(), 0);
  await shot(page, '06-card-crm-sync-disabled');
  await page.close();
});

test('a seller connects LinkedIn once and the Sales Navigator panel appears without a reload', async () => {
  const context = await browser.newContext();
  const page = await context.newPage();
  const r = byOutcome.matched[1];
  const widget = await openContact(page, r);
  await waitRunning(page);
  await page.evaluate(() => { window.__stillTheSamePage = true; });
  let crmNavigations = 0;
  page.on('framenavigated', f => { if (f === page.mainFrame()) crmNavigations++; });

  const connect = widget.getByRole('link', { name: /^Connect LinkedIn/ });
  const [popup] = await Promise.all([context.waitForEvent('page'), connect.click()]);
  await popup.waitForLoadState();
  assert.ok(popup.url().startsWith(`${product.standin}/oauth/v2/authorization?`), `the popup opened ${popup.url()}`);
  // Sign in as someone other than the preselected member.
  const choice = popup.locator('label.member').nth(1);
  const seller = (await choice.locator('strong').textContent()).trim();
  await choice.locator('input[type=radio]').check();
  await shot(popup, '02-consent-popup');
  await Promise.all([popup.waitForEvent('close', { timeout: 15000 }), popup.getByRole('button', { name: 'Allow' }).click()]);

  const panel = widget.locator('iframe.sb-panel__frame');
  await panel.waitFor({ timeout: 15000 });
  const src = new URL(await panel.getAttribute('src'));
  assert.equal(`${src.origin}${src.pathname}`, `${product.standin}/sales/widget/profile-matching`);
  assert.match(src.searchParams.get('sat') ?? '', /\S/, 'the Display Services iframe carries no sat');
  assert.equal(src.searchParams.get('crmRecordId'), r.id);
  const sn = widget.frameLocator('iframe.sb-panel__frame');
  await sn.locator('[data-testid="sn-member"]').waitFor({ timeout: 15000 });
  const [answer] = await product.associations(r.tenant, 'e2e-check', r);
  assert.match(await sn.locator('[data-testid="sn-member"] .name').textContent(), new RegExp(`${r.firstName} ${r.lastName}`));
  assert.equal(await sn.locator('[data-testid="sn-member"] a').getAttribute('href'), answer.profile);
  assert.match(await sn.locator('.viewer').textContent(), new RegExp(`Signed in as ${seller}`));
  assert.equal(await widget.getByRole('link', { name: /^Connect LinkedIn/ }).count(), 0);
  assert.equal(await page.evaluate(() => window.__stillTheSamePage), true, 'the CRM page was reloaded');
  assert.equal(crmNavigations, 0, 'the CRM page navigated');
  await shot(page, '03-card-connected-with-panel');

  // The happy path once connected: a contact and the list, fresh pages,
  // card and panel, without a single console error in any frame.
  const again = await context.newPage();
  const errors = watchConsole(again);
  const w2 = await openContact(again, byOutcome.matched[2]);
  await w2.frameLocator('iframe.sb-panel__frame').locator('[data-testid="sn-member"]').waitFor({ timeout: 15000 });
  await waitRunning(again);
  await again.goto(`${product.demo}/t/demo/`);
  await again.frameLocator(`iframe[src^="${product.api}/w/demo/list?"]`).locator('.sb-list__row').first().waitFor();
  await waitRunning(again);
  assert.deepEqual(errors, [], 'console errors on the happy path');
  await context.close();
});

test('a page on an origin the tenant did not allow cannot frame the widget', async () => {
  const r = byOutcome.matched[3];
  const ctx = product.signContext('demo', 'crm-user-9', wireRecord(r));
  const widgetURL = `${product.api}/w/demo/card?ctx=${encodeURIComponent(ctx)}`;
  const stranger = http.createServer((req, res) => {
    res.setHeader('Content-Type', 'text/html; charset=utf-8');
    res.end(`<!doctype html><title>Not a CRM</title><h1>Not an allowed CRM</h1><iframe width="320" height="500" src="${widgetURL}"></iframe>`);
  });
  await new Promise(res => stranger.listen(0, '127.0.0.1', res));
  const strangerOrigin = `http://127.0.0.1:${stranger.address().port}`;
  try {
    const page = await browser.newPage();
    const refusals = [];
    page.on('console', m => { if (/frame-ancestors/.test(m.text())) refusals.push(m.text()); });
    const served = page.waitForResponse(res => res.url().startsWith(`${product.api}/w/demo/card?`));
    await page.goto(`${strangerOrigin}/`);
    const csp = (await served).headers()['content-security-policy'] ?? '';
    const ancestors = csp.split(';').map(s => s.trim()).find(s => s.startsWith('frame-ancestors')) ?? '';
    assert.ok(ancestors, `the widget was served without frame-ancestors (CSP "${csp}")`);
    assert.ok(!ancestors.split(/\s+/).slice(1).includes(strangerOrigin), `frame-ancestors allows the stranger: ${ancestors}`);
    await assert.doesNotReject(() => waitFor(() => refusals.length > 0, 5000), 'Chromium reported no frame-ancestors refusal');
    const frame = page.frames().find(f => f !== page.mainFrame());
    assert.ok(frame, 'the iframe vanished');
    // Chromium replaces a refused frame with its error page.
    assert.match(frame.url(), /^chrome-error:/, `the frame shows ${frame.url()}`);
    assert.equal(await frame.locator('#snapbridge-widget, .sb-card').count(), 0, 'the widget rendered inside a disallowed origin');
    await shot(page, '08-refused-frame');
    await page.close();
  } finally {
    stranger.close();
  }
});

// waitFor polls cond every 50 ms until it holds or ms pass.
async function waitFor(cond, ms) {
  const deadline = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`still false after ${ms} ms`);
    await new Promise(res => setTimeout(res, 50));
  }
}
