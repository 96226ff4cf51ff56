// The operator page (internal/console renders it): the holder of the
// server's operator key lists tenants and creates new ones through the
// admin JSON API. Plain script, no framework. The key lives in this
// closure only — never in storage, a cookie or the address bar — so
// reloading the page signs the operator out.
(() => {
  'use strict';

  const api = document.body.dataset.api;
  const $ = (id) => document.getElementById(id);
  const signCommand = document.body.dataset.sign || 'snapbridge context sign';
  const standIn = document.body.dataset.standin || '';
  const hasSample = document.body.dataset.sample === 'on';
  // The iframe height the README recommends: the card with a notice and
  // the Sales Navigator panel under it fit without a scroll bar.
  const iframeHeight = 640;
  const secretHint = $('t-key-secret-hint').textContent;
  let key = '';

  // ---- API ---------------------------------------------------------------

  class APIError extends Error {
    constructor(status, detail) {
      super((detail && detail.message) || `the server answered ${status}`);
      this.status = status;
      this.code = (detail && detail.code) || '';
      this.field = (detail && detail.field) || '';
      // Every refused field of a tenant, [{field, code, message}].
      this.fields = (detail && Array.isArray(detail.fields)) ? detail.fields : [];
    }
  }

  async function call(method, path, payload) {
    const headers = { Authorization: `Bearer ${key}` };
    if (payload !== undefined) headers['Content-Type'] = 'application/json';
    let r;
    try {
      r = await fetch(api + path, { method, headers, cache: 'no-store', body: payload === undefined ? undefined : JSON.stringify(payload) });
    } catch (e) {
      throw new APIError(0, { code: 'network', message: 'The snapbridge server could not be reached. Check that it is running and try again.' });
    }
    const data = await r.json().catch(() => null);
    if (!r.ok) throw new APIError(r.status, data && data.error);
    return data;
  }

  // ---- small DOM helpers -------------------------------------------------

  function el(tag, attrs, ...children) {
    const e = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      if (k === 'class') e.className = v;
      else if (k === 'text') e.textContent = v;
      else e.setAttribute(k, v);
    }
    for (const c of children) if (c !== null && c !== undefined) e.append(c);
    return e;
  }

  function say(node, text, kind) {
    node.textContent = text || '';
    node.classList.toggle('error', kind === 'error');
    node.classList.toggle('ok', kind === 'ok');
  }

  const capital = (s) => s.charAt(0).toUpperCase() + s.slice(1);
  // shortDuration writes Go's "10m0s" as "10m" and "1h0m0s" as "1h".
  const shortDuration = (d) => String(d).replace(/([hm])0s$/, '$1').replace(/h0m$/, 'h');
  const lines = (text) => text.split('\n').map((s) => s.trim()).filter(Boolean);

  // ---- signing in and out ------------------------------------------------

  const signinForm = $('signin-form');
  const keyInput = $('op-key');

  // refusal says what a 401/403 means on this page, with the server's words.
  function refusal(err) {
    if (err.status === 401 || err.status === 403) {
      return `The server refused this key (${err.status} ${err.code}): ${err.message}. Use the operator key from the server's configuration.`;
    }
    return err.message;
  }

  function showSignedIn(on) {
    $('signin').hidden = on;
    $('who').hidden = !on;
    $('tenants').hidden = !on;
    $('new-tenant').hidden = !on;
    if (!on) {
      $('created').hidden = true;
      $('tenant-table').tBodies[0].replaceChildren();
    }
  }

  // signOut forgets the key; message (the reason) appears at the key input.
  function signOut(message) {
    key = '';
    showSignedIn(false);
    keyInput.value = '';
    // Nothing secret stays in the page after signing out.
    $('created-secret').value = '';
    created = null;
    $('created').hidden = true;
    $('tenant-form').reset();
    $('t-key-alg').dispatchEvent(new Event('change'));
    if (message) {
      keyInput.setAttribute('aria-invalid', 'true');
      say($('op-key-err'), message, 'error');
    }
    keyInput.focus();
  }

  signinForm.addEventListener('submit', async (e) => {
    e.preventDefault();
    const typed = keyInput.value.trim();
    keyInput.removeAttribute('aria-invalid');
    say($('op-key-err'), '');
    if (!typed) {
      keyInput.setAttribute('aria-invalid', 'true');
      say($('op-key-err'), 'Type the operator key first.', 'error');
      keyInput.focus();
      return;
    }
    $('signin-button').disabled = true;
    key = typed;
    try {
      const data = await call('GET', '/tenants');
      keyInput.value = '';
      showSignedIn(true);
      showTenants(data.tenants || []);
      $('t-id').focus();
    } catch (err) {
      signOut(refusal(err));
    } finally {
      $('signin-button').disabled = false;
    }
  });

  $('signout').addEventListener('click', () => signOut(''));

  // ---- the tenants table -------------------------------------------------

  function showTenants(tenants) {
    const rows = tenants.map((t) => el('tr', { 'data-tenant': t.id },
      el('td', {}, el('code', { text: t.id })),
      el('td', { text: t.name }),
      el('td', { text: `${t.crm.type} · ${t.crm.instanceId}` }),
      el('td', { class: 'origins' }, ...(t.allowedOrigins || []).map((o) => el('div', { text: o }))),
      el('td', { class: 'num', text: String((t.context.keys || []).length) })));
    $('tenant-table').tBodies[0].replaceChildren(...rows);
    $('tenants-empty').hidden = tenants.length > 0;
  }

  async function reloadTenants() {
    try {
      showTenants((await call('GET', '/tenants')).tenants || []);
      say($('tenants-msg'), '');
    } catch (err) {
      if (err.status === 401 || err.status === 403) return signOut(refusal(err));
      say($('tenants-msg'), `The tenants could not be listed: ${err.message}`, 'error');
    }
  }

  // ---- the new tenant form -----------------------------------------------

  const form = $('tenant-form');
  const alg = $('t-key-alg');
  const partners = { DYNAMICS: 'MS', SFDC: 'SFDC' };

  // The partner follows the CRM type unless the operator typed another.
  $('t-crm-type').addEventListener('change', () => {
    const partner = $('t-crm-partner');
    if (Object.values(partners).includes(partner.value) || !partner.value) partner.value = partners[$('t-crm-type').value];
  });

  function showKeyKind() {
    const hs = alg.value === 'HS256';
    $('t-key-secret-field').hidden = !hs;
    $('t-key-pem-field').hidden = hs;
  }
  alg.addEventListener('change', showKeyKind);

  // randomSecret is 32 random bytes as base64url: 43 characters, above the
  // 32 that HS256 needs, and safe to paste into any CRM setting.
  function randomSecret() {
    const bytes = crypto.getRandomValues(new Uint8Array(32));
    return btoa(String.fromCharCode(...bytes)).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
  }

  $('t-key-generate').addEventListener('click', () => {
    const secret = $('t-key-secret');
    secret.value = randomSecret();
    secret.removeAttribute('aria-invalid');
    $('t-key-secret-err').textContent = '';
    say($('t-key-secret-hint'), 'A random secret is filled in. After creating the tenant it is shown once, to copy to the CRM.', 'ok');
  });

  function spec() {
    const k = { id: $('t-key-id').value.trim(), alg: alg.value };
    if (alg.value === 'HS256') k.secret = $('t-key-secret').value;
    else k.publicKey = $('t-key-pem').value.trim();
    return {
      id: $('t-id').value.trim(),
      name: $('t-name').value.trim(),
      linkedin: { clientId: $('t-client-id').value.trim(), clientSecret: $('t-client-secret').value },
      crm: {
        type: $('t-crm-type').value, instanceId: $('t-crm-instance').value.trim(),
        partner: $('t-crm-partner').value.trim(), sourceType: $('t-crm-source').value.trim(),
      },
      allowedOrigins: lines($('t-origins').value),
      context: { issuer: $('t-issuer').value.trim(), audience: $('t-audience').value.trim(), keys: [k] },
    };
  }

  function clearFieldErrors() {
    for (const i of form.querySelectorAll('[aria-invalid]')) i.removeAttribute('aria-invalid');
    for (const p of form.querySelectorAll('.field-err')) p.textContent = '';
  }

  // fieldTarget finds the input a server field path names, and the reason
  // to show there: "allowedOrigins[1]" → the origins box; the first key's
  // "context.keys[0]" → its secret, public key or algorithm, as the reason
  // ("secret: …", "publicKey: …", "alg: …") says. null when no input shows it.
  function fieldTarget(field, message) {
    const reason = message.replace(/^tenant "[^"]*": /, '').replace(`${field}: `, '');
    const bare = field.replace(/\[\d+\]/g, '');
    let path = bare;
    let shown = reason;
    if (bare === 'context.keys') {
      const sub = reason.match(/^(secret|publicKey|alg): (.*)$/);
      path = sub ? `context.keys.${sub[1]}` : 'context.keys.id';
      if (sub) shown = sub[2];
    }
    const input = form.querySelector(`[data-field="${CSS.escape(path)}"]`);
    return input ? { input, reason: shown } : null;
  }

  // showFieldErrors marks every input a refusal names, with its reasons,
  // focuses the first one in the form's order and returns how many inputs
  // are marked; problems no input shows are returned in rest.
  function showFieldErrors(problems) {
    const marked = new Map();
    const rest = [];
    for (const p of problems) {
      const target = fieldTarget(p.field, p.message);
      if (!target) { rest.push(p); continue; }
      const reason = p.code === 'tenant_exists'
        ? 'a tenant with this id already exists; pick another id (its own admins change its settings in their console)'
        : target.reason;
      if (!marked.has(target.input)) marked.set(target.input, []);
      marked.get(target.input).push(capital(reason));
    }
    for (const [input, reasons] of marked) {
      input.setAttribute('aria-invalid', 'true');
      $(`${input.id}-err`).textContent = reasons.join(' ');
    }
    const first = [...form.querySelectorAll('[aria-invalid=true]')][0];
    if (first) first.focus();
    return { count: marked.size, rest };
  }

  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    clearFieldErrors();
    const msg = $('tenant-msg');
    say(msg, 'Creating the tenant…');
    $('tenant-create').disabled = true;
    const sent = spec();
    try {
      const made = await call('POST', '/tenants', sent);
      form.reset();
      showKeyKind();
      say($('t-key-secret-hint'), secretHint);
      say(msg, '');
      await showCreated(made, sent.context.keys[0]);
      await reloadTenants();
    } catch (err) {
      if (err.status === 401) return signOut(refusal(err));
      let problems = [];
      if (err.code === 'invalid_field' || err.code === 'tenant_exists') {
        problems = err.fields.length ? err.fields
          : (err.field ? [{ field: err.field, code: err.code, message: err.message }] : []);
      }
      const shown = showFieldErrors(problems);
      if (shown.count === 0) {
        say(msg, `Not created: ${err.message}`, 'error');
      } else {
        const others = shown.rest.map((p) => `${p.field}: ${p.message}`).join('; ');
        say(msg, `Not created: fix the ${shown.count === 1 ? 'marked field' : `${shown.count} marked fields`}.${others ? ` Also: ${others}.` : ''}`, 'error');
      }
    } finally {
      $('tenant-create').disabled = false;
    }
  });

  // ---- after creating ----------------------------------------------------

  // shellWord quotes s for a POSIX shell.
  const shellWord = (v) => (/^[A-Za-z0-9_./:@+-]+$/.test(v) ? v : `'${v.replace(/'/g, `'\\''`)}'`);
  const b64url = (bytes) => btoa(String.fromCharCode(...new Uint8Array(bytes))).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
  // seconds reads a Go duration such as "10m0s" or "90s".
  function seconds(d) {
    let total = 0;
    for (const [, n, unit] of String(d).matchAll(/(\d+(?:\.\d+)?)(h|m|s)/g)) total += Number(n) * { h: 3600, m: 60, s: 1 }[unit];
    return total || 300;
  }

  // created is the tenant just created and what the page may still do
  // with it: the sample record, and its HS256 key while the page shows it.
  let created = null;

  async function sampleRecord(id) {
    const fallback = { id: 'c-001', type: 'contact', firstName: 'Ada', lastName: 'Lovelace', company: 'Analytical Engines' };
    if (!hasSample) return fallback;
    try {
      const r = await fetch(`/operator/sample-record?tenant=${encodeURIComponent(id)}`, { cache: 'no-store' });
      if (r.ok) return (await r.json()).record;
    } catch (e) { /* the made-up record still signs */ }
    return fallback;
  }

  async function showCreated(t, sentKey) {
    const origin = location.origin;
    const k = t.context.keys[0] || sentKey;
    const hs = sentKey.alg === 'HS256';
    const id = encodeURIComponent(t.id);
    $('created-id').textContent = t.id;
    $('created-signing').textContent = `algorithm ${k.alg}, key id (kid) “${k.id}”, issuer (iss) “${t.context.issuer}”, `
      + `audience (aud) “${t.context.audience}”, lifetime at most ${shortDuration(t.context.maxLifetime)}; the claims name the viewer and the records on the page.`;
    $('created-secret-step').hidden = !hs;
    $('created-secret').value = hs ? sentKey.secret : '';
    say($('created-copy-msg'), '');
    say($('created-snippet-msg'), '');
    $('created-test-result').replaceChildren();
    $('created-standin').hidden = !standIn;
    if (standIn) {
      const records = `${standIn}/_sandbox/records?tenant=${id}`;
      $('created-records').href = records;
      $('created-records').textContent = records;
    }
    const record = await sampleRecord(t.id);
    created = { tenant: t, key: hs ? { id: sentKey.id, secret: sentKey.secret } : null, record };
    $('created-sign-where').textContent = standIn
      ? ' (run it in a shell on this machine; it prints the context)'
      : ' (run it with the server’s configuration: the same --config, --db or --database-url, and SNAPBRIDGE_ENCRYPTION_KEYS)';
    $('created-sign').parentElement.parentElement.hidden = !hs;
    $('created-sign-none').hidden = hs;
    $('created-sign').textContent = `${signCommand} --tenant ${shellWord(t.id)} --viewer crm-user-1 --viewer-name 'Sam Seller' `
      + `--record ${shellWord(JSON.stringify(record))}`;
    $('created-origins').textContent = (t.allowedOrigins || []).join(', ');
    $('created-iframe').textContent = `<iframe src="${origin}/w/${id}/card?ctx=CONTEXT" title="LinkedIn Sales Navigator" `
      + `width="300" height="${iframeHeight}" style="border:0"></iframe>`;
    $('created-embed').textContent = `<div data-snapbridge-tenant="${t.id}" data-snapbridge-ctx="CONTEXT"></div>\n`
      + `<script src="${origin}/embed.js" async></script>`;
    $('created-console').textContent = `${origin}/admin/${id}?ctx=<context with "roles": ["admin"]>`;
    $('created-console-row').hidden = !(hs && window.crypto && crypto.subtle);
    $('created').hidden = false;
    $('created').focus();
  }

  // signAdminContext signs, in this page, a short admin context for the
  // new tenant's console with the HS256 secret the operator just made.
  async function signAdminContext() {
    const t = created.tenant;
    const enc = new TextEncoder();
    const now = Math.floor(Date.now() / 1000);
    const header = { alg: 'HS256', typ: 'JWT', kid: created.key.id };
    const claims = {
      iss: t.context.issuer, aud: [t.context.audience], iat: now, exp: now + Math.min(300, seconds(t.context.maxLifetime)),
      jti: crypto.randomUUID(), viewer: { id: 'operator', name: 'Operator' }, records: [created.record], roles: ['admin'],
    };
    const unsigned = `${b64url(enc.encode(JSON.stringify(header)))}.${b64url(enc.encode(JSON.stringify(claims)))}`;
    const hmac = await crypto.subtle.importKey('raw', enc.encode(created.key.secret), { name: 'HMAC', hash: 'SHA-256' }, false, ['sign']);
    return `${unsigned}.${b64url(await crypto.subtle.sign('HMAC', hmac, enc.encode(unsigned)))}`;
  }

  $('created-console-link').addEventListener('click', async (e) => {
    e.preventDefault();
    if (!created || !created.key) return;
    // A context is accepted once: every click signs a new one.
    const ctx = await signAdminContext();
    window.open(`${location.origin}/admin/${encodeURIComponent(created.tenant.id)}?ctx=${encodeURIComponent(ctx)}`, '_blank', 'noopener');
  });

  $('created-test').addEventListener('click', async () => {
    if (!created) return;
    const out = $('created-test-result');
    const button = $('created-test');
    button.disabled = true;
    out.replaceChildren(el('p', { class: 'msg', text: 'Asking LinkedIn…' }));
    try {
      const rep = await call('POST', `/tenants/${encodeURIComponent(created.tenant.id)}/test-connection`);
      const steps = el('ul', { class: 'checks' }, ...(rep.steps || []).map((st) => el('li', { class: st.ok ? 'ok' : 'bad' },
        el('span', { class: 'mark', 'aria-hidden': 'true', text: st.ok ? '✓' : '✗' }),
        el('b', { text: `${capital(st.name)}: ` }), `${st.ok ? '' : 'failed — '}${st.message}`)));
      out.replaceChildren(el('p', { class: `msg ${rep.ok ? 'ok' : 'error'}`,
        text: rep.ok ? 'The connection works: LinkedIn accepts this application.' : 'The connection does not work yet:' }), steps);
    } catch (err) {
      if (err.status === 401) return signOut(refusal(err));
      out.replaceChildren(el('p', { class: 'msg error', text: `The test could not run: ${err.message}` }));
    } finally {
      button.disabled = false;
    }
  });

  for (const b of document.querySelectorAll('button.copy')) {
    b.addEventListener('click', async () => {
      const code = $(b.dataset.copy);
      const msg = b.closest('li').querySelector('.msg') || $('created-snippet-msg');
      try {
        await navigator.clipboard.writeText(code.textContent);
        say(msg, 'Copied.', 'ok');
      } catch (e) {
        getSelection().selectAllChildren(code);
        say(msg, 'Press Ctrl+C (⌘C) to copy the selected text.');
      }
    });
  }

  $('created-copy').addEventListener('click', async () => {
    const field = $('created-secret');
    try {
      await navigator.clipboard.writeText(field.value);
      say($('created-copy-msg'), 'Copied. Paste it into the CRM’s snapbridge settings.', 'ok');
    } catch (e) {
      // No clipboard permission (or an insecure origin): select it so
      // the operator can copy by hand.
      field.select();
      say($('created-copy-msg'), 'Press Ctrl+C (⌘C) to copy the selected secret.');
    }
  });

  // Done forgets the secret: it is shown once.
  $('created-done').addEventListener('click', () => {
    $('created-secret').value = '';
    created = null;
    $('created').hidden = true;
    $('t-id').focus();
  });

  showKeyKind();
  keyInput.focus();
})();
