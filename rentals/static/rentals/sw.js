/* The grid worker's service worker, served as /rentals/sw.js (scope /rentals/) by
 * rentals.views.grid.service_worker, which puts its settings in front as self.NANHAI_SW:
 * { version, precache: [urls], today, shell, login, static }.
 *
 * - install: keeps the shell (today's page, the inspection page without a house, the CSS,
 *   grid.js, the icons) in a cache named after the version; activate drops older caches.
 * - pages under /rentals/: the network first (and today's page kept fresh in the cache);
 *   without signal, the kept copy, and for any house's inspection page the shell, which
 *   grid.js fills in from IndexedDB. A page answered by the sign-in page means the worker
 *   signed out: the kept pages go, so that nobody else reads them on this phone.
 * - static files (the kept ones, and any other a page asks for): from the cache, refreshed
 *   in the background.
 * - the API is never cached: the queue in IndexedDB is what waits for signal.
 */
/* global self, caches, fetch, Response, URL */
"use strict";

var SETTINGS = self.NANHAI_SW;
var PREFIX = "nanhai-rentals-";
var CACHE = PREFIX + SETTINGS.version;
var INSPECT_PAGE = /^\/rentals\/houses\/[0-9a-f-]{36}\/inspect\/$/i;

self.addEventListener("install", function (event) {
  event.waitUntil(
    caches.open(CACHE).then(function (cache) {
      return cache.addAll(SETTINGS.precache.map(function (url) { return new Request(url, { credentials: "same-origin", cache: "reload" }); }));
    }).then(function () { return self.skipWaiting(); })
  );
});

self.addEventListener("activate", function (event) {
  event.waitUntil(
    caches.keys().then(function (names) {
      return Promise.all(names.filter(function (name) { return name.indexOf(PREFIX) === 0 && name !== CACHE; }).map(function (name) { return caches.delete(name); }));
    }).then(function () { return self.clients.claim(); })
  );
});

function signedOut(response) {
  return response.redirected && new URL(response.url).pathname === SETTINGS.login;
}

function forgetPages() {
  return caches.delete(CACHE);
}

function page(request) {
  var path = new URL(request.url).pathname;
  return fetch(request).then(function (response) {
    if (signedOut(response)) {
      forgetPages();
    } else if (response.ok && (path === SETTINGS.today || path === SETTINGS.shell)) {
      var copy = response.clone();
      caches.open(CACHE).then(function (cache) { return cache.put(path, copy); });
    }
    return response;
  }).catch(function () {
    return caches.open(CACHE).then(function (cache) {
      return cache.match(path, { ignoreVary: true }).then(function (kept) {
        if (kept) return kept;
        if (INSPECT_PAGE.test(path)) return cache.match(SETTINGS.shell, { ignoreVary: true });
        return cache.match(SETTINGS.today, { ignoreVary: true });
      });
    }).then(function (kept) {
      return kept || new Response("Offline", { status: 503, headers: { "Content-Type": "text/plain; charset=utf-8" } });
    });
  });
}

function asset(request) {
  return caches.open(CACHE).then(function (cache) {
    return cache.match(request, { ignoreVary: true }).then(function (kept) {
      var fresh = fetch(request).then(function (response) {
        if (response.ok) cache.put(request, response.clone());
        return response;
      });
      if (kept) {
        fresh.catch(function () { /* no signal: the kept copy serves */ });
        return kept;
      }
      return fresh;
    });
  });
}

self.addEventListener("fetch", function (event) {
  var request = event.request;
  if (request.method !== "GET") return;
  var url = new URL(request.url);
  if (url.origin !== self.location.origin) return;
  if (request.mode === "navigate" && url.pathname.indexOf("/rentals/") === 0) {
    event.respondWith(page(request));
  } else if (request.mode !== "navigate" && (SETTINGS.precache.indexOf(url.pathname) !== -1 || url.pathname.indexOf(SETTINGS.static) === 0)) {
    event.respondWith(asset(request));
  }
});
