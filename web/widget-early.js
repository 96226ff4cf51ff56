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
// - Until the WebAssembly widget runs (it sets snapbridgeConnect.wasm), this
//   script also draws what it reports and tells the CRM page the widget's
//   height, to the exact origin the server named.
(function () {
  "use strict";
  var state = window.snapbridgeConnect = { seq: 0, state: "", sat: null, message: "", wasm: false };
  var boot = null;

  function readBoot() {
    if (boot) {
      return boot;
    }
    var el = document.getElementById("snapbridge-boot");
    if (!el) {
      return null;
    }
    try {
      var bytes = Uint8Array.from(atob(el.getAttribute("data-boot")), function (c) { return c.charCodeAt(0); });
      boot = JSON.parse(new TextDecoder().decode(bytes));
    } catch (e) {
      boot = null;
    }
    return boot;
  }

  function report(next, sat, message) {
    state.seq++;
    state.state = next;
    state.sat = sat || null;
    state.message = message || "";
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
  }

  function call(path, body) {
    return fetch(path, {
      method: "POST",
      credentials: "omit", // the session is the bearer token, never a cookie
      cache: "no-store",
      headers: { "Accept": "application/json", "Content-Type": "application/json", "Authorization": "Bearer " + readBoot().token },
      body: JSON.stringify(body)
    }).then(function (res) {
      if (!res.ok) {
        return res.json().catch(function () { return {}; }).then(function (b) {
          throw new Error((b && b.error && b.error.message) || "The server answered HTTP " + res.status + ".");
        });
      }
      return res.status === 204 ? null : res.json();
    });
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

  document.addEventListener("click", function (event) {
    var link = event.target instanceof Element && event.target.closest("a[data-sb-connect]");
    if (!link || event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey) {
      return;
    }
    event.preventDefault();
    var popup = window.open(link.href, "snapbridge-connect", "popup,width=520,height=640");
    report(popup ? "waiting" : "blocked");
  });

  window.addEventListener("message", function (event) {
    var data = event.data;
    if (event.origin !== window.location.origin || window.location.origin === "null" ||
        !data || data.type !== "snapbridge:connected" || typeof data.code !== "string") {
      return;
    }
    confirm(data.code);
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
