// The widget's visual states as a seller meets them (issue 11, items 3, 4,
// 5, 7, 8 and 9), in real headless Chromium against the real binary and
// its LinkedIn stand-in, with a screenshot of each in screenshots/states-*.
// The tests share one server and run in order.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { startProduct, wireRecord } from './lib/product.mjs';
import { launch, watchConsole, shot } from './lib/browser.mjs';
import { widgetViewport, widgetURL, openWidget, connect, setFaults, editTenant, backOffEnded } from './lib/widget.mjs';

const operatorKey = crypto.randomBytes(32).toString('base64url');
const linkedInBlue = 'rgb(10, 102, 194)';
let product, browser, demo, nosync;
const byOutcome = {};
// next hands out demo records of an outcome no test has looked up yet, so
// each state starts from LinkedIn, not from the cache.
const taken = {};
const next = (outcome) => {
  const i = (taken[outcome] = (taken[outcome] ?? -1) + 1);
  assert.ok(byOutcome[outcome][i], `the stand-in seeds too few ${outcome} records`);
  return byOutcome[outcome][i];
};

before(async () => {
  product = await startProduct({ operatorKey });
  browser = await launch();
  demo = await product.records('demo');
  nosync = await product.records('nosync');
  for (const r of demo) (byOutcome[r.expected] ??= []).push({ ...r, tenant: 'demo' });
});

after(async () => {
  await browser?.close();
  await product?.stop();
});

async function widgetPage(context = browser) {
  const page = await context.newPage({ viewport: widgetViewport });
  await page.setViewportSize(widgetViewport);
  return page;
}

// connectedContext is a browser context whose viewer has connected LinkedIn.
async function connectedContext(viewer) {
  const context = await browser.newContext({ viewport: widgetViewport });
  const page = await context.newPage();
  await openWidget(page, product, { viewer, records: [next('matched')] });
  await connect(page);
  await page.close();
  return context;
}

test('not connected: one sentence of why and one primary action, the full card above it', async () => {
  const page = await widgetPage();
  const errors = watchConsole(page);
  const r = next('matched');
  await openWidget(page, product, { viewer: 'states-new', records: [r] });
  await assert.doesNotReject(page.locator('.sb-connect__text').waitFor());
  assert.equal((await page.locator('.sb-connect__text').textContent()).trim(), 'Sign in to LinkedIn once to see Sales Navigator here.');
  const primaries = page.locator('.sb-btn--primary:visible, .sb-btn--linkedin:not(.sb-btn--outline):visible');
  assert.equal(await primaries.count(), 1, 'more than one primary action');
  assert.equal((await primaries.textContent()).trim(), 'Connect LinkedIn');
  assert.equal(await page.getByText('Connect LinkedIn', { exact: true }).count(), 1, 'the offer repeats its button');
  const view = page.getByRole('link', { name: /^View in Sales Navigator/ });
  assert.match(await view.getAttribute('class'), /sb-btn--outline/, 'View in Sales Navigator competes with Connect');
  // The full card: photo, title and company are ours to show here.
  for (const text of [`${r.firstName} ${r.lastName}`, r.title, r.company]) {
    assert.equal(await page.locator('.sb-card').getByText(text, { exact: true }).count(), 1, `the card lacks ${text}`);
  }
  const box = await page.locator('.sb-panel--placeholder').boundingBox();
  assert.ok(box.height < 140, `the Connect offer is ${box.height} px tall`);
  assert.notEqual(await page.locator('.sb-panel--placeholder').evaluate(el => getComputedStyle(el).borderTopStyle), 'dashed');
  assert.deepEqual(errors, []);
  await shot(page, 'states-01-not-connected');
  await page.close();
});

