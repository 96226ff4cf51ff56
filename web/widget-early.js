// snapbridge widget-early.js: what the widget page does before (and while)
// its WebAssembly starts, so nothing the seller needs waits for it.
//
// - Connect LinkedIn: the prerendered Connect control is a real link to the
//   consent page; a click opens it as a popup. The popup's answer (a
//   postMessage from our own origin, nothing else) is confirmed with the
//   page's session and the Sales Access Token fetched, once, here. The
//   WebAssembly widget follows window.snapbridgeConnect and the
//   "snapbridge:connect" event instead of running a flow of its own, so
//   whichever of the two is up first, the connection completes once.
//   A popup that ends without a connection (closed by hand, consent
//   cancelled or refused) is reported within a second ("closed",
//   "cancelled", "refused") with a fresh consent address, since the one
//   the popup opened is spent.
// - The widget session: window.snapbridgeSession.renew() asks the CRM page
//   for a fresh context when the session expired — only when embed.js put
//   the widget there (the iframe's name says so) and only to, and from, the
//   tenant's allowed origin the server named — and exchanges it for a new
//   session (POST /api/v1/sessions). Both this script and the WebAssembly
//   widget renew through it, one renewal at a time.
// - Until the WebAssembly widget runs (it sets snapbridgeConnect.wasm), this
//   script also draws what it reports and tells the CRM page the widget's
//   height, to the exact origin the server named.
(function () {
  "use strict";
  // This script is async: the WebAssembly widget may have started first
  // (it then left snapbridgeConnect.wasm and the Boot in snapbridgeBoot).
  var prior = window.snapbridgeConnect;
  var state = window.snapbridgeConnect = { seq: 0, state: "", sat: null, message: "", connectUrl: "", wasm: !!(prior && prior.wasm) };
  var boot = null;
  var token = null; // the current session token; readBoot's until renewed

  function readBoot() {
    if (boot) {
      return boot;
    }
    var el = document.getElementById("snapbridge-boot");
    var raw = el ? el.getAttribute("data-boot") : window.snapbridgeBoot;
    if (typeof raw !== "string" || !raw) {
      return null;
    }
    try {
      var bytes = Uint8Array.from(atob(raw), function (c) { return c.charCodeAt(0); });
      boot = JSON.parse(new TextDecoder().decode(bytes));
    } catch (e) {
      boot = null;
    }
    return boot;
  }

  function report(next, sat, message, connectUrl) {
    state.seq++;
    state.state = next;
    state.sat = sat || null;
    state.message = message || "";
    state.connectUrl = connectUrl || "";
    if (!state.wasm) {
      draw();
    }
    document.dispatchEvent(new Event("snapbridge:connect"));
  }

  // draw shows a report in the prerendered page (only before the widget runs).
  function draw() {
    var panel = document.querySelector(".sb-panel--placeholder[data-frame-width]");
    if (!panel) {
      return;
    }
    if (state.state === "connected") {
      var frame = document.createElement("iframe");
      frame.className = "sb-panel__frame";
      frame.width = panel.getAttribute("data-frame-width");
      frame.height = panel.getAttribute("data-frame-height");
      frame.title = panel.getAttribute("data-frame-title") || "LinkedIn Sales Navigator";
      frame.src = state.sat.iframeUrl;
      panel.className = "sb-panel";
      panel.replaceChildren(frame);
      return;
    }
    var offer = panel.querySelector(".sb-connect");
    var text = panel.querySelector(".sb-connect__text");
    var words = offer && offer.getAttribute("data-text-" + state.state);
    if (text && words) {
      text.textContent = words;
    }
    var link = panel.querySelector("a[data-sb-connect]");
    if (link && state.connectUrl) {
      link.setAttribute("href", state.connectUrl);
    }
  }

  function currentToken() {
    if (token === null) {
      var b = readBoot();
      token = (b && b.token) || "";
    }
    return token;
  }

  // send POSTs body to path with the session (GETs path when body is
  // null); an error carries the API's status and body (err.status, err.body).
  function send(path, body) {
    var headers = { "Accept": "application/json", "Authorization": "Bearer " + currentToken() };
    if (body !== null) {
      headers["Content-Type"] = "application/json";
    }
    return fetch(path, {
      method: body === null ? "GET" : "POST",
      credentials: "omit", // the session is the bearer token, never a cookie
      cache: "no-store",
      headers: headers,
      body: body === null ? undefined : JSON.stringify(body)
    }).then(function (res) {
      if (!res.ok) {
        return res.json().catch(function () { return {}; }).then(function (b) {
          var err = new Error((b && b.error && b.error.message) || "The server answered HTTP " + res.status + ".");
          err.status = res.status;
          err.body = b || {};
          throw err;
        });
      }
      return res.status === 204 ? null : res.json();
    });
  }

  // call is send, renewing an expired session once.
  function call(path, body) {
    return send(path, body).catch(function (err) {
      if (err.status !== 401) {
        throw err;
      }
      return renew().then(function () { return send(path, body); }, function () { throw err; });
    });
  }

  // The session renewal contract with embed.js (see wire.MessageContextRequest).
  var renewTimeout = 15000;
  var renewing = null;
  function renew() {
    if (renewing) {
      return renewing;
    }
    var b = readBoot();
    var host = b && b.parentOrigin;
    if (!host || window.name !== "snapbridge-embed" || window.parent === window) {
      return Promise.reject(new Error("This widget has no host page to renew its session."));
    }
    var id = Math.random().toString(36).slice(2) + Date.now().toString(36);
    renewing = new Promise(function (resolve, reject) {
      var timer = setTimeout(function () { done(new Error("The CRM page did not answer.")); }, renewTimeout);
      function done(err, ctx) {
        clearTimeout(timer);
        window.removeEventListener("message", onAnswer);
        if (err) {
          reject(err);
        } else {
          resolve(ctx);
        }
      }
      function onAnswer(event) {
        var data = event.data;
        if (event.source !== window.parent || event.origin !== host ||
            !data || data.type !== "snapbridge:context" || data.id !== id) {
          return;
        }
        if (typeof data.ctx !== "string" || !data.ctx) {
          done(new Error(typeof data.error === "string" ? data.error : "The CRM page gave no fresh context."));
          return;
        }
        done(null, data.ctx);
      }
      window.addEventListener("message", onAnswer);
      window.parent.postMessage({ type: "snapbridge:context-request", id: id }, host);
    }).then(function (ctx) {
      return fetch("/api/v1/sessions", {
        method: "POST", credentials: "omit", cache: "no-store",
        headers: { "Accept": "application/json", "Content-Type": "application/json" },
        body: JSON.stringify({ ctx: ctx, tenant: b.tenant })
      });
    }).then(function (res) {
      if (!res.ok) {
        throw new Error("The fresh context was refused (HTTP " + res.status + ").");
      }
      return res.json();
    }).then(function (s) {
      // The fresh session must be the same seller and still name every
      // record on screen, or what is shown would no longer be theirs.
      var shown = (b.records || []).map(function (r) { return r.id; });
      var named = (s.records || []).map(function (r) { return r.id; });
      if (!s.token || !s.viewer || !b.viewer || s.viewer.id !== b.viewer.id ||
          shown.some(function (id) { return named.indexOf(id) < 0; })) {
        throw new Error("The fresh context is for another user or other records.");
      }
      token = s.token;
      return s.token;
    });
    var settle = function () { renewing = null; };
    renewing.then(settle, settle);
    return renewing;
  }
  window.snapbridgeSession = { renew: renew };

  // freshConnect reports how a popup ended, with a fresh consent address
  // to Connect again (the one the popup opened is spent); a viewer who got
  // connected meanwhile (another tab) gets the panel instead.
  function freshConnect(outcome, message) {
    var b = readBoot();
    report(outcome, null, message, "");
    if (!b || !b.records || !b.records.length) {
      return;
    }
    call("/api/v1/linkedin/connection", null)
      .then(function (conn) {
        if (state.state !== outcome || !conn) {
          return null;
        }
        if (conn.connected) {
          return call("/api/v1/sales-access-token", { recordId: b.records[0].id }).then(function (sat) {
            if (sat && typeof sat.iframeUrl === "string" && /^https?:\/\//.test(sat.iframeUrl)) {
              report("connected", sat);
            }
          });
        }
        var u = conn.connectUrl;
        if (typeof u === "string" && (/^https?:\/\//.test(u) || /^\/[^/\\]/.test(u))) {
          report(outcome, null, message, u);
        }
        return null;
      })
      .catch(function () { /* the words stand; Connect again opens the old link, which says to press Connect */ });
  }

  var confirming = false;
  function confirm(code) {
    var b = readBoot();
    if (confirming || !b || !b.token || !b.records || !b.records.length) {
      return;
    }
    confirming = true;
    report("confirming");
    call("/api/v1/linkedin/connection", { code: code })
      .then(function () { return call("/api/v1/sales-access-token", { recordId: b.records[0].id }); })
      .then(function (sat) {
        if (!sat || typeof sat.iframeUrl !== "string" || !/^https?:\/\//.test(sat.iframeUrl)) {
          throw new Error("The server sent no usable Sales Navigator address.");
        }
        report("connected", sat);
      })
      .catch(function (err) { report("failed", null, err.message); })
      .then(function () { confirming = false; });
  }

  // watch notices, within a second, a popup closed before it answered.
  var watching = null;
  function watch(popup) {
    clearInterval(watching);
    watching = setInterval(function () {
      if (!popup.closed) {
        return;
      }
      clearInterval(watching);
      watching = null;
      if (state.state === "waiting") {
        freshConnect("closed");
      }
    }, 250);
  }

  document.addEventListener("click", function (event) {
    var link = event.target instanceof Element && event.target.closest("a[data-sb-connect]");
    if (!link || event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey) {
      return;
    }
    event.preventDefault();
    var popup = window.open(link.href, "snapbridge-connect", "popup,width=520,height=640");
    report(popup ? "waiting" : "blocked");
    if (popup) {
      watch(popup);
    }
  });

  window.addEventListener("message", function (event) {
    var data = event.data;
    if (event.origin !== window.location.origin || window.location.origin === "null" || !data) {
      return;
    }
    if (data.type === "snapbridge:connected" && typeof data.code === "string") {
      confirm(data.code);
    } else if (data.type === "snapbridge:connect-failed" && state.state === "waiting") {
      freshConnect(data.reason === "cancelled" ? "cancelled" : "refused");
    }
  });

  // resizeMessage is what the CRM page sizes its iframe from: embed.js's
  // message, or in a Salesforce Canvas frame the Canvas SDK's resize
  // (Sfdc.canvas.client.resize), a JSON string naming the app instance
  // (never its OAuth token). ui.canvasResize writes the same.
  function resizeMessage(b, h) {
    var f = b.frame;
    if (f && f.kind === "salesforce" && f.targetOrigin === b.parentOrigin) {
      return JSON.stringify({
        seq: 1, src: "client", clientVersion: "41.0",
        body: { type: "resize", config: { client: { instanceId: f.instanceId || undefined, targetOrigin: f.targetOrigin } },
          size: { height: h + "px", width: "" } },
        targetModule: "Canvas"
      });
    }
    return { type: "snapbridge:resize", height: h };
  }

  // The CRM page sizes its iframe from these messages; the widget sends
  // them itself once it runs.
  function reportHeight() {
    var b = readBoot();
    var parentOrigin = b && b.parentOrigin;
    if (!parentOrigin || window.parent === window || !window.ResizeObserver) {
      return;
    }
    var last = -1;
    var observer = new ResizeObserver(function () {
      if (state.wasm) {
        observer.disconnect();
        return;
      }
      var h = Math.ceil(document.body.getBoundingClientRect().height);
      if (h !== last) {
        last = h;
        window.parent.postMessage(resizeMessage(b, h), parentOrigin);
      }
    });
    observer.observe(document.body);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", function () { readBoot(); reportHeight(); });
  } else {
    readBoot();
    reportHeight();
  }
})();
