// What a CRM administrator does in the snapbridge admin console, in real
// headless Chromium against the real binary and its LinkedIn stand-in.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { startProduct, signContextHS256 } from './lib/product.mjs';
import { launch, watchConsole, shot } from './lib/browser.mjs';

let product, browser;
const record = { id: 'c-001', type: 'contact' };

before(async () => {
  // Demo members write a message every 2 s while opted in to compliance.
  process.env.SNAPBRIDGE_SANDBOX_COMPLIANCE_CADENCE = '2s';
  product = await startProduct();
  browser = await launch();
});

after(async () => {
  await browser?.close();
  await product?.stop();
});

// unexpected drops the console errors a page is expected to log: the
// contracts and the compliance status asked for before this viewer gave
// LinkedIn's consent for them (409 with a connect link), and the refusals a
// test provokes (allowed: patterns of their URLs' ends).
const unexpected = (errors, ...allowed) => errors.filter((e) =>
  ![/409 \(Conflict\) @ \S+\/contracts$/, /409 \(Conflict\) @ \S+\/compliance\/status$/, ...allowed].some((re) => re.test(e)));

function consoleURL(...roles) {
  const ctx = product.signContext('demo', 'admin-1', record, { roles });
  return `${product.api}/admin/demo?ctx=${encodeURIComponent(ctx)}`;
}

// nosyncConsole is the admin console URL of the second demo tenant, whose
// settings and keys the settings test changes (the demo tenant's key stays,
// for the other tests); ctx defaults to one signed with the seeded key.
function nosyncConsole(ctx = product.signContext('nosync', 'admin-1', record, { roles: ['admin'] })) {
  return `${product.api}/admin/nosync?ctx=${encodeURIComponent(ctx)}`;
}

