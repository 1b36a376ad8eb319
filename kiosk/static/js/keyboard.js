// Typing with the screen alone (kiosk/keyboard/__init__.py): on the village kiosk, an on-screen
// keyboard docks under whatever text field is tapped, with pinyin → words, ABC, 123 and a number pad;
// and, on every screen, preset phrase chips that fill a field with one tap.
(function () {
  "use strict";
  var body = document.body;
  var root = document.documentElement;
  // the app's root, from this script's own address (<root>/static/js/keyboard.js)
  var panelUrl = new URL("../../keyboard/panel", document.currentScript.src).href;
  var enabled = body.getAttribute("data-role") === "village" && !!window.SimpleKeyboard;

  var TEXT_TYPES = /^(text|search|email|url|tel|number|password)$/;
  // forms with keys of their own: the sign-in PIN pad, the station check's number pad, the hydrant
  // code pad, the pledge's house-number keypad
  var OWN_PADS = "[data-pinpad], [data-numpad], [data-codepad], [data-keypad-form]";
  var NUMPADS = { numeric: true, decimal: true, tel: true };

  // ---- which fields, in which mode -------------------------------------------------------------

  function eligible(el) {
    if (!el || !el.matches || !el.matches("input, textarea")) { return false; }
    if (el.tagName === "INPUT" && !TEXT_TYPES.test(el.type)) { return false; }
    if (el.readOnly || el.disabled || el.closest("[data-keyboard='off'], " + OWN_PADS)) { return false; }
    var form = el.form || el.closest("form");
    return !(form && form.querySelector(OWN_PADS));
  }

  // The mode the page asked for; the field's inputmode itself is set to "none" so that no system
  // keyboard ever opens on top of this one.
  function prepare(scope) {
    var fields = scope.matches && scope.matches("input, textarea") ? [scope] : scope.querySelectorAll("input, textarea");
    Array.prototype.forEach.call(fields, function (el) {
      if (!enabled || !eligible(el) || el.hasAttribute("data-kb-inputmode")) { return; }
      el.setAttribute("data-kb-inputmode", el.getAttribute("inputmode") || "");
      el.setAttribute("inputmode", "none");
    });
  }

  function modeFor(el) {
    var asked = el.getAttribute("data-kb-inputmode") || el.getAttribute("inputmode") || "";
    if (asked === "numeric" || el.type === "number") { return "numeric"; }
    if (el.type === "password") { return "abc"; }  // never spelt out in the composition bar
    if (asked === "decimal") { return "decimal"; }
    if (asked === "tel" || el.type === "tel") { return "tel"; }
    if (asked === "email" || asked === "url" || el.type === "email" || el.type === "url") { return "abc"; }
    return textMode;
  }

  // ---- the panel -------------------------------------------------------------------------------

  var panelHtml = null, letters = null, ready = null;
  var panel = null, keyboard = null, bar = null, composingEl = null, list = null, labels = {};
  var field = null, mode = null, textMode = null, composing = "";
  var shown = [], shownFor = null, ticket = 0, cache = {}, cached = 0, touchedAt = 0;

  // The panel's labels come from the server in the screen's language; the letter rows from
  // simple-keyboard-layouts' English layout (an ES module).
  function load() {
    if (!ready) {
      ready = fetch(panelUrl, { credentials: "same-origin" }).then(function (response) {
        if (!response.ok) { throw new Error("keyboard panel: " + response.status); }
        return response.text();
      }).then(function (html) {
        panelHtml = html;
        var probe = document.createElement("div");
        probe.innerHTML = html;
        return import(probe.firstElementChild.getAttribute("data-layout-url"));
      }).then(function (module) {
        letters = letterRows(module.default.layout);
      });
      ready.catch(function () { ready = null; });  // try again on the next tap
    }
    return ready;
  }

  function letterRows(layout) {
    function only(rows, pattern) {
      return rows.map(function (row) {
        return row.split(" ").filter(function (key) { return pattern.test(key); }).join(" ");
      }).filter(Boolean);
    }
    return { lower: only(layout["default"], /^[a-z]$/), upper: only(layout.shift, /^[A-Z]$/) };
  }

  function layouts() {
    var modes = "{pinyin} {abc} {sym} {space} {hide}";
    var lower = letters.lower, upper = letters.upper;
    return {
      pinyin: [lower[0] + " {bksp}", lower[1] + " {enter}", lower[2] + " ， 。 ？ ！", modes],
      abc: [lower[0] + " {bksp}", lower[1] + " {enter}", "{shift} " + lower[2] + " , . ?", modes],
      ABC: [upper[0] + " {bksp}", upper[1] + " {enter}", "{shift} " + upper[2] + " , . ?", modes],
      sym: ["1 2 3 4 5 6 7 8 9 0 {bksp}", "- / : ; ( ) @ # % {enter}", "、 ， 。 ？ ！ “ ” . , ' +", modes],
      numeric: ["1 2 3 {bksp}", "4 5 6 {hide}", "7 8 9 {blank}", "{blank} 0 {blank} {enter}"],
      decimal: ["1 2 3 {bksp}", "4 5 6 {hide}", "7 8 9 {blank}", ". 0 {blank} {enter}"],
      tel: ["1 2 3 {bksp}", "4 5 6 {hide}", "7 8 9 {space}", "+ 0 - {enter}"]
    };
  }

  function ensurePanel() {
    if (panel && body.contains(panel)) { return; }
    // boosted navigation replaced the body, and the panel with it
    if (keyboard) { keyboard.destroy(); }
    var holder = document.createElement("div");
    holder.innerHTML = panelHtml;
    panel = holder.firstElementChild;
    body.appendChild(panel);
    labels = JSON.parse(panel.getAttribute("data-labels"));
    textMode = textMode || panel.getAttribute("data-text-mode");
    bar = panel.querySelector(".kb-bar");
    composingEl = panel.querySelector(".kb-composing");
    list = panel.querySelector(".kb-candidates");
    // keys and candidates never take the focus from the field being typed
    ["pointerdown", "mousedown"].forEach(function (name) {
      panel.addEventListener(name, function (event) { touchedAt = Date.now(); event.preventDefault(); });
    });
    list.addEventListener("click", function (event) {
      var button = event.target.closest("[data-index]");
      if (button && !list.hasAttribute("aria-busy")) { pick(parseInt(button.getAttribute("data-index"), 10)); }
    });
    var Keyboard = window.SimpleKeyboard["default"];
    keyboard = new Keyboard(panel.querySelector(".kb-keys"), {
      layout: layouts(),
      layoutName: "pinyin",
      theme: "hg-theme-default kb-theme",
      preventMouseDownDefault: true,
      disableButtonHold: true,
      disableCaretPositioning: true,
      enableLayoutCandidates: false,
      onKeyPress: press
    });
  }

  function display() {
    return {
      "{bksp}": "⌫", "{shift}": "⇧", "{space}": labels.space, "{hide}": labels.hide,
      "{enter}": field && field.tagName === "TEXTAREA" && !NUMPADS[mode] ? labels.newline : labels.done,
      "{pinyin}": labels.pinyin, "{abc}": labels.abc, "{sym}": labels.sym, "{blank}": " "
    };
  }

  function setMode(next) {
    mode = next;
    var active = { pinyin: "{pinyin}", abc: "{abc}", ABC: "{abc}", sym: "{sym}" }[mode];
    var themes = [
      { "class": "kb-fn", buttons: "{bksp} {enter} {shift} {hide} {pinyin} {abc} {sym}" },
      { "class": "kb-blank", buttons: "{blank}" }
    ];
    if (active) { themes.push({ "class": "kb-active", buttons: active + (mode === "ABC" ? " {shift}" : "") }); }
    keyboard.setOptions({
      layoutName: mode, display: display(), buttonTheme: themes,
      buttonAttributes: [
        { attribute: "aria-label", value: labels.bksp, buttons: "{bksp}" },
        { attribute: "aria-label", value: labels.shift, buttons: "{shift}" },
        { attribute: "aria-label", value: labels.hide, buttons: "{hide}" },
        { attribute: "aria-hidden", value: "true", buttons: "{blank}" }
      ]
    });
    panel.classList.toggle("kb-numpad", !!NUMPADS[mode]);
    bar.hidden = mode !== "pinyin";
    fit();
  }

  // ---- open, close, and keep the field in sight ------------------------------------------------

  function open(el) {
    if (!enabled) { return; }
    load().then(function () {
      if (!body.contains(el) || document.activeElement !== el) { return; }
      ensurePanel();
      if (field === el && !panel.hidden) { return; }
      field = el;
      composing = "";
      showComposing();
      panel.hidden = false;
      root.classList.add("kb-open");
      setMode(modeFor(el));
    }).catch(function () {});
  }

  function close() {
    composing = "";
    field = null;
    if (panel) { showComposing(); panel.hidden = true; }
    root.classList.remove("kb-open");
    root.style.removeProperty("--kb-height");
  }

  // The page keeps room for the keyboard below it, and the field is scrolled above the keyboard
  // (with its label when both fit; a tall text area keeps its top in sight).
  function fit() {
    root.style.setProperty("--kb-height", panel.offsetHeight + "px");
    requestAnimationFrame(reveal);
  }

  function reveal() {
    if (!field || !panel || panel.hidden) { return; }
    var statusbar = document.querySelector(".statusbar");
    var top = 8;
    if (statusbar && getComputedStyle(statusbar).position === "sticky") {
      top = Math.max(top, statusbar.getBoundingClientRect().bottom + 8);
    }
    var bottom = panel.getBoundingClientRect().top - 8;
    var target = field.closest(".field") || field;
    var box = target.getBoundingClientRect();
    if (box.height > bottom - top) { target = field; box = field.getBoundingClientRect(); }
    var delta = 0;
    if (box.bottom > bottom) { delta = box.bottom - bottom; }
    if (box.top - delta < top) { delta = box.top - top; }
    if (delta) { window.scrollBy({ top: delta, behavior: "instant" }); }
  }

  // ---- typing ----------------------------------------------------------------------------------

  function caret(el) {
    try { return el.selectionStart === null ? null : [el.selectionStart, el.selectionEnd]; } catch (e) { return null; }
  }

  function changed() {
    field.dispatchEvent(new Event("input", { bubbles: true }));
    reveal();
  }

  function insert(text) {
    var at = caret(field);
    var max = field.maxLength > 0 ? field.maxLength : Infinity;
    if (at === null) {  // number fields have no caret to speak of
      if (field.value.length + text.length > max) { return; }
      field.value += text;
    } else {
      var room = max - (field.value.length - (at[1] - at[0]));
      if (room <= 0) { return; }
      field.setRangeText(Array.from(text).slice(0, room).join(""), at[0], at[1], "end");
    }
    changed();
  }

  function deleteBack() {
    var at = caret(field);
    var value = field.value;
    if (at === null) {
      if (!value) { return; }
      field.value = value.slice(0, -1);
    } else if (at[0] !== at[1]) {
      field.setRangeText("", at[0], at[1], "end");
    } else if (at[0] > 0) {
      var low = value.charCodeAt(at[0] - 1);
      var width = at[0] > 1 && low >= 0xDC00 && low <= 0xDFFF ? 2 : 1;  // one character, not half of one
      field.setRangeText("", at[0] - width, at[0], "end");
    } else {
      return;
    }
    changed();
  }

  function press(button) {
    if (!field) { return; }
    if (!body.contains(field)) { close(); return; }
    switch (button) {
      case "{blank}": return;
      case "{bksp}":
        if (composing) { composing = composing.slice(0, -1); showComposing(); } else { deleteBack(); }
        return;
      case "{space}":
        if (composing) { commitFirst(); } else { insert(" "); }
        return;
      case "{enter}":
        if (composing) { commitLetters(); }
        else if (field.tagName === "TEXTAREA" && !NUMPADS[mode]) { insert("\n"); }
        else { var done = field; close(); done.blur(); }
        return;
      case "{hide}": close(); return;
      case "{shift}": setMode(mode === "abc" ? "ABC" : "abc"); return;
      case "{pinyin}": case "{abc}": case "{sym}":
        if (button === "{pinyin}" && field.type === "password") { return; }
        commitLetters();
        var next = button.slice(1, -1);
        if (next !== "sym") { textMode = next; }
        setMode(next);
        return;
    }
    if (mode === "pinyin" && /^[a-z]$/.test(button)) {
      if (composing.length < 40) { composing += button; showComposing(); }
      return;
    }
    if (composing) { commitFirst(); }
    insert(button);
    if (mode === "ABC") { setMode("abc"); }  // one capital, like a phone's shift
  }

  // ---- pinyin: composition and candidates ------------------------------------------------------

  function showComposing() {
    if (!composingEl) { return; }
    composingEl.textContent = composing;
    var mine = ++ticket;
    if (!composing) { showCandidates([], ""); return; }
    list.setAttribute("aria-busy", "true");
    lookup(composing).then(function (found) {
      if (mine === ticket) { showCandidates(found, composing); }
    });
  }

  function lookup(typed) {
    if (cache[typed]) { return Promise.resolve(cache[typed]); }
    var url = panel.getAttribute("data-candidates-url") + "?p=" + encodeURIComponent(typed);
    return fetch(url, { credentials: "same-origin" }).then(function (response) {
      return response.ok ? response.json() : { candidates: [] };
    }).then(function (data) {
      if (++cached > 500) { cache = {}; cached = 0; }  // a kiosk may run for days without a reload
      cache[typed] = data.candidates;
      return data.candidates;
    }).catch(function () { return []; });
  }

  function showCandidates(found, typed) {
    shown = found;
    shownFor = typed;
    list.removeAttribute("aria-busy");
    list.setAttribute("data-for", typed);
    list.textContent = "";
    found.forEach(function (candidate, i) {
      var button = document.createElement("button");
      button.type = "button";
      button.tabIndex = -1;
      button.className = "kb-cand";
      button.setAttribute("role", "option");
      button.setAttribute("data-index", String(i));
      button.textContent = candidate.w;
      list.appendChild(button);
    });
    list.scrollLeft = 0;
  }

  function pick(i) {
    var candidate = shown[i];
    if (!candidate || shownFor !== composing) { return; }
    composing = composing.slice(candidate.n);
    insert(candidate.w);
    showComposing();
  }

  function commitFirst() {
    if (shown.length && shownFor === composing) { pick(0); } else { commitLetters(); }
  }

  function commitLetters() {
    if (!composing) { return; }
    var typed = composing;
    composing = "";
    insert(typed);
    showComposing();
  }

  // ---- wiring ----------------------------------------------------------------------------------

  if (enabled) {
    load();
    document.addEventListener("focusin", function (event) {
      if (eligible(event.target)) { open(event.target); }
    });
    // a second tap on the field whose keyboard was hidden
    document.addEventListener("click", function (event) {
      if (eligible(event.target) && (!panel || panel.hidden || field !== event.target)) { open(event.target); }
    });
    // Taps elsewhere close the keyboard, once they have done what they do: closing it at once
    // would move the page under the finger before the tap lands.
    document.addEventListener("focusout", function (event) {
      if (event.target !== field) { return; }
      setTimeout(function () {
        var now = document.activeElement;
        if (!field || now === field || eligible(now)) { return; }
        if (Date.now() - touchedAt < 600 && body.contains(field)) { field.focus({ preventScroll: true }); return; }
        close();
      }, 0);
    });
    // only a tap on the keyboard itself may give the field its focus back
    document.addEventListener("pointerdown", function (event) {
      if (!panel || !panel.contains(event.target)) { touchedAt = 0; }
    }, true);
    // htmx keeps a copy of the page for the back button: without the panel, which would come back
    // as dead keys beside a new one
    document.addEventListener("htmx:beforeHistorySave", function () {
      close();
      if (panel) { panel.remove(); }
    });
    window.addEventListener("resize", function () { if (panel && !panel.hidden) { fit(); } });
  }

  // ---- preset phrase chips ---------------------------------------------------------------------

  function chipsFor(target) {
    return document.querySelectorAll("[data-chip-for='" + CSS.escape(target.id) + "']");
  }

  function markChips(target) {
    Array.prototype.forEach.call(chipsFor(target), function (chip) {
      chip.setAttribute("aria-pressed", target.value.indexOf(chip.getAttribute("data-chip")) >= 0 ? "true" : "false");
    });
  }

  document.addEventListener("click", function (event) {
    var chip = event.target.closest("[data-chip]");
    var target = chip && document.getElementById(chip.getAttribute("data-chip-for"));
    if (!target) { return; }
    var phrase = chip.getAttribute("data-chip");
    var text = target.value.replace(/\s+$/, "");
    if (text.indexOf(phrase) < 0) {
      var joined = !text ? phrase
        : /[，。；、,.;!?！？]$/.test(text) ? text + phrase
        : text + chip.getAttribute("data-separator") + phrase;
      if (target.maxLength > 0 && joined.length > target.maxLength) { return; }
      target.value = joined;
      target.dispatchEvent(new Event("input", { bubbles: true }));
    }
    markChips(target);
  });

  document.addEventListener("input", function (event) {
    if (event.target.id && event.target.matches("input, textarea")) { markChips(event.target); }
  });

  htmx.onLoad(function (content) {
    prepare(content);
    // the field being typed was swapped away (a form sent back with its errors, another page)
    if (field && !body.contains(field)) { close(); }
    Array.prototype.forEach.call(content.querySelectorAll("[data-chip-for]"), function (chip) {
      var target = document.getElementById(chip.getAttribute("data-chip-for"));
      if (target) { markChips(target); }
    });
  });
})();
