// snapbridge app worker {{.Version}}: deliberately does nothing. The widget
// must never be served from an offline cache (every page carries a fresh
// session), and inside CRM iframes registration is usually denied anyway.
self.addEventListener("install", function () { self.skipWaiting(); });
self.addEventListener("activate", function (event) {
  event.waitUntil(
    caches.keys()
      .then(function (keys) { return Promise.all(keys.map(function (k) { return caches.delete(k); })); })
      .catch(function () {})
      .then(function () { return self.clients.claim(); })
  );
});
