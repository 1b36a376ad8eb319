/* The station check on the phone (kiosk/station's check, step by step, where there is no signal).
   The steps are the ones the township sent in the phone's data (the checklist editions in force and
   the inventory); the check keeps its own copy from the moment it starts, and every answer is kept
   in IndexedDB as it is given, so closing the app loses nothing. Finishing puts the whole check
   into the outbox as one record; the township answers it with the station's own service (the same
   check, answers and hazards a kiosk check makes). The answers are read as the kiosk reads them
   (station.service.parse_answer): the township checks them again. */
(function () {
  "use strict";
  const app = window.phoneApp;
  const { T } = app;
  const KEY = "station-check";
  const MAX_COUNT = 9999;
  const MAX_PRESSURE = 40;

  // the same reading of one step's answer as the kiosk's; returns {fields, ok} or throws the reason
  function read(step, fields) {
    if (step.type === "count") {
      const raw = fields.result === "all" ? String(step.expected) : String(fields.count).trim();
      if (!/^\d+$/.test(raw)) throw T.count_whole;
      const count = Number(raw);
      if (count > MAX_COUNT) throw app.say(T.count_max, { max: MAX_COUNT });
      return { fields, ok: step.expected === null || count >= step.expected };
    }
    if (step.type === "pressure") {
      const value = Number(String(fields.pressure).replace(",", "."));
      if (fields.pressure === "" || Number.isNaN(value)) throw T.pressure_number;
      if (value < 0 || value > MAX_PRESSURE) throw app.say(T.pressure_range, { max: MAX_PRESSURE });
      return { fields, ok: step.threshold === null || Math.round(value * 10) / 10 >= step.threshold };
    }
    if (step.type === "gauge") return { fields, ok: fields.zone === "green" };
    if (step.type === "date" && fields.result === "ok" && step.date_seen && step.date_seen < app.today()) {
      throw app.say(T.date_passed, { date: step.date_seen });
    }
    return { fields, ok: fields.result === "ok" };
  }

  app.pages.station = async function setUpStation(data, form) {
    const db = await app.database;
    const station = data.station;
    const $ = (selector) => form.querySelector(selector);
    const sections = { start: $("[data-start]"), step: $("[data-step]"), summary: $("[data-summary]") };
    if (!station || !station.steps.length) {
      app.fail(form, station ? T.no_checklist : T.no_station);
      sections.start.hidden = true;
      return;
    }
    document.querySelector("[data-station-name]").textContent = station.name;
    let check = await db.get("data", KEY);
    let at = 0;

    function showOnly(name) {
      for (const [key, section] of Object.entries(sections)) section.hidden = key !== name;
      app.fail(form, "");
      window.scrollTo(0, 0);
    }

    const faults = () => check.steps.filter((s) => check.answers[s.key] && !check.answers[s.key].ok);
    const answered = () => check.steps.filter((s) => check.answers[s.key]).length;
    const tally = () => app.say(T.answered_of, { a: answered(), t: check.steps.length })
      + (faults().length ? ` · ${app.say(T.faults_n, { n: faults().length })}` : "");

    function button(text, fields, tone) {
      const b = document.createElement("button");
      b.type = "button";
      b.className = `phone-btn phone-ans phone-ans-${tone}`;
      b.textContent = text;
      const given = check.answers[check.steps[at].key];
      if (given && Object.entries(fields).every(([k, v]) => given.fields[k] === v)) b.classList.add("is-chosen");
      b.addEventListener("click", () => answer(fields));
      return b;
    }

    function showStep() {
      const step = check.steps[at];
      showOnly("step");
      $("[data-step-count]").textContent = app.say(T.step_of, { n: at + 1, total: check.steps.length });
      $("[data-tally]").textContent = tally();
      $("[data-step-item]").textContent = step.title;
      $("[data-step-prompt]").textContent = step.prompt;
      form.dataset.stepType = step.type;
      form.dataset.stepKey = step.key;
      let detail = "";
      const buttons = [];
      if (step.type === "ok_fault") {
        buttons.push(button(T.in_order, { result: "ok" }, "ok"), button(T.fault, { result: "fault" }, "bad"));
      } else if (step.type === "gauge") {
        buttons.push(...station.zones.map(([zone, label]) => button(label, { zone }, zone === "green" ? "ok" : "bad")));
      } else if (step.type === "date") {
        detail = step.date_seen ? step.date_seen + (step.date_seen < app.today() ? ` · ${T.date_passed_badge}` : "") : "";
        buttons.push(button(T.still_valid, { result: "ok" }, "ok"), button(T.expired, { result: "fault" }, "bad"));
      } else if (step.type === "count" && step.expected !== null) {
        buttons.push(button(app.say(T.all_present, { n: step.expected }), { result: "all" }, "ok"));
      } else if (step.type === "pressure" && step.threshold !== null) {
        detail = app.say(T.threshold_hint, { min: step.threshold });
      }
      $("[data-step-detail]").textContent = detail;
      $("[data-answers]").replaceChildren(...buttons);
      const number = step.type === "count" || step.type === "pressure";
      $("[data-number]").hidden = !number;
      if (number) {
        const given = check.answers[step.key];
        $("[data-number-label]").textContent = step.type === "count" ? T.count_them : T.gauge_reading;
        $("[data-save-number]").textContent = step.type === "count" ? T.save_count : T.save;
        form.elements.number.inputMode = step.type === "count" ? "numeric" : "decimal";
        form.elements.number.value = given ? (given.fields.count ?? given.fields.pressure ?? "") : "";
      }
      $("[data-previous]").hidden = at === 0;
    }

    async function keep() {
      await db.put("data", check, KEY);
    }

    async function answer(fields) {
      const step = check.steps[at];
      try {
        check.answers[step.key] = read(step, fields);
      } catch (reason) {
        app.fail(form, reason);
        return;
      }
      await keep();
      // the next step not yet answered, going round to the start (as the kiosk's next_step)
      const order = [...check.steps.slice(at + 1), ...check.steps.slice(0, at + 1)];
      const following = order.find((s) => !check.answers[s.key]);
      if (following) {
        at = check.steps.indexOf(following);
        showStep();
      } else {
        showSummary();
      }
    }

    function showSummary() {
      showOnly("summary");
      const missing = check.steps.length - answered();
      $("[data-summary-tally]").textContent = tally();
      $("[data-faults]").replaceChildren(...faults().map((s) => {
        const li = document.createElement("li");
        li.textContent = s.title ? `${s.title} · ${s.prompt}` : s.prompt;
        return li;
      }));
      $("[data-faults-intro]").hidden = !faults().length;
      $("[data-no-faults]").hidden = Boolean(faults().length);
      $("[data-finish]").hidden = missing > 0;
      $("[data-finish-incomplete]").hidden = missing === 0;
      $("[data-answer-rest]").hidden = missing === 0;
    }

    async function finish() {
      const answers = Object.fromEntries(Object.entries(check.answers).map(([key, a]) => [key, a.fields]));
      const complete = answered() === check.steps.length;
      await app.save("check", `${T.station_check} · ${station.name} · ${tally()}`, {
        reason: check.reason, township_template_id: check.township_template_id || "",
        village_template_id: check.village_template_id || "", answers: JSON.stringify(answers),
      }, null);
      await db.delete("data", KEY);
      if (!complete) app.notice(T.check_incomplete, "warn");
      app.goHome();
    }

    $("[data-reasons]").replaceChildren(...station.reasons.map(([value, label], n) => {
      const choice = app.choice("phone-chip", "radio", "reason", value, label);
      choice.querySelector("input").checked = n === 0;
      return choice;
    }));
    $("[data-begin]").addEventListener("click", async () => {
      check = {
        reason: form.elements.reason.value, township_template_id: station.township_template_id,
        village_template_id: station.village_template_id, steps: station.steps, answers: {}, started: Date.now(),
      };
      await keep();
      at = 0;
      showStep();
    });
    $("[data-save-number]").addEventListener("click", () => {
      const step = check.steps[at];
      const value = form.elements.number.value.trim();
      answer(step.type === "count" ? { result: "count", count: value } : { pressure: value });
    });
    $("[data-previous]").addEventListener("click", () => { at = Math.max(0, at - 1); showStep(); });
    $("[data-to-summary]").addEventListener("click", showSummary);
    $("[data-answer-rest]").addEventListener("click", () => {
      at = check.steps.findIndex((s) => !check.answers[s.key]);
      showStep();
    });
    $("[data-finish]").addEventListener("click", finish);
    $("[data-finish-incomplete]").addEventListener("click", finish);

    if (check) {  // a check under way on this phone: carry on where it was left
      const next = check.steps.findIndex((s) => !check.answers[s.key]);
      if (next < 0) {
        showSummary();
      } else {
        at = next;
        showStep();
      }
    } else {
      showOnly("start");
    }
  };
})();
