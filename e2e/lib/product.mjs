// Starts the real snapbridge binary in sandbox mode on free loopback ports
// with a fresh data directory, as `make run` does, and stops it after.
import { spawn, execFileSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const binary = path.join(root, 'var/bin/snapbridge');

// options.operatorKey, when given, is the server's operator key
// (SNAPBRIDGE_OPERATOR_KEY, at least 32 characters).
export async function startProduct(options = {}) {
  if (!fs.existsSync(binary)) throw new Error(`${binary} is missing: run make build first`);
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'snapbridge-e2e-'));
  const env = {
    ...process.env,
    SNAPBRIDGE_DATA_DIR: dataDir,
    SNAPBRIDGE_WASM_DIR: path.join(root, 'var/build/web'),
    SNAPBRIDGE_LOG_LEVEL: 'info',
  };
  if (options.operatorKey !== undefined) env.SNAPBRIDGE_OPERATOR_KEY = options.operatorKey;
  const proc = spawn(binary, ['serve', '--sandbox', '--addr', '127.0.0.1:0', '--sandbox-addr', '127.0.0.1:0', '--demo-addr', '127.0.0.1:0'],
    { env, stdio: ['ignore', 'pipe', 'pipe'] });
  // A test run that dies half-way must not leave the server behind.
  const killOnExit = () => proc.kill('SIGKILL');
  process.once('exit', killOnExit);
  let out = '', err = '';
  proc.stdout.on('data', d => { out += d; });
  proc.stderr.on('data', d => { err += d; });
  const urls = await new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      proc.kill('SIGKILL');
      reject(new Error(`server printed no URLs within 20 s:\n${out}\n${err}`));
    }, 20000);
    const check = () => {
      const demo = out.match(/Demo CRM\s+(http:\/\/\S+?)\/?\s/);
      const api = out.match(/snapbridge\s+(http:\/\/\S+?)\/?\s/);
      const standin = out.match(/LinkedIn stand-in\s+(http:\/\/[^/\s]+)/);
      if (demo && api && standin) { clearTimeout(timer); resolve({ demo: demo[1], api: api[1], standin: standin[1] }); }
    };
    proc.stdout.on('data', check);
    proc.on('exit', code => { clearTimeout(timer); reject(new Error(`server exited ${code}:\n${err}`)); });
  });
  await waitReady(urls.api, () => `${out}\n${err}`);
  return {
    ...urls,
    dataDir,
    logs: () => err,
    async records(tenant) {
      const r = await fetch(`${urls.standin}/_sandbox/records?tenant=${tenant}`);
      return (await r.json()).records;
    },
    async stats() { return (await (await fetch(`${urls.standin}/_sandbox/stats`)).json()).calls; },
    async resetStats() { await fetch(`${urls.standin}/_sandbox/stats/reset`, { method: 'POST' }); },
    // signContext runs the reference signer against the same secrets. A
    // last argument of the form {roles: ['admin']} adds role claims.
    signContext(tenant, viewer, ...records) {
      const last = records.at(-1);
      const roles = last && Array.isArray(last.roles) && !('id' in last) ? records.pop().roles : [];
      const args = ['context', 'sign', '--sandbox', '--tenant', tenant, '--viewer', viewer];
      for (const r of records) args.push('--record', JSON.stringify(r));
      for (const role of roles) args.push('--role', role);
      return execFileSync(binary, args, { env }).toString().trim();
    },
    // associations asks snapbridge's own API what LinkedIn answered for
    // records, as the widget would: context → session → look-up. It is the
    // independent source of truth the pages are checked against.
    async associations(tenant, viewer, ...records) {
      const ctx = this.signContext(tenant, viewer, ...records.map(wireRecord));
      const s = await fetch(`${urls.api}/api/v1/sessions`, {
        method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ ctx, tenant }),
      });
      if (s.status !== 201) throw new Error(`POST /api/v1/sessions answered ${s.status}: ${await s.text()}`);
      const { token } = await s.json();
      const a = await fetch(`${urls.api}/api/v1/associations`, { headers: { Authorization: `Bearer ${token}` } });
      if (!a.ok) throw new Error(`GET /api/v1/associations answered ${a.status}: ${await a.text()}`);
      return (await a.json()).associations;
    },
    // stop sends SIGTERM (the server shuts down gracefully), waits for the
    // exit and removes the data directory.
    async stop() {
      process.removeListener('exit', killOnExit);
      if (proc.exitCode === null && proc.signalCode === null) {
        const exited = new Promise(r => proc.once('exit', r));
        proc.kill('SIGTERM');
        await exited;
      }
      fs.rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

// waitReady polls GET /readyz until the server says it is ready, or fails
// after 10 s with what the server printed.
async function waitReady(api, printed) {
  const deadline = Date.now() + 10000;
  while (Date.now() < deadline) {
    const r = await fetch(api + '/readyz').catch(() => null);
    if (r?.ok) return;
    await new Promise(res => setTimeout(res, 100));
  }
  throw new Error(`${api}/readyz never answered 200:\n${printed()}`);
}

// wireRecord is a seed record as a CRM names it in a context token.
export function wireRecord(r) {
  return { id: r.id, type: r.type, firstName: r.firstName, lastName: r.lastName, email: r.email, company: r.company, title: r.title };
}

// signContextHS256 signs a host context the way a CRM does, with any HS256
// key the test chooses (kid and secret), e.g. one just added through the
// admin console: signContext can only use the keys the server was seeded
// with. roles defaults to none, lifetime to 5 minutes.
export function signContextHS256({ issuer, audience = 'snapbridge', kid, secret, viewer, records, roles = [], lifetime = 300 }) {
  const b64 = (v) => Buffer.from(typeof v === 'string' ? v : JSON.stringify(v)).toString('base64url');
  const now = Math.floor(Date.now() / 1000);
  const claims = {
    iss: issuer, aud: [audience], iat: now, exp: now + lifetime, jti: crypto.randomUUID(),
    viewer: { id: viewer }, records, ...(roles.length ? { roles } : {}),
  };
  const unsigned = `${b64({ alg: 'HS256', typ: 'JWT', kid })}.${b64(claims)}`;
  return `${unsigned}.${crypto.createHmac('sha256', secret).update(unsigned).digest('base64url')}`;
}
