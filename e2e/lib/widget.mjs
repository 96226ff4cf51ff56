// Opening the widget in each of its states, for the state and
// accessibility suites: the widget page itself, as the CRM's iframe loads
// it, sized like the iframe (300 px wide).
import { wireRecord } from './product.mjs';

export const widgetViewport = { width: 316, height: 720 };

// widgetURL signs a fresh context for viewer and records and returns the
// widget page's address; theme, when given, is what embed.js would pass.
export function widgetURL(product, { tenant = 'demo', mode = 'card', viewer, records, theme }) {
  const ctx = product.signContext(tenant, viewer, ...records.map(wireRecord));
  const q = new URLSearchParams({ ctx });
  if (theme) q.set('theme', theme);
  return `${product.api}/w/${tenant}/${mode}?${q}`;
}

// openWidget opens the widget page in page and waits until the
// WebAssembly widget runs (it sets data-snapbridge-ready on <html>).
export async function openWidget(page, product, opts) {
  const url = opts.url ?? widgetURL(product, opts);
  await page.goto(url);
  await page.waitForFunction(() => document.documentElement.dataset.snapbridgeReady === '1', null, { timeout: 15000 });
  return url;
}

// connect runs the consent popup from the widget in page and waits for
// the Sales Navigator panel.
export async function connect(page) {
  const link = page.getByRole('link', { name: /^Connect LinkedIn/ });
  const [popup] = await Promise.all([page.context().waitForEvent('page'), link.click()]);
  await popup.waitForLoadState();
  await Promise.all([popup.waitForEvent('close', { timeout: 15000 }), popup.getByRole('button', { name: 'Allow' }).click()]);
  await page.locator('iframe.sb-panel__frame').waitFor({ timeout: 15000 }).catch(async (e) => {
    throw new Error(`${e.message}\nthe widget shows: ${await page.locator('body').innerText()}\nconnect state: ${JSON.stringify(await page.evaluate(() => window.snapbridgeConnect))}`);
  });
}

// setFaults replaces the LinkedIn stand-in's injected faults.
export async function setFaults(product, faults) {
  const r = await fetch(`${product.standin}/_sandbox/faults`, {
    method: 'PUT', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(faults),
  });
  if (!r.ok) throw new Error(`PUT /_sandbox/faults answered ${r.status}: ${await r.text()}`);
}

// editTenant changes a tenant through the admin API with the operator key.
export async function editTenant(product, operatorKey, tenant, change) {
  const url = `${product.api}/api/v1/admin/tenants/${tenant}`;
  const auth = { Authorization: `Bearer ${operatorKey}` };
  const got = await fetch(url, { headers: auth });
  if (!got.ok) throw new Error(`GET ${url} answered ${got.status}: ${await got.text()}`);
  const view = await got.json();
  const put = await fetch(url, {
    method: 'PUT', headers: { ...auth, 'Content-Type': 'application/json', 'If-Match': got.headers.get('etag') },
    body: JSON.stringify({ ...view, ...change }),
  });
  if (!put.ok) throw new Error(`PUT ${url} answered ${put.status}: ${await put.text()}`);
  return put.json();
}

// backOffEnded waits until tenant calls LinkedIn again: after a 429 the
// server backs off for LinkedIn's Retry-After (1 s in the stand-in), and
// answers "busy" until then without asking. probe is a record no test has
// looked up yet (a cached answer would not ask LinkedIn).
export async function backOffEnded(product, tenant, probe) {
  for (let i = 0; i < 50; i++) {
    const [a] = await product.associations(tenant, 'e2e-backoff-probe', probe);
    if (a.status !== 'throttled') return;
    await new Promise(res => setTimeout(res, 100));
  }
  throw new Error(`tenant ${tenant} still backs off LinkedIn 5 s after the 429`);
}
