/* A door-to-door visit on the phone (kiosk/pacts' visit form): the household is picked from the
   register the phone keeps (house numbers, heads and groups, not their phone numbers), then what the
   visit covered and the hazards it found; one record into the outbox, checked on the township by
   the kiosk's own VisitForm. */
(function () {
  "use strict";
  const app = window.phoneApp;
  const { T } = app;
  const SHOWN = 40;

  app.pages.visit = function setUpVisit(data, form) {
    const pick = form.querySelector("[data-pick]");
    const visit = form.querySelector("[data-visit]");
    let household = null;

    function choose(h) {
      household = h;
      pick.hidden = true;
      visit.hidden = false;
      form.querySelector("[data-visited]").textContent = `${h.number} · ${h.head}${h.group ? ` · ${h.group}` : ""}`;
      form.querySelector("[data-household-note]").textContent = h.note;
      form.elements.household_id.value = h.id;
      window.scrollTo(0, 0);
    }

    function list() {
      const words = form.elements.find.value.trim().toLowerCase();
      const found = data.households.filter((h) => !words
        || `${h.number} ${h.head} ${h.group}`.toLowerCase().includes(words)).slice(0, SHOWN);
      form.querySelector("[data-households]").replaceChildren(...found.map((h) => {
        const li = document.createElement("li");
        const a = app.link("#", `${h.number} · ${h.head}`, h.group);
        a.dataset.household = h.number;
        a.addEventListener("click", (event) => { event.preventDefault(); choose(h); });
        li.append(a);
        return li;
      }));
    }

    form.elements.find.addEventListener("input", list);
    form.elements.visited_on.value = app.today();
    form.elements.visited_on.max = app.today();
    form.elements.visitors.value = data.person.name;
    form.querySelector("[data-topics]").replaceChildren(
      ...data.visit_topics.map(([value, text]) => app.choice("phone-chip", "checkbox", "topics", value, text)));
    const rows = [];
    for (let n = 0; n < data.visit_hazard_rows; n += 1) {
      const set = document.createElement("fieldset");
      set.className = "phone-item phone-visit-hazard";
      const legend = document.createElement("legend");
      legend.textContent = app.say(T.hazard_found, { n: n + 1 });
      const category = document.createElement("select");
      category.name = `hazards-${n}-category`;
      category.append(new Option("—", ""), ...data.categories.map(([value, label]) => new Option(label, value)));
      const what = document.createElement("input");
      Object.assign(what, { name: `hazards-${n}-description`, maxLength: 200, placeholder: T.what_found });
      set.append(legend, category, what, app.choice("phone-chip", "checkbox", `hazards-${n}-fixed_on_spot`, "y",
        T.fixed_on_spot));
      rows.push(set);
    }
    form.querySelector("[data-hazard-rows]").replaceChildren(...rows);
    form.querySelector("[data-other]").addEventListener("click", () => {
      visit.hidden = true;
      pick.hidden = false;
    });
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      const fields = app.fieldsOf(form);
      delete fields.find;
      if (!fields.topics) {
        app.fail(form, T.tick_topic);
        return;
      }
      if (!fields.visitors) {
        app.fail(form, T.who_visited);
        return;
      }
      await app.save("visit", `${T.visit} · ${household.number} ${household.head}`, fields, null);
      app.goHome();
    });
    list();
  };
})();
