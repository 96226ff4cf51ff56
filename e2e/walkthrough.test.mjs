// README "Try your own tenant offline", step by step, as a newcomer does it:
// `make run` (serve --sandbox with the operator key from var/operator.key),
// the root page, the operator page, a new tenant, its embed.js snippet in a
// page of one's own on an allowed origin, a context signed with the command
// the page prints, the widget, and connecting LinkedIn in the stand-in.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import http from 'node:http';
import os from 'node:os';
import { execSync } from 'node:child_process';
import { startProduct } from './lib/product.mjs';
import { launch, watchConsole, shot } from './lib/browser.mjs';

let product, browser, crm;
// make run: head -c 32 /dev/urandom | base64 | tr '+/' '-_' | tr -d '=\n' > var/operator.key
const operatorKey = crypto.randomBytes(32).toString('base64url');
let crmPage = '<!doctype html><title>nothing yet</title>';

before(async () => {
  product = await startProduct({ operatorKey });
  browser = await launch();
  // "A page of your own": any static page on a loopback origin (the README
  // uses `python3 -m http.server 8000`); this one serves what the test pastes.
  crm = http.createServer((req, res) => {
    res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8', 'Cache-Control': 'no-store' });
    res.end(crmPage);
  });
  await new Promise((resolve) => crm.listen(0, '127.0.0.1', resolve));
});

after(async () => {
  await browser?.close();
  await product?.stop();
  crm?.close();
});

test('a newcomer tries a tenant of their own offline, exactly as the README says', { timeout: 120000 }, async () => {
  const crmOrigin = `http://127.0.0.1:${crm.address().port}`;
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  const page = await context.newPage();
  const errors = watchConsole(page);

  // 1. Open the URL make run prints: the root page links the operator page.
  const root = await page.goto(`${product.api}/`);
  assert.equal(root.status(), 200);
  await shot(page, 'walkthrough-1-root');
  await page.getByRole('link', { name: 'Operator page', exact: true }).click();
  await page.waitForURL(`${product.api}/operator`);

  // 2. Sign in with the key in var/operator.key.
  await page.getByLabel('Operator key').fill(operatorKey);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.locator('#tenant-table tbody tr').first().waitFor();

  // 3. Create the tenant: the README's values, the page of step 5 as its
  //    allowed origin, a generated HS256 secret.
  await page.getByRole('textbox', { name: 'Id', exact: true }).fill('acme');
  await page.getByRole('textbox', { name: 'Name', exact: true }).fill('Acme');
  await page.getByLabel('Client id').fill('acme-app');
  await page.getByLabel('Client secret').fill('acme-linkedin-client-secret');
  await page.getByLabel('CRM instance id').fill('acme.crm.dynamics.com');
  await page.getByLabel('CRM source type').fill('DYNAMICS');
  await page.getByLabel('Allowed origins (one per line)').fill(crmOrigin);
  await page.getByLabel('Issuer (iss)').fill('https://crm.acme.example');
  await page.getByRole('button', { name: 'Generate' }).click();
  await page.getByRole('button', { name: 'Create tenant' }).click();
  await page.getByRole('region', { name: /Tenant acme created/ }).waitFor();
  await shot(page, 'walkthrough-2-created');

  // 4. The stand-in registered its LinkedIn application: Test connection.
  await page.getByRole('button', { name: 'Test connection' }).click();
  await page.waitForFunction(() => /connection (works|does not work)/.test(document.querySelector('#created-test-result').textContent));
  assert.match(await page.locator('#created-test-result').textContent(), /The connection works/);
  const records = await product.records('acme');
  assert.ok(records.length > 0, 'the stand-in has no records for the tenant');

  // 5. Run the printed command in a shell — as is, from any directory, no
  //    environment of the server's — and paste the embed.js snippet with
  //    the context it printed into the page on the allowed origin.
  const command = await page.locator('#created-sign').textContent();
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('SNAPBRIDGE_')));
  const ctx = execSync(command, { cwd: os.tmpdir(), env, shell: '/bin/sh' }).toString().trim();
  assert.match(ctx, /^[\w-]+\.[\w-]+\.[\w-]+$/);
  const signed = JSON.parse(Buffer.from(ctx.split('.')[1], 'base64url').toString());
  const record = records.find((r) => r.id === signed.records[0].id);
  assert.equal(record?.expected, 'matched', 'the printed command names a record the stand-in matches');
  const snippet = (await page.locator('#created-embed').textContent()).replace('CONTEXT', ctx);
  crmPage = `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Acme CRM</title></head>
<body><h1>Acme CRM — contact</h1>\n${snippet}\n</body></html>`;
  assert.deepEqual(errors, []);

  // 6. Open the page: the widget shows the record.
  const seller = await context.newPage();
  const sellerErrors = watchConsole(seller);
  await seller.goto(`${crmOrigin}/`);
  const frame = seller.locator('iframe[title="LinkedIn Sales Navigator"]');
  const widget = seller.frameLocator('iframe[title="LinkedIn Sales Navigator"]');
  await widget.locator('.sb-card__name').first().waitFor({ timeout: 20000 });
  assert.equal((await widget.locator('.sb-card__name').first().textContent()).trim(), `${record.firstName} ${record.lastName}`);
  const connect = widget.getByRole('link', { name: /^Connect LinkedIn/ });
  await connect.waitFor();
  await shot(seller, 'walkthrough-3-widget-not-connected');

  // 7. Connect LinkedIn: approve in the stand-in's consent popup; the Sales
  //    Navigator panel appears, and embed.js sizes the iframe to fit.
  const [popup] = await Promise.all([context.waitForEvent('page'), connect.click()]);
  await popup.waitForLoadState();
  assert.ok(popup.url().startsWith(`${product.standin}/oauth/v2/authorization?`), popup.url());
  await Promise.all([popup.waitForEvent('close', { timeout: 15000 }), popup.getByRole('button', { name: 'Allow' }).click()]);
  const sn = widget.frameLocator('iframe.sb-panel__frame');
  await sn.locator('[data-testid="sn-member"]').waitFor({ timeout: 15000 });
  assert.match(await sn.locator('[data-testid="sn-member"] .name').textContent(), new RegExp(`${record.firstName} ${record.lastName}`));
  await seller.waitForFunction(() => {
    const f = document.querySelector('iframe[title="LinkedIn Sales Navigator"]');
    return f && parseInt(f.style.height, 10) > 420;
  });
  const height = await frame.evaluate((f) => parseInt(f.style.height, 10));
  assert.ok(height <= 640, `the connected widget is ${height}px high, more than the 640 the README recommends for the iframe`);
  await shot(seller, 'walkthrough-4-connected');
  assert.deepEqual(sellerErrors, []);
  await context.close();
});
