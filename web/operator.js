// The operator page (internal/console renders it): the holder of the
// server's operator key lists tenants and creates new ones through the
// admin JSON API. Plain script, no framework. The key lives in this
// closure only — never in storage, a cookie or the address bar — so
// reloading the page signs the operator out.
(() => {
  'use strict';

  const api = document.body.dataset.api;
  const $ = (id) => document.getElementById(id);
  let key = '';

  // ---- API ---------------------------------------------------------------

  class APIError extends Error {
    constructor(status, detail) {
      super((detail && detail.message) || `the server answered ${status}`);
      this.status = status;
      this.code = (detail && detail.code) || '';
      this.field = (detail && detail.field) || '';
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

  function showFieldError(input, message) {
    input.setAttribute('aria-invalid', 'true');
    $(`${input.id}-err`).textContent = capital(message);
    input.focus();
  }

  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    clearFieldErrors();
    const msg = $('tenant-msg');
    say(msg, 'Creating the tenant…');
    $('tenant-create').disabled = true;
    const sent = spec();
    try {
      const created = await call('POST', '/tenants', sent);
      form.reset();
      showKeyKind();
      say($('t-key-secret-hint'), 'At least 32 characters; the CRM signs with the same secret. Generate makes a random one, which you copy to the CRM after creating the tenant.');
      say(msg, '');
      showCreated(created, sent.context.keys[0]);
      await reloadTenants();
    } catch (err) {
      if (err.status === 401) return signOut(refusal(err));
      const target = (err.code === 'invalid_field' || err.code === 'tenant_exists') && err.field
        ? fieldTarget(err.field, err.message) : null;
      if (target && err.code === 'tenant_exists') {
        // The server's answer suggests PUT, which is not this page's way.
        showFieldError(target.input, 'a tenant with this id already exists; pick another id (its own admins change its settings in their console)');
        say(msg, 'Not created: fix the marked field.', 'error');
      } else if (target) {
        showFieldError(target.input, target.reason);
        say(msg, 'Not created: fix the marked field.', 'error');
      } else {
        say(msg, `Not created: ${err.message}`, 'error');
      }
    } finally {
      $('tenant-create').disabled = false;
    }
  });

  // ---- after creating ----------------------------------------------------

  function showCreated(t, sentKey) {
    const origin = location.origin;
    const k = t.context.keys[0] || sentKey;
    $('created-id').textContent = t.id;
    $('created-signing').textContent = `algorithm ${k.alg}, key id (kid) “${k.id}”, issuer (iss) “${t.context.issuer}”, `
      + `audience (aud) “${t.context.audience}”, lifetime at most ${shortDuration(t.context.maxLifetime)}; the claims name the viewer and the records on the page.`;
    const hs = sentKey.alg === 'HS256';
    $('created-secret-step').hidden = !hs;
    $('created-secret').value = hs ? sentKey.secret : '';
    say($('created-copy-msg'), '');
    $('created-console').textContent = `${origin}/admin/${encodeURIComponent(t.id)}?ctx=<context with "roles": ["admin"]>`;
    $('created-widget').textContent = `${origin}/w/${encodeURIComponent(t.id)}/card?ctx=<context>`;
    $('created').hidden = false;
    $('created').focus();
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
    $('created').hidden = true;
    $('t-id').focus();
  });

  showKeyKind();
  keyInput.focus();
})();