test('an admin connects LinkedIn, creates an activity export and watches it complete', { timeout: 90000 }, async () => {
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
  assert.match(await page.locator('#contract-desc').textContent(), /Annual enterprise subscription/);
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
  assert.equal(await row.locator('td').nth(3).textContent(), 'admin-1');
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

  // A CRM data validation export: its "File 1" is our audited download,
  // opened through the console like the analytics Download.
  await page.getByLabel('Export start date').fill(day(new Date(today.getTime() - 3 * 86400000)));
  await page.getByRole('button', { name: 'Create validation export' }).click();
  await page.waitForSelector('#validation-table tbody tr[data-status="completed"]', { timeout: 30000 });
  const vfile = page.locator('#validation-table tbody tr[data-status="completed"]').first().getByRole('link', { name: 'File 1' });
  assert.match(await vfile.getAttribute('href'), /\/api\/v1\/admin\/tenants\/demo\/validation-exports\/\d+\/download\?file=1$/);
  await vfile.focus();
  const [vdownload] = await Promise.all([
    context.waitForEvent('response', { predicate: (r) => r.url().startsWith(`${product.standin}/_sandbox/downloads/`), timeout: 10000 }),
    page.keyboard.press('Enter'),
  ]);
  assert.equal(vdownload.status(), 200, `the file link answered ${vdownload.status()}: ${await page.locator('#validation-msg').textContent()}`);

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
  for (const action of ['export.create', 'export.download', 'validation_export.download', 'tenant.test_connection', 'api_key.create', 'api_key.revoke']) {
    await page.locator('#audit-table td', { hasText: action }).first().waitFor({ timeout: 5000 });
  }
  assert.doesNotMatch(await page.locator('#audit-table').textContent(), new RegExp(secret.slice(-12)), 'the audit log shows the key');
  await shot(page, 'console-5-health-keys-audit');

  assert.deepEqual(unexpected(errors), []);
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

test('an admin edits the tenant settings and rotates its context key', { timeout: 90000 }, async () => {
  // Each page in its own browser context, as a CRM admin reopening the
  // console would; the referrer is the demo CRM, as after its link.
  const open = async (url) => {
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    const page = await context.newPage();
    const errors = watchConsole(page);
    const answer = await page.goto(url, { referer: `${product.demo}/t/nosync/contacts` });
    return { context, page, errors, answer };
  };
  const settings = (page) => page.getByRole('region', { name: 'Tenant settings' });
  const keysOf = (page) => page.getByRole('region', { name: 'Context keys' });
  const settingsOf = async (page) => {
    await page.locator('#settings-form').waitFor();
    return {
      name: await settings(page).getByLabel('Name', { exact: true }).inputValue(),
      budget: await settings(page).getByLabel('Daily look-up budget').inputValue(),
      accent: await settings(page).getByLabel('Accent colour').inputValue(),
    };
  };

  const first = await open(nosyncConsole());
  assert.equal(first.answer.status(), 200);
  let page = first.page;
  const before = await settingsOf(page);
  assert.match(before.name, /Demo CRM without CRM Sync/);
  assert.equal(before.budget, '5000');
  assert.match(await page.locator('#set-client-secret-hint').textContent(), /A secret is set/);
  assert.equal(await settings(page).getByLabel('Max lifetime').inputValue(), '10m');

  // Name and budget changed and saved: the answer is shown, and audited.
  await settings(page).getByLabel('Name', { exact: true }).fill('Nosync Renamed');
  await settings(page).getByLabel('Daily look-up budget').fill('1234');
  await page.getByRole('button', { name: 'Save settings' }).click();
  await page.locator('#settings-msg.ok', { hasText: 'Saved' }).waitFor();
  assert.equal(await page.locator('#tenant-name').textContent(), 'Nosync Renamed');
  await page.locator('#audit-table td', { hasText: 'tenant.update' }).first().waitFor();
  assert.match(await page.locator('#audit-table tbody tr').first().textContent(), /name: “[^”]*” → “Nosync Renamed”; dailyLookupBudget: \d+ → 1234/);
  assert.deepEqual(unexpected(first.errors), []);
  await first.context.close();

  // A new console (a new context from the CRM) shows the saved values.
  const second = await open(nosyncConsole());
  page = second.page;
  assert.deepEqual(await settingsOf(page), { name: 'Nosync Renamed', budget: '1234', accent: before.accent });

  // A colour the server refuses: its message sits next to the field, the
  // field is marked invalid and focused, nothing is saved.
  const accent = settings(page).getByLabel('Accent colour');
  await accent.fill('blue');
  await settings(page).getByLabel('Name', { exact: true }).fill('Must not be saved');
  await page.getByRole('button', { name: 'Save settings' }).click();
  await page.locator('#set-accent-err', { hasText: 'must look like #0a66c2' }).waitFor();
  assert.equal(await accent.getAttribute('aria-invalid'), 'true');
  assert.equal(await page.evaluate(() => document.activeElement.id), 'set-accent');
  assert.match(await page.locator('#settings-msg').textContent(), /Not saved/);
  await shot(page, 'console-6-settings-field-error');

  // Dropping the CRM's origin warns before anything is sent; declining
  // sends nothing.
  const origins = settings(page).getByLabel('Allowed origins (one per line)');
  await accent.fill(before.accent);
  await origins.fill('https://elsewhere.example');
  await page.locator('#set-origins-warn', { hasText: product.demo }).waitFor();
  let warned = '';
  page.once('dialog', (d) => { warned = d.message(); d.dismiss(); });
  let puts = 0;
  page.on('request', (r) => { if (r.method() === 'PUT') puts++; });
  await page.getByRole('button', { name: 'Save settings' }).click();
  await page.locator('#settings-msg', { hasText: 'would be locked out' }).waitFor();
  assert.match(warned, /is not among the allowed origins/);
  assert.equal(puts, 0, 'the settings were sent although the admin declined');
  await shot(page, 'console-7-settings-lockout-warning');
  // The 400 and nothing else went wrong in the page.
  assert.deepEqual(unexpected(second.errors, /400 \(Bad Request\) @ \S+\/tenants\/nosync$/), []);
  await second.context.close();

  const third = await open(nosyncConsole());
  page = third.page;
  assert.deepEqual(await settingsOf(page), { name: 'Nosync Renamed', budget: '1234', accent: before.accent }, 'a refused save changed the tenant');
  const issuer = await settings(page).getByLabel('Issuer (iss)').inputValue();

  // Rotation: one key, which cannot be removed; add k2 next to it.
  const keys = page.locator('#ckey-table tbody tr');
  await keys.first().waitFor();
  assert.equal(await keys.count(), 1);
  const oldKid = await keys.first().getAttribute('data-kid');
  assert.equal(await page.getByRole('button', { name: `Remove context key ${oldKid}` }).isDisabled(), true);
  assert.equal(await page.locator('#ckey-last').isVisible(), true);
  assert.match(await keys.first().textContent(), /HS256Shared secret set/);
  const secret = 'k2-secret-of-the-crm-0123456789abcdef';
  await keysOf(page).getByLabel('Key id (kid)').fill('k2');
  await keysOf(page).getByLabel('Algorithm').selectOption('EdDSA');
  assert.equal(await keysOf(page).getByLabel('Public key (PEM)').isVisible(), true);
  assert.equal(await keysOf(page).getByLabel('Shared secret').isVisible(), false);
  await keysOf(page).getByLabel('Algorithm').selectOption('HS256');
  await keysOf(page).getByLabel('Shared secret').fill(secret);
  await page.getByRole('button', { name: 'Add key' }).click();
  await page.locator('#ckey-table tbody tr[data-kid="k2"]').waitFor();
  assert.equal(await keys.count(), 2);
  assert.equal(await page.getByRole('button', { name: `Remove context key ${oldKid}` }).isEnabled(), true);
  await page.locator('#audit-table td', { hasText: 'context_key.add' }).first().waitFor();

  // A third key is refused by the server, which says why.
  await keysOf(page).getByLabel('Key id (kid)').fill('k3');
  await keysOf(page).getByLabel('Shared secret').fill(`${secret}-3`);
  await page.getByRole('button', { name: 'Add key' }).click();
  await page.locator('#ckey-msg.error', { hasText: 'already has 2 active context keys' }).waitFor();
  assert.equal(await keys.count(), 2);
  await shot(page, 'console-8-two-keys');

  // The CRM switches to k2: its contexts open the console.
  const signedK2 = () => signContextHS256({ issuer, kid: 'k2', secret, viewer: 'admin-1', records: [record], roles: ['admin'] });
  const withK2 = await open(nosyncConsole(signedK2()));
  assert.equal(withK2.answer.status(), 200, 'a context signed with the new key was refused');
  await withK2.context.close();

  // A CRM page rendered before the switch still carries an old-key context.
  const oldKeyContext = product.signContext('nosync', 'admin-1', record, { roles: ['admin'] });
  assert.equal(JSON.parse(Buffer.from(oldKeyContext.split('.')[0], 'base64url')).kid, oldKid);

  // The old key goes; k2 is now the only one and cannot be removed.
  page.once('dialog', (d) => d.accept());
  await page.getByRole('button', { name: `Remove context key ${oldKid}` }).click();
  await page.locator('#ckey-list-msg.ok', { hasText: `Removed "${oldKid}"` }).waitFor();
  assert.equal(await page.locator('#ckey-msg').textContent(), '', 'the refusal of the third key is still shown');
  assert.equal(await keys.count(), 1);
  assert.equal(await page.getByRole('button', { name: 'Remove context key k2' }).isDisabled(), true);
  assert.equal(await page.locator('#ckey-last').isVisible(), true);
  await page.locator('#audit-table td', { hasText: 'context_key.remove' }).first().waitFor();
  await shot(page, 'console-9-rotated');
  await page.emulateMedia({ colorScheme: 'dark' });
  await shot(page, 'console-9-rotated-dark');
  assert.deepEqual(unexpected(third.errors, /409 \(Conflict\) @ \S+\/context-keys$/), []);
  await third.context.close();

  // Contexts signed with the old key are refused now; k2 still works,
  // also from the reference signer, which reads the stored tenant.
  const refused = await open(nosyncConsole(oldKeyContext));
  assert.equal(refused.answer.status(), 401);
  assert.match(await refused.page.locator('main').textContent(), /sign-in was not accepted/);
  assert.equal(await refused.page.locator('[data-session]').count(), 0);
  await refused.context.close();
  const again = await open(nosyncConsole(signedK2()));
  assert.equal(again.answer.status(), 200);
  await again.context.close();
  const cli = await open(nosyncConsole());
  assert.equal(cli.answer.status(), 200, 'snapbridge context sign did not sign with the remaining key');
  await cli.context.close();
});

test('an admin opts in to compliance archiving, sees messages archived, and opts out', { timeout: 60000 }, async () => {
  // A viewer of its own: the first test connected admin-1 for analytics.
  const ctx = product.signContext('demo', 'admin-2', record, { roles: ['admin'] });
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  const page = await context.newPage();
  const errors = watchConsole(page);
  await page.goto(`${product.api}/admin/demo?ctx=${encodeURIComponent(ctx)}`);
  const compliance = page.getByRole('region', { name: 'Compliance archive' });
  const status = page.locator('#my-compliance-status');
  await page.waitForFunction(() => /not being archived/.test(document.querySelector('#my-compliance-status').textContent));

  // One click: LinkedIn's consent for the compliance permission opens at
  // once, and the opt-in completes by itself once the popup has closed.
  const connect = page.locator('#my-connect');
  const [popup] = await Promise.all([context.waitForEvent('page'),
    compliance.getByRole('button', { name: 'Archive my messages' }).click()]);
  await popup.waitForLoadState();
  assert.match(await status.textContent(), /Allow archiving in the LinkedIn window/);
  assert.equal(await connect.isHidden(), true, 'a second button competes with the open window');
  assert.match(decodeURIComponent(popup.url()), /scope=[^&]*r_compliance_sales_nav/, 'the consent does not ask for the compliance scope');
  await Promise.all([popup.waitForEvent('close', { timeout: 15000 }), popup.locator('button.allow').click()]);
  await page.waitForFunction(() => /are being archived since/.test(document.querySelector('#my-compliance-status').textContent), null, { timeout: 10000 });
  assert.equal(await compliance.getByRole('button', { name: 'Stop archiving' }).isVisible(), true);
  assert.equal(await connect.isHidden(), true);

  // The viewers table lists the new opt-in; the stand-in's demo member
  // writes a message every 2 s, and "Sync now" archives them.
  const row = page.locator('#compliance-table tbody tr', { has: page.locator('th', { hasText: 'admin-2' }) });
  await row.locator('.badge', { hasText: 'Opted in' }).waitFor({ timeout: 5000 });
  let archived = 0;
  for (let i = 0; i < 10 && archived === 0; i++) {
    await page.waitForTimeout(1500);
    await row.getByRole('button', { name: 'Sync the archive of admin-2 now' }).click();
    await page.waitForFunction(() => /admin-2: (fetched|the sync failed)/.test(document.querySelector('#compliance-msg').textContent));
    const msg = await page.locator('#compliance-msg').textContent();
    assert.match(msg, /fetched \d+ events?, archived \d+ new/);
    archived = Number(/archived (\d+) new/.exec(msg)[1]);
  }
  assert.ok(archived > 0, 'no message was archived');
  await page.waitForFunction(() => /^[1-9]/.test(
    [...document.querySelectorAll('#compliance-table tbody tr')].find((r) => r.querySelector('th').textContent === 'admin-2').querySelector('td.num').textContent));

  // The archive downloads as JSON Lines, one archived message per line.
  await page.locator('#archive-viewer').selectOption('admin-2');
  const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Download archive' }).click()]);
  const lines = fs.readFileSync(await download.path(), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
  assert.ok(lines.length >= archived, `the archive has ${lines.length} lines, ${archived} were archived`);
  assert.equal(new Set(lines.map((l) => l.id)).size, lines.length, 'the archive repeats an event');
  assert.ok(lines.every((l) => l.viewer === 'admin-2' && l.event));
  await shot(page, 'console-10-compliance');

  // Opting out stops capturing and keeps the archive.
  page.once('dialog', (d) => d.accept());
  await compliance.getByRole('button', { name: 'Stop archiving' }).click();
  await page.waitForFunction(() => /not being archived/.test(document.querySelector('#my-compliance-status').textContent), null, { timeout: 10000 });
  assert.match(await status.textContent(), /keeps [1-9]\d* events? archived so far/);
  await row.locator('.badge', { hasText: 'Opted out' }).waitFor({ timeout: 5000 });
  assert.equal(await compliance.getByRole('button', { name: 'Archive my messages' }).isVisible(), true);
  assert.deepEqual(unexpected(errors, /409 \(Conflict\) @ \S+\/compliance\/opt-in$/), []);
  await context.close();
});

test('two admins save the tenant settings at once: the later save is refused, the first kept', { timeout: 60000 }, async () => {
  const open = async () => {
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    const page = await context.newPage();
    const errors = watchConsole(page);
    await page.goto(consoleURL('admin'));
    await page.locator('#settings-form').waitFor();
    return { context, page, errors };
  };
  const field = (page, label) => page.getByRole('region', { name: 'Tenant settings' }).getByLabel(label, { exact: true });
  const save = (page) => page.getByRole('button', { name: 'Save settings' }).click();

  // Both open the settings before either saves.
  const ada = await open();
  const bob = await open();
  const original = await field(ada.page, 'Accent colour').inputValue();
  const name = await field(bob.page, 'Name').inputValue();

  await field(ada.page, 'Accent colour').fill('#123456');
  await save(ada.page);
  await ada.page.locator('#settings-msg.ok', { hasText: 'Saved' }).waitFor();

  await field(bob.page, 'Name').fill('Bob would overwrite the colour');
  await save(bob.page);
  await bob.page.locator('#settings-msg.error', {
    hasText: 'This tenant was changed by someone else since you opened it — reload to see their changes.' }).waitFor();
  await shot(bob.page, 'console-8-settings-changed-meanwhile');

  // Reloading shows Ada's colour; Bob's name was not saved.
  await bob.page.getByRole('button', { name: 'Reload settings' }).click();
  await bob.page.waitForFunction(() => document.querySelector('#set-accent').value === '#123456');
  assert.equal(await field(bob.page, 'Name').inputValue(), name);

  // Bob can now save on top of Ada's change (putting the colour back).
  await field(bob.page, 'Accent colour').fill(original);
  await save(bob.page);
  await bob.page.locator('#settings-msg.ok', { hasText: 'Saved' }).waitFor();

  assert.deepEqual(unexpected(ada.errors), []);
  assert.deepEqual(unexpected(bob.errors, /412 \(Precondition Failed\) @ \S+\/tenants\/demo$/), []);
  await ada.context.close();
  await bob.context.close();
});
