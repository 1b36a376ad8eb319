/* A night patrol on the phone (kiosk/patrols): the run is the phone's (its id made here, kept in
   IndexedDB while it is under way). Scanning a checkpoint's plate (/N/<code>) with the camera opens
   this page: the township sends an enrolled phone here with the code, and with no signal the
   service worker answers the plate's address with this page. Each scan is a record of its own in the
   outbox (patrols.service.record_scan, on the phone's run), so that a round delivered bit by bit
   still makes one run; finishing the patrol is the last record (the run's end and note). */
(function () {
  "use strict";
  const app = window.phoneApp;
  const { T } = app;
  const KEY = "patrol";

  function scannedCode() {
    const plate = window.location.pathname.match(/^\/[Nn]\/([^/]+)$/);
    return decodeURIComponent(window.location.hash.slice(1) || (plate ? plate[1] : "")).trim().toUpperCase();
  }

  const clock = (ms) => new Date(ms).toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" });

  app.pages.patrol = async function setUpPatrol(data, form) {
    const db = await app.database;
    let run = await db.get("data", KEY);

    function show() {
      form.querySelector("[data-routes]").hidden = Boolean(run);
      form.querySelector("[data-run]").hidden = !run;
      if (!run) {
        form.querySelector("[data-route-list]").replaceChildren(...data.routes.map((route) => {
          const li = document.createElement("li");
          const a = app.link("#", route.name, app.say(T.checkpoints_n, { n: route.checkpoints.length }));
          a.addEventListener("click", (event) => { event.preventDefault(); begin(route); });
          li.append(a);
          return li;
        }));
        return;
      }
      const route = data.routes.find((r) => r.id === run.route_id) || { checkpoints: [] };
      const done = Object.keys(run.scans).length;
      form.querySelector("[data-run-title]").textContent = `${run.route_name} · ${app.say(T.reached_of,
        { done, total: route.checkpoints.length })}`;
      form.querySelector("[data-checkpoints]").replaceChildren(...route.checkpoints.map((point) => {
        const li = document.createElement("li");
        li.dataset.state = run.scans[point.code] ? "sent" : "waiting";
        li.dataset.checkpoint = point.code;
        const name = document.createElement("span");
        name.className = "phone-record-title";
        name.textContent = point.name;
        const when = document.createElement("span");
        when.className = "phone-record-state";
        when.textContent = run.scans[point.code] ? `✓ ${clock(run.scans[point.code])}` : T.not_yet;
        li.append(name, when);
        return li;
      }));
    }

    async function begin(route) {
      run = { id: crypto.randomUUID(), route_id: route.id, route_name: route.name, started: Date.now(), scans: {} };
      await db.put("data", run, KEY);
      show();
    }

    async function scan(code) {
      const route = data.routes.find((r) => r.checkpoints.some((p) => p.code === code));
      if (!route) {
        app.fail(form, T.unknown_plate);
        return;
      }
      if (run && run.route_id !== route.id) {
        app.fail(form, app.say(T.other_route, { route: run.route_name }));
        return;
      }
      if (!run) await begin(route);
      const point = route.checkpoints.find((p) => p.code === code);
      if (!run.scans[code]) {  // a plate scanned twice keeps its first time, as on the township
        const at = Date.now();
        run.scans[code] = at;
        await db.put("data", run, KEY);
        await app.save("scan", `${T.checkpoint} · ${point.name}`,
          { run: run.id, route: run.route_id, code, started: String(run.started), at: String(at) }, null);
      }
      const scanned = form.querySelector("[data-scanned]");
      scanned.textContent = app.say(T.checkpoint_recorded, { name: point.name });
      scanned.hidden = false;
      history.replaceState(null, "", app.endpoints.patrol_page);
    }

    form.querySelector("[data-end]").addEventListener("click", async () => {
      const ended = Math.max(Date.now(), run.started + 1000);
      // the run's end goes under the run's own id: its scans name it, and a replay finds it ended
      const record = {
        client_id: run.id, kind: "patrol", title: `${T.patrol} · ${run.route_name}`, photo: null,
        fields: {
          route: run.route_id, started: String(run.started), ended: String(ended),
          note: form.elements.note.value.trim(),
        },
        created: Date.now(), state: "waiting", made_by: { id: data.person.id, name: data.person.name },
      };
      await db.put("outbox", record);
      await db.delete("data", KEY);
      app.goHome();
    });

    const code = scannedCode();
    if (code) await scan(code);
    show();
  };
})();
