// Starts the real snapbridge binary in sandbox mode on free loopback ports
// with a fresh data directory, as `make run` does, and stops it after.
import { spawn, execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const binary = path.join(root, 'var/bin/snapbridge');

export async function startProduct() {
  if (!fs.existsSync(binary)) throw new Error(`${binary} is missing: run make build first`);
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'snapbridge-e2e-'));
  const env = {
    ...process.env,
    SNAPBRIDGE_DATA_DIR: dataDir,
    SNAPBRIDGE_WASM_DIR: path.join(root, 'var/build/web'),
    SNAPBRIDGE_LOG_LEVEL: 'info',
  };
  const proc = spawn(binary, ['serve', '--sandbox', '--addr', '127.0.0.1:0', '--sandbox-addr', '127.0.0.1:0', '--demo-addr', '127.0.0.1:0'],
    { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '', err = '';
  proc.stdout.on('data', d => { out += d; });
  proc.stderr.on('data', d => { err += d; });
  const urls = await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`server did not start:\n${out}\n${err}`)), 20000);
    const check = () => {
      const demo = out.match(/Demo CRM\s+(http:\/\/\S+?)\/?\s/);
      const api = out.match(/snapbridge\s+(http:\/\/\S+?)\/?\s/);
      const standin = out.match(/LinkedIn stand-in\s+(http:\/\/[^/\s]+)/);
      if (demo && api && standin) { clearTimeout(timer); resolve({ demo: demo[1], api: api[1], standin: standin[1] }); }
    };
    proc.stdout.on('data', check);
    proc.on('exit', code => { clearTimeout(timer); reject(new Error(`server exited ${code}:\n${err}`)); });
  });
  for (let i = 0; i < 50; i++) {
    const r = await fetch(urls.api + '/readyz').catch(() => null);
    if (r && r.ok) break;
    await new Promise(r => setTimeout(r, 100));
  }
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
    async stop() {
      proc.kill('SIGTERM');
      await new Promise(r => proc.once('exit', r));
      fs.rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

export function wireRecord(r) {
  return { id: r.id, type: r.type, firstName: r.firstName, lastName: r.lastName, email: r.email, company: r.company, title: r.title };
}
