// What the server's operator does on the operator page: sign in with the
// operator key, create a tenant for a new CRM customer, and hand the CRM
// its context key — in real headless Chromium against the real binary.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { startProduct, signContextHS256 } from './lib/product.mjs';
import { launch, watchConsole, shot } from './lib/browser.mjs';

let product, browser;
const operatorKey = crypto.randomBytes(32).toString('base64url');

before(async () => {
  product = await startProduct({ operatorKey });
  browser = await launch();
});

after(async () => {
  await browser?.close();
  await product?.stop();
});

// asOperator calls the admin API with the operator key: the independent
// source of truth the page is checked against.
async function asOperator(path) {
  const r = await fetch(`${product.api}/api/v1/admin${path}`, { headers: { Authorization: `Bearer ${operatorKey}` } });
  return { status: r.status, body: await r.json() };
}

// The refusals this test provokes log failed requests in the page's console.
const unexpected = (errors) => errors.filter((e) => !/the server responded with a status of (400|401|409) .*\/api\/v1\/admin\/tenants$/.test(e));

const acme = {
  id: 'acme-e2e', name: 'ACME (e2e)', clientId: 'acme-e2e-app', clientSecret: 'acme-e2e-linkedin-client-secret',
  instance: 'acme-e2e.crm.dynamics.com', sourceType: 'MSFT_DYNAMICS_365',
  origin: 'https://acme-e2e.crm.example', issuer: 'https://acme-e2e.crm.example',
};

async function fillTenant(page, origins) {
  await page.getByLabel('Id', { exact: true }).fill(acme.id);
  await page.getByLabel('Name', { exact: true }).fill(acme.name);
  await page.getByLabel('Client id').fill(acme.clientId);
  await page.getByLabel('Client secret').fill(acme.clientSecret);
  await page.getByLabel('CRM type').selectOption('DYNAMICS');
  await page.getByLabel('CRM instance id').fill(acme.instance);
  await page.getByLabel('CRM source type').fill(acme.sourceType);
  await page.getByLabel('Allowed origins (one per line)').fill(origins.join('\n'));
  await page.getByLabel('Issuer (iss)').fill(acme.issuer);
  await page.getByLabel('Key id (kid)').fill('k1');
  await page.getByLabel('Algorithm').selectOption('HS256');
  await page.getByRole('button', { name: 'Generate' }).click();
}

