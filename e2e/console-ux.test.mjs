// The admin console as a CRM administrator meets it day to day: people
// named, one time zone, a session that survives a reload, a Copy button,
// warnings before duplicates and empty downloads, one-click compliance
// opt-in, and a layout that works in a 390 px wide CRM panel.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { startProduct } from './lib/product.mjs';
import { launch, watchConsole, shot } from './lib/browser.mjs';
import { setFaults } from './lib/widget.mjs';

const binary = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../var/bin/snapbridge');
let product, browser;

before(async () => {
  product = await startProduct();
  browser = await launch();
});

after(async () => {
  await browser?.close();
  await product?.stop();
});

// consoleURL opens the demo tenant's console as an admin whose CRM signs
// their display name too.
function consoleURL(viewer, name) {
  const ctx = execFileSync(binary, ['context', 'sign', '--sandbox', '--tenant', 'demo', '--viewer', viewer, '--viewer-name', name,
    '--role', 'admin', '--record', JSON.stringify({ id: 'c-001', type: 'contact' })],
  { env: { ...process.env, SNAPBRIDGE_DATA_DIR: product.dataDir } }).toString().trim();
  return `${product.api}/admin/demo?ctx=${encodeURIComponent(ctx)}`;
}

// The 409s a fresh viewer's console logs before consent (contracts,
// compliance status) are expected; so is the duplicate export's.
const unexpected = (errors) => errors.filter((e) => !/409 \(Conflict\)/.test(e));

// connect walks the analytics consent popup of the console's Connect button.
async function connect(context, page) {
  const button = page.getByRole('button', { name: 'Connect LinkedIn' });
  await button.waitFor();
  const [popup] = await Promise.all([context.waitForEvent('page'), button.click()]);
  await popup.waitForLoadState();
  await Promise.all([popup.waitForEvent('close', { timeout: 15000 }), popup.locator('button.allow').click()]);
  await page.waitForFunction(() => document.querySelector('#contract').value.startsWith('urn:li:salesContract:'), null, { timeout: 10000 });
}

test('the console names its admin, shows times in the browser zone with UTC on hover, and survives a reload', { timeout: 60000 }, async () => {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, timezoneId: 'America/New_York', locale: 'en-US' });
  const page = await context.newPage();
  const errors = watchConsole(page);
  await page.goto(consoleURL('grace-1', 'Grace Hopper'));
  assert.equal(await page.locator('#viewer-name').textContent(), 'Grace Hopper');
  assert.match(page.url(), /\/admin\/demo\?resume$/, 'the one-time context stays in the address bar');

  // The session's end in New York time, its UTC on hover.
  const end = page.locator('#session-end');
  const utcTitle = await end.getAttribute('title');
  assert.match(utcTitle, /^\d{4}-\d\d-\d\d \d\d:\d\d UTC$/);
  const expected = await page.evaluate(() => new Intl.DateTimeFormat('en-US', { timeStyle: 'short', timeZone: 'America/New_York' })
    .format(new Date(document.querySelector('#session-end').dateTime)));
  assert.equal(await end.textContent(), expected);

  // An API key: the audit log names who created it, at a local time.
  await page.locator('#apikey-name').fill('reload check');
  await page.getByRole('button', { name: 'Create API key' }).click();
  await page.locator('#apikey-secret').waitFor();
  const row = page.locator('#audit-table tbody tr', { hasText: 'api_key.create' }).first();
  await row.waitFor();
  assert.equal(await row.locator('td').nth(1).textContent(), 'Grace Hopper');
  assert.equal(await row.locator('td').nth(1).getAttribute('title'), 'viewer:grace-1');
  assert.match(await row.locator('time').getAttribute('title'), / UTC$/);
  assert.doesNotMatch(await row.locator('td').first().textContent(), /UTC/);

  // A reload keeps the session: the page works on, nothing to re-open.
  await page.reload();
  await page.locator('#apikey-table tbody tr', { hasText: 'reload check' }).waitFor({ timeout: 10000 });
  assert.equal(await page.locator('#session-missing').isHidden(), true);
  assert.equal(await page.locator('#viewer-name').textContent(), 'Grace Hopper');
  assert.equal(await page.locator('#main').isVisible(), true);
  await shot(page, 'console-ux-1-after-reload');

  // Another tab has no session of its own: it says what to do.
  const other = await context.newPage();
  await other.goto(`${product.api}/admin/demo?resume`);
  await other.locator('#session-missing').waitFor();
  assert.equal(await other.locator('#main').isHidden(), true);
  assert.match(await other.locator('#session-missing').textContent(), /Open the console again from your CRM/);
  await shot(other, 'console-ux-2-no-session');
  assert.deepEqual(unexpected(errors), []);
  await context.close();
});

