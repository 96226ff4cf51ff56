// Accessibility (issue 11, item 10): axe-core finds no violation of
// serious or critical impact in any widget state, light and dark, in the
// admin console or on the operator page; visible labels are part of
// accessible names; every widget action is reachable by keyboard with a
// visible focus, and focus lands somewhere sensible after the popup.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { startProduct } from './lib/product.mjs';
import { launch, shot } from './lib/browser.mjs';
import { axeViolations } from './lib/axe.mjs';
import { widgetViewport, openWidget, connect, setFaults, backOffEnded } from './lib/widget.mjs';

const operatorKey = crypto.randomBytes(32).toString('base64url');
let product, browser, connected;
const byOutcome = {};
const taken = {};
const next = (outcome) => {
  const i = (taken[outcome] = (taken[outcome] ?? -1) + 1);
  assert.ok(byOutcome[outcome][i], `the stand-in seeds too few ${outcome} records`);
  return byOutcome[outcome][i];
};

before(async () => {
  product = await startProduct({ operatorKey });
  browser = await launch();
  for (const tenant of ['demo', 'nosync']) {
    for (const r of await product.records(tenant)) (byOutcome[r.expected] ??= []).push(r);
  }
  // One seller who has connected LinkedIn, for the connected states.
  connected = await browser.newContext({ viewport: widgetViewport });
  const page = await connected.newPage();
  await openWidget(page, product, { viewer: 'a11y-connected', records: [next('matched')] });
  await connect(page);
  await page.close();
});

after(async () => {
  await browser?.close();
  await product?.stop();
});

// check runs axe on target and fails with every blocking violation.
async function check(target, what) {
  const found = await axeViolations(target);
  assert.deepEqual(found, [], `${what}: axe-core found serious or critical violations:\n${found.join('\n')}`);
}

// The widget's states: how to reach each, and what shows it is there.
const states = [
  { name: 'matched', open: () => ({ viewer: 'a11y-new', records: [next('matched')] }), ready: '.sb-card__link' },
  { name: 'no photo', open: () => ({ viewer: 'a11y-new', records: [next('no_photo')] }), ready: '.sb-avatar--initials' },
  { name: 'no match', open: () => ({ viewer: 'a11y-new', records: [next('no_match')] }), ready: '.sb-card--no_match' },
  { name: 'CRM Sync off', open: () => ({ tenant: 'nosync', viewer: 'a11y-new', records: [byOutcome.crm_sync_disabled[0]] }), ready: '.sb-card--crm_sync_disabled' },
  { name: 'not connected', open: () => ({ viewer: 'a11y-new', records: [next('matched')] }), ready: '.sb-connect' },
  { name: 'connected', context: () => connected, open: () => ({ viewer: 'a11y-connected', records: [next('matched')] }), ready: 'iframe.sb-panel__frame' },
  { name: 'throttled', context: () => connected, faults: { rate429: 1 }, open: () => ({ viewer: 'a11y-connected', records: [next('matched')] }), ready: '.sb-card--throttled' },
  { name: 'LinkedIn down', faults: { down: true }, open: () => ({ viewer: 'a11y-new', records: [next('matched')] }), ready: '.sb-card--unavailable' },
  { name: 'expired', expired: true, open: () => ({ viewer: 'a11y-new', records: [byOutcome.matched[0]] }), ready: '.sb-card--error' },
  // The list takes records from the end, which next() never reaches.
  { name: 'list', open: () => ({ mode: 'list', viewer: 'a11y-new', records: [...byOutcome.matched.slice(-8), ...byOutcome.no_photo.slice(-3), ...byOutcome.no_match.slice(-3)] }), ready: '.sb-pager' },
  { name: 'list without CRM Sync', open: () => ({ tenant: 'nosync', mode: 'list', viewer: 'a11y-new', records: byOutcome.crm_sync_disabled }), ready: '.sb-list__notices .sb-notice' },
];

for (const theme of ['light', 'dark']) {
  for (const state of states) {
    test(`widget, ${state.name}, ${theme}: no serious or critical axe-core violation`, async () => {
      const context = state.context?.() ?? browser;
      const page = await context.newPage({ viewport: widgetViewport });
      await page.setViewportSize(widgetViewport);
      if (state.faults) await setFaults(product, state.faults);
      try {
        const opts = { ...state.open(), theme };
        if (state.expired) {
          // A context used once already: the page an expired view shows.
          const url = await openWidget(page, product, opts);
          await page.goto(url);
        } else {
          await openWidget(page, product, opts);
        }
        await page.locator(state.ready).first().waitFor({ timeout: 15000 }).catch(async (e) => {
          throw new Error(`${e.message}\nthe page shows: ${await page.locator('body').innerText()}`);
        });
        assert.equal(await page.locator('#snapbridge-widget').getAttribute('data-theme'), theme);
        await check(page, `${state.name} (${theme})`);
        await shot(page, `a11y-${state.name.replace(/\W+/g, '-').toLowerCase()}-${theme}`);
      } finally {
        if (state.faults) await setFaults(product, {});
        // The next state must meet LinkedIn, not the server's back-off.
        if (state.faults?.rate429) await backOffEnded(product, 'demo', next('matched'));
        await page.close();
      }
    });
  }
}

