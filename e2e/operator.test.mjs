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
  await page.getByRole('textbox', { name: 'Id', exact: true }).fill(acme.id);
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

  // Every required field is marked (the asterisk is not part of the
  // accessible name), and an empty form is refused with every error at
  // once; the secret's hint and its error both count bytes.
  const required = await page.locator('#tenant-form [required]').evaluateAll((els) => els.map((e) => e.id));
  assert.deepEqual(required, ['t-id', 't-client-id', 't-client-secret', 't-crm-type', 't-crm-instance', 't-crm-partner',
    't-crm-source', 't-origins', 't-issuer', 't-key-id', 't-key-alg', 't-key-secret', 't-key-pem']);
  assert.equal(await page.locator('#tenant-form label .req').count(), required.length);
  assert.match(await page.locator('#t-key-secret-hint').textContent(), /At least 32 bytes/);
  await page.getByRole('button', { name: 'Create tenant' }).click();
  await page.waitForFunction(() => document.querySelector('#tenant-msg').textContent.startsWith('Not created'));
  const invalid = await page.locator('#tenant-form [aria-invalid=true]').evaluateAll((els) => els.map((e) => e.id));
  assert.deepEqual(invalid, ['t-id', 't-client-id', 't-client-secret', 't-crm-instance', 't-crm-source', 't-origins', 't-issuer', 't-key-secret']);
  assert.match(await page.locator('#tenant-msg').textContent(), /Not created: fix the 8 marked fields\./);
  assert.equal(await page.evaluate(() => document.activeElement.id), 't-id', 'the first wrong field has the focus');
  assert.match(await page.locator('#t-client-id-err').textContent(), /^Is required$/);
  assert.match(await page.locator('#t-origins-err').textContent(), /^Needs at least one origin$/);
  assert.match(await page.locator('#t-key-secret-err').textContent(), /^HS256 needs at least 32 bytes$/);
  assert.equal((await asOperator('/tenants')).body.tenants.length, ids.length);
  await shot(page, 'operator-1b-every-error-at-once');

  // An origin with a path is refused next to the origins box; nothing is created.
  await fillTenant(page, [acme.origin, `${acme.origin}/records`]);
  await page.getByRole('button', { name: 'Create tenant' }).click();
  const origins = page.getByLabel('Allowed origins (one per line)');
  await page.waitForFunction(() => document.querySelector('#t-origins-err').textContent !== '');
  assert.match(await page.locator('#t-origins-err').textContent(), /is not an origin like https:\/\/crm\.example\.com/);
  assert.equal(await origins.getAttribute('aria-invalid'), 'true');
  assert.equal(await page.evaluate(() => document.activeElement.id), 't-origins');
  assert.match(await page.locator('#tenant-msg').textContent(), /Not created: fix the marked field\./);
  assert.equal(await page.locator('#tenant-form [aria-invalid=true]').count(), 1, 'fixed fields stay marked');
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
  await page.getByRole('button', { name: 'Copy', exact: true }).click();
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

  // The last step is ready to paste: the context sign command for this
  // server's database (with a record the stand-in matches), the iframe
  // and embed.js snippets, the stand-in's records of the tenant.
  const command = await page.locator('#created-sign').textContent();
  assert.match(command, /\/snapbridge context sign --db \S+\/snapbridge\.db --tenant acme-e2e --viewer crm-user-1 --viewer-name 'Sam Seller' --record '\{"id":"[^"]+","type":"contact"/);
  assert.ok(!command.includes('--sandbox'), command);
  assert.equal(await page.locator('#created-iframe').textContent(),
    `<iframe src="${product.api}/w/acme-e2e/card?ctx=CONTEXT" title="LinkedIn Sales Navigator" width="300" height="640" style="border:0"></iframe>`);
  assert.equal(await page.locator('#created-embed').textContent(),
    `<div data-snapbridge-tenant="acme-e2e" data-snapbridge-ctx="CONTEXT"></div>\n<script src="${product.api}/embed.js" async></script>`);
  assert.equal(await page.locator('#created-records').getAttribute('href'), `${product.standin}/_sandbox/records?tenant=acme-e2e`);
  await page.getByRole('button', { name: 'Copy the command' }).click();
  await page.waitForFunction(() => document.querySelector('#created-snippet-msg').textContent === 'Copied.');
  assert.equal(await page.evaluate(() => navigator.clipboard.readText()), command);

  // Test connection asks LinkedIn (the stand-in, where the tenant's app was
  // registered as it was saved) for an app token and says what happened.
  await page.getByRole('button', { name: 'Test connection' }).click();
  const result = page.locator('#created-test-result');
  await page.waitForFunction(() => /connection (works|does not work)/.test(document.querySelector('#created-test-result').textContent));
  assert.match(await result.textContent(), /The connection works: LinkedIn accepts this application\./);
  assert.match(await result.textContent(), /App token: LinkedIn issued an app token for r_sales_nav_profiles/);
  const audit = (await asOperator('/tenants/acme-e2e/audit')).body.entries.map((e) => e.action);
  assert.ok(audit.includes('tenant.test_connection'), audit.join(', '));
  await shot(page, 'operator-3b-test-connection');

  // The console link signs a fresh admin context in the page and opens
  // the tenant's console.
  const [consolePage] = await Promise.all([context.waitForEvent('page'), page.getByRole('link', { name: 'Open its admin console' }).click()]);
  await consolePage.waitForLoadState();
  assert.equal(await consolePage.locator('#tenant-name').textContent(), acme.name);
  await consolePage.close();

  // Done forgets the secret; the same id again is refused next to the id.
  await page.getByRole('button', { name: 'Done' }).click();
  assert.equal(await created.isHidden(), true);
  assert.equal(await page.locator('#created-secret').inputValue(), '');
  await fillTenant(page, [acme.origin]);
  await page.getByRole('button', { name: 'Create tenant' }).click();
  await page.waitForFunction(() => document.querySelector('#t-id-err').textContent !== '');
  assert.match(await page.locator('#t-id-err').textContent(), /A tenant with this id already exists; pick another id/);
  assert.equal(await page.getByRole('textbox', { name: 'Id', exact: true }).getAttribute('aria-invalid'), 'true');
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
