// The tenant admin console (internal/console renders the page). Plain
// script, no framework: it reads the console session from the body's data-
// attributes (the CSP forbids inline script) and calls the admin JSON API
// with Authorization: Bearer. The session is also kept in sessionStorage
// (this tab, this origin — partitioned by the CRM's site inside its
// iframe), so a reload continues it until it expires; where the browser
// blocks storage it lives in memory only and a reload asks to open the
// console again.
(() => {
  'use strict';

  const body = document.body;
  const storeKey = `snapbridge:console:${body.dataset.tenant}`;

  // kept is the tab's sessionStorage, or null where the browser refuses it
  // (storage blocked in third-party frames, private modes).
  const kept = (() => {
    try {
      const s = window.sessionStorage;
      s.setItem(`${storeKey}:probe`, '1');
      s.removeItem(`${storeKey}:probe`);
      return s;
    } catch (e) {
      return null;
    }
  })();

  // resumeSession is the session of the page, or the one kept for a
  // reload; null when there is none, or it has expired.
  function resumeSession() {
    if (body.dataset.session) {
      const fresh = { token: body.dataset.session, expires: body.dataset.expires,
        viewer: document.getElementById('viewer-name').textContent };
      try { if (kept) kept.setItem(storeKey, JSON.stringify(fresh)); } catch (e) { /* full or refused: memory only */ }
      return fresh;
    }
    try {
      const old = kept && JSON.parse(kept.getItem(storeKey) || 'null');
      if (old && old.token && Date.parse(old.expires) > Date.now()) return old;
      if (kept) kept.removeItem(storeKey);
    } catch (e) { /* unreadable: none */ }
    return null;
  }

  const resumed = resumeSession();
  // The session now lives in memory (and the tab's storage); the attribute
  // and the one-time context in the address bar are not needed any more.
  // ?resume tells the server a reload wants the page without a context.
  delete body.dataset.session;
  if (location.search !== '?resume') history.replaceState(null, '', `${location.pathname}?resume`);
  if (!resumed) {
    document.getElementById('session-missing').hidden = false;
    document.getElementById('main').hidden = true;
    document.querySelector('nav.sections').hidden = true;
    document.querySelector('header.top .who').hidden = true;
    return;
  }
  const cfg = {
    token: resumed.token,
    expires: Date.parse(resumed.expires),
    api: body.dataset.api,
    links: body.dataset.links,
    validationLinks: body.dataset.validationLinks,
  };
  document.getElementById('viewer-name').textContent = resumed.viewer;

  const $ = (id) => document.getElementById(id);
  const DAY = 24 * 3600 * 1000;
  const MAX_DAYS = 90;
  const POLL_MS = 2000;
  const VALIDATION_POLL_MS = 5000;

  // ---- API ---------------------------------------------------------------

  class APIError extends Error {
    constructor(status, detail) {
      super((detail && detail.message) || `the server answered ${status}`);
      this.status = status;
      this.code = (detail && detail.code) || '';
      this.connectUrl = (detail && detail.connectUrl) || '';
      this.field = (detail && detail.field) || '';
      this.existing = (detail && detail.existing) || 0;
    }
  }

  function sessionExpired() { return Date.now() >= cfg.expires; }

  async function request(method, url, payload, extraHeaders) {
    if (sessionExpired()) {
      showExpired();
      throw new APIError(401, { code: 'session_expired', message: 'The console session has expired. Open the console again from your CRM.' });
    }
    const headers = { ...extraHeaders, Authorization: `Bearer ${cfg.token}` };
    if (payload !== undefined) headers['Content-Type'] = 'application/json';
    let r;
    try {
      r = await fetch(url, { method, headers, cache: 'no-store', body: payload === undefined ? undefined : JSON.stringify(payload) });
    } catch (e) {
      throw new APIError(0, { code: 'network', message: 'The snapbridge server could not be reached. Check your connection and try again.' });
    }
    return r;
  }

  async function call(method, path, payload) {
    const r = await request(method, cfg.api + path, payload);
    const data = await r.json().catch(() => null);
    if (!r.ok) throw new APIError(r.status, data && data.error);
    return data;
  }

  // callTenant calls the tenant itself or its context keys. revision, when
  // set, is sent as If-Match: the save is refused (412 tenant_changed) if
  // someone else saved the tenant since. It answers the tenant's view and
  // its revision now (the ETag).
  async function callTenant(method, path, payload, revision) {
    const r = await request(method, cfg.api + path, payload, revision ? { 'If-Match': `"${revision}"` } : undefined);
    const data = await r.json().catch(() => null);
    if (!r.ok) throw new APIError(r.status, data && data.error);
    return { view: data, revision: (r.headers.get('ETag') || '').replace(/"/g, '') };
  }

  function showExpired() {
    $('session-banner').hidden = false;
    try { if (kept) kept.removeItem(storeKey); } catch (e) { /* nothing kept */ }
  }
  setTimeout(showExpired, Math.max(0, cfg.expires - Date.now()));

  // ---- small DOM helpers -------------------------------------------------

  function el(tag, attrs, ...children) {
    const e = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      if (v === undefined || v === null || v === false) continue;
      if (k === 'class') e.className = v;
      else if (k === 'text') e.textContent = v;
      else if (k.startsWith('on')) e.addEventListener(k.slice(2), v);
      else e.setAttribute(k, v === true ? '' : v);
    }
    for (const c of children) if (c !== null && c !== undefined) e.append(c);
    return e;
  }

  function say(node, text, kind) {
    node.textContent = text || '';
    node.classList.toggle('error', kind === 'error');
    node.classList.toggle('ok', kind === 'ok');
  }

  // Every time is shown in the browser's zone, with UTC on hover (title);
  // export ranges are whole UTC days, so they are dates without a zone.
  const dateFmt = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeZone: 'UTC' });
  const timeFmt = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short' });
  const clockFmt = new Intl.DateTimeFormat(undefined, { timeStyle: 'short' });
  const fmtDate = (s) => (s ? dateFmt.format(new Date(s)) : '—');
  const fmtTime = (s) => (s ? timeFmt.format(new Date(s)) : '—');
  const utc = (s) => `${new Date(s).toISOString().slice(0, 16).replace('T', ' ')} UTC`;
  // timeEl shows an instant in the browser's zone, its UTC on hover.
  const timeEl = (s) => (s ? el('time', { datetime: new Date(s).toISOString(), title: utc(s), text: fmtTime(s) }) : '—');
  // timeCell is a table cell of timeEl.
  const timeCell = (s) => el('td', {}, timeEl(s));
  const isoDay = (d) => d.toISOString().slice(0, 10);
  const plural = (n, word) => `${n.toLocaleString()} ${word}${n === 1 ? '' : 's'}`;
  const dayStart = (v) => new Date(`${v}T00:00:00Z`);

  function badge(status) {
    const labels = { waiting: 'Waiting', running: 'Running', completed: 'Completed', failed: 'Failed',
      opted_in: 'Opted in', opted_out: 'Opted out', revoked: 'Revoked' };
    return el('span', { class: `badge ${status}`, text: labels[status] || status });
  }

  // checkRange validates a from/to date pair (to inclusive) and returns
  // [start, endExclusive] or throws a message for the person.
  function checkRange(from, to, maxDays) {
    if (!from || !to) throw new Error('Choose both a start and an end date.');
    const start = dayStart(from);
    const end = new Date(dayStart(to).getTime() + DAY);
    if (Number.isNaN(start.getTime()) || Number.isNaN(end.getTime())) throw new Error('Dates must be valid (YYYY-MM-DD).');
    if (end <= start) throw new Error('The end date must be on or after the start date.');
    const days = Math.round((end - start) / DAY);
    if (maxDays && days > maxDays) throw new Error(`That range is ${days} days; LinkedIn exports at most ${maxDays} days at a time.`);
    return [start, end];
  }

  // ---- LinkedIn connection -----------------------------------------------

  // A feature that needs LinkedIn consent shows its own Connect button;
  // once the popup reports success every waiting feature tries again.
  const connectWaiters = new Map(); // button id -> { url, msgNode, retry }
  window.addEventListener('message', (e) => {
    // Only the server's own OAuth popup may tell us the connection changed.
    if (e.origin !== location.origin || !e.data || typeof e.data !== 'object') return;
    if (e.data.type === 'snapbridge:connected') {
      // The server keeps the new LinkedIn authorization only once this
      // session sends back the code its popup posted here.
      const waiting = [...connectWaiters.entries()];
      connectWaiters.clear();
      for (const [id] of waiting) $(id).hidden = true;
      request('POST', '/api/v1/linkedin/connection', { code: String(e.data.code || '') })
        .catch(() => null)
        .then(() => {
          loadContracts();
          for (const [, w] of waiting) if (w.retry) w.retry();
        });
    } else if (e.data.type === 'snapbridge:connect-failed') {
      for (const [id, w] of connectWaiters) {
        say(w.msgNode, w.failText || 'LinkedIn did not grant access. Try Connect LinkedIn again.', 'error');
        if (w.failText) connectWaiters.delete(id);
      }
    }
  });
  $('connect').addEventListener('click', () => {
    const w = connectWaiters.get('connect');
    if (!w || !w.url) return;
    const popup = window.open(w.url, 'snapbridge-connect', 'popup,width=520,height=680');
    if (!popup) say(w.msgNode, 'Your browser blocked the LinkedIn window. Allow pop-ups for this site and try again.', 'error');
  });
  $('my-connect').addEventListener('click', () => {
    const w = connectWaiters.get('my-connect');
    if (w && w.url) askArchiveConsent(w.url);
  });

  // needsConnect shows a 409 asking for LinkedIn consent and the Connect
  // button (id) next to msgNode; retry runs once the viewer has connected.
  function needsConnect(err, msgNode, id = 'connect', retry = null) {
    if (err.code !== 'linkedin_scope_required' && err.code !== 'linkedin_not_connected') return false;
    say(msgNode, err.message, 'error');
    if (err.connectUrl) connectWaiters.set(id, { url: err.connectUrl, msgNode, retry });
    $(id).hidden = !err.connectUrl;
    return true;
  }

  // ---- analytics exports -------------------------------------------------

  const contractNames = new Map();
  const contractDescriptions = new Map();

  // contractLabel names a contract; another admin's contract that this
  // viewer cannot list shows its number, with the URN on hover.
  function contractLabel(urn) {
    return contractNames.get(urn) || `Contract ${urn.replace(/^urn:li:salesContract:/, '')}`;
  }

  function describeContract() {
    const urn = $('contract').value;
    $('contract-desc').textContent = urn ? (contractDescriptions.get(urn) || '') : '';
  }
  $('contract').addEventListener('change', describeContract);

  async function loadContracts() {
    const sel = $('contract');
    const msg = $('contract-msg');
    say(msg, 'Loading your Sales Navigator contracts…');
    try {
      const { contracts } = await call('GET', '/contracts');
      sel.replaceChildren();
      let usable = 0;
      for (const k of contracts) {
        contractNames.set(k.contract, k.name);
        if (k.description) contractDescriptions.set(k.contract, k.description);
        const label = k.hasReportingAccess ? k.name : `${k.name} (no reporting access)`;
        sel.append(el('option', { value: k.contract, disabled: !k.hasReportingAccess, text: label, title: k.description || undefined }));
        if (k.hasReportingAccess) usable++;
      }
      const first = contracts.find((k) => k.hasReportingAccess);
      if (first) sel.value = first.contract;
      describeContract();
      $('connect').hidden = true;
      connectWaiters.delete('connect');
      if (contracts.length === 0) {
        sel.append(el('option', { value: '', text: 'No contracts' }));
        say(msg, 'Your LinkedIn account has no Sales Navigator contracts.', 'error');
      } else if (usable === 0) {
        say(msg, 'None of your contracts gives you reporting access, which exports need.', 'error');
      } else {
        say(msg, '');
      }
      renderAnalytics(lastAnalytics);
      refreshAudit();
    } catch (err) {
      sel.replaceChildren(el('option', { value: '', text: 'Contracts unavailable' }));
      if (!needsConnect(err, msg)) say(msg, err.message, 'error');
    }
  }

  function initRange() {
    const today = new Date();
    $('end').value = isoDay(today);
    $('start').value = isoDay(new Date(today.getTime() - 29 * DAY));
    $('end').max = isoDay(today);
    $('start').max = isoDay(today);
    $('vfrom').value = isoDay(new Date(today.getTime() - 30 * DAY));
    $('vfrom').max = isoDay(today);
  }

  $('analytics-form').addEventListener('submit', async (e) => {
    e.preventDefault();
    const msg = $('range-msg');
    const button = $('analytics-create');
    say(msg, '');
    const contract = $('contract').value;
    if (!contract) {
      say($('contract-msg'), 'Choose a contract with reporting access.', 'error');
      $('contract').focus();
      return;
    }
    let start; let end;
    try {
      [start, end] = checkRange($('start').value, $('end').value, MAX_DAYS);
    } catch (err) {
      say(msg, err.message, 'error');
      $('start').focus();
      return;
    }
    button.disabled = true;
    const body = { contract, action: $('action').value, startAt: start.toISOString(), endAt: end.toISOString() };
    try {
      try {
        await call('POST', '/exports', body);
      } catch (err) {
        if (err.code !== 'export_duplicate') throw err;
        // The same file is already on its way: create a second only when
        // the admin says so.
        const same = lastAnalytics.find((j) => j.id === err.existing);
        const state = same && same.status === 'waiting' ? 'waiting to start' : 'running';
        if (!window.confirm(`Export #${err.existing} of the same data, contract and dates is already ${state}; its file will be in the list when it completes.\n\nCreate a second, identical export anyway?`)) {
          say(msg, `Not created: export #${err.existing} is the same and already ${state}.`);
          highlightExport(err.existing);
          return;
        }
        await call('POST', '/exports', { ...body, allowDuplicate: true });
      }
      say(msg, '');
      await refreshAnalytics();
    } catch (err) {
      if (needsConnect(err, $('contract-msg'))) return;
      // Field errors read "endAt: …"; show them next to the dates.
      say(msg, err.message.replace(/^(startAt|endAt): /, (m, f) => (f === 'startAt' ? 'Start date: ' : 'End date: ')), 'error');
    } finally {
      button.disabled = false;
    }
  });

  let lastAnalytics = [];
  let analyticsTimer = 0;

  async function refreshAnalytics() {
    clearTimeout(analyticsTimer);
    try {
      const { exports } = await call('GET', '/exports');
      lastAnalytics = exports;
      renderAnalytics(exports);
      if (exports.some((j) => j.status === 'waiting' || j.status === 'running')) {
        analyticsTimer = setTimeout(refreshAnalytics, POLL_MS);
      }
    } catch (err) {
      say($('range-msg'), `Export list: ${err.message}`, 'error');
      if (err.status !== 401 && err.status !== 403) analyticsTimer = setTimeout(refreshAnalytics, POLL_MS * 5);
    }
  }

  const actionNames = { seat: 'Seats', activity: 'Activity', activity_outcome: 'Activity outcomes' };

  // highlightExport points at export id in the table.
  function highlightExport(id) {
    const row = document.querySelector(`#analytics-table tr[data-id="${id}"]`);
    if (!row) return;
    row.classList.add('highlight');
    row.scrollIntoView({ block: 'nearest' });
    setTimeout(() => row.classList.remove('highlight'), 4000);
  }

  function renderAnalytics(jobs) {
    const rows = jobs.map((j) => {
      const bar = el('progress', { max: '100', value: String(j.progress), 'aria-label': `Export ${j.id} progress` });
      const file = j.download
        ? el('a', { href: j.download, class: 'download', onclick: (e) => { e.preventDefault(); openDownload(`${cfg.links}${j.id}/link`, e.currentTarget, $('range-msg'), `Download of export ${j.id}`); } }, 'Download')
        : '—';
      return el('tr', { 'data-status': j.status, 'data-id': String(j.id) },
        el('td', { text: String(j.id) }),
        el('td', { text: actionNames[j.action] || j.action }),
        el('td', { text: contractLabel(j.contract), title: j.contract }),
        el('td', { text: j.viewerName || j.viewer, title: j.viewerName ? j.viewer : undefined }),
        el('td', { text: `${fmtDate(j.startAt)} – ${fmtDate(new Date(Date.parse(j.endAt) - 1))}` }),
        el('td', {}, badge(j.status)),
        el('td', { class: 'progress' }, bar, el('span', { class: 'note', text: j.message || '' })),
        el('td', { class: 'num', text: j.rowCount === undefined ? '—' : j.rowCount.toLocaleString() }),
        el('td', {}, file));
    });
    $('analytics-table').tBodies[0].replaceChildren(...rows);
    $('analytics-empty').hidden = jobs.length > 0;
  }

  // openDownload asks the console (linkURL) for the file's (fresh) LinkedIn
  // link, which the server writes to the audit log, and opens it: the API's
  // download redirect needs the bearer token, which a plain link cannot
  // carry. A failure is said in msg, prefixed with what.
  async function openDownload(linkURL, link, msg, what) {
    link.setAttribute('aria-busy', 'true');
    try {
      const r = await request('POST', linkURL);
      const data = await r.json().catch(() => null);
      if (!r.ok) throw new APIError(r.status, data && data.error);
      window.open(data.url, '_blank', 'noopener');
    } catch (err) {
      say(msg, `${what}: ${err.message}`, 'error');
    } finally {
      link.removeAttribute('aria-busy');
    }
  }

  // ---- CRM data validation exports -----------------------------------------

  let validationTimer = 0;

  async function refreshValidation() {
    clearTimeout(validationTimer);
    try {
      const data = await call('GET', '/validation-exports');
      renderValidation(data.exports, data.nextExportStartAt);
      if (data.exports.some((j) => j.status === 'waiting' || j.status === 'running')) {
        validationTimer = setTimeout(refreshValidation, VALIDATION_POLL_MS);
      }
    } catch (err) {
      say($('validation-msg'), `Validation exports: ${err.message}`, 'error');
    }
  }

  function renderValidation(jobs, next) {
    const since = $('vsince');
    since.disabled = !next;
    $('vsince-label').textContent = next ? `Since last export (${fmtTime(next)})` : 'Since last export (none yet)';
    $('vsince-label').title = next ? utc(next) : '';
    if (!next && since.checked) document.querySelector('input[name=vstart][value=date]').checked = true;
    const rows = jobs.map((j) => {
      // downloadUrls are the API's audited download routes; the console asks
      // its own link route for each file, like the analytics Download.
      const files = (j.downloadUrls || []).map((u, i) => el('a', {
        href: u,
        text: `File ${i + 1}`,
        onclick: (e) => {
          e.preventDefault();
          openDownload(`${cfg.validationLinks}${j.id}/link?file=${i + 1}`, e.currentTarget, $('validation-msg'), `File ${i + 1} of validation export ${j.id}`);
        },
      }));
      return el('tr', { 'data-status': j.status },
        el('td', { text: String(j.id) }),
        // LinkedIn's job ids are long unbroken numbers: the cell wraps
        // them (a copy still gives the whole id) and says it on hover.
        el('td', { class: 'id', title: j.linkedinJobId ? String(j.linkedinJobId) : null },
          el('span', { text: j.linkedinJobId ? String(j.linkedinJobId) : '—' })),
        el('td', { class: 'range' }, timeEl(j.exportStartAt), ' – ', j.exportEndAt ? timeEl(j.exportEndAt) : '…'),
        // The message explains the status, under it: one column less to
        // fit a 390 px panel.
        el('td', {}, badge(j.status), j.message ? el('span', { class: 'note wrap', text: j.message }) : null),
        el('td', { class: 'files' }, ...(files.length ? files : ['—'])));
    });
    $('validation-table').tBodies[0].replaceChildren(...rows);
    $('validation-empty').hidden = jobs.length > 0;
  }

  $('validation-form').addEventListener('submit', async (e) => {
    e.preventDefault();
    const msg = $('validation-msg');
    say(msg, '');
    const mode = document.querySelector('input[name=vstart]:checked').value;
    let payload;
    if (mode === 'since') {
      payload = { sinceLastExport: true };
    } else {
      const v = $('vfrom').value;
      if (!v) {
        say(msg, 'Choose the date the export starts from.', 'error');
        $('vfrom').focus();
        return;
      }
      if (dayStart(v) > new Date()) {
        say(msg, 'The start date must be in the past.', 'error');
        $('vfrom').focus();
        return;
      }
      payload = { exportStartAt: dayStart(v).toISOString() };
    }
    const button = $('validation-create');
    button.disabled = true;
    try {
      await call('POST', '/validation-exports', payload);
      await refreshValidation();
    } catch (err) {
      say(msg, err.message, 'error');
    } finally {
      button.disabled = false;
    }
  });

  // ---- compliance ----------------------------------------------------------

  // The console's own viewer opts in and out with their LinkedIn account
  // (the viewer compliance API, not the admin one).
  const complianceAPI = '/api/v1/compliance';

  function renderMyCompliance(st) {
    const since = st.regulatedAt ? ` since ${fmtTime(st.regulatedAt)}` : '';
    // The count only while it cannot change: the table below follows syncs.
    const n = st.archive ? st.archive.eventsArchived : 0;
    const kept = n > 0 ? ` Your archive keeps ${plural(n, 'event')} archived so far.` : '';
    say($('my-compliance-status'), st.optedIn
      ? `Your Sales Navigator messages are being archived${since}.`
      : `Your messages are not being archived.${kept}`, st.optedIn ? 'ok' : '');
    $('my-optin').hidden = st.optedIn;
    $('my-optout').hidden = !st.optedIn;
    $('my-connect').hidden = true;
    connectWaiters.delete('my-connect');
  }

  async function myCompliance(method, path, button) {
    const msg = $('my-compliance-status');
    if (button) button.disabled = true;
    try {
      const r = await request(method, complianceAPI + path);
      const data = await r.json().catch(() => null);
      if (!r.ok) throw new APIError(r.status, data && data.error);
      renderMyCompliance(data);
      if (method !== 'GET') refreshCompliance();
    } catch (err) {
      const retry = method === 'GET' ? null : () => myCompliance(method, path, button);
      if (method === 'GET' && (err.code === 'linkedin_scope_required' || err.code === 'linkedin_not_connected')) {
        // Never allowed archiving, so not opted in: consent is asked on opt-in.
        renderMyCompliance({ optedIn: false });
      } else if (!needsConnect(err, msg, 'my-connect', retry)) {
        say(msg, err.message, 'error');
      }
    } finally {
      if (button) button.disabled = false;
    }
  }

  // optIn is the one click of "Archive my messages": when LinkedIn's
  // permission is missing, its consent window opens at once and the
  // opt-in completes by itself when the window reports success.
  async function optIn() {
    const msg = $('my-compliance-status');
    const button = $('my-optin');
    button.disabled = true;
    try {
      const r = await request('POST', `${complianceAPI}/opt-in`);
      const data = await r.json().catch(() => null);
      if (r.ok) {
        renderMyCompliance(data);
        refreshCompliance();
        return;
      }
      const err = new APIError(r.status, data && data.error);
      if ((err.code === 'linkedin_scope_required' || err.code === 'linkedin_not_connected') && err.connectUrl) {
        askArchiveConsent(err.connectUrl);
        return;
      }
      say(msg, err.message, 'error');
    } catch (err) {
      say(msg, err.message, 'error');
    } finally {
      button.disabled = false;
    }
  }

  // askArchiveConsent opens LinkedIn's consent window for archiving and
  // follows it: success opts in, closing it or a refusal says so. A
  // blocked window offers a button that opens it (a fresh click).
  function askArchiveConsent(url) {
    const msg = $('my-compliance-status');
    const waiter = { url, msgNode: msg, retry: optIn,
      failText: 'LinkedIn did not allow archiving, so your messages are not archived. Archive my messages asks again.' };
    connectWaiters.set('my-connect', waiter);
    const popup = window.open(url, 'snapbridge-connect', 'popup,width=520,height=680');
    if (!popup) {
      say(msg, 'Your browser blocked the LinkedIn window. Allow pop-ups for this site, or open it here:', 'error');
      $('my-connect').textContent = 'Open LinkedIn';
      $('my-connect').hidden = false;
      return;
    }
    $('my-connect').hidden = true;
    say(msg, 'Allow archiving in the LinkedIn window; archiving starts as soon as you do.');
    const watch = setInterval(() => {
      if (!popup.closed) return;
      clearInterval(watch);
      // The window's own report arrives just before it closes: give it a
      // moment, and speak only if it did not come.
      setTimeout(() => {
        if (connectWaiters.get('my-connect') !== waiter) return;
        connectWaiters.delete('my-connect');
        say(msg, 'You closed the LinkedIn window, so your messages are not archived. Archive my messages opens it again.', 'error');
        $('my-optin').focus();
      }, 500);
    }, 300);
  }

  $('my-optin').addEventListener('click', optIn);
  $('my-optout').addEventListener('click', (e) => {
    if (!window.confirm('Stop archiving your Sales Navigator messages? Messages sent from now on are not captured; the archive so far is kept.')) return;
    myCompliance('DELETE', '/opt-in', e.currentTarget);
  });

  const gapReasons = (g) => `${g.reason} (since ${fmtTime(g.since)})`;

  async function refreshCompliance() {
    try {
      const { viewers } = await call('GET', '/compliance/viewers');
      renderCompliance(viewers);
    } catch (err) {
      say($('compliance-msg'), `Compliance: ${err.message}`, 'error');
    }
  }

  function renderCompliance(viewers) {
    const who = (v) => v.name || v.viewer;
    const rows = viewers.map((v) => {
      const sync = el('button', { type: 'button', class: 'secondary small', text: 'Sync now',
        'aria-label': `Sync the archive of ${who(v)} now`, disabled: v.status !== 'opted_in',
        onclick: (e) => syncViewer(v.viewer, who(v), e.currentTarget) });
      const warn = v.gap ? el('strong', { class: 'gap', text: `Archive gap: ${gapReasons(v.gap)}` })
        : (v.lastError ? el('span', { class: 'note error', text: v.lastError }) : '—');
      return el('tr', { class: v.gap ? 'has-gap' : undefined },
        el('th', { scope: 'row', text: who(v), title: v.name ? v.viewer : undefined }),
        el('td', {}, badge(v.status)),
        timeCell(v.lastSync),
        el('td', { class: 'num', text: v.eventsArchived.toLocaleString() }),
        timeCell(v.archivedThrough),
        el('td', {}, warn),
        el('td', {}, sync));
    });
    $('compliance-table').tBodies[0].replaceChildren(...rows);
    $('compliance-empty').hidden = viewers.length > 0;
    const gaps = viewers.filter((v) => v.gap);
    const summary = $('gap-summary');
    summary.hidden = gaps.length === 0;
    summary.textContent = gaps.length === 0 ? ''
      : `${gaps.length} viewer${gaps.length > 1 ? 's have' : ' has'} a gap in the archive: events may be missing. ${gaps.map(who).join(', ')}.`;
    const sel = $('archive-viewer');
    const chosen = sel.value;
    sel.replaceChildren(el('option', { value: '', text: 'All viewers' }), ...viewers.map((v) => el('option', { value: v.viewer, text: who(v) })));
    sel.value = viewers.some((v) => v.viewer === chosen) ? chosen : '';
  }

  async function syncViewer(viewer, name, button) {
    const msg = $('compliance-msg');
    button.disabled = true;
    say(msg, `Syncing ${name}…`);
    try {
      const run = await call('POST', `/compliance/viewers/${encodeURIComponent(viewer)}/sync`);
      if (run.ok) say(msg, `${name}: fetched ${plural(run.fetched, 'event')}, archived ${run.archived} new.`, 'ok');
      else say(msg, `${name}: the sync failed: ${run.error || 'unknown error'}`, 'error');
      await refreshCompliance();
    } catch (err) {
      say(msg, `${name}: ${err.message}`, 'error');
      button.disabled = false;
    }
  }

  $('archive-form').addEventListener('submit', async (e) => {
    e.preventDefault();
    const msg = $('archive-msg');
    say(msg, '');
    let start; let end;
    try {
      [start, end] = checkRange($('archive-from').value, $('archive-to').value, 0);
    } catch (err) {
      say(msg, err.message, 'error');
      $('archive-from').focus();
      return;
    }
    const q = new URLSearchParams({ from: start.toISOString(), to: end.toISOString(), format: $('archive-format').value });
    if ($('archive-viewer').value) q.set('viewer', $('archive-viewer').value);
    const button = $('archive-download');
    button.disabled = true;
    try {
      // The archive needs the bearer token, so it is fetched here and
      // handed to the browser as a file.
      const r = await request('GET', `${cfg.api}/compliance/archive?${q}`);
      if (!r.ok) {
        const data = await r.json().catch(() => null);
        throw new APIError(r.status, data && data.error);
      }
      if (r.status === 204) {
        const whom = $('archive-viewer').value ? ` for ${$('archive-viewer').selectedOptions[0].textContent}` : '';
        say(msg, `No archived messages${whom} from ${fmtDate(start)} to ${fmtDate(end.getTime() - 1)}, so there is nothing to download. Choose other dates.`);
        return;
      }
      const blob = await r.blob();
      const name = (/filename="([^"]+)"/.exec(r.headers.get('Content-Disposition') || '') || [])[1] || `compliance.${$('archive-format').value}`;
      const url = URL.createObjectURL(blob);
      const a = el('a', { href: url, download: name, hidden: true });
      document.body.append(a);
      a.click();
      a.remove();
      setTimeout(() => URL.revokeObjectURL(url), 10000);
      say(msg, `Downloaded ${name} (${blob.size.toLocaleString()} bytes).`, 'ok');
    } catch (err) {
      say(msg, err.message, 'error');
    } finally {
      button.disabled = false;
    }
  });

  function initArchiveRange() {
    const today = new Date();
    $('archive-to').value = isoDay(today);
    $('archive-from').value = isoDay(new Date(today.getTime() - 27 * DAY));
  }

  // ---- health, test connection, API keys, audit -----------------------------

  async function refreshHealth() {
    const msg = $('health-msg');
    try {
      const h = await call('GET', '/health');
      const errs = h.linkedinErrors || {};
      const a = h.associations || {};
      const b = h.budget || {};
      const rows = [
        ['Connected sellers', String(h.connectedViewers ?? 0)],
        ['LinkedIn look-ups today', `${b.used ?? 0} of ${b.limit ?? 0}`],
        ['Cache hit rate', a.hits + a.misses > 0 ? `${Math.round((a.hitRate || 0) * 100)} % (${a.entries ?? 0} cached)` : 'no look-ups yet'],
        ['CRM Sync', { enabled: 'Enabled', disabled: 'Not enabled — ask LinkedIn to enable CRM Sync', unknown: 'Not known yet' }[h.crmSync] || h.crmSync],
        ['LinkedIn errors', `401: ${errs['401'] || 0} · 403: ${errs['403'] || 0} · 429: ${errs['429'] || 0} · 5xx: ${errs['5xx'] || 0}`],
      ];
      const cl = h.cluster;
      if (cl) {
        const mt = cl.memberTokens || {};
        rows.push(['Seller authorizations (all instances)', `connected: ${mt.connected || 0} · expired: ${mt.expired || 0} · revoked: ${mt.revoked || 0} · reconnect required: ${mt.reconnect_required || 0}`]);
        if (cl.complianceViewers > 0 || cl.complianceGaps > 0) {
          rows.push(['Compliance archive', `${cl.complianceViewers} opted in · newest event ${Math.round((cl.complianceLagSeconds || 0) / 60)} min ago · gaps: ${cl.complianceGaps}`]);
        }
      }
      if (errs.last) rows.push(['Last LinkedIn error', el('span', {}, timeEl(errs.last.at), ` — ${errs.last.kind}: ${errs.last.message}`)]);
      $('health-stats').replaceChildren(...rows.flatMap(([k, v]) => [el('dt', { text: k }), typeof v === 'string' ? el('dd', { text: v }) : el('dd', {}, v)]));
      say(msg, '');
    } catch (err) {
      say(msg, err.message, 'error');
    }
  }

  $('test-connection').addEventListener('click', async (e) => {
    const button = e.currentTarget;
    const list = $('test-steps');
    button.disabled = true;
    list.replaceChildren(el('li', { text: 'Testing…' }));
    try {
      const r = await call('POST', '/test-connection', {});
      list.replaceChildren(...(r.steps || []).map((st) => el('li', { class: st.ok ? 'ok' : 'error' },
        el('b', { text: `${st.ok ? '✓' : '✗'} ${st.name}` }), st.message ? ` — ${st.message}` : '')));
      list.append(el('li', { class: r.ok ? 'ok' : 'error', text: r.ok ? 'The LinkedIn connection works.' : 'The LinkedIn connection does not work yet: see the failing step.' }));
      refreshHealth();
      refreshAudit();
    } catch (err) {
      list.replaceChildren(el('li', { class: 'error', text: err.message }));
    } finally {
      button.disabled = false;
    }
  });

  // copyKey puts text on the clipboard: the Clipboard API, else (a CRM
  // frame without clipboard-write, an http origin) a copy of the selected
  // key; it says "Copied" or asks to copy by hand with the key selected.
  async function copyKey(text, button, status) {
    status.textContent = '';
    const code = $('apikey-secret');
    let ok = false;
    try {
      await navigator.clipboard.writeText(text);
      ok = true;
    } catch (e) {
      const range = document.createRange();
      range.selectNodeContents(code);
      const sel = window.getSelection();
      sel.removeAllRanges();
      sel.addRange(range);
      try { ok = document.execCommand('copy'); } catch (e2) { ok = false; }
      if (ok) sel.removeAllRanges();
    }
    status.textContent = ok ? 'Copied' : 'Your browser did not allow copying: the key is selected, press Ctrl+C (⌘C on a Mac).';
    status.className = ok ? 'ok' : 'error';
    if (ok) button.focus();
  }

  async function refreshKeys() {
    try {
      const r = await call('GET', '/api-keys');
      const keys = r.apiKeys || [];
      $('apikey-empty').hidden = keys.length > 0;
      $('apikey-table').querySelector('tbody').replaceChildren(...keys.map((k) => el('tr', {},
        el('td', { text: k.name }), timeCell(k.createdAt), timeCell(k.lastUsedAt),
        el('td', {}, el('span', { class: `badge ${k.active ? 'completed' : 'failed'}`, text: k.active ? 'Active' : 'Revoked' })),
        el('td', {}, k.active ? el('button', { type: 'button', class: 'secondary small', 'aria-label': `Revoke API key ${k.name}`, text: 'Revoke', onclick: () => revokeKey(k) }) : ''))));
    } catch (err) {
      say($('apikey-msg'), err.message, 'error');
    }
  }

  async function revokeKey(k) {
    if (!window.confirm(`Revoke the API key "${k.name}"? Automation using it stops working at once.`)) return;
    try {
      await request('DELETE', `${cfg.api}/api-keys/${encodeURIComponent(k.id)}`);
      say($('apikey-msg'), `Revoked "${k.name}".`, 'ok');
    } catch (err) {
      say($('apikey-msg'), err.message, 'error');
    }
    refreshKeys();
    refreshAudit();
  }

  $('apikey-form').addEventListener('submit', async (e) => {
    e.preventDefault();
    const msg = $('apikey-msg');
    const name = $('apikey-name').value.trim();
    if (!name) { say(msg, 'Give the key a name that says what uses it.', 'error'); $('apikey-name').focus(); return; }
    try {
      const k = await call('POST', '/api-keys', { name });
      const copied = el('span', { id: 'apikey-copied', class: 'ok' });
      msg.replaceChildren('Copy this key now, it is not shown again: ', el('code', { id: 'apikey-secret', text: k.key }), ' ',
        el('button', { type: 'button', class: 'secondary small', id: 'apikey-copy', text: 'Copy', 'aria-label': 'Copy the new API key',
          onclick: (ev) => copyKey(k.key, ev.currentTarget, copied) }), ' ', copied);
      msg.classList.remove('error');
      $('apikey-name').value = '';
      refreshKeys();
      refreshAudit();
    } catch (err) {
      say(msg, err.message, 'error');
    }
  });

  // readableDetail names the contracts an audit detail quotes by URN,
  // where this viewer's contract list knows them.
  const readableDetail = (d) => d.replace(/urn:li:salesContract:\d+/g, (urn) => (contractNames.has(urn) ? `“${contractNames.get(urn)}”` : urn));

  async function refreshAudit() {
    try {
      const r = await call('GET', '/audit?limit=20');
      const entries = r.entries || [];
      $('audit-empty').hidden = entries.length > 0;
      $('audit-table').querySelector('tbody').replaceChildren(...entries.map((x) => el('tr', {},
        timeCell(x.at), el('td', { text: x.actorName || x.actor, title: x.actorName ? x.actor : undefined }), el('td', { text: x.action }),
        el('td', { class: 'detail', text: readableDetail(typeof x.detail === 'string' ? x.detail : JSON.stringify(x.detail || {})) }))));
    } catch (err) {
      $('audit-empty').hidden = false;
      $('audit-empty').textContent = err.message;
    }
  }

  // ---- tenant settings -------------------------------------------------------

  // The CRM origin this console was opened from: the page framing it
  // (ancestorOrigins, Chromium and Safari) or the page that linked here
  // (document.referrer). '' when neither is known, e.g. a bookmarked link.
  const crmOrigin = (() => {
    const anc = location.ancestorOrigins;
    if (anc && anc.length > 0 && anc[0] !== 'null') return anc[0];
    try {
      const o = new URL(document.referrer).origin;
      if (o !== 'null' && o !== location.origin) return o;
    } catch (e) { /* no or opaque referrer */ }
    return '';
  })();

  let tenantView = null;
  const settingsForm = $('settings-form');
  // Go durations as the admin API reads them ("90s", "1h30m").
  const DURATION = /^(\d+(\.\d+)?(ns|us|µs|ms|s|m|h))+$/;

  // fieldInput finds the input a server field path names:
  // "allowedOrigins[1]" → the origins box, "display" → its first input,
  // "crm.partner" → that input. null when no input shows it.
  function fieldInput(form, path) {
    const inputs = [...form.querySelectorAll('[data-field]')];
    const bare = path.replace(/\[\d+\]/g, '');
    return inputs.find((i) => i.dataset.field === path)
      || inputs.find((i) => i.dataset.field === bare)
      || inputs.find((i) => i.dataset.field.startsWith(`${bare}.`) || i.dataset.field.startsWith(`${bare}[`))
      || null;
  }

  function clearFieldErrors(form) {
    for (const i of form.querySelectorAll('[aria-invalid]')) i.removeAttribute('aria-invalid');
    for (const p of form.querySelectorAll('.field-err')) p.textContent = '';
  }

  // showFieldError puts message next to input, marks it invalid and moves
  // the focus there, so keyboard and screen reader users land on it.
  function showFieldError(input, message) {
    input.setAttribute('aria-invalid', 'true');
    const p = $(`${input.id}-err`);
    if (p) p.textContent = message.charAt(0).toUpperCase() + message.slice(1);
    input.focus();
  }

  // serverReason drops the 'tenant "x": ' prefix of a field error: the
  // page already says which tenant this is.
  const serverReason = (message) => message.replace(/^tenant "[^"]*": /, '');

  const lines = (text) => text.split('\n').map((s) => s.trim()).filter(Boolean);
  const originOf = (s) => { try { return new URL(s).origin; } catch (e) { return s; } };

  // lockoutWarning says what saving these origins would do to the CRM
  // the console was opened from; '' when nothing.
  function lockoutWarning() {
    if (!crmOrigin) return '';
    if (lines($('set-origins').value).some((o) => originOf(o) === crmOrigin)) return '';
    return `${crmOrigin}, the CRM you opened this console from, is not among the allowed origins: after saving, its pages can no longer show the widget or frame this console.`;
  }

  function updateLockoutWarning() {
    const w = lockoutWarning();
    // Rewriting the same text would make screen readers announce it again.
    if ($('set-origins-warn').textContent !== w) $('set-origins-warn').textContent = w;
    $('set-origins-warn').hidden = !w;
  }
  $('set-origins').addEventListener('input', updateLockoutWarning);

  function paintSwatch() {
    const v = $('set-accent').value.trim();
    $('set-accent-swatch').style.backgroundColor = /^#[0-9a-fA-F]{6}$/.test(v) ? v : 'transparent';
  }
  $('set-accent').addEventListener('input', paintSwatch);

  // shortDuration writes Go's "6h0m0s" as "6h" and "15m0s" as "15m".
  const shortDuration = (d) => (d || '').replace(/([hm])0m0s$|([hm])0s$/, '$1$2').replace(/^0s$/, '');

  function renderSettings(v) {
    tenantView = v;
    const set = (id, value) => { $(id).value = value ?? ''; };
    set('set-name', v.name);
    set('set-accent', v.accentColor);
    set('set-theme', v.theme || 'host');
    set('set-budget', v.dailyLookupBudget);
    set('set-origins', (v.allowedOrigins || []).join('\n'));
    set('set-crm-type', v.crm.type);
    set('set-crm-instance', v.crm.instanceId);
    set('set-crm-org', v.crm.orgId);
    set('set-crm-partner', v.crm.partner);
    set('set-crm-source', v.crm.sourceType);
    set('set-client-id', v.linkedin.clientId);
    set('set-client-secret', '');
    $('set-client-secret-hint').textContent = v.linkedin.clientSecretSet
      ? 'A secret is set. Leave empty to keep it.' : 'No secret is set yet.';
    set('set-issuer', v.context.issuer);
    set('set-audience', v.context.audience);
    set('set-lifetime', shortDuration(v.context.maxLifetime));
    set('set-cache-matched', shortDuration(v.cache.matched));
    set('set-cache-nomatch', shortDuration(v.cache.noMatch));
    set('set-modules', v.display.modules);
    set('set-version', v.display.version);
    set('set-width', v.display.width);
    set('set-height', v.display.height);
    $('set-inline').checked = v.display.inlineMode !== false;
    $('tenant-name').textContent = v.name;
    document.title = `Admin console · ${v.name} · snapbridge admin`;
    paintSwatch();
    updateLockoutWarning();
    renderHost(v.host || { kind: 'jwt' });
    renderContextKeys(v.context.keys || []);
  }

  // renderHost fills the CRM host fields; the Salesforce ones show only
  // for a Salesforce tenant.
  function renderHost(h) {
    const sf = h.salesforce || {};
    $('set-host-kind').value = h.kind || 'jwt';
    $('set-sf-org').value = sf.orgId || '';
    $('set-sf-domain').value = sf.myDomain || '';
    renderSecretSlots('set-sf', sf.consumerSecretsSet,
      'From the Connected App (App Manager › View › Manage Consumer Details). Stored encrypted, never shown again.');
    const canvasURL = `${location.origin}/w/${encodeURIComponent(document.body.dataset.tenant)}/canvas`;
    $('set-sf-origins').textContent = (sf.origins || []).length
      ? `Canvas app URL: ${canvasURL}. Pages that may frame the widget: ${sf.origins.join(', ')}.`
      : `Canvas app URL: ${canvasURL}.`;
    renderHubSpot(h.hubspot || {});
    renderDynamics(h.dynamics || {});
    showHostFields();
  }

  // renderSecretSlots empties a CRM adapter's two secret inputs (<prefix>-secret,
  // <prefix>-secret2) and says how many secrets are active (`set`), or
  // where the secret comes from (`source`) when none is; "Remove the second
  // secret" shows only when there are two.
  function renderSecretSlots(prefix, set, source) {
    const n = set || 0;
    $(`${prefix}-secret`).value = '';
    $(`${prefix}-secret2`).value = '';
    $(`${prefix}-drop2`).checked = false;
    $(`${prefix}-secret-hint`).textContent = n > 0
      ? `${n} secret${n > 1 ? 's are' : ' is'} active. Leave empty to keep; stored encrypted, never shown again.`
      : source;
    $(`${prefix}-drop2`).closest('label').hidden = n < 2;
  }

  // secretSlots reads a CRM adapter's two secret inputs for a spec: an
  // empty slot keeps the stored secret of that slot (see admin.secretSlots),
  // and the second is dropped when "Remove the second secret" is ticked.
  function secretSlots(prefix, stored) {
    const secrets = [$(`${prefix}-secret`).value];
    const second = $(`${prefix}-secret2`).value;
    if (second) secrets.push(second);
    else if ((stored || 0) >= 2 && !$(`${prefix}-drop2`).checked) secrets.push('');
    return secrets;
  }

  // renderHubSpot fills the HubSpot app card fields.
  function renderHubSpot(hs) {
    $('set-hs-portal').value = hs.portalId || '';
    $('set-hs-url').value = hs.publicUrl || '';
    renderSecretSlots('set-hs', hs.clientSecretsSet, "From the app's Auth tab in HubSpot. Stored encrypted, never shown again.");
    const base = hs.publicUrl || location.origin;
    $('set-hs-card').textContent = `The card calls ${base}/hubspot/${encodeURIComponent(document.body.dataset.tenant)}/card with hubspot.fetch; list it in the app's permittedUrls.`;
  }

  function showHostFields() {
    const kind = $('set-host-kind').value;
    for (const el of document.querySelectorAll('[data-sf]')) el.hidden = kind !== 'salesforce';
    for (const el of document.querySelectorAll('[data-hs]')) el.hidden = kind !== 'hubspot';
    for (const el of document.querySelectorAll('[data-d365]')) el.hidden = kind !== 'dynamics';
  }

  // renderDynamics fills the Dynamics 365 fields: ids and URL, and for
  // the client secrets only how many are active.
  function renderDynamics(d) {
    $('set-d365-org').value = d.orgUrl || '';
    $('set-d365-tid').value = d.entraTenantId || '';
    $('set-d365-client').value = d.clientId || '';
    renderSecretSlots('set-d365', d.clientSecretsSet,
      "Certificates & secrets › the secret's Value (not its id). Stored encrypted, never shown again.");
    const base = `${location.origin}/w/${encodeURIComponent(document.body.dataset.tenant)}/dynamics`;
    $('set-d365-urls').textContent = `Redirect URI (Web): ${base}/callback. IFRAME control URL: ${base}.` +
      ((d.origins || []).length ? ` Pages that may frame the widget: ${d.origins.join(', ')}.` : '');
  }

  // dynamicsSpec reads the Dynamics 365 fields; empty secret slots keep
  // the stored secret of that slot (see admin.DynamicsSpec).
  function dynamicsSpec() {
    const d = (tenantView.host && tenantView.host.dynamics) || {};
    return { orgUrl: $('set-d365-org').value.trim(), entraTenantId: $('set-d365-tid').value.trim(),
      clientId: $('set-d365-client').value.trim(), authority: d.authority === 'https://login.microsoftonline.com' ? '' : (d.authority || ''),
      clientSecrets: secretSlots('set-d365', d.clientSecretsSet) };
  }
  $('set-host-kind').addEventListener('change', showHostFields);

  // hostSpec reads the CRM host fields. Empty secret slots keep the stored
  // secret of that slot (see admin.SalesforceSpec).
  function hostSpec() {
    const kind = $('set-host-kind').value;
    if (kind === 'hubspot') return { kind, hubspot: hubSpotSpec() };
    if (kind === 'dynamics') return { kind, dynamics: dynamicsSpec() };
    if (kind !== 'salesforce') return { kind };
    const sf = (tenantView.host && tenantView.host.salesforce) || {};
    return { kind, salesforce: { orgId: $('set-sf-org').value.trim(), myDomain: $('set-sf-domain').value.trim(),
      consumerSecrets: secretSlots('set-sf', sf.consumerSecretsSet) } };
  }

  // hubSpotSpec reads the HubSpot fields; empty secret slots keep the
  // stored secret of that slot (see admin.HubSpotSpec).
  function hubSpotSpec() {
    const hs = (tenantView.host && tenantView.host.hubspot) || {};
    return { portalId: $('set-hs-portal').value.trim(), publicUrl: $('set-hs-url').value.trim(),
      clientSecrets: secretSlots('set-hs', hs.clientSecretsSet) };
  }

  // settingsSpec reads the form into a TenantSpec for PUT, or throws
  // {input, message} for what the server could not point at (durations
  // and numbers are JSON types, not validated settings). context.keys is
  // left out so the current keys stay.
  function settingsSpec() {
    const v = tenantView;
    const text = (id) => $(id).value.trim();
    const int = (id) => {
      const s = text(id);
      if (s === '') return 0;
      if (!/^-?\d+$/.test(s)) throw { input: $(id), message: 'Enter a whole number.' };
      return Number(s);
    };
    const dur = (id) => {
      const s = text(id);
      if (s === '') return '0s';
      if (!DURATION.test(s)) throw { input: $(id), message: `“${s}” is not a duration like 15m, 6h or 1h30m.` };
      return s;
    };
    // inlineMode stays unset (the default, on) unless the admin turns it off.
    const inline = $('set-inline').checked;
    const spec = {
      name: text('set-name'),
      accentColor: text('set-accent'),
      theme: $('set-theme').value,
      dailyLookupBudget: int('set-budget'),
      allowedOrigins: lines($('set-origins').value),
      crm: { ...v.crm, type: text('set-crm-type'), instanceId: text('set-crm-instance'), orgId: text('set-crm-org'),
        partner: text('set-crm-partner'), sourceType: text('set-crm-source') },
      linkedin: { clientId: text('set-client-id') },
      context: { issuer: text('set-issuer'), audience: text('set-audience'), maxLifetime: dur('set-lifetime') },
      host: hostSpec(),
      cache: { matched: dur('set-cache-matched'), noMatch: dur('set-cache-nomatch') },
      display: { modules: text('set-modules'), version: text('set-version'), width: int('set-width'), height: int('set-height'),
        inlineMode: inline && v.display.inlineMode == null ? null : inline },
    };
    const secret = $('set-client-secret').value;
    if (secret) spec.linkedin.clientSecret = secret;
    return spec;
  }

  // The revision the settings form shows; its save is conditional on it.
  const formRevision = $('set-revision');
  const CHANGED = 'This tenant was changed by someone else since you opened it — reload to see their changes.';

  // keepRevision follows a context-key change made here: the form is still
  // current if the key change was the only save since it was rendered.
  function keepRevision(before, after) {
    if (after && Number(after) === Number(before) + 1) formRevision.value = after;
  }

  async function loadSettings() {
    try {
      const { view, revision } = await callTenant('GET', '');
      renderSettings(view);
      formRevision.value = revision;
      settingsForm.hidden = false;
      $('settings-loading').hidden = true;
    } catch (err) {
      say($('settings-loading'), `Settings: ${err.message}`, 'error');
      say($('ckey-list-msg'), `Context keys: ${err.message}`, 'error');
    }
  }

  settingsForm.addEventListener('submit', async (e) => {
    e.preventDefault();
    const msg = $('settings-msg');
    clearFieldErrors(settingsForm);
    say(msg, '');
    let spec;
    try {
      spec = settingsSpec();
    } catch (bad) {
      if (!bad.input) throw bad;
      showFieldError(bad.input, bad.message);
      say(msg, 'Fix the marked field, then save again.', 'error');
      return;
    }
    const warning = lockoutWarning();
    if (warning && !window.confirm(`${warning}\n\nSave anyway?`)) {
      say(msg, 'Not saved: the CRM you came from would be locked out.', 'error');
      $('set-origins').focus();
      return;
    }
    const button = $('settings-save');
    button.disabled = true;
    say(msg, 'Saving…');
    try {
      const { view, revision } = await callTenant('PUT', '', spec, formRevision.value);
      renderSettings(view);
      formRevision.value = revision;
      say(msg, 'Saved', 'ok');
    } catch (err) {
      const input = err.code === 'invalid_field' && err.field ? fieldInput(settingsForm, err.field) : null;
      if (err.code === 'tenant_changed') {
        say(msg, CHANGED, 'error');
        msg.append(' ', el('button', { type: 'button', class: 'secondary small', text: 'Reload settings',
          onclick: () => { say(msg, ''); clearFieldErrors(settingsForm); loadSettings(); } }));
      } else if (input) {
        showFieldError(input, serverReason(err.message).replace(`${err.field}: `, ''));
        say(msg, 'Not saved: fix the marked field.', 'error');
      } else {
        say(msg, `Not saved: ${serverReason(err.message)}`, 'error');
      }
    } finally {
      button.disabled = false;
      refreshAudit();
    }
  });

  // ---- context keys -----------------------------------------------------------

  // keyDescription says what a key verifies with, never a secret: for
  // public keys a SHA-256 fingerprint of the key (its first PEM line where
  // WebCrypto is missing, outside secure contexts).
  async function keyDescription(k) {
    if (k.alg === 'HS256') return k.secretSet ? 'Shared secret set' : 'No secret set';
    const b64 = (k.publicKey || '').replace(/-----[^-]+-----/g, '').replace(/\s+/g, '');
    try {
      const der = Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
      const sum = new Uint8Array(await crypto.subtle.digest('SHA-256', der));
      return `SHA256:${btoa(String.fromCharCode(...sum)).replace(/=+$/, '')}`;
    } catch (e) {
      return lines(k.publicKey || '')[1] || 'Public key';
    }
  }

  async function renderContextKeys(keys) {
    const last = keys.length <= 1;
    const rows = await Promise.all(keys.map(async (k) => el('tr', { 'data-kid': k.id },
      el('th', { scope: 'row' }, el('code', { text: k.id })),
      el('td', { text: k.alg }),
      el('td', { class: 'fingerprint', text: await keyDescription(k) }),
      el('td', {}, el('button', { type: 'button', class: 'secondary small', text: 'Remove',
        'aria-label': `Remove context key ${k.id}`, disabled: last,
        'aria-describedby': last ? 'ckey-last' : undefined,
        title: last ? 'The only key cannot be removed; add its replacement first.' : undefined,
        onclick: (e) => removeContextKey(k.id, e.currentTarget) })))));
    $('ckey-table').tBodies[0].replaceChildren(...rows);
    $('ckey-last').hidden = !last || keys.length === 0;
  }

  async function removeContextKey(kid, button) {
    const msg = $('ckey-list-msg');
    if (!window.confirm(`Remove the context key "${kid}"? Contexts your CRM signs with it are refused from now on.`)) return;
    button.disabled = true;
    try {
      const before = formRevision.value;
      const { view: v, revision } = await callTenant('DELETE', `/context-keys/${encodeURIComponent(kid)}`);
      keepRevision(before, revision);
      tenantView.context.keys = v.context.keys;
      await renderContextKeys(v.context.keys || []);
      say(msg, `Removed "${kid}".`, 'ok');
      say($('ckey-msg'), '');
    } catch (err) {
      say(msg, serverReason(err.message), 'error');
      button.disabled = false;
    }
    refreshAudit();
  }

  function showKeyInput() {
    const hs = $('ckey-alg').value === 'HS256';
    $('ckey-secret-field').hidden = !hs;
    $('ckey-pem-field').hidden = hs;
  }
  $('ckey-alg').addEventListener('change', showKeyInput);

  // keyErrorInput maps a server error about the new key ("context.keys[1]:
  // secret: …", "context.keys[1].id: …") to the add-key input it is about.
  function keyErrorInput(err) {
    if (err.code !== 'invalid_field' || !/^context\.keys\[\d+\]/.test(err.field || '')) return null;
    if (err.field.endsWith('.id')) return $('ckey-id');
    const reason = serverReason(err.message).replace(`${err.field}: `, '');
    if (reason.startsWith('secret:')) return $('ckey-secret');
    if (reason.startsWith('publicKey:')) return $('ckey-pem');
    if (reason.startsWith('alg:')) return $('ckey-alg');
    return null;
  }

  $('ckey-form').addEventListener('submit', async (e) => {
    e.preventDefault();
    const form = e.currentTarget;
    const msg = $('ckey-msg');
    clearFieldErrors(form);
    say(msg, '');
    const alg = $('ckey-alg').value;
    const key = { id: $('ckey-id').value.trim(), alg };
    if (!key.id) { showFieldError($('ckey-id'), 'Give the key the id (kid) your CRM puts in the token header.'); return; }
    if (alg === 'HS256') {
      key.secret = $('ckey-secret').value;
      const n = new TextEncoder().encode(key.secret).length;
      if (n < 32) { showFieldError($('ckey-secret'), `An HS256 secret needs at least 32 characters; this one has ${n}.`); return; }
    } else {
      key.publicKey = $('ckey-pem').value.trim();
      if (!key.publicKey.startsWith('-----BEGIN ')) { showFieldError($('ckey-pem'), 'Paste the PEM public key, starting with -----BEGIN PUBLIC KEY-----.'); return; }
    }
    const button = $('ckey-add');
    button.disabled = true;
    try {
      const before = formRevision.value;
      const { view: v, revision } = await callTenant('POST', '/context-keys', key);
      keepRevision(before, revision);
      tenantView.context.keys = v.context.keys;
      await renderContextKeys(v.context.keys || []);
      form.reset();
      showKeyInput();
      say($('ckey-list-msg'), '');
      say(msg, `Added "${key.id}". Switch your CRM to sign with it, then remove the old key.`, 'ok');
    } catch (err) {
      const input = keyErrorInput(err);
      if (input) showFieldError(input, serverReason(err.message).replace(`${err.field}: `, ''));
      else say(msg, serverReason(err.message), 'error');
    } finally {
      button.disabled = false;
      refreshAudit();
    }
  });

  // ---- start ---------------------------------------------------------------

  const sessionEnd = $('session-end');
  sessionEnd.dateTime = new Date(cfg.expires).toISOString();
  sessionEnd.title = utc(cfg.expires);
  sessionEnd.textContent = clockFmt.format(new Date(cfg.expires));

  refreshHealth();
  loadSettings();
  refreshKeys();
  refreshAudit();

  initRange();
  initArchiveRange();
  loadContracts();
  refreshAnalytics();
  refreshValidation();
  refreshCompliance();
  myCompliance('GET', '/status');
})();
