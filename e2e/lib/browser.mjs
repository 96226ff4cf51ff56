// Debian's Chromium driven by playwright-core; never a downloaded browser.
import { chromium } from 'playwright-core';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

// screenshotDir is where every test writes its screenshots (git-ignored).
export const screenshotDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../screenshots');

// launch starts headless /usr/bin/chromium; playwright gives it a fresh
// temporary profile.
export async function launch() {
  fs.mkdirSync(screenshotDir, { recursive: true });
  return chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-background-networking', '--disable-component-update',
      '--no-first-run', '--disable-sync', '--disable-gpu', '--disable-dev-shm-usage'],
  });
}

// watchConsole collects console errors and uncaught exceptions of a page
// and all its frames.
export function watchConsole(page) {
  const errors = [];
  page.on('console', m => { if (m.type() === 'error') errors.push(`${m.text()} @ ${m.location().url}`); });
  page.on('pageerror', e => errors.push(`pageerror: ${e.message}`));
  return errors;
}

// shot saves a full-page screenshot of page as screenshots/<name>.png.
export async function shot(page, name) {
  await page.screenshot({ path: path.join(screenshotDir, `${name}.png`), fullPage: true });
}