test('connected: with the panel showing our card is a compact header, LinkedIn blue for LinkedIn, the accent for ours', async () => {
  await editTenant(product, operatorKey, 'demo', { accentColor: '#b8326a' });
  try {
    const context = await browser.newContext({ viewport: widgetViewport });
    const page = await context.newPage();
    const r = next('matched');
    await openWidget(page, product, { viewer: 'states-seller', records: [r] });
    assert.equal(await page.locator('.sb-card--header').count(), 0, 'a header before the panel shows');
    await connect(page);
    const header = page.locator('article.sb-card--header');
    await header.waitFor();
    assert.equal((await header.locator('.sb-card__name').textContent()).trim(), `${r.firstName} ${r.lastName}`);
    assert.equal((await header.locator('.sb-card__type').textContent()).trim(), 'Contact');
    const view = header.getByRole('link', { name: /^View in Sales Navigator/ });
    assert.equal(await view.count(), 1);
    assert.equal(await header.locator('.sb-avatar').count(), 0, 'the header repeats the photo LinkedIn shows');
    assert.equal(await header.getByText(r.company).count(), 0, 'the header repeats the company LinkedIn shows');
    assert.equal(await view.evaluate(el => getComputedStyle(el).backgroundColor), linkedInBlue, 'the accent recoloured LinkedIn\'s button');
    assert.equal(await header.evaluate(el => getComputedStyle(el).borderTopColor), 'rgb(184, 50, 106)', 'the accent is not ours to use any more');
    await shot(page, 'states-02-connected');

    // A new page for a connected seller comes prerendered as a header.
    const again = await context.newPage();
    const r2 = next('matched');
    await again.goto(widgetURL(product, { viewer: 'states-seller', records: [r2] }));
    await again.locator('iframe.sb-panel__frame').waitFor();
    assert.equal(await again.locator('article.sb-card--header').count(), 1, 'the prerendered page shows the full card beside the panel');
    await context.close();
  } finally {
    await editTenant(product, operatorKey, 'demo', { accentColor: '#0a66c2' });
  }
});

for (const [name, faults, words, file] of [
  ['LinkedIn is busy (429)', { rate429: 1 }, 'LinkedIn is busy — try again in a few minutes', 'states-03-throttled'],
  ['LinkedIn is down', { down: true }, 'LinkedIn is not answering — try again later', 'states-04-linkedin-down'],
]) {
  test(`${name}: true words and one Retry for the card and the panel`, async () => {
    const context = await connectedContext(`states-${file}`);
    await setFaults(product, faults);
    try {
      const page = await context.newPage();
      const r = next('matched');
      await openWidget(page, product, { viewer: `states-${file}`, records: [r] });
      await page.getByText(words).first().waitFor({ timeout: 15000 });
      // Let the panel settle too: its iframe, or what stands in for it.
      await page.locator('iframe.sb-panel__frame, .sb-panel__wait, .sb-panel--placeholder .sb-notice').first().waitFor({ timeout: 15000 });
      assert.equal(await page.getByRole('button', { name: 'Retry' }).count(), 1, 'not exactly one Retry');
      assert.equal(await page.getByText(/Too many look-ups|look-up budget/).count(), 0, 'LinkedIn\'s limit worded as the tenant\'s budget');
      await shot(page, file);
      await setFaults(product, {});
      if (faults.rate429) await backOffEnded(product, r.tenant, next('matched'));
      await page.getByRole('button', { name: 'Retry' }).click();
      await page.getByRole('link', { name: /^View in Sales Navigator/ }).waitFor({ timeout: 15000 });
      await page.locator('iframe.sb-panel__frame').waitFor({ timeout: 15000 });
      assert.equal(await page.getByRole('button', { name: 'Retry' }).count(), 0);
    } finally {
      await setFaults(product, {});
      await context.close();
    }
  });
}

// showsRange waits for the pager to say want: the widget redraws on its
// next frame, a few milliseconds after the click, not during it.
async function showsRange(page, want, was) {
  try {
    await page.waitForFunction(w => document.querySelector('.sb-pager__range')?.textContent.trim() === w, want, { timeout: 2000 });
  } catch {
    assert.equal((await page.locator('.sb-pager__range').textContent()).trim(), want, `the pager still says ${was}`);
  }
}

