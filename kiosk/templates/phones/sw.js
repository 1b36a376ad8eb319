/* The phone app's service worker, on Workbox (vendored from npm: static/{{ workbox }}/, MIT).
   Precaches the app's pages, its script, styles and icons, and the phone's village data, each with a
   revision that changes with its content: this script is made by the township (phones/views.py), so
   it changes whenever any of them does, and the phone refreshes what changed when it is online.
   It also answers the hydrant labels' addresses (/H/<code>) when there is no signal, with the
   inspection form: a volunteer scans a label and records the inspection offline. */
importScripts("{{ workbox }}/workbox-sw.js");
workbox.setConfig({ modulePathPrefix: "{{ workbox }}/", debug: false });
workbox.core.skipWaiting();
workbox.core.clientsClaim();

workbox.precaching.cleanupOutdatedCaches();
workbox.precaching.precacheAndRoute({{ precache }}, { ignoreURLParametersMatching: [/.*/] });

const inspectForm = workbox.precaching.createHandlerBoundToURL("{{ inspect }}");
workbox.routing.registerRoute(
  ({ request, url }) => request.mode === "navigate" && /^\/[Hh]\/[^/]+$/.test(url.pathname),
  async (options) => {
    try {
      return await fetch(options.request);
    } catch (offline) {
      return inspectForm(options);
    }
  });
