// snapbridge embed.js: puts the LinkedIn Sales Navigator widget into a CRM
// page. Include <script src="https://<snapbridge host>/embed.js"></script>,
// then either mark elements:
//   <div data-snapbridge-tenant="demo" data-snapbridge-ctx="<context JWT>"
//        data-snapbridge-mode="card"></div>
// or call SnapBridge.mount(element, {tenant, ctx, mode, maxWidth, height, theme, context}).
// theme ("light" or "dark", data-snapbridge-theme) tells a widget whose
// tenant follows the host which theme this page shows; without it the
// widget reads the page's color-scheme (CSS or <meta name="color-scheme">).
// The widget tells this page its height; only messages from the snapbridge
// origin (the origin of this script) and from the widget's own iframe are
// believed.
//
// context (optional) keeps the widget going past its 15-minute session:
// a function returning a new signed context token (or a promise of one)
// for the same user and records. When the widget's session expires it
// posts {type: "snapbridge:context-request", id} here; this script calls
// context() and posts {type: "snapbridge:context", id, ctx} (or
// {…, error} when there is no callback or it failed) back to that widget
// iframe, on the snapbridge origin only. Marked elements name a global
// function instead: data-snapbridge-context="myApp.freshContext".
(function () {
  "use strict";
  if (window.SnapBridge && window.SnapBridge.origin) {
    return; // loaded twice: the first copy already serves this page
  }
  var script = document.currentScript;
  if (!script || !script.src) {
    console.error("snapbridge: embed.js must be loaded with a <script src> tag");
    return;
  }
  var origin = new URL(script.src, window.location.href).origin;
  var tenantPattern = /^[a-z0-9][a-z0-9-]{0,62}$/;
  var maxHeight = 4000;
  var frames = [];

  // frameOf returns the widget iframe this page created that sent event.
  function frameOf(event) {
    for (var i = 0; i < frames.length; i++) {
      if (frames[i].contentWindow === event.source) {
        return frames[i];
      }
    }
    return null;
  }

  window.addEventListener("message", function (event) {
    if (event.origin !== origin) {
      return;
    }
    var data = event.data;
    var frame = data && frameOf(event);
    if (!frame) {
      return;
    }
    if (data.type === "snapbridge:resize" && typeof data.height === "number" && isFinite(data.height)) {
      var h = Math.max(0, Math.min(maxHeight, Math.ceil(data.height)));
      frame.style.height = h + "px";
    } else if (data.type === "snapbridge:context-request" && typeof data.id === "string" && data.id.length <= 64) {
      freshContext(frame, data.id);
    }
  });

  // freshContext asks the page's context callback for a new signed
  // context and hands it to the widget in frame, on the snapbridge origin.
  function freshContext(frame, id) {
    var target = frame.contentWindow;
    function answer(msg) {
      msg.type = "snapbridge:context";
      msg.id = id;
      target.postMessage(msg, origin);
    }
    var fn = frame.snapbridgeContext;
    if (typeof fn !== "function") {
      answer({ error: "This CRM page gives the widget no fresh context." });
      return;
    }
    Promise.resolve().then(function () { return fn(); }).then(function (ctx) {
      if (typeof ctx !== "string" || !ctx) {
        throw new Error("the context callback returned no context");
      }
      answer({ ctx: ctx });
    }).catch(function (err) {
      console.error("snapbridge: context callback failed: " + (err && err.message));
      answer({ error: "The CRM page could not give a fresh context." });
    });
  }

  // contextOption returns the context callback: opts.context, or the
  // global function an element's data-snapbridge-context names.
  function contextOption(el, opts) {
    if (opts && typeof opts.context === "function") {
      return opts.context;
    }
    var name = el.getAttribute("data-snapbridge-context");
    if (!name || !/^[A-Za-z_$][\w$]*(\.[A-Za-z_$][\w$]*)*$/.test(name)) {
      return null;
    }
    var fn = name.split(".").reduce(function (o, k) { return o == null ? o : o[k]; }, window);
    return typeof fn === "function" ? fn : null;
  }

  function option(el, opts, name, attr) {
    if (opts && opts[name] !== undefined && opts[name] !== null) {
      return String(opts[name]);
    }
    return el.getAttribute("data-snapbridge-" + attr) || "";
  }

  // hostTheme is this page's theme: "dark" when its color-scheme is only
  // dark, or is "light dark" while the system prefers dark; else "light".
  function hostTheme() {
    var scheme = "";
    try {
      scheme = getComputedStyle(document.documentElement).colorScheme || "";
    } catch (e) {
      scheme = "";
    }
    var meta = document.querySelector('meta[name="color-scheme"]');
    if ((scheme === "" || scheme === "normal") && meta) {
      scheme = meta.getAttribute("content") || "";
    }
    var words = scheme.toLowerCase().split(/\s+/);
    if (words.indexOf("dark") < 0) {
      return "light";
    }
    if (words.indexOf("light") < 0) {
      return "dark";
    }
    return window.matchMedia && window.matchMedia("(prefers-color-scheme: dark)").matches ? "dark" : "light";
  }

  // mount creates the widget iframe inside el (replacing what is there)
  // and returns {iframe, unmount}.
  function mount(el, opts) {
    if (!el || el.nodeType !== 1) {
      throw new Error("snapbridge: mount needs an element");
    }
    var tenant = option(el, opts, "tenant", "tenant");
    var ctx = option(el, opts, "ctx", "ctx");
    var mode = option(el, opts, "mode", "mode") || "card";
    var maxWidth = parseInt(option(el, opts, "maxWidth", "max-width") || "300", 10);
    var height = parseInt(option(el, opts, "height", "height") || "420", 10);
    if (!tenantPattern.test(tenant)) {
      throw new Error("snapbridge: tenant must be 1-63 lower-case letters, digits or '-'");
    }
    if (!ctx) {
      throw new Error("snapbridge: ctx (the signed context token) is required");
    }
    if (mode !== "card" && mode !== "list") {
      throw new Error("snapbridge: mode must be \"card\" or \"list\"");
    }
    var theme = option(el, opts, "theme", "theme") || hostTheme();
    if (theme !== "light" && theme !== "dark") {
      throw new Error("snapbridge: theme must be \"light\" or \"dark\"");
    }
    unmount(el);
    var iframe = document.createElement("iframe");
    iframe.src = origin + "/w/" + tenant + "/" + mode + "?ctx=" + encodeURIComponent(ctx) + "&theme=" + theme;
    iframe.title = "LinkedIn Sales Navigator";
    // Tells the widget a host that answers context requests is here.
    iframe.name = "snapbridge-embed";
    iframe.snapbridgeContext = contextOption(el, opts);
    // The server checks this origin against the tenant's allow-list before
    // it lets the widget report its height here; send only the origin.
    iframe.referrerPolicy = "origin";
    iframe.style.display = "block";
    iframe.style.width = "100%";
    iframe.style.maxWidth = (maxWidth > 0 ? maxWidth : 300) + "px";
    iframe.style.height = (height > 0 ? height : 420) + "px";
    iframe.style.border = "0";
    iframe.style.colorScheme = "normal";
    el.textContent = "";
    el.appendChild(iframe);
    frames.push(iframe);
    el.setAttribute("data-snapbridge-mounted", "true");
    return { iframe: iframe, unmount: function () { unmount(el); } };
  }

  function unmount(el) {
    frames = frames.filter(function (f) {
      if (el.contains(f)) {
        f.remove();
        return false;
      }
      return f.isConnected;
    });
    el.removeAttribute("data-snapbridge-mounted");
  }

  // scan mounts every marked element under root not mounted yet.
  function scan(root) {
    var els = (root || document).querySelectorAll("[data-snapbridge-tenant]:not([data-snapbridge-mounted])");
    for (var i = 0; i < els.length; i++) {
      try {
        mount(els[i]);
      } catch (err) {
        console.error(err.message);
      }
    }
  }

  window.SnapBridge = { origin: origin, mount: mount, unmount: unmount, scan: scan };
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", function () { scan(document); });
  } else {
    scan(document);
  }
})();
