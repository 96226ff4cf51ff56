// What a CRM administrator does in the snapbridge admin console, in real
// headless Chromium against the real binary and its LinkedIn stand-in.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startProduct } from './lib/product.mjs';
import { launch, watchConsole, shot } from './lib/browser.mjs';

let product, browser;
const record = { id: 'c-001', type: 'contact' };

before(async () => {
  product = await startProduct();
  browser = await launch();
});

after(async () => {
  await browser?.close();
  await product?.stop();
});

function consoleURL(...roles) {
  const ctx = product.signContext('demo', 'admin-1', record, { roles });
  return `${product.api}/admin/demo?ctx=${encodeURIComponent(ctx)}`;
}

test('an admin connects LinkedIn, creates an activity export and watches it complete', { timeout: 60000 }, async () => {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  const page = await context.newPage();
  const errors = watchConsole(page);
  const answer = await page.goto(consoleURL('admin'));
  assert.equal(answer.status(), 200);
  assert.match(answer.headers()['content-security-policy'], /frame-ancestors [^;]*http/);
  assert.equal(answer.headers()['cache-control'], 'no-store');
  assert.ok(!page.url().includes('ctx='), 'the one-time context stays in the address bar');

  // A fresh viewer has no LinkedIn connection: the console says why it
  // needs one and offers the consent popup.
  const connect = page.getByRole('button', { name: 'Connect LinkedIn' });
  await connect.waitFor();
  assert.match(await page.locator('#contract-msg').textContent(), /Connect your LinkedIn account|r_sales_nav_analytics/);
  await shot(page, 'console-1-connect');
  const [popup] = await Promise.all([context.waitForEvent('page'), connect.click()]);
  await popup.waitForLoadState();
  assert.match(popup.url(), /\/oauth\/v2\/authorization\?/, 'the popup is not the LinkedIn consent page');
  await Promise.all([popup.waitForEvent('close', { timeout: 15000 }), popup.locator('button.allow').click()]);

  // Back in the console the contracts load by themselves; the one with
  // reporting access is chosen, the other cannot be.
  const contract = page.getByLabel('Contract');
  await page.waitForFunction(() => document.querySelector('#contract').value.startsWith('urn:li:salesContract:'), null, { timeout: 10000 });
  assert.match(await contract.locator('option:checked').textContent(), /Enterprise/);
  assert.equal(await contract.locator('option[disabled]').count(), 1);
  assert.equal(await connect.isHidden(), true);

  // A range over 90 days is refused before anything is sent.
  const analytics = page.getByRole('region', { name: 'Analytics exports' });
  await analytics.getByLabel('From', { exact: true }).fill('2025-01-01');
  await analytics.getByLabel('To (inclusive)', { exact: true }).fill('2025-06-30');
  await page.getByRole('button', { name: 'Create export' }).click();
  assert.match(await page.locator('#range-msg').textContent(), /181 days; LinkedIn exports at most 90 days/);
  assert.equal(await page.locator('#analytics-table tbody tr').count(), 0);

  // The last 30 days of activity.
  const day = (d) => d.toISOString().slice(0, 10);
  const today = new Date();
  await analytics.getByLabel('Data', { exact: true }).selectOption('activity');
  await analytics.getByLabel('From', { exact: true }).fill(day(new Date(today.getTime() - 29 * 86400000)));
  await analytics.getByLabel('To (inclusive)', { exact: true }).fill(day(today));
  await page.getByRole('button', { name: 'Create export' }).click();
  const row = page.locator('#analytics-table tbody tr').first();
  await row.waitFor();
  assert.equal(await page.locator('#range-msg').textContent(), '');
  assert.match(await row.locator('td').nth(1).textContent(), /Activity/);
  assert.match(await row.locator('td').nth(2).textContent(), /Enterprise/);
  assert.match(await row.getAttribute('data-status'), /waiting|running/);
  await shot(page, 'console-2-running');

  await page.waitForSelector('#analytics-table tbody tr[data-status="completed"]', { timeout: 30000 });
  const done = page.locator('#analytics-table tbody tr[data-status="completed"]').first();
  assert.match(await done.locator('.badge').textContent(), /Completed/);
  assert.match(await done.locator('td.num').textContent(), /\d/);
  const download = done.getByRole('link', { name: 'Download' });
  assert.match(await download.getAttribute('href'), /\/api\/v1\/admin\/tenants\/demo\/exports\/\d+\/download$/);
  await shot(page, 'console-3-completed');

  // The link hands over the file from LinkedIn (a fresh link each time).
  const [file] = await Promise.all([
    context.waitForEvent('response', { predicate: (r) => r.url().startsWith(`${product.standin}/_sandbox/downloads/`), timeout: 10000 }),
    download.click(),
  ]);
  assert.equal(file.status(), 200, `the file link answered ${file.status()}: ${await page.locator('#range-msg').textContent()}`);
  assert.match(file.headers()['content-disposition'], /attachment; filename=".+\.csv"/);

  // Health at a glance, a connection test, an API key made and revoked,
  // and every admin action in the audit log.
  await page.locator('#health-stats dt', { hasText: 'Connected sellers' }).waitFor();
  assert.match(await page.locator('#health-stats').textContent(), /LinkedIn look-ups today\d+ of \d+/);
  await page.getByRole('button', { name: 'Test connection' }).click();
  await page.locator('#test-steps li.ok', { hasText: 'The LinkedIn connection works.' }).waitFor({ timeout: 10000 });
  await page.locator('#apikey-name').fill('nightly export job');
  await page.getByRole('button', { name: 'Create API key' }).click();
  const secret = await page.locator('#apikey-secret').textContent();
  assert.match(secret, /^sbk_/);
  const withKey = await fetch(`${product.api}/api/v1/admin/tenants/demo/health`, { headers: { Authorization: `Bearer ${secret}` } });
  assert.equal(withKey.status, 200, 'the new API key does not work');
  page.once('dialog', (d) => d.accept());
  await page.getByRole('button', { name: 'Revoke API key nightly export job' }).click();
  await page.locator('#apikey-table .badge', { hasText: 'Revoked' }).waitFor();
  const revoked = await fetch(`${product.api}/api/v1/admin/tenants/demo/health`, { headers: { Authorization: `Bearer ${secret}` } });
  assert.equal(revoked.status, 401, 'a revoked API key still works');
  for (const action of ['export.create', 'tenant.test_connection', 'api_key.create', 'api_key.revoke']) {
    await page.locator('#audit-table td', { hasText: action }).first().waitFor({ timeout: 5000 });
  }
  assert.doesNotMatch(await page.locator('#audit-table').textContent(), new RegExp(secret.slice(-12)), 'the audit log shows the key');
  await shot(page, 'console-5-health-keys-audit');

  // The one expected failure: contracts asked for before LinkedIn was connected.
  assert.deepEqual(errors.filter((e) => !/409 \(Conflict\) @ \S+\/contracts$/.test(e)), []);
  await context.close();
});

test('a CRM user without the admin role gets a clear 403 page', async () => {
  const page = await browser.newPage();
  const answer = await page.goto(consoleURL());
  assert.equal(answer.status(), 403);
  assert.equal(await page.getByRole('heading', { level: 1 }).textContent(), 'Administrators only');
  assert.match(await page.locator('main').textContent(), /without the admin role/);
  assert.equal(await page.locator('[data-session]').count(), 0, 'a refused viewer got a session');
  await shot(page, 'console-4-forbidden');
  await page.close();
});
