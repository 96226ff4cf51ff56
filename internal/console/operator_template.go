package console

import "html/template"

// operatorPage is the operator page. It carries no secret: the operator
// types the key, and web/operator.js keeps it in memory only. The API base
// reaches the script through a data- attribute (no inline script).
var operatorPage = template.Must(template.New("operator").Parse(operatorTemplate))

const operatorTemplate = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="color-scheme" content="light dark">
<meta name="referrer" content="no-referrer">
<title>Tenants · snapbridge operator</title>
<link rel="icon" href="/web/icon.svg" type="image/svg+xml">
<link rel="stylesheet" href="/web/admin.css">
{{if .Enabled}}<script src="/web/operator.js" defer></script>{{end}}
</head>
<body class="operator" data-api="{{.API}}" data-operator="{{if .Enabled}}on{{else}}off{{end}}" data-sign="{{.Sign}}"{{if .StandIn}} data-standin="{{.StandIn}}"{{end}}{{if .Sample}} data-sample="on"{{end}}>
<a class="skip" href="#main">Skip to content</a>
<header class="top">
<span class="brand">snapbridge <b>operator</b></span>
<span class="tenant">Tenants of this server</span>
<span class="who" id="who" hidden>Signed in with the operator key · <button type="button" id="signout" class="secondary small">Sign out</button></span>
</header>
<main id="main" tabindex="-1">
{{if not .Enabled}}
<section class="panel" id="no-operator" aria-labelledby="no-operator-h">
<h2 id="no-operator-h">No operator key is configured</h2>
<p>This server was started without an operator key, so nobody can create tenants here: the admin API refuses every operator request.</p>
<p>To use this page, set <code>SNAPBRIDGE_OPERATOR_KEY</code> (or <code>operatorKey</code> in the configuration file) to a random value of at least 32 characters, for example from <code>openssl rand -base64 32</code>, and restart the server. <code>make run</code> does this for you and keeps the key in <code>var/operator.key</code>.</p>
</section>
{{else}}
<section class="panel" id="signin" aria-labelledby="signin-h">
<h2 id="signin-h">Sign in</h2>
<p class="hint">With the server's operator key (<code>SNAPBRIDGE_OPERATOR_KEY</code>; under <code>make run</code> it is in <code>var/operator.key</code>). The key stays in this page's memory only: reloading or closing the page forgets it.</p>
<form id="signin-form" class="grid" novalidate>
<div class="field wide"><label for="op-key">Operator key</label><input id="op-key" type="password" autocomplete="off" spellcheck="false" required aria-describedby="op-key-err"><p id="op-key-err" class="msg error field-err" role="alert"></p></div>
<div class="field actions"><button type="submit" id="signin-button">Sign in</button></div>
</form>
</section>

<section class="panel" id="tenants" aria-labelledby="tenants-h" hidden>
<h2 id="tenants-h">Tenants</h2>
<p class="hint">Every CRM customer this server serves, from the database (the configuration file only seeds it).</p>
<div class="table-wrap"><table id="tenant-table">
<caption class="sr-only">Tenants</caption>
<thead><tr><th scope="col">Id</th><th scope="col">Name</th><th scope="col">CRM</th><th scope="col">Allowed origins</th><th scope="col">Context keys</th></tr></thead>
<tbody></tbody></table></div>
<p id="tenants-empty" class="empty" hidden>No tenants yet: create the first one below.</p>
<p id="tenants-msg" class="msg" role="status"></p>
</section>

