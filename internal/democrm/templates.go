package democrm

// pageTemplates look like a plain business CRM on purpose: the widget
// must hold its own inside someone else's design.
const pageTemplates = `
{{define "head"}}<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{.}} · Contoso CRM (demo)</title>
<link rel="icon" href="data:,">
<style>
:root{--bar:#1f3a5f;--bg:#f4f6f9;--card:#fff;--line:#dde3ea;--text:#1b2733;--muted:#5b6b7c;--link:#1c5fa8}
*{box-sizing:border-box}body{margin:0;font:14px/1.45 "Segoe UI",system-ui,sans-serif;background:var(--bg);color:var(--text)}
header{background:var(--bar);color:#fff;display:flex;align-items:center;gap:18px;padding:0 20px;height:48px}
header b{font-size:16px;letter-spacing:.2px}header nav a{color:#cfe0f5;text-decoration:none;margin-right:14px}
header nav a[aria-current]{color:#fff;font-weight:600}header .admin{margin-left:auto;color:#fff;text-decoration:none;border:1px solid #6d8db3;border-radius:4px;padding:3px 10px}header .me{color:#cfe0f5}
main{display:grid;grid-template-columns:minmax(0,1fr) 340px;gap:20px;padding:20px;max-width:1180px;margin:0 auto}
section.panel{background:var(--card);border:1px solid var(--line);border-radius:6px;padding:16px 18px}
h1{font-size:20px;margin:0 0 4px}h2{font-size:13px;text-transform:uppercase;letter-spacing:.6px;color:var(--muted);margin:0 0 10px}
table{width:100%;border-collapse:collapse}th,td{text-align:left;padding:7px 8px;border-bottom:1px solid var(--line)}
th{font-size:12px;color:var(--muted);font-weight:600}td a{color:var(--link);text-decoration:none}td a:hover{text-decoration:underline}
.tag{display:inline-block;font-size:11px;padding:1px 7px;border-radius:9px;background:#e8eef6;color:#34506f}
dl{display:grid;grid-template-columns:140px 1fr;gap:6px 12px;margin:12px 0 0}dt{color:var(--muted)}dd{margin:0}
.avatar{width:56px;height:56px;border-radius:50%;background:#34506f;color:#fff;display:grid;place-items:center;font-size:20px;font-weight:600}
.rec{display:flex;gap:14px;align-items:center}.crumb{font-size:12px;color:var(--muted);margin-bottom:10px}.crumb a{color:var(--link)}
aside iframe{display:block}
@media (max-width:820px){main{grid-template-columns:1fr}}
</style></head><body>{{end}}

{{define "bar"}}<header><b>Contoso CRM</b><nav aria-label="Tenants">{{$cur := .Tenant.ID}}{{range .Tenants}}<a href="/t/{{.}}/"{{if eq . $cur}} aria-current="page"{{end}}>{{.}}</a>{{end}}</nav>
<a class="admin" href="/t/{{.Tenant.ID}}/admin" target="_blank" rel="noopener">Admin console</a><span class="me">{{.Viewer.Name}}</span></header>{{end}}

{{define "list"}}{{template "head" "Contacts"}}{{template "bar" .}}
<main>
<section class="panel"><h1>Contacts</h1><p class="crumb">Tenant <b>{{.Tenant.Name}}</b> · {{len .Contacts}} records</p>
<table><thead><tr><th>Name</th><th>Title</th><th>Company</th><th>Type</th></tr></thead><tbody>
{{$t := .Tenant.ID}}{{range .Contacts}}<tr><td><a href="/t/{{$t}}/contacts/{{.ID}}">{{.FirstName}} {{.LastName}}</a></td><td>{{.Title}}</td><td>{{.Company}}</td><td><span class="tag">{{.Type}}</span></td></tr>
{{end}}</tbody></table></section>
<aside><section class="panel"><h2>LinkedIn Sales Navigator</h2>
<iframe id="snapbridge-list" src="{{.ListURL}}" title="LinkedIn Sales Navigator" width="300" height="640" style="border:0;width:300px"></iframe>
</section></aside>
</main>
<script>
// The list widget reports its height like the card does; accept it only from the widget's origin.
(function(){var f=document.getElementById("snapbridge-list");var o=new URL(f.src).origin;
window.addEventListener("message",function(e){if(e.origin!==o||e.source!==f.contentWindow)return;var d=e.data||{};
if(d.type==="snapbridge:resize"&&typeof d.height==="number"&&d.height>0&&d.height<5000){f.style.height=Math.ceil(d.height)+"px";}});})();
</script>
</body></html>{{end}}

{{define "contact"}}{{template "head" (print .Contact.FirstName " " .Contact.LastName)}}{{template "bar" .}}
<main>
<section class="panel"><p class="crumb"><a href="/t/{{.Tenant.ID}}/">Contacts</a> › {{.Contact.FirstName}} {{.Contact.LastName}}</p>
<div class="rec"><div class="avatar" aria-hidden="true">{{initials .Contact}}</div><div><h1>{{.Contact.FirstName}} {{.Contact.LastName}}</h1>
<div>{{.Contact.Title}}{{if .Contact.Company}} · {{.Contact.Company}}{{end}}</div></div></div>
<dl><dt>Email</dt><dd>{{.Contact.Email}}</dd><dt>Record type</dt><dd>{{.Contact.Type}}</dd><dt>Record id</dt><dd><code>{{.Contact.ID}}</code></dd><dt>Owner</dt><dd>{{.Viewer.Name}}</dd></dl>
</section>
<aside><section class="panel"><h2>LinkedIn Sales Navigator</h2>
<div data-snapbridge-tenant="{{.Tenant.ID}}" data-snapbridge-ctx="{{.Ctx}}" data-snapbridge-context="snapbridgeDemo.freshContext"></div>
</section></aside>
</main>
<script>
// embed.js calls this when the widget's 15-minute session ends: a freshly
// signed context for the same user and record, from this CRM's server.
window.snapbridgeDemo = { freshContext: function () {
  return fetch(location.pathname + "/context", { cache: "no-store", credentials: "same-origin" })
    .then(function (r) { if (!r.ok) { throw new Error("HTTP " + r.status); } return r.json(); })
    .then(function (b) { return b.ctx; });
} };
</script>
<script src="{{.EmbedJS}}" async></script>
</body></html>{{end}}

{{define "salesforce"}}{{template "head" (print .Contact.FirstName " " .Contact.LastName " | " .Object " | Salesforce")}}{{template "bar" .}}
<main class="sfdc">
<section class="panel"><p class="crumb">{{.Object}} › {{.Contact.FirstName}} {{.Contact.LastName}} <span class="tag">Salesforce Canvas</span></p>
<div class="rec"><div class="avatar" aria-hidden="true" style="background:#0176d3">{{initials .Contact}}</div><div><h1>{{.Contact.FirstName}} {{.Contact.LastName}}</h1>
<div>{{.Contact.Title}}{{if .Contact.Company}} · {{.Contact.Company}}{{end}}</div></div></div>
<dl><dt>Email</dt><dd>{{.Contact.Email}}</dd><dt>Object</dt><dd>{{.Object}}</dd><dt>Record Id</dt><dd><code>{{.Contact.ID}}</code></dd><dt>Owner</dt><dd>{{.Viewer.Name}}</dd></dl>
</section>
<aside><section class="panel"><h2>LinkedIn Sales Navigator (canvas app)</h2>
<form id="canvas-form" method="post" action="{{.CanvasURL}}" target="canvas-frame"><input type="hidden" name="signed_request" value="{{.SignedRequest}}"></form>
<iframe id="canvas-frame" name="canvas-frame" title="LinkedIn Sales Navigator" width="300" height="{{.Height}}" style="border:0;width:300px" data-widget-origin="{{.WidgetOrigin}}"></iframe>
</section></aside>
</main>
<script>
// What Salesforce's page does for a canvas app: POST the signed request
// into the frame, then size the frame from the Canvas SDK's resize
// messages (a JSON string for the Canvas module), from the app's origin
// and frame only.
(function(){var f=document.getElementById("canvas-frame");var o=new URL(f.dataset.widgetOrigin).origin;
window.addEventListener("message",function(e){if(e.origin!==o||e.source!==f.contentWindow||typeof e.data!=="string")return;
var m;try{m=JSON.parse(e.data);}catch(x){return;}
if(!m||m.targetModule!=="Canvas"||!m.body||m.body.type!=="resize"||!m.body.size)return;
var h=parseInt(m.body.size.height,10);if(h>0&&h<5000){f.style.height=h+"px";f.dataset.canvasResized=String(h);}});
document.getElementById("canvas-form").submit();})();
</script>
</body></html>{{end}}
`