test('the operator signs in, creates a tenant and its admin opens the console', { timeout: 60000 }, async () => {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: product.api });
  const page = await context.newPage();
  const errors = watchConsole(page);
  const answer = await page.goto(`${product.api}/operator`);
  assert.equal(answer.status(), 200);
  assert.match(answer.headers()['content-security-policy'], /frame-ancestors 'none'/);
  assert.match(answer.headers()['content-security-policy'], /script-src 'self'/);
  assert.equal(answer.headers()['cache-control'], 'no-store');

  // A wrong key is refused with the server's own answer, and nothing is shown.
  const key = page.getByLabel('Operator key');
  await key.fill('not-the-operator-key-not-the-operator-key');
  await page.getByRole('button', { name: 'Sign in' }).click();
  const keyErr = page.locator('#op-key-err');
  await page.waitForFunction(() => document.querySelector('#op-key-err').textContent !== '');
  assert.match(await keyErr.textContent(), /refused this key \(401 admin_credentials_invalid\)/);
  assert.equal(await key.getAttribute('aria-invalid'), 'true');
  assert.equal(await page.locator('#tenants').isHidden(), true);
  await shot(page, 'operator-1-wrong-key');

  // The right key lists the tenants (the two demo tenants so far).
  await key.fill(operatorKey);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.locator('#tenant-table tbody tr').first().waitFor();
  const ids = await page.locator('#tenant-table tbody tr td:first-child').allTextContents();
  assert.deepEqual(ids.sort(), (await asOperator('/tenants')).body.tenants.map((t) => t.id).sort());
  assert.ok(ids.includes('demo'));
  assert.equal(await key.isVisible(), false, 'the sign-in form stays after signing in');
  assert.equal(await page.evaluate(() => localStorage.length + sessionStorage.length + document.cookie.length), 0,
    'the key went to browser storage');
  assert.ok(!page.url().includes(operatorKey), 'the key is in the address bar');

  // An origin with a path is refused next to the origins box; nothing is created.
  await fillTenant(page, [acme.origin, `${acme.origin}/records`]);
  await page.getByRole('button', { name: 'Create tenant' }).click();
  const origins = page.getByLabel('Allowed origins (one per line)');
  await page.waitForFunction(() => document.querySelector('#t-origins-err').textContent !== '');
  assert.match(await page.locator('#t-origins-err').textContent(), /is not an origin like https:\/\/crm\.example\.com/);
  assert.equal(await origins.getAttribute('aria-invalid'), 'true');
  assert.equal(await page.evaluate(() => document.activeElement.id), 't-origins');
  assert.match(await page.locator('#tenant-msg').textContent(), /Not created: fix the marked field/);
  assert.equal((await asOperator(`/tenants/${acme.id}`)).status, 404);
  await shot(page, 'operator-2-bad-origin');

  // Fixed, it is created: listed, and the page says what to do next.
  await origins.fill(acme.origin);
  await page.getByRole('button', { name: 'Create tenant' }).click();
  const created = page.getByRole('region', { name: /Tenant acme-e2e created/ });
  await created.waitFor();
  assert.equal(await origins.getAttribute('aria-invalid'), null);
  const secret = await page.locator('#created-secret').inputValue();
  assert.ok(secret.length >= 32, `generated secret of ${secret.length} characters`);
  assert.match(await created.textContent(), /algorithm HS256, key id \(kid\) “k1”, issuer \(iss\) “https:\/\/acme-e2e\.crm\.example”, audience \(aud\) “snapbridge”, lifetime at most 10m;/);
  assert.match(await created.textContent(), new RegExp(`${product.api}/admin/acme-e2e\\?ctx=`));
  await page.getByRole('button', { name: 'Copy' }).click();
  await page.waitForFunction(() => document.querySelector('#created-copy-msg').textContent !== '');
  assert.equal(await page.evaluate(() => navigator.clipboard.readText()), secret);
  const row = page.locator('#tenant-table tbody tr[data-tenant="acme-e2e"]');
  await row.waitFor();
  assert.deepEqual((await row.locator('td').allTextContents()),
    [acme.id, acme.name, `DYNAMICS · ${acme.instance}`, acme.origin, '1']);
  const stored = (await asOperator(`/tenants/${acme.id}`)).body;
  assert.equal(stored.context.keys[0].secretSet, true);
  assert.equal(stored.linkedin.clientSecretSet, true);
  await shot(page, 'operator-3-created');

  // Done forgets the secret; the same id again is refused next to the id.
  await page.getByRole('button', { name: 'Done' }).click();
  assert.equal(await created.isHidden(), true);
  assert.equal(await page.locator('#created-secret').inputValue(), '');
  await fillTenant(page, [acme.origin]);
  await page.getByRole('button', { name: 'Create tenant' }).click();
  await page.waitForFunction(() => document.querySelector('#t-id-err').textContent !== '');
  assert.match(await page.locator('#t-id-err').textContent(), /A tenant with this id already exists; pick another id/);
  assert.equal(await page.getByLabel('Id', { exact: true }).getAttribute('aria-invalid'), 'true');
  assert.equal(await page.evaluate(() => document.activeElement.id), 't-id');
  await shot(page, 'operator-4-id-taken');
  assert.deepEqual(unexpected(errors), []);

  // The CRM signs an admin context with the handed-over secret: the new
  // tenant's admin console opens.
  const ctx = signContextHS256({ issuer: acme.issuer, kid: 'k1', secret, viewer: 'acme-admin',
    records: [{ id: 'c-001', type: 'contact' }], roles: ['admin'] });
  const admin = await context.newPage();
  const opened = await admin.goto(`${product.api}/admin/${acme.id}?ctx=${encodeURIComponent(ctx)}`);
  assert.equal(opened.status(), 200);
  assert.equal(await admin.locator('#tenant-name').textContent(), acme.name);
  assert.match(opened.headers()['content-security-policy'], /frame-ancestors https:\/\/acme-e2e\.crm\.example/);
  await admin.getByRole('heading', { name: 'Connection and health' }).waitFor();
  await shot(admin, 'operator-5-new-tenant-console');
  await context.close();
});
