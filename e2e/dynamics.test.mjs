// A Dynamics 365 organisation opens the widget with an IFRAME control: the
// demo CRM's Dynamics-style record form frames /w/dyn/dynamics with the
// record's unsigned id and typename, as Dynamics passes them. The seller
// signs in once with Microsoft (the Entra ID stand-in's consent page, in a
// popup); snapbridge reads the record through the Dataverse stand-in with
// the seller's token and shows the card. A second record then opens
// without a popup: the browser keeps only a partitioned (CHIPS) cookie
// holding an opaque handle. Real headless Chromium against the real binary,
// its stand-ins and demo CRM, over loopback http.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startProduct } from './lib/product.mjs';
import { launch, watchConsole, shot } from './lib/browser.mjs';

let product, browser, matched;

before(async () => {
  product = await startProduct();
  browser = await launch();
  matched = (await product.records('dyn')).filter(r => r.expected === 'matched' && r.type !== 'account');
  assert.ok(matched.length >= 2, 'the stand-in seeds fewer than two matched records for the Dynamics org');
});

after(async () => {
  await browser?.close();
  await product?.stop();
});

test('a Dynamics record form signs the seller in once, then opens cards without a popup', async () => {
  const context = await browser.newContext();
  const popups = [];
  context.on('page', p => popups.push(p));
  const page = await context.newPage();
  const errors = watchConsole(page);
  const [first, second] = matched;

  await page.goto(`${product.demo}/t/dyn/contacts/${first.id}`);
  const frameSrc = await page.locator('iframe#d365-frame').getAttribute('src');
  const params = new URL(frameSrc).searchParams;
  assert.equal(params.get('id'), `{${first.id.toUpperCase()}}`, 'the IFRAME control does not pass the record id as Dynamics does');
  assert.equal(params.get('typename'), first.type);

  const widget = page.frameLocator('iframe#d365-frame');
  const signIn = widget.getByRole('button', { name: 'Sign in with Microsoft' });
  await signIn.waitFor({ timeout: 20000 });
  await shot(page, 'dynamics-1-sign-in');
  const [popup] = await Promise.all([page.waitForEvent('popup'), signIn.click()]);
  const closed = popup.waitForEvent('close', { timeout: 20000 });
  await popup.getByRole('button', { name: /Accept as Megan Bowen/ }).click({ timeout: 20000 });
  await closed;

  await widget.locator('.sb-card__name').first().waitFor({ timeout: 20000 });
  assert.equal((await widget.locator('.sb-card__name').first().textContent()).trim(), `${first.firstName} ${first.lastName}`);
  const frame = page.frames().find(f => f.url().startsWith(`${product.api}/w/dyn/card?h=`));
  assert.ok(frame, 'the IFRAME control did not land on the card with a one-time handle');
  // Chromium keeps Secure cookies of http://127.0.0.1 (a potentially
  // trustworthy origin), so the loopback sandbox behaves as production.
  const cookies = await context.cookies();
  const kept = cookies.find(c => c.name === 'snapbridge_dynamics');
  assert.ok(kept, 'the record page kept no sign-in cookie');
  assert.equal(kept.sameSite, 'None');
  assert.ok(kept.secure && kept.httpOnly, 'the sign-in cookie is not Secure and HttpOnly');
  assert.ok(kept.partitionKey, 'the sign-in cookie is not partitioned (CHIPS)');
  assert.equal(kept.path, '/w/dyn/');
  await shot(page, 'dynamics-2-card');
  assert.equal(popups.length, 2, 'more windows than the record page and one sign-in popup');

  // The second record: no popup, straight to the card.
  await page.goto(`${product.demo}/t/dyn/contacts/${second.id}`);
  await widget.locator('.sb-card__name').first().waitFor({ timeout: 20000 });
  assert.equal((await widget.locator('.sb-card__name').first().textContent()).trim(), `${second.firstName} ${second.lastName}`);
  assert.equal(popups.length, 2, 'the second record opened a sign-in popup');
  assert.deepEqual(errors, [], 'console errors on the Dynamics record form');
  await shot(page, 'dynamics-3-second-record');
  await context.close();
});

test('the admin console edits the Dynamics settings and rotates the client secret', { timeout: 60000 }, async () => {
  const r = matched[0];
  const ctx = product.signContext('dyn', 'admin-1', { id: r.id, type: r.type, firstName: r.firstName, lastName: r.lastName }, { roles: ['admin'] });
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  const page = await context.newPage();
  const errors = watchConsole(page);
  const answer = await page.goto(`${product.api}/admin/dyn?ctx=${encodeURIComponent(ctx)}`);
  assert.equal(answer.status(), 200);
  await page.locator('#settings-form').waitFor();
  const settings = page.getByRole('region', { name: 'Tenant settings' });
  assert.equal(await settings.getByLabel('The widget is opened by').inputValue(), 'dynamics');
  assert.equal(await settings.getByLabel('Environment URL').inputValue(), product.standin);
  assert.equal(await settings.getByLabel('Directory (tenant) id').inputValue(), '5e3c1a7d-9b2f-4c8e-a1d6-0f4b7e2c9a31');
  assert.match(await page.locator('#set-d365-secret-hint').textContent(), /1 secret is active/);
  assert.match(await page.locator('#set-d365-urls').textContent(), new RegExp(`Redirect URI \\(Web\\): ${product.api}/w/dyn/dynamics/callback`));
  assert.equal(await page.locator('#set-sf-org').isVisible(), false, 'Salesforce fields show for a Dynamics tenant');

  await settings.getByLabel('Second Entra client secret (while rotating)').fill('a-second-entra-secret-value-0123456789ab');
  await page.getByRole('button', { name: 'Save settings' }).click();
  await page.locator('#settings-msg.ok', { hasText: 'Saved' }).waitFor();
  assert.match(await page.locator('#set-d365-secret-hint').textContent(), /2 secrets are active/);
  await page.locator('#audit-table td', { hasText: 'tenant.update' }).first().waitFor();
  const audit = await page.locator('#audit-table tbody tr').first().textContent();
  assert.match(audit, /host\.dynamics\.clientSecrets: changed \(2 active\)/);
  assert.doesNotMatch(audit, /a-second-entra-secret/);
  assert.deepEqual(errors.filter(e => !/status of 4\d\d/.test(e)), [], 'console errors in the admin console');
  await shot(page, 'dynamics-4-console');
  await context.close();
});
