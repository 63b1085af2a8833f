/* The service worker of the public report form (issue 17). Served by /report/sw.js, which
   puts VERSION and OFFLINE_ASSETS above this text; each organisation's form registers it
   for its own path (/report/<slug>), so it controls that form and nothing else.

   It keeps the form page (the network first, the kept copy without a connection) and the
   files the page needs. It never answers a POST or any other request than those: they go to
   the network untouched. Saved reports live in the page's IndexedDB, not here, so a new
   worker (which drops the old one's cache) loses none of them. */
/* global VERSION, OFFLINE_ASSETS */
"use strict";

var NETWORK_WAIT_MS = 6000;

function scopePath() {
  return new URL(self.registration.scope).pathname;
}

/* One cache per form and version: "vigil-report|/report/<slug>|<version>". */
function cacheName() {
  return "vigil-report|" + scopePath() + "|" + VERSION;
}

function isForm(url) {
  return url.origin === self.location.origin && url.pathname === scopePath();
}

self.addEventListener("install", function (event) {
  event.waitUntil(
    caches.open(cacheName())
      .then(function (cache) { return cache.addAll(OFFLINE_ASSETS.concat([scopePath()])); })
      .then(function () { return self.skipWaiting(); })
  );
});

self.addEventListener("activate", function (event) {
  event.waitUntil(
    caches.keys().then(function (names) {
      return Promise.all(names.filter(function (name) {
        var parts = name.split("|");
        return parts[0] === "vigil-report" && parts[1] === scopePath() && name !== cacheName();
      }).map(function (name) { return caches.delete(name); }));
    }).then(function () { return self.clients.claim(); })
  );
});

function keepable(response) {
  return response && response.ok && response.type === "basic" &&
    (response.headers.get("cache-control") || "").indexOf("no-store") === -1;
}

function keep(request, response) {
  if (!keepable(response)) { return Promise.resolve(); }
  var copy = response.clone();
  return caches.open(cacheName()).then(function (cache) { return cache.put(request, copy); });
}

function keptPage(request) {
  return caches.open(cacheName()).then(function (cache) {
    return cache.match(request, { ignoreVary: true }).then(function (found) {
      return found || cache.match(request, { ignoreVary: true, ignoreSearch: true });
    });
  });
}

/* The form from the network when it answers in time, else the copy kept here. */
function formPage(event) {
  var request = event.request;
  var fromNetwork = fetch(request).then(function (response) {
    event.waitUntil(keep(request, response));
    return response;
  });
  var late = new Promise(function (resolve) {
    setTimeout(function () { resolve(null); }, NETWORK_WAIT_MS);
  });
  return Promise.race([fromNetwork.catch(function () { return null; }), late])
    .then(function (response) {
      if (response) { return response; }
      return keptPage(request).then(function (kept) { return kept || fromNetwork; });
    });
}

function asset(request) {
  return caches.open(cacheName()).then(function (cache) {
    return cache.match(request, { ignoreVary: true }).then(function (found) {
      return found || fetch(request);
    });
  });
}

self.addEventListener("fetch", function (event) {
  var request = event.request;
  if (request.method !== "GET") { return; }
  var url = new URL(request.url);
  if (isForm(url)) {
    event.respondWith(formPage(event));
  } else if (url.origin === self.location.origin &&
             OFFLINE_ASSETS.indexOf(url.pathname + url.search) !== -1) {
    event.respondWith(asset(request));
  }
});

/* The page asks to keep itself as it was opened (with its ?lang=). */
self.addEventListener("message", function (event) {
  var data = event.data || {};
  if (data.type !== "keep-page" || typeof data.url !== "string") { return; }
  var url = new URL(data.url);
  if (!isForm(url)) { return; }
  event.waitUntil(fetch(url.href, { credentials: "same-origin" }).then(function (response) {
    return keep(new Request(url.href), response);
  }).catch(function () { /* kept on the next visit */ }));
});
