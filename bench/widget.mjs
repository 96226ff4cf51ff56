// Widget benchmark: app.wasm size (raw, gzip, brotli — on disk and as
// served) and, in headless Debian Chromium on loopback, the time from
// navigation to the prerendered card being visible and to the WebAssembly
// widget running, cold (fresh browser context) and warm (reload), median
// of 5. Run after `make build`: node bench/widget.mjs
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { startProduct } from '../e2e/lib/product.mjs';
import { launch } from '../e2e/lib/browser.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const web = path.join(root, 'var/build/web');
const RUNS = 5;
const median = xs => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

const product = await startProduct();
const browser = await launch();
try {
  const raw = fs.statSync(path.join(web, 'app.wasm')).size;
  const gz = fs.statSync(path.join(web, 'app.wasm.gz')).size;
  const br = fs.statSync(path.join(web, 'app.wasm.br')).size;
  const served = {};
  // node:http, unlike fetch, does not decompress: these are wire bytes.
  for (const enc of ['br', 'gzip', 'identity']) {
    served[enc] = await new Promise((resolve, reject) => {
      http.get(product.api + '/app.wasm', { headers: { 'Accept-Encoding': enc } }, res => {
        let bytes = 0;
        res.on('data', d => { bytes += d.length; });
        res.on('end', () => resolve({ bytes, encoding: res.headers['content-encoding'] ?? 'identity', type: res.headers['content-type'] }));
      }).on('error', reject);
    });
  }

  const record = (await product.records('demo')).find(r => r.expected === 'matched');
  const wire = { id: record.id, type: record.type, firstName: record.firstName, lastName: record.lastName, company: record.company, title: record.title };
  // The widget page itself, as the CRM's iframe loads it; each load needs
  // a fresh context token (they are one-time), signed before the clock starts.
  const measure = async page => {
    const url = `${product.api}/w/demo/card?ctx=${encodeURIComponent(product.signContext('demo', 'bench-user', wire))}`;
    const t0 = performance.now();
    await page.goto(url, { waitUntil: 'commit' });
    await page.locator('.sb-card__name').first().waitFor({ state: 'visible' });
    const visible = Math.round(performance.now() - t0);
    await page.waitForFunction(() => document.documentElement.dataset.snapbridgeReady === '1', null, { timeout: 20000, polling: 5 });
    return { visible, interactive: Math.round(performance.now() - t0) };
  };
  const cold = [], warm = [];
  for (let i = 0; i < RUNS; i++) {
    const ctx = await browser.newContext();
    const page = await ctx.newPage();
    cold.push(await measure(page));
    warm.push(await measure(page));
    await ctx.close();
  }
  // For reference: the whole demo CRM contact page (CRM HTML, embed.js,
  // then the widget iframe), cold.
  const embedded = [];
  for (let i = 0; i < RUNS; i++) {
    const ctx = await browser.newContext();
    const page = await ctx.newPage();
    const t0 = performance.now();
    await page.goto(`${product.demo}/t/demo/contacts/${record.id}`, { waitUntil: 'commit' });
    await page.frameLocator('iframe[src*="/w/"]').locator('.sb-card__name').first().waitFor({ state: 'visible' });
    embedded.push(Math.round(performance.now() - t0));
    await ctx.close();
  }
  const mb = n => (n / 1e6).toFixed(2) + ' MB';
  const rows = [
    ['app.wasm raw', mb(raw), ''],
    ['app.wasm gzip -9', mb(gz), `served ${mb(served.gzip.bytes)} (${served.gzip.encoding})`],
    ['app.wasm brotli -q 11', mb(br), `served ${mb(served.br.bytes)} (${served.br.encoding}, ${served.br.type}); target ≤ 1.50 MB: ${br <= 1.5e6 ? 'PASS' : 'FAIL'}`],
    ['card visible, cold', median(cold.map(x => x.visible)) + ' ms', `target ≤ 300 ms: ${median(cold.map(x => x.visible)) <= 300 ? 'PASS' : 'FAIL'}`],
    ['card visible, warm', median(warm.map(x => x.visible)) + ' ms', ''],
    ['interactive, cold', median(cold.map(x => x.interactive)) + ' ms', `target ≤ 1000 ms: ${median(cold.map(x => x.interactive)) <= 1000 ? 'PASS' : 'FAIL'}`],
    ['interactive, warm', median(warm.map(x => x.interactive)) + ' ms', ''],
    ['CRM page → card, cold', median(embedded) + ' ms', 'whole demo CRM page incl. embed.js (reference)'],
  ];
  console.log(`snapbridge widget benchmark (median of ${RUNS}, loopback, headless Chromium)`);
  for (const [k, v, note] of rows) console.log(`  ${k.padEnd(24)} ${v.padStart(10)}  ${note}`);
  console.log(`  raw samples cold: ${JSON.stringify(cold)}\n  raw samples warm: ${JSON.stringify(warm)}`);
} finally {
  await browser.close();
  await product.stop();
}
