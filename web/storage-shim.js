// snapbridge storage shim. Inside a cross-site iframe browsers may throw
// SecurityError on any use of localStorage/sessionStorage, and go-app reads
// localStorage while starting: the widget would hang on its loader. This
// script runs before app.js and, only where Web Storage is unusable,
// replaces it with storage that lives as long as the page. Nothing the
// widget needs survives a reload anyway (the session token is in memory).
(function () {
  "use strict";
  function memoryStorage() {
    var items = new Map();
    return {
      get length() { return items.size; },
      key: function (i) { var k = Array.from(items.keys())[i]; return k === undefined ? null : k; },
      getItem: function (k) { k = String(k); return items.has(k) ? items.get(k) : null; },
      setItem: function (k, v) { items.set(String(k), String(v)); },
      removeItem: function (k) { items.delete(String(k)); },
      clear: function () { items.clear(); }
    };
  }
  ["localStorage", "sessionStorage"].forEach(function (name) {
    try {
      var s = window[name];
      var probe = "__snapbridge_probe__";
      s.setItem(probe, probe);
      s.removeItem(probe);
    } catch (e) {
      try {
        Object.defineProperty(window, name, { value: memoryStorage(), configurable: true });
      } catch (e2) {
        // Nothing more can be done; go-app will report the failure.
      }
    }
  });
})();