test('a new API key has a Copy button that says Copied', { timeout: 30000 }, async () => {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: product.api });
  const page = await context.newPage();
  await page.goto(consoleURL('copy-1', 'Cora Copy'));
  await page.locator('#apikey-name').fill('nightly');
  await page.getByRole('button', { name: 'Create API key' }).click();
  const secret = await page.locator('#apikey-secret').textContent();
  await page.getByRole('button', { name: 'Copy the new API key' }).click();
  await page.locator('#apikey-copied', { hasText: 'Copied' }).waitFor();
  assert.equal(await page.evaluate(() => navigator.clipboard.readText()), secret);
  await page.locator('#apikeys').screenshot({ path: path.join(path.dirname(fileURLToPath(import.meta.url)), 'screenshots', 'console-ux-3-copied.png') });
  await context.close();
});

test('an identical export waiting or running warns before a second; an empty archive range says so', { timeout: 60000 }, async () => {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  const page = await context.newPage();
  const errors = watchConsole(page);
  await page.goto(consoleURL('dup-1', 'Dana Dup'));
  await connect(context, page);

  await page.getByRole('button', { name: 'Create export' }).click();
  await page.locator('#analytics-table tbody tr').first().waitFor();
  const first = await page.locator('#analytics-table tbody tr').first().getAttribute('data-id');
  assert.equal(await page.locator('#analytics-table tbody tr').first().locator('td').nth(3).textContent(), 'Dana Dup');

  // The same again: a warning, and nothing created when declined.
  let warning = '';
  page.once('dialog', (d) => { warning = d.message(); d.dismiss(); });
  await page.getByRole('button', { name: 'Create export' }).click();
  await page.locator('#range-msg', { hasText: 'Not created' }).waitFor();
  assert.match(warning, new RegExp(`Export #${first} of the same data, contract and dates is already`));
  assert.match(await page.locator('#range-msg').textContent(), new RegExp(`export #${first} is the same`));
  assert.equal(await page.locator('#analytics-table tbody tr').count(), 1);
  await shot(page, 'console-ux-4-duplicate-declined');

  // Accepted, a second is created.
  page.once('dialog', (d) => d.accept());
  await page.getByRole('button', { name: 'Create export' }).click();
  await page.waitForFunction(() => document.querySelectorAll('#analytics-table tbody tr').length === 2, null, { timeout: 10000 });

  // An archive range without messages: said, and no file.
  let downloaded = false;
  page.on('download', () => { downloaded = true; });
  await page.locator('#archive-from').fill('2020-01-01');
  await page.locator('#archive-to').fill('2020-01-31');
  await page.getByRole('button', { name: 'Download archive' }).click();
  await page.locator('#archive-msg', { hasText: 'No archived messages' }).waitFor();
  assert.match(await page.locator('#archive-msg').textContent(), /from Jan 1, 2020 to Jan 31, 2020, so there is nothing to download/);
  assert.equal(downloaded, false, 'an empty archive was downloaded');
  await page.locator('#compliance').screenshot({ path: path.join(path.dirname(fileURLToPath(import.meta.url)), 'screenshots', 'console-ux-5-empty-archive.png') });
  assert.deepEqual(unexpected(errors), []);
  await context.close();
});

test('compliance opt-in is one click, and a LinkedIn window closed by hand is said', { timeout: 30000 }, async () => {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  const page = await context.newPage();
  await page.goto(consoleURL('optin-1', 'Olga Optin'));
  const status = page.locator('#my-compliance-status');
  await page.waitForFunction(() => /not being archived/.test(document.querySelector('#my-compliance-status').textContent));
  const optin = page.getByRole('button', { name: 'Archive my messages' });

  // Closed by hand: the console says so, nothing else is asked of it.
  let [popup] = await Promise.all([context.waitForEvent('page'), optin.click()]);
  await popup.waitForLoadState();
  assert.match(await status.textContent(), /Allow archiving in the LinkedIn window/);
  await popup.close();
  await page.locator('#my-compliance-status', { hasText: 'You closed the LinkedIn window' }).waitFor({ timeout: 5000 });
  assert.equal(await page.locator('#my-connect').isHidden(), true);
  await page.locator('#compliance .mine').screenshot({ path: path.join(path.dirname(fileURLToPath(import.meta.url)), 'screenshots', 'console-ux-6-optin-closed.png') });

  // Allowed: one click more, and archiving is on.
  [popup] = await Promise.all([context.waitForEvent('page'), optin.click()]);
  await popup.waitForLoadState();
  await Promise.all([popup.waitForEvent('close', { timeout: 15000 }), popup.locator('button.allow').click()]);
  await page.locator('#my-compliance-status', { hasText: 'are being archived since' }).waitFor({ timeout: 10000 });
  await page.locator('#compliance-table th', { hasText: 'Olga Optin' }).waitFor({ timeout: 10000 });
  await context.close();
});

