/* The volunteers' phone app (kiosk/phones): the outbox, delivery, the home page and what every page
   shares. Only the phone pages load this script (phones/layout.html), not the kiosk's layout; each
   form has its own script (phones-forms.js, phones-station.js, phones-visit.js, phones-patrol.js)
   that registers its page in phoneApp.pages.

   Every record a form makes gets an id here (crypto.randomUUID) and goes into the IndexedDB outbox
   (idb, vendored: static/vendor/idb-8.0.4) with its photo, already shrunk (longest side 1280 px,
   JPEG), and the person the phone was enrolled to then. Records are delivered one by one, oldest
   first, when the link is there: on every page load, on the browser's "online" event, on "Send
   now", and on a retry timer that backs off to a minute. The township answers each record on its
   own (stored, or already stored by an earlier delivery: both confirm it); a record it refuses keeps
   its reasons and stays visible; a revoked phone stops sending and keeps everything it has not
   sent, which can be saved as a file, or sent once a committee member enrols the phone again (as
   another person only when the phone's holder agrees: docs/phones.md). The strings come from the
   page (the server translates them). */
(function () {
  "use strict";
  const body = document.body;
  const endpoints = JSON.parse(body.dataset.endpoints || "{}");
  const T = JSON.parse(document.getElementById("phone-strings").textContent);
  const database = idb.openDB("phone-app", 1, {
    upgrade(db) {
      db.createObjectStore("outbox", { keyPath: "client_id" });
      db.createObjectStore("data");
    },
  });
  const app = { T, endpoints, database, pages: {}, data: null, revoked: false };
  window.phoneApp = app;

  function notice(text, tone) {
    const el = document.querySelector("[data-notice]");
    if (!el) return;
    el.textContent = text || "";
    el.hidden = !text;
    el.dataset.tone = tone || "info";
  }
  app.notice = notice;

  // a translated string with its %(name)s / %(name)d filled in (the server leaves them for the script)
  function say(template, values) {
    return template.replace(/%\((\w+)\)[sd]/g, (whole, name) => (name in values ? values[name] : whole));
  }
  app.say = say;

  // ---- the village's data (the service worker keeps a copy; so does IndexedDB, for browsers without one)

  async function villageData() {
    const db = await database;
    try {
      const response = await fetch(endpoints.data, { credentials: "same-origin" });
      if (response.ok) {
        const data = await response.json();
        await db.put("data", data, "village");
        return data;
      }
    } catch (offline) { /* below: the last copy */ }
    return db.get("data", "village");
  }

  async function checkStatus() {
    try {
      const response = await fetch(endpoints.status, { credentials: "same-origin", cache: "no-store" });
      if (response.status === 403) {
        app.revoked = true;
        notice(T.revoked, "bad");
      } else if (response.status === 401) {
        notice(T.not_enrolled, "bad");
        return false;
      }
    } catch (offline) {
      notice(T.offline, "warn");
    }
    return true;
  }

  // ---- the outbox

  async function records() {
    return (await (await database).getAll("outbox")).sort((a, b) => b.created - a.created);
  }

  // a record made while the phone was another person's waits until the phone's holder agrees to send it
  function heldBack(record) {
    return record.state === "waiting" && record.made_by && app.data && record.made_by.id !== app.data.person.id;
  }

  function recordItem(r) {
    const item = document.createElement("li");
    item.dataset.state = r.state;
    item.dataset.clientId = r.client_id;
    const title = document.createElement("span");
    title.className = "phone-record-title";
    title.textContent = r.title;
    const state = document.createElement("span");
    state.className = "phone-record-state";
    state.textContent = { waiting: T.waiting_one, sent: "✓ " + T.sent, refused: T.refused }[r.state];
    item.append(title, state);
    const reason = heldBack(r) ? say(T.made_as, { name: r.made_by.name }) : r.reason;
    if (reason) {
      const why = document.createElement("span");
      why.className = "phone-record-reason";
      why.textContent = reason;
      item.append(why);
    }
    return item;
  }

  async function show() {
    const count = document.querySelector("[data-outbox-count]");
    const list = document.querySelector("[data-outbox-list]");
    if (!count || !list) return;
    const all = await records();
    const waiting = all.filter((r) => r.state === "waiting").length;
    count.textContent = waiting ? say(T.waiting, { n: waiting }) : T.none_waiting;
    count.classList.toggle("is-waiting", waiting > 0);
    // every unsent record stays listed, however many were sent after it
    const unsent = all.filter((r) => r.state !== "sent");
    list.replaceChildren(...[...unsent, ...all.filter((r) => r.state === "sent").slice(0, 20)].map(recordItem));
    const held = all.filter(heldBack);
    const handOver = document.querySelector("[data-hand-over]");
    handOver.hidden = !held.length || app.revoked;
    if (held.length) {
      handOver.textContent = say(T.send_as,
        { n: held.length, name: held[0].made_by.name, holder: app.data.person.name });
    }
    document.querySelector("[data-send-now]").hidden = !waiting || app.revoked || held.length === waiting;
    document.querySelector("[data-export]").hidden = !unsent.length;
  }
  app.show = show;

  let draining = false;
  let retryMs = 5000;
  let retryTimer = null;

  function retryLater() {
    clearTimeout(retryTimer);
    retryTimer = setTimeout(drain, retryMs);
    retryMs = Math.min(retryMs * 2, 60000);
  }

  async function deliver(record) {
    const form = new FormData();
    form.append("client_id", record.client_id);
    for (const [name, value] of Object.entries(record.fields)) {
      for (const one of [].concat(value)) form.append(name, one); // a list: a field with several values
    }
    if (record.photo) form.append("photo", record.photo, "photo.jpg");
    return fetch(endpoints[record.kind], {
      method: "POST", body: form, credentials: "same-origin", headers: { "X-Phone-App": "1" },
    });
  }

  async function drain() {
    if (draining || app.revoked) return;
    draining = true;
    const db = await database;
    try {
      const waiting = (await records()).filter((r) => r.state === "waiting" && !heldBack(r)).reverse();
      for (const record of waiting) {
        let response;
        try {
          response = await deliver(record);
        } catch (offline) {
          notice(T.offline, "warn");
          retryLater();
          return;
        }
        if (response.status === 200 || response.status === 201) {
          record.state = "sent";
          record.photo = null; // stored on the township now: free the phone's space
        } else if (response.status === 422 || response.status === 409) {
          const answer = await response.json().catch(() => ({}));
          record.state = "refused";
          record.reason = [answer.message, ...Object.values(answer.errors || {}).flat()].filter(Boolean).join(" ");
        } else if (response.status === 401 || response.status === 403) {
          app.revoked = response.status === 403;
          notice(app.revoked ? T.revoked : T.not_enrolled, "bad");
          return;
        } else {
          retryLater(); // the township or its gateway failed: try again later
          return;
        }
        await db.put("outbox", record);
        await show();
      }
      retryMs = 5000;
      if (document.querySelector("[data-notice]").textContent === T.offline) notice(""); // the signal is back
    } finally {
      draining = false;
      await show();
    }
  }

  app.save = async function save(kind, title, fields, photo) {
    const record = {
      client_id: crypto.randomUUID(), kind, title, fields, photo: photo || null, created: Date.now(),
      state: "waiting", made_by: app.data ? { id: app.data.person.id, name: app.data.person.name } : null,
    };
    await (await database).put("outbox", record);
    return record;
  };

  // the records made as another person, sent as the phone's holder now that they agreed
  async function handOver() {
    const db = await database;
    for (const record of (await records()).filter(heldBack)) {
      record.made_by = { id: app.data.person.id, name: app.data.person.name };
      await db.put("outbox", record);
    }
    await show();
    drain();
  }

  // every record not sent yet, with its photo, in one file a committee member can keep
  async function exportUnsent() {
    const unsent = (await records()).filter((r) => r.state !== "sent").reverse();
    const asText = (blob) => new Promise((resolve) => {
      const reader = new FileReader();
      reader.onload = () => resolve(reader.result);
      reader.readAsDataURL(blob);
    });
    const file = {
      app: "village fire safety, volunteers' phone", exported_at: new Date().toISOString(),
      phone_of: app.data ? app.data.person.name : null, village: app.data ? app.data.village : null,
      records: await Promise.all(unsent.map(async (r) => ({
        client_id: r.client_id, kind: r.kind, title: r.title, made_at: new Date(r.created).toISOString(),
        made_by: r.made_by, state: r.state, reason: r.reason || null, fields: r.fields,
        photo: r.photo ? await asText(r.photo) : null,
      }))),
    };
    const link = document.createElement("a");
    link.href = URL.createObjectURL(new Blob([JSON.stringify(file, null, 1)], { type: "application/json" }));
    link.download = `unsent-records-${file.exported_at.slice(0, 10)}.json`;
    document.body.append(link);
    link.click();
    link.remove();
  }

  // ---- what the forms share

  app.goHome = () => { window.location.href = `${body.dataset.home}#saved`; };

  app.shrink = (file) => window.shrinkPhoto(file);

  app.fieldsOf = function fieldsOf(form) {
    const fields = {};
    for (const [name, value] of new FormData(form).entries()) {
      if (typeof value !== "string") continue;
      fields[name] = name in fields ? [].concat(fields[name], value.trim()) : value.trim();
    }
    return fields;
  };

  app.fail = function fail(form, text) {
    const el = form.querySelector("[data-error]");
    el.textContent = text;
    el.hidden = !text;
  };

  app.disable = (form) => form.querySelectorAll("button, input, textarea, select")
    .forEach((el) => { el.disabled = true; });

  // the phone's own calendar day, year-month-day (the volunteer is in the village)
  app.today = function today() {
    const now = new Date();
    const two = (n) => String(n).padStart(2, "0");
    return `${now.getFullYear()}-${two(now.getMonth() + 1)}-${two(now.getDate())}`;
  };

  app.fillChoices = function fillChoices(form, data) {
    form.querySelectorAll("[data-choices]").forEach((select) => {
      select.replaceChildren(...data[select.dataset.choices].map(([value, label]) => new Option(label, value)));
    });
  };

  app.choice = function choice(className, type, name, value, text) {
    const label = document.createElement("label");
    label.className = className;
    const input = document.createElement("input");
    Object.assign(input, { type, name, value });
    label.append(input, document.createTextNode(text));
    return label;
  };

  // a photo field: shrunk as soon as it is chosen, shown, and handed to the record when saved
  app.photoField = function photoField(form) {
    const photo = form.querySelector("input[type=file]");
    const preview = form.querySelector("[data-preview]");
    let shrunk = null;
    photo.addEventListener("change", async () => {
      shrunk = null;
      preview.hidden = true;
      if (!photo.files.length) return;
      try {
        shrunk = await app.shrink(photo.files[0]);
        preview.src = URL.createObjectURL(shrunk);
        preview.hidden = false;
        preview.dataset.bytes = String(shrunk.size);
        app.fail(form, "");
      } catch (unreadable) {
        app.fail(form, T.photo_failed);
      }
    });
    return () => shrunk;
  };

  function listOf(selector, items, make) {
    document.querySelector(selector).replaceChildren(...items.map((item) => {
      const li = document.createElement("li");
      li.append(make(item));
      return li;
    }));
  }

  function link(href, text, detail) {
    const a = document.createElement("a");
    a.href = href;
    a.textContent = text;
    if (detail) {
      const span = document.createElement("span");
      span.textContent = detail;
      a.append(span);
    }
    return a;
  }
  app.link = link;

  app.pages.home = function setUpHome(data) {
    listOf("[data-hydrants]", data.hydrants, (h) => link(`${endpoints.inspect}#${h.code}`, `${h.code} · ${h.name}`,
      h.location && h.location !== h.name ? h.location : ""));
    listOf("[data-hazards]", data.hazards, (h) => {
      const a = link(`${endpoints.fix_page}#${h.id}`, `${h.code} · ${h.location}`, h.category);
      a.dataset.hazard = h.code;
      return a;
    });
    document.querySelector("[data-station-link]").hidden = !data.station;
    document.querySelector("[data-send-now]").addEventListener("click", () => { retryMs = 5000; drain(); });
    document.querySelector("[data-hand-over]").addEventListener("click", handOver);
    document.querySelector("[data-export]").addEventListener("click", exportUnsent);
    if (window.location.hash === "#saved") {
      if (!app.revoked) notice(T.saved, "ok");
      history.replaceState(null, "", window.location.pathname);
    }
  };

  // ---- start

  async function start() {
    const page = body.dataset.page;
    if (page === "enrol") return;
    const enrolled = await checkStatus();
    const data = await villageData();
    if (!data) {
      if (enrolled) notice(T.not_enrolled, "bad");
      return;
    }
    app.data = data;
    // only an enrolled phone keeps the app (a stranger's browser gets no worker)
    if ("serviceWorker" in navigator) {
      navigator.serviceWorker.register(endpoints.worker, { scope: "/" })
        .then((registration) => (navigator.onLine ? registration.update() : null)).catch(() => {});
    } else if (!app.revoked) {
      notice(T.no_worker, "warn");
    }
    document.querySelector("[data-who]").textContent = `${data.person.name} · ${data.village.name}`;
    await app.pages[page](data, document.querySelector("[data-outbox-form]"));
    body.dataset.ready = "1";
    await show();
    drain();
  }

  window.addEventListener("online", () => { retryMs = 5000; notice(""); drain(); });
  window.addEventListener("offline", () => notice(T.offline, "warn"));
  // the forms' scripts (deferred, after this one) register their pages first
  document.addEventListener("DOMContentLoaded", start);
})();