<section class="panel" id="created" aria-labelledby="created-h" tabindex="-1" hidden>
<h2 id="created-h">Tenant <code id="created-id"></code> created</h2>
<p class="hint" id="created-standin" hidden>Its LinkedIn application is registered in the LinkedIn stand-in, with a CRM instance of generated records: <a id="created-records" target="_blank" rel="noopener"></a>.</p>
<ol class="steps next">
<li>Configure the CRM to sign host contexts (short-lived JWTs) for snapbridge: <span id="created-signing"></span></li>
<li id="created-secret-step" hidden>Give the CRM its shared secret. It is shown here this once; snapbridge stores it encrypted and never shows it again.
<div class="row tight secret-row"><input id="created-secret" readonly spellcheck="false" aria-label="Shared secret of the new context key"><button type="button" id="created-copy" class="secondary">Copy</button></div>
<p id="created-copy-msg" class="msg" role="status"></p></li>
<li id="created-sign-step">Sign a context for a seller looking at a record<span id="created-sign-where"></span>. A context is accepted once and for at most 5 minutes: sign a new one for every page load.
<div class="snippet"><pre tabindex="0" aria-label="Command that signs a context"><code id="created-sign"></code></pre><button type="button" class="secondary small copy" data-copy="created-sign" aria-label="Copy the command">Copy</button></div>
<p id="created-sign-none" class="note" hidden>This tenant's first key is not HS256, so <code>snapbridge context sign</code> cannot sign for it: the CRM signs with its private key.</p></li>
<li>Put the widget in a page of the CRM, on one of the tenant's allowed origins (<span id="created-origins"></span>), with the signed context in place of <code>CONTEXT</code>. An iframe:
<div class="snippet"><pre tabindex="0" aria-label="Iframe snippet"><code id="created-iframe"></code></pre><button type="button" class="secondary small copy" data-copy="created-iframe" aria-label="Copy the iframe snippet">Copy</button></div>
or embed.js, which also sizes the iframe to the widget:
<div class="snippet"><pre tabindex="0" aria-label="embed.js snippet"><code id="created-embed"></code></pre><button type="button" class="secondary small copy" data-copy="created-embed" aria-label="Copy the embed.js snippet">Copy</button></div>
<p id="created-snippet-msg" class="msg" role="status"></p></li>
<li>The tenant's admins open its admin console from the CRM, with a context that gives them the <code>admin</code> role: <code id="created-console"></code>
<div class="row" id="created-console-row" hidden><a id="created-console-link" class="button secondary" href="#" target="_blank" rel="noopener">Open its admin console</a><span class="note">signs a 5-minute admin context with the secret above, in this page</span></div></li>
<li>Check its LinkedIn application: <button type="button" id="created-test" class="secondary">Test connection</button> asks LinkedIn for an app token with the client id and secret, and looks up one record.
<div id="created-test-result" role="status" aria-live="polite"></div></li>
</ol>
<div class="row"><button type="button" id="created-done" class="secondary">Done</button></div>
</section>