test('the console works 390 px wide with fields that look editable', { timeout: 30000 }, async () => {
  const context = await browser.newContext({ viewport: { width: 390, height: 844 }, deviceScaleFactor: 1 });
  const page = await context.newPage();
  await page.goto(consoleURL('narrow-1', 'Nina Narrow'));
  await page.locator('#settings-form').waitFor();
  await page.locator('#audit-table').waitFor();
  const width = await page.evaluate(() => document.documentElement.scrollWidth);
  assert.ok(width <= 390, `the page is ${width} px wide in a 390 px viewport`);
  // Editable fields stand out from the panel; the panel is not their colour.
  const looks = await page.evaluate(() => {
    const input = getComputedStyle(document.querySelector('#set-name'));
    const panel = getComputedStyle(document.querySelector('#settings'));
    return { field: input.backgroundColor, panel: panel.backgroundColor, border: input.borderTopColor };
  });
  assert.equal(looks.field, looks.panel, 'an editable field is shaded like a disabled one');
  assert.notEqual(looks.border, 'rgb(217, 223, 231)', 'the field border is the faint panel line');
  await page.screenshot({ path: path.join(path.dirname(fileURLToPath(import.meta.url)), 'screenshots', 'console-ux-7-390-top.png') });
  await shot(page, 'console-ux-8-390-full');
  await context.close();
});

// tableFits measures the validation exports table: LinkedIn's job ids are
// long unbroken numbers and its failure messages long codes, and neither
// may push the table past its panel (no sideways scrolling) or the page
// past the viewport.
async function tableFits(page) {
  return page.evaluate(() => {
    const table = document.querySelector('#validation-table');
    const ids = [...table.querySelectorAll('tbody td.id')].map((td) => ({ text: td.textContent, title: td.title }));
    return { table: table.scrollWidth, wrap: table.parentElement.clientWidth, page: document.documentElement.scrollWidth, ids };
  });
}

test('the validation exports table fits 390 px and a desktop with LinkedIn\'s long job ids, each whole on hover and copy', { timeout: 90000 }, async () => {
  const day = (t) => new Date(t).toISOString().slice(0, 10);
  const views = [['390', { width: 390, height: 844 }], ['desktop', { width: 1280, height: 900 }]];
  for (const [i, [name, viewport]] of views.entries()) {
    const context = await browser.newContext({ viewport, deviceScaleFactor: 1 });
    const page = await context.newPage();
    const errors = watchConsole(page);
    await page.goto(consoleURL(`wide-ids-${name}`, 'Ida Ids'));
    await page.locator('#validation-form').waitFor();
    if (i === 0) {
      // One export that completes and one LinkedIn fails, with its code.
      await page.getByLabel('Export start date').fill(day(Date.now() - 3 * 86400000));
      await page.getByRole('button', { name: 'Create validation export' }).click();
      await page.waitForSelector('#validation-table tbody tr[data-status="completed"]', { timeout: 30000 });
      await setFaults(product, { failExports: true });
      try {
        await page.getByLabel('Export start date').fill(day(Date.now() - 2 * 86400000));
        await page.getByRole('button', { name: 'Create validation export' }).click();
        await page.waitForSelector('#validation-table tbody tr[data-status="failed"]', { timeout: 30000 });
      } finally {
        await setFaults(product, {});
      }
    }
    await page.waitForSelector('#validation-table tbody tr[data-status="failed"]', { timeout: 30000 });
    await page.locator('#validation').scrollIntoViewIfNeeded();
    const m = await tableFits(page);
    assert.ok(m.table <= m.wrap, `${name}: the validation table is ${m.table} px wide in its ${m.wrap} px panel`);
    assert.ok(m.page <= viewport.width, `${name}: the page is ${m.page} px wide in a ${viewport.width} px viewport`);
    assert.ok(m.ids.length >= 2);
    for (const id of m.ids) {
      assert.match(id.text, /^\d{16,}$/, `${name}: a job id is not shown whole: ${id.text}`);
      assert.equal(id.title, id.text, `${name}: the job id ${id.text} is not whole on hover`);
    }
    await page.locator('#validation').screenshot({ path: path.join(path.dirname(fileURLToPath(import.meta.url)), 'screenshots', `console-ux-9-validation-ids-${name}.png`) });
    assert.deepEqual(unexpected(errors), []);
    await context.close();
  }
});