test('visible labels start the accessible names of the widget\'s links', async () => {
  const page = await browser.newPage({ viewport: widgetViewport });
  await openWidget(page, product, { viewer: 'a11y-new', records: [next('matched')] });
  await page.locator('.sb-card__link').waitFor();
  await page.locator('a[data-sb-connect]').waitFor();
  assert.equal(await page.getByRole('link', { name: /^View in Sales Navigator: .+ \(opens in a new tab\)$/ }).count(), 1);
  assert.equal(await page.getByRole('link', { name: /^Connect LinkedIn \(opens a sign-in window\)$/ }).count(), 1);
  await openWidget(page, product, { mode: 'list', viewer: 'a11y-new', records: byOutcome.matched.slice(-3) });
  await page.locator('.sb-chip--link').first().waitFor();
  assert.equal(await page.getByRole('link', { name: /^Open in Sales Navigator: / }).count(), 3);
  await page.close();
});

test('keyboard: every widget action is reachable with a visible focus, and focus lands on the panel after connecting', async () => {
  const context = await browser.newContext({ viewport: widgetViewport });
  const page = await context.newPage();
  await openWidget(page, product, { viewer: 'a11y-keyboard', records: [next('matched')] });
  const reached = [];
  for (let i = 0; i < 6; i++) {
    await page.keyboard.press('Tab');
    const f = await page.evaluate(() => {
      const el = document.activeElement;
      if (!el || el === document.body) return null;
      const cs = getComputedStyle(el);
      return { name: el.getAttribute('aria-label') || el.textContent.trim(), outline: cs.outlineStyle, width: parseFloat(cs.outlineWidth) };
    });
    if (!f || reached.some(r => r.name === f.name)) break;
    reached.push(f);
  }
  const names = reached.map(r => r.name);
  assert.ok(names.some(n => n.startsWith('View in Sales Navigator')), `Tab never reached View in Sales Navigator: ${names}`);
  assert.ok(names.some(n => n.startsWith('Connect LinkedIn')), `Tab never reached Connect LinkedIn: ${names}`);
  for (const r of reached) assert.ok(r.outline !== 'none' && r.width >= 2, `no visible focus on ${r.name}: ${r.outline} ${r.width}px`);
  await shot(page, 'a11y-keyboard-focus');

  // Connect from the keyboard: Enter on the focused link opens the popup;
  // once it closes, focus is on LinkedIn's panel, not lost on the page.
  const link = page.getByRole('link', { name: /^Connect LinkedIn/ });
  await link.focus();
  const [popup] = await Promise.all([context.waitForEvent('page'), page.keyboard.press('Enter')]);
  await popup.waitForLoadState();
  await Promise.all([popup.waitForEvent('close', { timeout: 15000 }), popup.getByRole('button', { name: 'Allow' }).click()]);
  await page.locator('iframe.sb-panel__frame').waitFor({ timeout: 15000 });
  await page.waitForFunction(() => document.activeElement?.matches('iframe.sb-panel__frame'), null, { timeout: 5000 });
  await context.close();
});

test('the admin console: no serious or critical axe-core violation', async () => {
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  const ctx = product.signContext('demo', 'a11y-admin', { id: 'c-1', type: 'contact', firstName: 'Ada', lastName: 'Admin' }, { roles: ['admin'] });
  await page.goto(`${product.api}/admin/demo?ctx=${encodeURIComponent(ctx)}`);
  await page.locator('#settings-form').waitFor();
  await page.getByRole('button', { name: 'Connect LinkedIn' }).first().waitFor();
  await check(page, 'admin console');
  await page.close();
});

test('the operator page: no serious or critical axe-core violation, signed out and in', async () => {
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  await page.goto(`${product.api}/operator`);
  await check(page, 'operator page, signed out');
  await page.getByLabel('Operator key').fill(operatorKey);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.locator('#tenant-table tbody tr').first().waitFor();
  await check(page, 'operator page, signed in');
  await page.close();
});
