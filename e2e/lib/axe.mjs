// axe-core, injected into a page or frame, run on it, and its violations
// of serious or critical impact returned as short readable lines.
import fs from 'node:fs';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const axeSource = fs.readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');

// Impacts a test fails on by default.
export const blocking = ['serious', 'critical'];

// axeViolations injects axe-core into target (a Playwright Page or Frame)
// unless it is there, runs it on the document (or options.include, a CSS
// selector) and returns the violations whose impact is in options.impacts
// (default: serious and critical), one line per offending element:
// "rule-id (impact): help — selector". Label-in-name is checked too.
// Frames inside target are not
// entered: each frame of ours is checked on its own, LinkedIn's are not ours.
// The injection goes through the DevTools protocol, so the page's CSP
// (no inline script, no eval) does not stand in the way.
export async function axeViolations(target, options = {}) {
  const impacts = options.impacts ?? blocking;
  if (!(await target.evaluate(() => typeof window.axe === 'object'))) {
    await target.evaluate(axeSource);
  }
  const violations = await target.evaluate(async (include) => {
    const result = await window.axe.run(include ? { include: [include] } : document, {
      iframes: false,
      resultTypes: ['violations'],
      // Off by default in axe-core (experimental): a visible label must be
      // part of the accessible name (WCAG 2.5.3), which voice control needs.
      rules: { 'label-content-name-mismatch': { enabled: true } },
    });
    return result.violations.map(v => ({
      id: v.id, impact: v.impact, help: v.help,
      nodes: v.nodes.map(n => ({ target: n.target.join(' '), summary: n.failureSummary })),
    }));
  }, options.include ?? null);
  return violations
    .filter(v => impacts.includes(v.impact))
    .flatMap(v => v.nodes.map(n => `${v.id} (${v.impact}): ${v.help} — ${n.target}\n    ${(n.summary ?? '').replace(/\n/g, ' ')}`));
}
