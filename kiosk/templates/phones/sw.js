/* The phone app's service worker, on Workbox (vendored from npm: static/{{ workbox }}/, MIT).
   Precaches the app's pages, its script, styles and icons, and the phone's village data, each with a
   revision that changes with its content: this script is made by the township (phones/views.py), so
   it changes whenever any of them does, and the phone refreshes what changed when it is online.
   It also answers the hydrant labels' addresses (/H/<code>) and the patrol checkpoints' plates
   (/N/<code>) when there is no signal, with the inspection form and the patrol: a volunteer scans a
   label or a plate and records it offline. */
importScripts("{{ workbox }}/workbox-sw.js");
workbox.setConfig({ modulePathPrefix: "{{ workbox }}/", debug: false });
workbox.core.skipWaiting();
workbox.core.clientsClaim();

workbox.precaching.cleanupOutdatedCaches();
workbox.precaching.precacheAndRoute({{ precache }}, { ignoreURLParametersMatching: [/.*/] });

// a label's address: the township's answer when it can be reached (it knows who the phone is), the
// precached page when it cannot
function label(pattern, page) {
  const offline = workbox.precaching.createHandlerBoundToURL(page);
  workbox.routing.registerRoute(
    ({ request, url }) => request.mode === "navigate" && pattern.test(url.pathname),
    async (options) => {
      try {
        return await fetch(options.request);
      } catch (noSignal) {
        return offline(options);
      }
    });
}
label(/^\/[Hh]\/[^/]+$/, "{{ inspect }}");
label(/^\/[Nn]\/[^/]+$/, "{{ patrol }}");
