// The field page's service worker: it keeps the page's own files, so that
// a phone with no connection can still open the page, sign, and keep what
// it signed. It asks the network first and falls back on its copy only
// when the network fails: a reachable server always serves its current
// version, and the copy is refreshed each time. The API is never touched:
// the outbox, not a cache, keeps what has to be sent.

const CACHE = "truce-field";

/** What the page needs to open, sign and speak every language. */
const FILES = [
  "/field", "/field.js", "/field.css", "/field-store.js", "/field-sync.js", "/sign.js", "/verify.js", "/i18n.js", "/common.js",
  "/i18n/en.json", "/i18n/uk.json", "/i18n/ru.json",
];

self.addEventListener("install", (event) => {
  event.waitUntil(caches.open(CACHE).then((cache) => cache.addAll(FILES)).then(() => self.skipWaiting()));
});

self.addEventListener("activate", (event) => {
  event.waitUntil(self.clients.claim());
});

self.addEventListener("fetch", (event) => {
  const url = new URL(event.request.url);
  if (event.request.method !== "GET" || url.origin !== self.location.origin || !FILES.includes(url.pathname)) return;
  event.respondWith(
    (async () => {
      const cache = await caches.open(CACHE);
      try {
        const response = await fetch(event.request);
        if (response.ok) await cache.put(url.pathname, response.clone());
        return response;
      } catch (e) {
        const kept = await cache.match(url.pathname);
        if (kept) return kept;
        throw e;
      }
    })(),
  );
});
