package console

import (
	"html/template"
	"time"
)

// pages are the console page (its errors are internal/problem's page). The
// session token reaches admin.js through a data- attribute: the CSP allows
// no inline script.
var pages = template.Must(template.New("").Funcs(template.FuncMap{
	"rfc3339": func(t time.Time) string { return t.UTC().Format(time.RFC3339) },
}).Parse(pageTemplates))

const pageTemplates = `
{{define "head"}}<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="color-scheme" content="light dark">
<title>{{.}} · snapbridge admin</title>
<link rel="icon" href="/web/icon.svg" type="image/svg+xml">
<link rel="stylesheet" href="/web/admin.css">
{{end}}

{{define "page"}}{{template "head" (print "Admin console · " .Tenant.Name)}}<script src="/web/admin.js" defer></script></head>
<body data-session="{{.Token}}" data-expires="{{if .Token}}{{rfc3339 .ExpiresAt}}{{end}}" data-api="{{.API}}" data-links="{{.Links}}" data-validation-links="{{.ValidationLinks}}" data-tenant="{{.Tenant.ID}}">
<a class="skip" href="#main">Skip to content</a>
<header class="top">
<span class="brand">snapbridge <b>admin</b></span>
<span class="tenant"><span id="tenant-name">{{.Tenant.Name}}</span> <code>{{.Tenant.ID}}</code></span>
<span class="who">{{if .Token}}Signed in as <span id="viewer-name">{{if .Viewer.Name}}{{.Viewer.Name}}{{else}}{{.Viewer.ID}}{{end}}</span> · <span id="session-left">session ends <time id="session-end" datetime="{{rfc3339 .ExpiresAt}}" title="{{.ExpiresAt.UTC.Format "2006-01-02 15:04"}} UTC">{{.ExpiresAt.UTC.Format "15:04"}} UTC</time></span>{{else}}Signed in as <span id="viewer-name">…</span> · <span id="session-left">session ends <time id="session-end"></time></span>{{end}}</span>
</header>
<nav class="sections" aria-label="Console sections"><a href="#health">Health</a><a href="#settings">Settings</a><a href="#contextkeys">Context keys</a><a href="#apikeys">API keys</a><a href="#audit">Audit log</a><a href="#analytics">Analytics exports</a><a href="#validation">Validation exports</a><a href="#compliance">Compliance</a></nav>
<div id="session-banner" class="banner" role="alert" hidden>This console session has expired. Open the console again from your CRM to continue.</div>
<div id="session-missing" class="banner" role="alert" hidden>This console has no session to continue: it has ended, or this browser does not let the console keep it across a reload. Open the console again from your CRM.</div>
<main id="main" tabindex="-1">

<section class="panel" id="health" aria-labelledby="health-h">
<h2 id="health-h">Connection and health</h2>
<p class="hint">How this tenant's LinkedIn integration is doing today, on this server.</p>
<dl id="health-stats" class="stats" aria-live="polite"></dl>
<p id="health-msg" class="msg" role="status"></p>
<div class="row"><button type="button" id="test-connection" class="secondary">Test connection</button></div>
<ol id="test-steps" class="steps" aria-live="polite"></ol>
</section>

<section class="panel" id="settings" aria-labelledby="settings-h">
<h2 id="settings-h">Tenant settings</h2>
<p class="hint">How snapbridge works for this CRM. Changes apply at once to every seller; each save is written to the audit log.</p>
<p id="settings-loading" class="msg" role="status">Loading the settings…</p>
<form id="settings-form" class="settings" novalidate hidden>
<input type="hidden" id="set-revision" name="revision" value="{{.Tenant.Revision}}">
<fieldset class="group"><legend>General</legend>
<div class="field"><label for="set-name">Name</label><input id="set-name" data-field="name" maxlength="200" aria-describedby="set-name-err"><p id="set-name-err" class="msg error field-err"></p></div>
<div class="field"><label for="set-accent">Accent colour</label><div class="row tight"><input id="set-accent" data-field="accentColor" maxlength="7" placeholder="#0a66c2" spellcheck="false" aria-describedby="set-accent-hint set-accent-err"><span id="set-accent-swatch" class="swatch" aria-hidden="true"></span></div><p id="set-accent-hint" class="note">As #rrggbb, e.g. #0a66c2.</p><p id="set-accent-err" class="msg error field-err"></p></div>
<div class="field"><label for="set-theme">Widget theme</label><select id="set-theme" data-field="theme" aria-describedby="set-theme-hint set-theme-err"><option value="host">Follow the CRM page</option><option value="light">Light</option><option value="dark">Dark</option></select><p id="set-theme-hint" class="note">Follow the CRM page: embed.js tells the widget whether the page is light or dark; light when it does not.</p><p id="set-theme-err" class="msg error field-err"></p></div>
<div class="field"><label for="set-budget">Daily look-up budget</label><input id="set-budget" data-field="dailyLookupBudget" type="number" inputmode="numeric" step="1" aria-describedby="set-budget-hint set-budget-err"><p id="set-budget-hint" class="note">Unique LinkedIn look-ups per UTC day; empty or 0 = 5000.</p><p id="set-budget-err" class="msg error field-err"></p></div>
</fieldset>
<fieldset class="group"><legend>CRM</legend>
<div class="field wide"><label for="set-origins">Allowed origins (one per line)</label><textarea id="set-origins" data-field="allowedOrigins" rows="3" spellcheck="false" placeholder="https://acme.crm.dynamics.com" aria-describedby="set-origins-hint set-origins-warn set-origins-err"></textarea><p id="set-origins-hint" class="note">The CRM pages that may show the widget and frame this console, as https://host[:port] (http only for localhost); no wildcards or paths.</p><p id="set-origins-warn" class="banner warn" role="alert" hidden></p><p id="set-origins-err" class="msg error field-err"></p></div>
<div class="field"><label for="set-crm-type">CRM type</label><input id="set-crm-type" data-field="crm.type" list="crm-types" spellcheck="false" aria-describedby="set-crm-type-err"><datalist id="crm-types"><option value="DYNAMICS"></option><option value="SFDC"></option></datalist><p id="set-crm-type-err" class="msg error field-err"></p></div>
<div class="field"><label for="set-crm-instance">CRM instance id</label><input id="set-crm-instance" data-field="crm.instanceId" spellcheck="false" aria-describedby="set-crm-instance-err"><p id="set-crm-instance-err" class="msg error field-err"></p></div>
<div class="field"><label for="set-crm-org">CRM org id</label><input id="set-crm-org" data-field="crm.orgId" spellcheck="false" aria-describedby="set-crm-org-hint set-crm-org-err"><p id="set-crm-org-hint" class="note">Empty = the instance id.</p><p id="set-crm-org-err" class="msg error field-err"></p></div>
<div class="field"><label for="set-crm-partner">Partner</label><input id="set-crm-partner" data-field="crm.partner" spellcheck="false" aria-describedby="set-crm-partner-err"><p id="set-crm-partner-err" class="msg error field-err"></p></div>
<div class="field"><label for="set-crm-source">CRM source type</label><input id="set-crm-source" data-field="crm.sourceType" spellcheck="false" aria-describedby="set-crm-source-err"><p id="set-crm-source-err" class="msg error field-err"></p></div>
</fieldset>
<fieldset class="group"><legend>LinkedIn application</legend>
<div class="field"><label for="set-client-id">Client id</label><input id="set-client-id" data-field="linkedin.clientId" spellcheck="false" autocomplete="off" aria-describedby="set-client-id-err"><p id="set-client-id-err" class="msg error field-err"></p></div>
<div class="field"><label for="set-client-secret">New client secret</label><input id="set-client-secret" data-field="linkedin.clientSecret" type="password" autocomplete="new-password" spellcheck="false" aria-describedby="set-client-secret-hint set-client-secret-err"><p id="set-client-secret-hint" class="note">Leave empty to keep the current secret.</p><p id="set-client-secret-err" class="msg error field-err"></p></div>
</fieldset>
<fieldset class="group"><legend>Host contexts</legend>
<div class="field"><label for="set-issuer">Issuer (iss)</label><input id="set-issuer" data-field="context.issuer" spellcheck="false" aria-describedby="set-issuer-err"><p id="set-issuer-err" class="msg error field-err"></p></div>
<div class="field"><label for="set-audience">Audience (aud)</label><input id="set-audience" data-field="context.audience" spellcheck="false" placeholder="snapbridge" aria-describedby="set-audience-err"><p id="set-audience-err" class="msg error field-err"></p></div>
<div class="field"><label for="set-lifetime">Max lifetime</label><input id="set-lifetime" data-field="context.maxLifetime" spellcheck="false" placeholder="10m" aria-describedby="set-lifetime-hint set-lifetime-err"><p id="set-lifetime-hint" class="note">Like 5m; at most 10m.</p><p id="set-lifetime-err" class="msg error field-err"></p></div>
</fieldset>
<fieldset class="group" id="set-host"><legend>CRM host</legend>
<div class="field"><label for="set-host-kind">The widget is opened by</label><select id="set-host-kind" data-field="host.kind" aria-describedby="set-host-kind-hint set-host-kind-err"><option value="jwt">Signed host contexts only</option><option value="salesforce">Salesforce Canvas (and signed host contexts)</option><option value="hubspot">HubSpot app card (and signed host contexts)</option><option value="dynamics">Dynamics 365 IFRAME control, sellers sign in with Microsoft (and signed host contexts)</option></select><p id="set-host-kind-hint" class="note">Salesforce Canvas: the org's Connected App posts its signed request to the canvas app URL below; no code in Salesforce.</p><p id="set-host-kind-err" class="msg error field-err"></p></div>
<div class="field" data-sf><label for="set-sf-org">Salesforce org id</label><input id="set-sf-org" data-field="host.salesforce.orgId" spellcheck="false" placeholder="00D…" aria-describedby="set-sf-org-hint set-sf-org-err"><p id="set-sf-org-hint" class="note">Setup › Company Information › Salesforce.com Organization ID (15 or 18 characters).</p><p id="set-sf-org-err" class="msg error field-err"></p></div>
<div class="field" data-sf><label for="set-sf-domain">My Domain</label><input id="set-sf-domain" data-field="host.salesforce.myDomain" spellcheck="false" placeholder="acme.my.salesforce.com" aria-describedby="set-sf-domain-hint set-sf-domain-err"><p id="set-sf-domain-hint" class="note">Setup › My Domain, e.g. acme.my.salesforce.com. The org's Lightning, Visualforce and Classic hosts may then frame the widget.</p><p id="set-sf-domain-err" class="msg error field-err"></p></div>
<div class="field" data-sf><label for="set-sf-secret">Consumer secret</label><input id="set-sf-secret" data-field="host.salesforce.consumerSecrets[0]" type="password" autocomplete="new-password" spellcheck="false" aria-describedby="set-sf-secret-hint set-sf-secret-err"><p id="set-sf-secret-hint" class="note">From the Connected App (App Manager › View › Manage Consumer Details). Stored encrypted, never shown again.</p><p id="set-sf-secret-err" class="msg error field-err"></p></div>
<div class="field" data-sf><label for="set-sf-secret2">Second consumer secret (while rotating)</label><input id="set-sf-secret2" data-field="host.salesforce.consumerSecrets[1]" type="password" autocomplete="new-password" spellcheck="false" aria-describedby="set-sf-secret2-hint set-sf-secret2-err"><p id="set-sf-secret2-hint" class="note">Leave empty to keep the current one, if any.</p><label class="choice"><input type="checkbox" id="set-sf-drop2"> Remove the second secret</label><p id="set-sf-secret2-err" class="msg error field-err"></p></div>
<p id="set-sf-origins" class="note wide" data-sf></p>
<div class="field" data-hs hidden><label for="set-hs-portal">HubSpot account id (Hub ID)</label><input id="set-hs-portal" data-field="host.hubspot.portalId" inputmode="numeric" spellcheck="false" placeholder="62515" aria-describedby="set-hs-portal-hint set-hs-portal-err"><p id="set-hs-portal-hint" class="note">The number in the HubSpot account menu; requests of any other account are refused.</p><p id="set-hs-portal-err" class="msg error field-err"></p></div>
<div class="field" data-hs hidden><label for="set-hs-url">URL HubSpot calls (optional)</label><input id="set-hs-url" data-field="host.hubspot.publicUrl" spellcheck="false" placeholder="https://snapbridge.example.com" aria-describedby="set-hs-url-hint set-hs-url-err"><p id="set-hs-url-hint" class="note">Only when HubSpot reaches snapbridge at another address than its public URL (a proxy with a path prefix). The signature is checked against this URL.</p><p id="set-hs-url-err" class="msg error field-err"></p></div>
<div class="field" data-hs hidden><label for="set-hs-secret">HubSpot app client secret</label><input id="set-hs-secret" data-field="host.hubspot.clientSecrets[0]" type="password" autocomplete="new-password" spellcheck="false" aria-describedby="set-hs-secret-hint set-hs-secret-err"><p id="set-hs-secret-hint" class="note">From the app's Auth tab in HubSpot. Stored encrypted, never shown again.</p><p id="set-hs-secret-err" class="msg error field-err"></p></div>
<div class="field" data-hs hidden><label for="set-hs-secret2">Second HubSpot client secret (while rotating)</label><input id="set-hs-secret2" data-field="host.hubspot.clientSecrets[1]" type="password" autocomplete="new-password" spellcheck="false" aria-describedby="set-hs-secret2-hint set-hs-secret2-err"><p id="set-hs-secret2-hint" class="note">Leave empty to keep the current one, if any.</p><label class="choice"><input type="checkbox" id="set-hs-drop2"> Remove the second secret</label><p id="set-hs-secret2-err" class="msg error field-err"></p></div>
<p id="set-hs-card" class="note wide" data-hs hidden></p>
<div class="field" data-d365><label for="set-d365-org">Environment URL</label><input id="set-d365-org" data-field="host.dynamics.orgUrl" spellcheck="false" placeholder="https://contoso.crm.dynamics.com" aria-describedby="set-d365-org-hint set-d365-org-err"><p id="set-d365-org-hint" class="note">Power Platform admin center › Environments › Environment URL. Its pages may then frame the widget.</p><p id="set-d365-org-err" class="msg error field-err"></p></div>
<div class="field" data-d365><label for="set-d365-tid">Directory (tenant) id</label><input id="set-d365-tid" data-field="host.dynamics.entraTenantId" spellcheck="false" placeholder="00000000-0000-0000-0000-000000000000" aria-describedby="set-d365-tid-hint set-d365-tid-err"><p id="set-d365-tid-hint" class="note">Microsoft Entra admin center › Overview › Tenant ID.</p><p id="set-d365-tid-err" class="msg error field-err"></p></div>
<div class="field" data-d365><label for="set-d365-client">Application (client) id</label><input id="set-d365-client" data-field="host.dynamics.clientId" spellcheck="false" aria-describedby="set-d365-client-hint set-d365-client-err"><p id="set-d365-client-hint" class="note">Of the app registration (App registrations › Overview).</p><p id="set-d365-client-err" class="msg error field-err"></p></div>
<div class="field" data-d365><label for="set-d365-secret">Client secret value</label><input id="set-d365-secret" data-field="host.dynamics.clientSecrets[0]" type="password" autocomplete="new-password" spellcheck="false" aria-describedby="set-d365-secret-hint set-d365-secret-err"><p id="set-d365-secret-hint" class="note">Certificates &amp; secrets › the secret's Value (not its id). Stored encrypted, never shown again.</p><p id="set-d365-secret-err" class="msg error field-err"></p></div>
<div class="field" data-d365><label for="set-d365-secret2">Second Entra client secret (while rotating)</label><input id="set-d365-secret2" data-field="host.dynamics.clientSecrets[1]" type="password" autocomplete="new-password" spellcheck="false" aria-describedby="set-d365-secret2-hint set-d365-secret2-err"><p id="set-d365-secret2-hint" class="note">Leave empty to keep the current one, if any.</p><label class="choice"><input type="checkbox" id="set-d365-drop2"> Remove the second secret</label><p id="set-d365-secret2-err" class="msg error field-err"></p></div>
<p id="set-d365-urls" class="note wide" data-d365></p>
</fieldset>
<fieldset class="group"><legend>Association cache</legend>
<div class="field"><label for="set-cache-matched">Keep matches for</label><input id="set-cache-matched" data-field="cache.matched" spellcheck="false" placeholder="6h" aria-describedby="set-cache-matched-err"><p id="set-cache-matched-err" class="msg error field-err"></p></div>
<div class="field"><label for="set-cache-nomatch">Keep “no match” for</label><input id="set-cache-nomatch" data-field="cache.noMatch" spellcheck="false" placeholder="15m" aria-describedby="set-cache-nomatch-err"><p id="set-cache-nomatch-err" class="msg error field-err"></p></div>
</fieldset>
<fieldset class="group"><legend>Sales Navigator panel</legend>
<div class="field"><label for="set-modules">Modules</label><input id="set-modules" data-field="display.modules" spellcheck="false" placeholder="TopCard2,RelatedLeads" aria-describedby="set-modules-err"><p id="set-modules-err" class="msg error field-err"></p></div>
<div class="field"><label for="set-version">Version</label><input id="set-version" data-field="display.version" spellcheck="false" placeholder="2.1" aria-describedby="set-version-err"><p id="set-version-err" class="msg error field-err"></p></div>
<div class="field"><label for="set-width">Width (px)</label><input id="set-width" data-field="display.width" type="number" inputmode="numeric" step="1" aria-describedby="set-width-err"><p id="set-width-err" class="msg error field-err"></p></div>
<div class="field"><label for="set-height">Height (px)</label><input id="set-height" data-field="display.height" type="number" inputmode="numeric" step="1" aria-describedby="set-height-err"><p id="set-height-err" class="msg error field-err"></p></div>
<div class="field"><label class="choice"><input type="checkbox" id="set-inline" data-field="display.inlineMode"> Inline mode</label></div>
</fieldset>
<div class="row form-end"><button type="submit" id="settings-save">Save settings</button><p id="settings-msg" class="msg" role="status" aria-live="polite"></p></div>
</form>
</section>

<section class="panel" id="contextkeys" aria-labelledby="contextkeys-h">
<h2 id="contextkeys-h">Context keys</h2>
<p class="hint">The keys your CRM signs host contexts with; two may be active at once. To rotate: add the new key, switch the CRM to sign with it, then remove the old one.</p>
<div class="table-wrap"><table id="ckey-table">
<caption class="sr-only">Active context keys</caption>
<thead><tr><th scope="col">Key id</th><th scope="col">Algorithm</th><th scope="col">Key</th><th scope="col"><span class="sr-only">Actions</span></th></tr></thead><tbody></tbody></table></div>
<p id="ckey-last" class="note" hidden>The only key cannot be removed: the CRM could no longer open snapbridge. Add its replacement first.</p>
<p id="ckey-list-msg" class="msg" role="status"></p>
<form id="ckey-form" class="grid" novalidate>
<h3 class="wide">Add a key</h3>
<div class="field"><label for="ckey-id">Key id (kid)</label><input id="ckey-id" maxlength="64" spellcheck="false" placeholder="e.g. k2" aria-describedby="ckey-id-err"><p id="ckey-id-err" class="msg error field-err"></p></div>
<div class="field"><label for="ckey-alg">Algorithm</label><select id="ckey-alg" aria-describedby="ckey-alg-err"><option value="HS256">HS256 (shared secret)</option><option value="RS256">RS256 (RSA public key)</option><option value="EdDSA">EdDSA (Ed25519 public key)</option></select><p id="ckey-alg-err" class="msg error field-err"></p></div>
<div class="field wide" id="ckey-secret-field"><label for="ckey-secret">Shared secret</label><input id="ckey-secret" type="password" autocomplete="new-password" spellcheck="false" aria-describedby="ckey-secret-hint ckey-secret-err"><p id="ckey-secret-hint" class="note">The same secret your CRM signs with, at least 32 characters. It is stored encrypted and never shown again.</p><p id="ckey-secret-err" class="msg error field-err"></p></div>
<div class="field wide" id="ckey-pem-field" hidden><label for="ckey-pem">Public key (PEM)</label><textarea id="ckey-pem" rows="5" spellcheck="false" placeholder="-----BEGIN PUBLIC KEY-----" aria-describedby="ckey-pem-hint ckey-pem-err"></textarea><p id="ckey-pem-hint" class="note">The public half of the key your CRM signs with; RSA keys need at least 2048 bits.</p><p id="ckey-pem-err" class="msg error field-err"></p></div>
<div class="field actions"><button type="submit" id="ckey-add">Add key</button></div>
<p id="ckey-msg" class="msg wide" role="status"></p>
</form>
</section>

<section class="panel" id="apikeys" aria-labelledby="apikeys-h">
<h2 id="apikeys-h">API keys</h2>
<p class="hint">For automation calling the admin API. A key is shown once, when it is created.</p>
<form id="apikey-form" class="grid" novalidate>
<div class="field"><label for="apikey-name">Name</label><input id="apikey-name" maxlength="100" required placeholder="e.g. nightly export job"></div>
<div class="field actions"><button type="submit" id="apikey-create">Create API key</button></div>
<p id="apikey-msg" class="msg wide" role="status"></p>
</form>
<div class="table-wrap"><table id="apikey-table">
<thead><tr><th scope="col">Name</th><th scope="col">Created</th><th scope="col">Last used</th><th scope="col">Status</th><th scope="col"><span class="sr-only">Actions</span></th></tr></thead><tbody></tbody></table></div>
<p id="apikey-empty" class="empty">No API keys yet.</p>
</section>

<section class="panel" id="audit" aria-labelledby="audit-h">
<h2 id="audit-h">Audit log</h2>
<p class="hint">Every administrative action on this tenant, newest first.</p>
<div class="table-wrap"><table id="audit-table">
<thead><tr><th scope="col">When</th><th scope="col">Who</th><th scope="col">Action</th><th scope="col">Detail</th></tr></thead><tbody></tbody></table></div>
<p id="audit-empty" class="empty">Nothing recorded yet.</p>
</section>

<section class="panel" id="analytics" aria-labelledby="analytics-h">
<h2 id="analytics-h">Analytics exports</h2>
<p class="lede">Seat, activity and activity-outcome data of a Sales Navigator contract, at most 90 days per export. Exports run with your LinkedIn connection.</p>
<form id="analytics-form" class="grid" novalidate>
<div class="field wide">
<label for="contract">Contract</label>
<div class="row"><select id="contract" name="contract" required aria-describedby="contract-desc contract-msg"><option value="">Loading contracts…</option></select>
<button type="button" id="connect" class="secondary" hidden>Connect LinkedIn</button></div>
<p id="contract-desc" class="hint"></p>
<p id="contract-msg" class="msg" role="status"></p>
</div>
<div class="field">
<label for="action">Data</label>
<select id="action" name="action">
<option value="activity">Activity</option>
<option value="activity_outcome">Activity outcomes</option>
<option value="seat">Seats</option>
</select>
</div>
<div class="field">
<label for="start">From</label>
<input type="date" id="start" name="start" required aria-describedby="range-msg">
</div>
<div class="field">
<label for="end">To (inclusive)</label>
<input type="date" id="end" name="end" required aria-describedby="range-msg">
</div>
<div class="field actions"><button type="submit" id="analytics-create">Create export</button></div>
<p id="range-msg" class="msg error wide" role="alert"></p>
</form>
<div class="table-wrap"><table id="analytics-table" aria-describedby="analytics-empty">
<caption class="sr-only">Analytics export jobs, newest first</caption>
<thead><tr><th scope="col">#</th><th scope="col">Data</th><th scope="col">Contract</th><th scope="col">Requested by</th><th scope="col">Range</th><th scope="col">Status</th><th scope="col">Progress</th><th scope="col">Rows</th><th scope="col">File</th></tr></thead>
<tbody></tbody></table></div>
<p id="analytics-empty" class="empty">No analytics exports yet.</p>
</section>

<section class="panel" id="validation" aria-labelledby="validation-h">
<h2 id="validation-h">CRM data validation exports</h2>
<p class="lede">What LinkedIn's CRM Sync knows about your CRM instance, for reconciling records. Runs with the tenant's LinkedIn application and can take up to two hours.</p>
<form id="validation-form" class="grid" novalidate>
<fieldset class="field wide"><legend>Start</legend>
<div class="row">
<label class="choice"><input type="radio" name="vstart" value="date" checked> From date</label>
<input type="date" id="vfrom" name="vfrom" aria-label="Export start date" aria-describedby="validation-msg">
<label class="choice"><input type="radio" name="vstart" value="since" id="vsince" disabled> <span id="vsince-label">Since last export (none yet)</span></label>
</div>
</fieldset>
<div class="field actions"><button type="submit" id="validation-create">Create validation export</button></div>
<p id="validation-msg" class="msg error wide" role="alert"></p>
</form>
<div class="table-wrap"><table id="validation-table">
<caption class="sr-only">CRM data validation export jobs, newest first</caption>
<thead><tr><th scope="col">#</th><th scope="col">LinkedIn job</th><th scope="col">Range</th><th scope="col">Status</th><th scope="col">Files</th></tr></thead>
<tbody></tbody></table></div>
<p id="validation-empty" class="empty">No validation exports yet.</p>
</section>

<section class="panel" id="compliance" aria-labelledby="compliance-h">
<h2 id="compliance-h">Compliance archive</h2>
<p class="lede">Sales Navigator messages of opted-in viewers, archived before they leave LinkedIn's 28-day window.</p>
<div class="mine" role="group" aria-labelledby="my-compliance-h">
<h3 id="my-compliance-h">Your own messages</h3>
<p class="hint">Each person opts in for themselves, with their own LinkedIn account: LinkedIn asks them to allow archiving, and only messages sent after opting in are captured. Opting out stops capturing and keeps the archive.</p>
<p id="my-compliance-status" class="msg" role="status">Checking your archiving status…</p>
<div class="row">
<button type="button" id="my-optin" hidden>Archive my messages</button>
<button type="button" id="my-optout" class="secondary" hidden>Stop archiving</button>
<button type="button" id="my-connect" class="secondary" hidden>Open LinkedIn</button>
</div>
</div>
<p id="gap-summary" class="banner warn" role="alert" hidden></p>
<div class="table-wrap"><table id="compliance-table">
<caption class="sr-only">Viewers and their archive</caption>
<thead><tr><th scope="col">Viewer</th><th scope="col">Status</th><th scope="col">Last sync</th><th scope="col">Events archived</th><th scope="col">Archived through</th><th scope="col">Warning</th><th scope="col"><span class="sr-only">Actions</span></th></tr></thead>
<tbody></tbody></table></div>
<p id="compliance-empty" class="empty">No viewer has opted in to compliance archiving yet.</p>
<p id="compliance-msg" class="msg" role="status"></p>
<form id="archive-form" class="grid" novalidate>
<h3 class="wide">Download the archive</h3>
<div class="field"><label for="archive-viewer">Viewer</label><select id="archive-viewer"><option value="">All viewers</option></select></div>
<div class="field"><label for="archive-from">From</label><input type="date" id="archive-from" aria-describedby="archive-msg"></div>
<div class="field"><label for="archive-to">To (inclusive)</label><input type="date" id="archive-to" aria-describedby="archive-msg"></div>
<div class="field"><label for="archive-format">Format</label><select id="archive-format"><option value="jsonl">JSON Lines</option><option value="csv">CSV</option></select></div>
<div class="field actions"><button type="submit" id="archive-download">Download archive</button></div>
<p id="archive-msg" class="msg error wide" role="alert"></p>
</form>
</section>
</main>
</body></html>{{end}}
`
