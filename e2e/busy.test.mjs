// "Busy" told truly (issue 11, item 7), in real headless Chromium against
// the real binary and its LinkedIn stand-in: a list the tenant's daily
// budget cut short says so on the rows it kept from LinkedIn, apart from
// the rows LinkedIn itself throttled; and Retry pressed while LinkedIn's
// back-off runs counts down and retries by itself. Screenshots in
// screenshots/busy-*. The tests share one server and run in order.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { startProduct } from './lib/product.mjs';
import { launch, watchConsole, shot } from './lib/browser.mjs';
import { axeViolations } from './lib/axe.mjs';
import { widgetViewport, openWidget, setFaults, editTenant, backOffEnded } from './lib/widget.mjs';

const operatorKey = crypto.randomBytes(32).toString('base64url');
let product, browser, demo;

before(async () => {
  product = await startProduct({ operatorKey });
  browser = await launch();
  demo = await product.records('demo');
});

after(async () => {
  await browser?.close();
  await product?.stop();
});

async function widgetPage() {
  const page = await browser.newPage({ viewport: widgetViewport });
  await page.setViewportSize(widgetViewport);
  return page;
}

test('a list over the day\'s look-up budget: rows the budget kept say so and when it resets, rows LinkedIn throttled say LinkedIn is busy', async () => {
  // Nothing is looked up yet on this server: a budget of 3 covers the
  // first three rows, which LinkedIn then throttles; the other five wait
  // for the budget.
  await editTenant(product, operatorKey, 'demo', { dailyLookupBudget: 3 });
  await setFaults(product, { next429: 1 });
  const page = await widgetPage();
  const errors = watchConsole(page);
  try {
    const records = demo.slice(0, 8);
    await openWidget(page, product, { mode: 'list', viewer: 'busy-list', records });
    // Every row answered (the prerender may leave the look-up to the widget).
    await page.waitForFunction(() => document.querySelectorAll('.sb-list__row .sb-chip').length === 8 &&
      !document.querySelector('.sb-chip--loading'), null, { timeout: 15000 }).catch(async (e) => {
      throw new Error(`${e.message}\nthe list shows:\n${await page.locator('body').innerText()}`);
    });
    const rows = page.locator('.sb-list__row');
    assert.equal(await rows.count(), 8);
    const chips = async (text) => page.locator('.sb-list__row .sb-chip').filter({ hasText: new RegExp(`^${text}$`) }).count();
    assert.equal(await chips('Busy'), 3, `the rows LinkedIn throttled; the list shows:\n${await page.locator('body').innerText()}`);
    assert.equal(await chips('Not looked up'), 5, 'the rows the budget kept from LinkedIn');
    const notices = page.locator('.sb-list__notices .sb-notice');
    const budget = notices.filter({ hasText: 'Today\'s LinkedIn look-ups are used up' });
    assert.equal(await budget.count(), 1, 'the budget is not said once');
    assert.match(await budget.textContent(), /look-ups start again at .*midnight UTC/, 'the budget notice does not say when it resets');
    assert.equal(await notices.filter({ hasText: 'LinkedIn is busy — try again in a few minutes' }).count(), 1);
    assert.equal(await page.getByRole('button', { name: 'Retry' }).count(), 1, 'not exactly one Retry');
    await shot(page, 'busy-01-list-budget-and-linkedin');
    assert.deepEqual(errors, []);
  } finally {
    await page.close();
    await setFaults(product, {});
    await editTenant(product, operatorKey, 'demo', { dailyLookupBudget: 0 });
  }
});

test('Retry while LinkedIn\'s back-off runs counts down, keeps the focus and retries by itself when it ends', async () => {
  // LinkedIn asks for 10 s: a seller pressing Retry within them must see
  // the widget waiting, not a Retry that does nothing.
  await backOffEnded(product, 'demo', demo[8]);
  await setFaults(product, { rate429: 1, retryAfter: '10s' });
  const page = await widgetPage();
  const errors = watchConsole(page);
  try {
    const r = demo[9];
    await openWidget(page, product, { viewer: 'busy-card', records: [r] });
    await page.getByText('LinkedIn is busy — try again in a few minutes').waitFor({ timeout: 15000 });
    // LinkedIn is fine again, but the server keeps away until Retry-After.
    await setFaults(product, {});
    const retry = page.getByRole('button', { name: 'Retry' });
    await retry.focus();
    await retry.press('Enter');

    const waiting = page.locator('.sb-btn--waiting');
    await waiting.waitFor({ timeout: 5000 });
    const first = (await waiting.locator('[aria-hidden]').innerText()).trim();
    assert.match(first, /^Retrying in \d+ s…$/);
    assert.equal(await waiting.getAttribute('aria-disabled'), 'true');
    assert.equal(await waiting.getAttribute('disabled'), null, 'a disabled button drops the focus');
    assert.ok(await waiting.evaluate(el => el === document.activeElement), 'the focus left the Retry button');
    // Screen readers are told once when it retries, in the notice's live region.
    const live = waiting.locator('xpath=ancestor::*[@role="status"][1]');
    assert.match(await live.innerText(), /LinkedIn is busy/);
    assert.match(await waiting.textContent(), /Retrying by itself at \d\d:\d\d:\d\d, when LinkedIn's wait ends\./);
    assert.equal(await page.getByRole('button', { name: /^Retry/ }).count(), 1, 'not exactly one Retry');
    const found = await axeViolations(page);
    assert.deepEqual(found, [], `axe-core found serious or critical violations:\n${found.join('\n')}`);
    await shot(page, 'busy-02-retry-counting-down');
    // Pressing it again while it waits changes nothing.
    await waiting.click({ force: true });
    assert.equal(await page.locator('.sb-btn--waiting').count(), 1);
    // The countdown moves on.
    await page.waitForFunction(was => {
      const b = document.querySelector('.sb-btn--waiting [aria-hidden]');
      return !b || b.textContent.trim() !== was;
    }, first, { timeout: 5000 });

    // When the back-off ends the widget asks again by itself.
    await page.getByRole('link', { name: /^View in Sales Navigator/ }).waitFor({ timeout: 20000 });
    assert.equal(await page.getByRole('button', { name: /^Retry/ }).count(), 0);
    assert.equal(await page.getByText('LinkedIn is busy').count(), 0);
    await shot(page, 'busy-03-retried-by-itself');
    // The viewer has not connected LinkedIn: the panel's 409 is expected.
    assert.deepEqual(errors.filter(e => !/409 \(Conflict\) @ .*\/sales-access-token$/.test(e)), []);
  } finally {
    await page.close();
    await setFaults(product, {});
  }
});
