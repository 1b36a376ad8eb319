/* The phone app's short forms (kiosk/phones): a hazard report with its photo, a hazard fixed with the
   after-photo, and a hydrant inspection opened from the hydrant's label. Each saves one record into
   the outbox (phones.js). */
(function () {
  "use strict";
  const app = window.phoneApp;
  const { T } = app;

  app.pages.report = function setUpReport(data, form) {
    app.fillChoices(form, data);
    const photo = app.photoField(form);
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      const fields = app.fieldsOf(form);
      if (!fields.location) {
        app.fail(form, T.where_missing);
        form.elements.location.focus();
        return;
      }
      await app.save("hazard", `${T.hazard} · ${fields.location}`, fields, photo());
      app.goHome();
    });
  };

  app.pages.fix = function setUpFix(data, form) {
    const id = decodeURIComponent(window.location.hash.slice(1));
    const hazard = data.hazards.find((h) => h.id === id);
    if (!hazard) {
      app.fail(form, T.unknown_hazard);
      app.disable(form);
      return;
    }
    document.querySelector("[data-hazard-code]").textContent = hazard.code;
    document.querySelector("[data-hazard-name]").textContent = `${hazard.category} · ${hazard.location}`;
    form.elements.hazard.value = hazard.id;
    form.querySelector("[data-phrases]").replaceChildren(
      ...data.fix_phrases.map(([value, text]) => app.choice("phone-chip", "radio", "phrase", value, text)));
    const photo = app.photoField(form);
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      await app.save("fix", `${T.fix} · ${hazard.code} ${hazard.location}`, app.fieldsOf(form), photo());
      app.goHome();
    });
  };

  function labelCode() {
    const scanned = window.location.pathname.match(/^\/[Hh]\/([^/]+)$/);
    return decodeURIComponent(window.location.hash.slice(1) || (scanned ? scanned[1] : "")).trim().toUpperCase();
  }

  app.pages.inspect = function setUpInspection(data, form) {
    const code = labelCode();
    const hydrant = data.hydrants.find((h) => h.code === code);
    document.querySelector("[data-hydrant-code]").textContent = code;
    if (!hydrant) {
      app.fail(form, T.unknown_hydrant);
      app.disable(form);
      return;
    }
    document.querySelector("[data-hydrant-name]").textContent =
      hydrant.location && hydrant.location !== hydrant.name ? `${hydrant.name} · ${hydrant.location}` : hydrant.name;
    form.elements.hydrant.value = hydrant.code;
    form.querySelector("[data-items]").replaceChildren(...data.items.map(([key, label]) => {
      const set = document.createElement("fieldset");
      set.className = "phone-item";
      const legend = document.createElement("legend");
      legend.textContent = label;
      set.append(legend, ...data.results.map(([value, text]) =>
        app.choice(`phone-seg phone-seg-${value}`, "radio", `item_${key}`, value, text)));
      return set;
    }));
    form.querySelector("[data-all-pass]").addEventListener("click", () => {
      form.querySelectorAll("input[type=radio][value=pass]").forEach((input) => { input.checked = true; });
    });
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      const fields = app.fieldsOf(form);
      if (data.items.some(([key]) => !fields[`item_${key}`])) {
        app.fail(form, T.choose_item);
        return;
      }
      await app.save("inspection", `${T.inspection} · ${hydrant.code}`, fields, null);
      app.goHome();
    });
  };
})();
