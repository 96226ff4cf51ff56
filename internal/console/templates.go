package console

import (
	"html/template"
	"time"
)

// pages are the console page and its error page. The session token reaches
// admin.js through a data- attribute: the CSP allows no inline script.
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

{{define "problem"}}{{template "head" .Title}}</head>
<body class="problem"><main class="card" role="main">
<p class="brand">snapbridge admin</p>
<h1>{{.Title}}</h1>
<p>{{.Message}}</p>
</main></body></html>{{end}}

{{define "page"}}{{template "head" (print "Admin console · " .Tenant.Name)}}<script src="/web/admin.js" defer></script></head>
<body data-session="{{.Token}}" data-expires="{{rfc3339 .ExpiresAt}}" data-api="{{.API}}" data-links="{{.Links}}" data-tenant="{{.Tenant.ID}}">
<a class="skip" href="#main">Skip to content</a>
<header class="top">
<span class="brand">snapbridge <b>admin</b></span>
<span class="tenant">{{.Tenant.Name}} <code>{{.Tenant.ID}}</code></span>
<span class="who">Signed in as {{if .Viewer.Name}}{{.Viewer.Name}}{{else}}{{.Viewer.ID}}{{end}} · <span id="session-left">session ends {{.ExpiresAt.UTC.Format "15:04"}} UTC</span></span>
</header>
<div id="session-banner" class="banner" role="alert" hidden>This console session has expired. Open the console again from your CRM to continue.</div>
<main id="main" tabindex="-1">

<section class="panel" id="health" aria-labelledby="health-h">
<h2 id="health-h">Connection and health</h2>
<p class="hint">How this tenant's LinkedIn integration is doing today, on this server.</p>
<dl id="health-stats" class="stats" aria-live="polite"></dl>
<p id="health-msg" class="msg" role="status"></p>
<div class="row"><button type="button" id="test-connection" class="secondary">Test connection</button></div>
<ol id="test-steps" class="steps" aria-live="polite"></ol>
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
<div class="row"><select id="contract" name="contract" required aria-describedby="contract-msg"><option value="">Loading contracts…</option></select>
<button type="button" id="connect" class="secondary" hidden>Connect LinkedIn</button></div>
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
<thead><tr><th scope="col">#</th><th scope="col">Data</th><th scope="col">Contract</th><th scope="col">Range</th><th scope="col">Status</th><th scope="col">Progress</th><th scope="col">Rows</th><th scope="col">File</th></tr></thead>
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
<thead><tr><th scope="col">#</th><th scope="col">LinkedIn job</th><th scope="col">Range</th><th scope="col">Status</th><th scope="col">Message</th><th scope="col">Files</th></tr></thead>
<tbody></tbody></table></div>
<p id="validation-empty" class="empty">No validation exports yet.</p>
</section>

<section class="panel" id="compliance" aria-labelledby="compliance-h">
<h2 id="compliance-h">Compliance archive</h2>
<p class="lede">Sales Navigator messages of opted-in viewers, archived before they leave LinkedIn's 28-day window.</p>
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
