/* The service worker: the pages and their scripts (the app shell) from this deploy, kept so the scan station
   loads and scans with no network once it was opened signed in. The front's /sw.js route puts
   `self.TV_SHELL = {version, files}` before this file: the version is a digest of the shell, so a deploy that
   changes any file installs a new worker and drops the old cache.

   Pages come from the network while there is one (never a stale page online) and from the cache without it.
   Of the API only two answers are kept, for offline use: who is signed in (so an offline page does not say
   "signed out") and the label keys (so it can tell a forged label at once). Nothing else of /api/ is cached,
   and no write is ever answered from here: writes go to the network or fail, and the page's own queue keeps
   them. */
"use strict";
const SHELL = self.TV_SHELL || { version: "dev", files: [] };
const CACHE = `tv-shell-${SHELL.version}`;
const SHELL_PATHS = new Set(SHELL.files);
const KEPT_API = new Set(["/api/session", "/api/label-keys"]);

async function keepApi(cache) {
  for (const path of KEPT_API) {
    try {
      const answer = await fetch(path, { credentials: "same-origin" });
      if (answer.ok) await cache.put(path, answer);
    } catch { /* installed offline or signed out: kept at the next signed-in load */ }
  }
}

self.addEventListener("install", (event) => {
  event.waitUntil((async () => {
    const cache = await caches.open(CACHE);
    await cache.addAll(SHELL.files.map((f) => new Request(f, { cache: "reload" })));
    await keepApi(cache);
    await self.skipWaiting();
  })());
});

self.addEventListener("activate", (event) => {
  event.waitUntil((async () => {
    for (const name of await caches.keys()) if (name.startsWith("tv-shell-") && name !== CACHE) await caches.delete(name);
    await self.clients.claim();
  })());
});

async function page(request) {
  const url = new URL(request.url);
  const path = url.pathname;
  const cache = await caches.open(CACHE);
  try {
    const answer = await fetch(request);
    if (answer.ok && answer.type === "basic" && SHELL_PATHS.has(path)) await cache.put(path, answer.clone());
    return answer;
  } catch (err) {
    const kept = await cache.match(path) || (request.mode === "navigate" ? await cache.match("/index.html") : null);
    if (kept) return kept;
    throw err;
  }
}

async function api(request) {
  const path = new URL(request.url).pathname;
  const cache = await caches.open(CACHE);
  let answer;
  try {
    answer = await fetch(request);
  } catch (err) {
    const kept = await cache.match(path);
    if (!kept) throw err;
    // Said to the page: this is the last answer seen, not a fresh one.
    const headers = new Headers(kept.headers);
    headers.set("X-Tangvat-Offline", "1");
    return new Response(await kept.blob(), { status: kept.status, headers });
  }
  if (answer.ok) await cache.put(path, answer.clone());
  else if (answer.status === 401 || answer.status === 403) await cache.delete(path);  // signed out: forget it
  return answer;
}

async function forgetSession() {
  const cache = await caches.open(CACHE);
  for (const path of KEPT_API) await cache.delete(path);
}

self.addEventListener("fetch", (event) => {
  const request = event.request;
  const url = new URL(request.url);
  if (url.origin !== self.location.origin) return;
  if (request.method !== "GET") {
    if (url.pathname === "/signout") event.waitUntil(forgetSession());
    return;  // writes always go to the network as they are
  }
  if (url.pathname.startsWith("/api/")) {
    if (KEPT_API.has(url.pathname)) event.respondWith(api(request));
    return;
  }
  if (url.pathname.startsWith("/signin") || url.pathname === "/sw.js") return;
  event.respondWith(page(request));
});
