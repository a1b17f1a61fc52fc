// Dynamobile field app service worker ({{ version }}): one page ({{ home }}) and its assets
// work offline — the agent's page (scope /agent/) or reception's /accueil (scope /accueil), each
// with its own worker and cache. Records are not handled here: the pages queue them themselves.
"use strict";
const PREFIX = "{{ prefix }}";
const CACHE = PREFIX + "{{ version }}";
const HOME = "{{ home }}";
const LOGIN = "{{ login }}";
const ASSETS = [{% for name in assets %}"{{ asset_url(name) }}"{{ ", " if not loop.last }}{% endfor %}];
const TIMEOUT_MS = 6000;

self.addEventListener("install", (event) => {
  event.waitUntil((async () => {
    const cache = await caches.open(CACHE);
    await cache.addAll(ASSETS);
    try {  // the page as it is now, unless we are logged out (a redirect is not cached)
      const res = await fetch(HOME, { credentials: "same-origin", redirect: "manual" });
      if (res.ok) await cache.put(HOME, res);
    } catch (e) { /* offline: the next visit caches it */ }
    await self.skipWaiting();
  })());
});

self.addEventListener("activate", (event) => {
  event.waitUntil((async () => {
    for (const key of await caches.keys()) {
      if (key.startsWith(PREFIX) && key !== CACHE) await caches.delete(key);
    }
    await self.clients.claim();
  })());
});

function withTimeout(promise, ms) {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error("timeout")), ms);
    promise.then((v) => { clearTimeout(timer); resolve(v); }, (e) => { clearTimeout(timer); reject(e); });
  });
}

async function page(request) {
  const cache = await caches.open(CACHE);
  try {
    const res = await withTimeout(fetch(request), TIMEOUT_MS);
    if (res.ok && !res.redirected) {
      await cache.put(HOME, res.clone());
    } else if (res.redirected && new URL(res.url).pathname === LOGIN) {
      await cache.delete(HOME);  // logged out: forget the previous agent's page
    }
    return res;
  } catch (e) {
    const cached = await cache.match(HOME);
    if (cached) return cached;
    return new Response("<!doctype html><html lang=fr><head><meta charset=utf-8>" +
      "<meta name=viewport content='width=device-width, initial-scale=1'><title>Hors ligne – Dynamobile</title></head>" +
      "<body><main><h1>Hors ligne</h1><p>Cette page n'a pas encore été chargée sur cet appareil. " +
      "Reconnectez-vous au réseau.</p></main></body></html>",
      { status: 503, headers: { "Content-Type": "text/html; charset=utf-8" } });
  }
}

async function asset(request) {
  const cache = await caches.open(CACHE);
  const cached = await cache.match(request);
  if (cached) return cached;
  const res = await fetch(request);
  if (res.ok) await cache.put(request, res.clone());
  return res;
}

self.addEventListener("fetch", (event) => {
  const request = event.request;
  if (request.method !== "GET") return;
  const url = new URL(request.url);
  if (url.origin !== self.location.origin) return;
  if (request.mode === "navigate" && url.pathname === HOME) {
    event.respondWith(page(request));
  } else if (url.pathname.startsWith("/static/")) {
    event.respondWith(asset(request));
  }
});