test('the list says "1–12 of 32", pages through every contact and gives company names two lines', async () => {
  const page = await widgetPage();
  const errors = watchConsole(page);
  const long = 'Contoso Pharmaceuticals International Holdings and Worldwide Subsidiaries Group';
  const records = demo.map((r, i) => (i === 0 ? { ...r, company: long } : r));
  await openWidget(page, product, { mode: 'list', viewer: 'states-list', records });
  const range = page.locator('.sb-pager__range');
  assert.equal((await range.textContent()).trim(), `1–12 of ${records.length}`);
  assert.equal(await page.locator('.sb-list__row').count(), 12);
  const company = page.locator('.sb-list__row').first().locator('.sb-card__company');
  const lines = await company.evaluate(el => {
    const cs = getComputedStyle(el);
    return { height: el.clientHeight, line: parseFloat(cs.lineHeight) || 18, cut: el.scrollHeight > el.clientHeight };
  });
  assert.ok(lines.height > 1.5 * lines.line && lines.height < 2.5 * lines.line, `the company takes ${lines.height} px at ${lines.line} px a line`);
  assert.ok(lines.cut, 'a company name that long should be cut after two lines');
  await page.locator('.sb-card__link, .sb-chip').first().waitFor();
  await shot(page, 'states-05-list');

  const seen = [];
  for (let p = 0; ; p++) {
    await page.locator('.sb-list__row').first().waitFor();
    seen.push(...(await page.locator('.sb-list__row .sb-card__name').allTextContents()).map(s => s.trim()));
    if (await page.getByRole('button', { name: 'Next page' }).isDisabled()) break;
    const was = (await range.textContent()).trim();
    await page.getByRole('button', { name: 'Next page' }).click();
    await showsRange(page, `${12 * (p + 1) + 1}–${Math.min(12 * (p + 2), records.length)} of ${records.length}`, was);
    assert.ok(p < 5, 'the pager never ends');
  }
  assert.equal((await range.textContent()).trim(), `25–${records.length} of ${records.length}`);
  assert.deepEqual(seen, records.map(r => `${r.firstName} ${r.lastName}`), 'paging did not show every record once, in order');
  // The Next button the seller pressed is now disabled: focus moved on.
  assert.equal(await page.evaluate(() => document.activeElement?.id), 'sb-page-prev');
  await page.getByRole('button', { name: 'Previous page' }).click();
  await showsRange(page, `13–24 of ${records.length}`, `25–${records.length} of ${records.length}`);
  assert.deepEqual(errors, []);
  await page.close();
});

test('a tenant without CRM Sync says so once in the list, not on every row', async () => {
  const page = await widgetPage();
  await openWidget(page, product, { tenant: 'nosync', mode: 'list', viewer: 'states-nosync', records: nosync });
  const notice = page.locator('.sb-notice').filter({ hasText: 'CRM Sync is not enabled' });
  await notice.first().waitFor();
  assert.equal(await notice.count(), 1);
  assert.equal(await page.getByText('CRM Sync off').count(), 0, 'every row repeats CRM Sync off');
  assert.equal(await page.locator('.sb-list__row').count(), nosync.length);
  await shot(page, 'states-06-list-crm-sync-off');
  await page.close();
});

test('the theme follows the tenant, then the CRM page embed.js reads, never the seller\'s system', async () => {
  const themeOf = (target) => target.evaluate(() => ({
    theme: document.querySelector('#snapbridge-widget').dataset.theme,
    bg: getComputedStyle(document.body).backgroundColor,
  }));
  const dark = 'rgb(27, 31, 35)', light = 'rgb(255, 255, 255)';
  const page = await widgetPage();
  // The seller's system is dark: it no longer decides.
  await page.emulateMedia({ colorScheme: 'dark' });
  const r = byOutcome.matched[0];
  await openWidget(page, product, { viewer: 'states-theme', records: [r] });
  assert.deepEqual(await themeOf(page), { theme: 'light', bg: light }, 'a host that says nothing gets the light widget');
  await openWidget(page, product, { viewer: 'states-theme', records: [r], theme: 'dark' });
  assert.deepEqual(await themeOf(page), { theme: 'dark', bg: dark });
  await shot(page, 'states-07-dark');

  await editTenant(product, operatorKey, 'demo', { theme: 'light' });
  try {
    await openWidget(page, product, { viewer: 'states-theme', records: [r], theme: 'dark' });
    assert.deepEqual(await themeOf(page), { theme: 'light', bg: light }, 'the tenant\'s light theme lost to the host');
  } finally {
    await editTenant(product, operatorKey, 'demo', { theme: 'host' });
  }

  // embed.js on a dark CRM page: it reads the page's color-scheme, and an
  // explicit theme option wins.
  const crm = await browser.newPage();
  await crm.goto(`${product.demo}/t/demo/contacts/${r.id}`);
  for (const [scheme, option, want] of [['dark', undefined, 'dark'], ['light', undefined, 'light'], ['dark', 'light', 'light']]) {
    const ctx = product.signContext('demo', 'states-theme', wireRecord(r));
    const src = await crm.evaluate(({ ctx, scheme, option }) => {
      document.documentElement.style.colorScheme = scheme;
      const el = document.querySelector('[data-snapbridge-tenant]');
      return window.SnapBridge.mount(el, { tenant: 'demo', ctx, ...(option ? { theme: option } : {}) }).iframe.src;
    }, { ctx, scheme, option });
    assert.equal(new URL(src).searchParams.get('theme'), want, `page ${scheme}, option ${option}`);
    const frame = await (await crm.waitForSelector(`iframe[src="${src}"]`)).contentFrame();
    await frame.waitForSelector('#snapbridge-widget');
    assert.equal((await themeOf(frame)).theme, want);
  }
  await shot(crm, 'states-08-dark-crm-page');
  await crm.close();
  await page.close();
});
