/* The volunteers' phone app (kiosk/phones): the outbox, the forms that fill it, and delivery.
   Only the phone pages load this script (phones/layout.html), not the kiosk's layout.

   Every record a form makes gets an id here (crypto.randomUUID) and goes into the IndexedDB outbox
   (idb, vendored: static/vendor/idb-8.0.4) with its photo, already shrunk (longest side 1280 px,
   JPEG). Records are delivered one by one when the link is there: on every page load, on the
   browser's "online" event, and on a retry timer that backs off to a minute. The township answers
   each record on its own (stored, or already stored by an earlier delivery: both confirm it); a
   record it refuses keeps its reasons and stays visible; a revoked phone stops sending and keeps
   everything it has not sent. The strings come from the page (the server translates them). */
(function () {
  "use strict";
  const body = document.body;
  const endpoints = JSON.parse(body.dataset.endpoints || "{}");
  const T = JSON.parse(document.getElementById("phone-strings").textContent);
  const MAX_EDGE = 1280;
  const JPEG_QUALITY = 0.8;
  const database = idb.openDB("phone-app", 1, {
    upgrade(db) {
      db.createObjectStore("outbox", { keyPath: "client_id" });
      db.createObjectStore("data");
    },
  });
  let revoked = false;

  function notice(text, tone) {
    const el = document.querySelector("[data-notice]");
    if (!el) return;
    el.textContent = text || "";
    el.hidden = !text;
    el.dataset.tone = tone || "info";
  }

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
        revoked = true;
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

  async function show() {
    const count = document.querySelector("[data-outbox-count]");
    const list = document.querySelector("[data-outbox-list]");
    if (!count || !list) return;
    const all = await records();
    const waiting = all.filter((r) => r.state === "waiting").length;
    count.textContent = waiting ? T.waiting.replace("%(n)s", waiting) : T.none_waiting;
    count.classList.toggle("is-waiting", waiting > 0);
    list.replaceChildren(...all.slice(0, 30).map((r) => {
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
      if (r.reason) {
        const reason = document.createElement("span");
        reason.className = "phone-record-reason";
        reason.textContent = r.reason;
        item.append(reason);
      }
      return item;
    }));
  }

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
    for (const [name, value] of Object.entries(record.fields)) form.append(name, value);
    if (record.photo) form.append("photo", record.photo, "photo.jpg");
    return fetch(endpoints[record.kind], {
      method: "POST", body: form, credentials: "same-origin", headers: { "X-Phone-App": "1" },
    });
  }

  async function drain() {
    if (draining || revoked) return;
    draining = true;
    const db = await database;
    try {
      const waiting = (await records()).filter((r) => r.state === "waiting").reverse();
      for (const record of waiting) {
        let response;
        try {
          response = await deliver(record);
        } catch (offline) {
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
          revoked = response.status === 403;
          notice(revoked ? T.revoked : T.not_enrolled, "bad");
          return;
        } else {
          retryLater(); // the township or its gateway failed: try again later
          return;
        }
        await db.put("outbox", record);
        await show();
      }
      retryMs = 5000;
    } finally {
      draining = false;
      await show();
    }
  }

  async function save(kind, title, fields, photo) {
    const record = {
      client_id: crypto.randomUUID(), kind, title, fields, photo: photo || null,
      created: Date.now(), state: "waiting",
    };
    await (await database).put("outbox", record);
    return record;
  }

  // ---- photos, shrunk on the phone before they are stored

  async function shrink(file) {
    const bitmap = await createImageBitmap(file, { imageOrientation: "from-image" });
    const scale = Math.min(1, MAX_EDGE / Math.max(bitmap.width, bitmap.height));
    const canvas = document.createElement("canvas");
    canvas.width = Math.round(bitmap.width * scale);
    canvas.height = Math.round(bitmap.height * scale);
    canvas.getContext("2d").drawImage(bitmap, 0, 0, canvas.width, canvas.height);
    bitmap.close();
    return new Promise((resolve, reject) => canvas.toBlob(
      (blob) => (blob ? resolve(blob) : reject(new Error("no JPEG"))), "image/jpeg", JPEG_QUALITY));
  }

  // ---- the forms

  function fieldsOf(form) {
    const fields = {};
    for (const [name, value] of new FormData(form).entries()) {
      if (typeof value === "string") fields[name] = value.trim();
    }
    return fields;
  }

  function fail(form, text) {
    const el = form.querySelector("[data-error]");
    el.textContent = text;
    el.hidden = !text;
  }

  function fillChoices(form, data) {
    form.querySelectorAll("[data-choices]").forEach((select) => {
      select.replaceChildren(...data[select.dataset.choices].map(([value, label]) => new Option(label, value)));
    });
  }

  // a photo field: shrunk as soon as it is chosen, shown, and handed to the record when saved
  function photoField(form) {
    const photo = form.querySelector("input[type=file]");
    const preview = form.querySelector("[data-preview]");
    let shrunk = null;
    photo.addEventListener("change", async () => {
      shrunk = null;
      preview.hidden = true;
      if (!photo.files.length) return;
      try {
        shrunk = await shrink(photo.files[0]);
        preview.src = URL.createObjectURL(shrunk);
        preview.hidden = false;
        preview.dataset.bytes = String(shrunk.size);
        fail(form, "");
      } catch (unreadable) {
        fail(form, T.photo_failed);
      }
    });
    return () => shrunk;
  }

  function setUpReport(form, data) {
    fillChoices(form, data);
    const photo = photoField(form);
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      const fields = fieldsOf(form);
      if (!fields.location) {
        fail(form, T.where_missing);
        form.elements.location.focus();
        return;
      }
      await save("hazard", `${T.hazard} · ${fields.location}`, fields, photo());
      window.location.href = `${body.dataset.home}#saved`;
    });
  }

  function setUpFix(form, data) {
    const id = decodeURIComponent(window.location.hash.slice(1));
    const hazard = data.hazards.find((h) => h.id === id);
    if (!hazard) {
      fail(form, T.unknown_hazard);
      form.querySelectorAll("button, input, textarea").forEach((el) => { el.disabled = true; });
      return;
    }
    document.querySelector("[data-hazard-code]").textContent = hazard.code;
    document.querySelector("[data-hazard-name]").textContent = `${hazard.category} · ${hazard.location}`;
    form.elements.hazard.value = hazard.id;
    form.querySelector("[data-phrases]").replaceChildren(...data.fix_phrases.map(([value, text]) => {
      const choice = document.createElement("label");
      choice.className = "phone-chip";
      const input = document.createElement("input");
      Object.assign(input, { type: "radio", name: "phrase", value });
      choice.append(input, document.createTextNode(text));
      return choice;
    }));
    const photo = photoField(form);
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      await save("fix", `${T.fix} · ${hazard.code} ${hazard.location}`, fieldsOf(form), photo());
      window.location.href = `${body.dataset.home}#saved`;
    });
  }

  function labelCode() {
    const scanned = window.location.pathname.match(/^\/[Hh]\/([^/]+)$/);
    return decodeURIComponent(window.location.hash.slice(1) || (scanned ? scanned[1] : "")).trim().toUpperCase();
  }

  function setUpInspection(form, data) {
    const code = labelCode();
    const hydrant = data.hydrants.find((h) => h.code === code);
    document.querySelector("[data-hydrant-code]").textContent = code;
    if (!hydrant) {
      fail(form, T.unknown_hydrant);
      form.querySelectorAll("button, input, textarea").forEach((el) => { el.disabled = true; });
      return;
    }
    document.querySelector("[data-hydrant-name]").textContent =
      hydrant.location && hydrant.location !== hydrant.name ? `${hydrant.name} · ${hydrant.location}` : hydrant.name;
    form.elements.hydrant.value = hydrant.code;
    const items = form.querySelector("[data-items]");
    items.replaceChildren(...data.items.map(([key, label]) => {
      const set = document.createElement("fieldset");
      set.className = "phone-item";
      const legend = document.createElement("legend");
      legend.textContent = label;
      set.append(legend);
      for (const [value, text] of data.results) {
        const choice = document.createElement("label");
        choice.className = `phone-seg phone-seg-${value}`;
        const input = document.createElement("input");
        Object.assign(input, { type: "radio", name: `item_${key}`, value });
        choice.append(input, document.createTextNode(text));
        set.append(choice);
      }
      return set;
    }));
    form.querySelector("[data-all-pass]").addEventListener("click", () => {
      form.querySelectorAll("input[type=radio][value=pass]").forEach((input) => { input.checked = true; });
    });
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      const fields = fieldsOf(form);
      if (data.items.some(([key]) => !fields[`item_${key}`])) {
        fail(form, T.choose_item);
        return;
      }
      await save("inspection", `${T.inspection} · ${hydrant.code}`, fields, null);
      window.location.href = `${body.dataset.home}#saved`;
    });
  }

  function setUpHome(data) {
    const list = document.querySelector("[data-hydrants]");
    list.replaceChildren(...data.hydrants.map((h) => {
      const item = document.createElement("li");
      const link = document.createElement("a");
      link.href = `${endpoints.inspect}#${h.code}`;
      link.textContent = `${h.code} · ${h.name}`;
      if (h.location && h.location !== h.name) {
        const where = document.createElement("span");
        where.textContent = h.location;
        link.append(where);
      }
      item.append(link);
      return item;
    }));
    document.querySelector("[data-hazards]").replaceChildren(...data.hazards.map((h) => {
      const item = document.createElement("li");
      const link = document.createElement("a");
      link.href = `${endpoints.fix_page}#${h.id}`;
      link.dataset.hazard = h.code;
      link.textContent = `${h.code} · ${h.location}`;
      const what = document.createElement("span");
      what.textContent = h.category;
      link.append(what);
      item.append(link);
      return item;
    }));
    if (window.location.hash === "#saved") {
      if (!revoked) notice(T.saved, "ok");
      history.replaceState(null, "", window.location.pathname);
    }
  }

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
    // only an enrolled phone keeps the app (a stranger's browser gets no worker)
    if ("serviceWorker" in navigator) {
      navigator.serviceWorker.register(endpoints.worker, { scope: "/" })
        .then((registration) => (navigator.onLine ? registration.update() : null)).catch(() => {});
    } else if (!revoked) {
      notice(T.no_worker, "warn");
    }
    document.querySelector("[data-who]").textContent = `${data.person.name} · ${data.village.name}`;
    if (page === "home") setUpHome(data);
    if (page === "report") setUpReport(document.querySelector("[data-outbox-form]"), data);
    if (page === "inspect") setUpInspection(document.querySelector("[data-outbox-form]"), data);
    if (page === "fix") setUpFix(document.querySelector("[data-outbox-form]"), data);
    body.dataset.ready = "1";
    await show();
    drain();
  }

  window.addEventListener("online", () => { retryMs = 5000; notice(""); drain(); });
  window.addEventListener("offline", () => notice(T.offline, "warn"));
  start();
})();