<section class="panel" id="new-tenant" aria-labelledby="new-tenant-h" hidden>
<h2 id="new-tenant-h">New tenant</h2>
<p class="hint">A CRM customer with its own LinkedIn application and context keys. The server checks everything exactly as at start-up and marks every wrong field at once. Fields marked <span class="req" aria-hidden="true">*</span><span class="sr-only">with an asterisk</span> are required. Other settings start with their defaults; the tenant's admins change them in their console.</p>
<form id="tenant-form" class="settings" novalidate>
<fieldset class="group"><legend>General</legend>
<div class="field"><label for="t-id">Id<span class="req" aria-hidden="true"> *</span></label><input id="t-id" required data-field="id" maxlength="63" spellcheck="false" autocomplete="off" placeholder="acme" aria-describedby="t-id-hint t-id-err"><p id="t-id-hint" class="note">Lower-case letters, digits and '-'; in every URL of the tenant.</p><p id="t-id-err" class="msg error field-err"></p></div>
<div class="field"><label for="t-name">Name</label><input id="t-name" data-field="name" maxlength="200" autocomplete="off" placeholder="ACME Corp" aria-describedby="t-name-err"><p id="t-name-err" class="msg error field-err"></p></div>
</fieldset>
<fieldset class="group"><legend>LinkedIn application</legend>
<div class="field"><label for="t-client-id">Client id<span class="req" aria-hidden="true"> *</span></label><input id="t-client-id" required data-field="linkedin.clientId" spellcheck="false" autocomplete="off" aria-describedby="t-client-id-err"><p id="t-client-id-err" class="msg error field-err"></p></div>
<div class="field"><label for="t-client-secret">Client secret<span class="req" aria-hidden="true"> *</span></label><input id="t-client-secret" required data-field="linkedin.clientSecret" type="password" autocomplete="new-password" spellcheck="false" aria-describedby="t-client-secret-hint t-client-secret-err"><p id="t-client-secret-hint" class="note">Stored encrypted, never shown again.</p><p id="t-client-secret-err" class="msg error field-err"></p></div>
</fieldset>
<fieldset class="group"><legend>CRM</legend>
<div class="field"><label for="t-crm-type">CRM type<span class="req" aria-hidden="true"> *</span></label><select id="t-crm-type" required data-field="crm.type" aria-describedby="t-crm-type-err"><option value="DYNAMICS">Dynamics 365 (DYNAMICS)</option><option value="SFDC">Salesforce (SFDC)</option></select><p id="t-crm-type-err" class="msg error field-err"></p></div>
<div class="field"><label for="t-crm-instance">CRM instance id<span class="req" aria-hidden="true"> *</span></label><input id="t-crm-instance" required data-field="crm.instanceId" spellcheck="false" autocomplete="off" placeholder="acme.crm.dynamics.com" aria-describedby="t-crm-instance-hint t-crm-instance-err"><p id="t-crm-instance-hint" class="note">For Dynamics, the org host.</p><p id="t-crm-instance-err" class="msg error field-err"></p></div>
<div class="field"><label for="t-crm-partner">Partner<span class="req" aria-hidden="true"> *</span></label><input id="t-crm-partner" required data-field="crm.partner" spellcheck="false" autocomplete="off" value="MS" aria-describedby="t-crm-partner-hint t-crm-partner-err"><p id="t-crm-partner-hint" class="note">MS for Dynamics, SFDC for Salesforce.</p><p id="t-crm-partner-err" class="msg error field-err"></p></div>
<div class="field"><label for="t-crm-source">CRM source type<span class="req" aria-hidden="true"> *</span></label><input id="t-crm-source" required data-field="crm.sourceType" spellcheck="false" autocomplete="off" aria-describedby="t-crm-source-hint t-crm-source-err"><p id="t-crm-source-hint" class="note">Assigned by LinkedIn to the partner.</p><p id="t-crm-source-err" class="msg error field-err"></p></div>
<div class="field wide"><label for="t-origins">Allowed origins (one per line)<span class="req" aria-hidden="true"> *</span></label><textarea id="t-origins" required data-field="allowedOrigins" rows="3" spellcheck="false" placeholder="https://acme.crm.dynamics.com" aria-describedby="t-origins-hint t-origins-err"></textarea><p id="t-origins-hint" class="note">The CRM pages that may show the widget and frame the admin console, as https://host[:port] (http only for localhost); no wildcards or paths.</p><p id="t-origins-err" class="msg error field-err"></p></div>
</fieldset>
<fieldset class="group"><legend>Host contexts</legend>
<div class="field"><label for="t-issuer">Issuer (iss)<span class="req" aria-hidden="true"> *</span></label><input id="t-issuer" required data-field="context.issuer" spellcheck="false" autocomplete="off" placeholder="https://acme.crm.dynamics.com" aria-describedby="t-issuer-hint t-issuer-err"><p id="t-issuer-hint" class="note">Names the tenant in every context; no two tenants share one.</p><p id="t-issuer-err" class="msg error field-err"></p></div>
<div class="field"><label for="t-audience">Audience (aud)</label><input id="t-audience" data-field="context.audience" spellcheck="false" autocomplete="off" placeholder="snapbridge" aria-describedby="t-audience-hint t-audience-err"><p id="t-audience-hint" class="note">Empty = snapbridge.</p><p id="t-audience-err" class="msg error field-err"></p></div>
</fieldset>
<fieldset class="group"><legend>First context key</legend>
<div class="field"><label for="t-key-id">Key id (kid)<span class="req" aria-hidden="true"> *</span></label><input id="t-key-id" required data-field="context.keys.id" maxlength="64" spellcheck="false" autocomplete="off" value="k1" aria-describedby="t-key-id-err"><p id="t-key-id-err" class="msg error field-err"></p></div>
<div class="field"><label for="t-key-alg">Algorithm<span class="req" aria-hidden="true"> *</span></label><select id="t-key-alg" required data-field="context.keys.alg" aria-describedby="t-key-alg-err"><option value="HS256">HS256 (shared secret)</option><option value="RS256">RS256 (RSA public key)</option><option value="EdDSA">EdDSA (Ed25519 public key)</option></select><p id="t-key-alg-err" class="msg error field-err"></p></div>
<div class="field wide" id="t-key-secret-field"><label for="t-key-secret">Shared secret<span class="req" aria-hidden="true"> *</span></label><div class="row tight"><input id="t-key-secret" required data-field="context.keys.secret" type="password" autocomplete="new-password" spellcheck="false" aria-describedby="t-key-secret-hint t-key-secret-err"><button type="button" id="t-key-generate" class="secondary">Generate</button></div><p id="t-key-secret-hint" class="note">At least 32 bytes (a letter or digit is one byte, other characters up to four); the CRM signs with the same secret. Generate makes a random one (43 characters), which you copy to the CRM after creating the tenant.</p><p id="t-key-secret-err" class="msg error field-err"></p></div>
<div class="field wide" id="t-key-pem-field" hidden><label for="t-key-pem">Public key (PEM)<span class="req" aria-hidden="true"> *</span></label><textarea id="t-key-pem" required data-field="context.keys.publicKey" rows="5" spellcheck="false" placeholder="-----BEGIN PUBLIC KEY-----" aria-describedby="t-key-pem-hint t-key-pem-err"></textarea><p id="t-key-pem-hint" class="note">The public half of the key the CRM signs with; RSA keys need at least 2048 bits.</p><p id="t-key-pem-err" class="msg error field-err"></p></div>
</fieldset>
<div class="row form-end"><button type="submit" id="tenant-create">Create tenant</button><p id="tenant-msg" class="msg" role="status" aria-live="polite"></p></div>
</form>
</section>
{{end}}
</main>
</body></html>
`
