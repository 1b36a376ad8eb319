// Hydrant screens: the code keypad (and a USB scanner typing into it), "everything passed" on the
// inspection form, opening the note of a failed item, and the photo pickers. Without this file
// every form still works: keys are a convenience, the links and forms post as usual.
(function () {
  "use strict";
  // A boosted page brings this script along in its body (see _macros.html): set up once per document.
  if (window.kioskHydrants) { window.kioskHydrants.focusCode(); return; }

  // Code keypad: keys type into the code field; focus stays there for the scanner.
  function codeInput(el) {
    var form = el && el.closest("[data-codepad]");
    return form && form.querySelector("input[name=code]");
  }
  document.addEventListener("click", function (event) {
    var key = event.target.closest("[data-code-key]");
    if (!key) { return; }
    var input = codeInput(key);
    if (!input) { return; }
    var k = key.getAttribute("data-code-key");
    if (k === "clear") { input.value = ""; }
    else if (k === "back") { input.value = input.value.slice(0, -1); }
    else if (input.value.length < 120) { input.value += k; }
    input.focus();
  });
  // A scanner types the whole label URL and Enter: the form submits as typed. Keep the field
  // focused whenever the keypad screen is shown, so a scan is never lost.
  function focusCode() {
    var input = document.querySelector("[data-codepad] input[name=code]");
    if (input && document.activeElement !== input) {
      input.focus();
      var n = input.value.length;
      try { input.setSelectionRange(n, n); } catch (e) { /* not all inputs allow it */ }
    }
  }
  window.kioskHydrants = { focusCode: focusCode };
  document.addEventListener("DOMContentLoaded", focusCode);
  document.addEventListener("htmx:afterSettle", focusCode);
  focusCode();

  // Inspection: "everything passed" marks every item that is not answered yet.
  document.addEventListener("click", function (event) {
    var link = event.target.closest("[data-all-pass]");
    if (!link) { return; }
    var form = link.closest("form");
    if (!form) { return; }
    event.preventDefault();
    form.querySelectorAll(".insp-item").forEach(function (item) {
      if (!item.querySelector("input[type=radio]:checked")) {
        var pass = item.querySelector("input[type=radio][value=pass]");
        if (pass) { pass.checked = true; }
      }
    });
  });
  // A failed item opens its note and photo.
  document.addEventListener("change", function (event) {
    var radio = event.target;
    if (radio.type === "radio" && radio.value === "fail" && radio.checked) {
      var more = radio.closest(".insp-item") && radio.closest(".insp-item").querySelector("details");
      if (more) { more.open = true; }
    }
  });

  // Photo pickers: show the chosen file; refuse one that is over the limit before it is sent.
  document.addEventListener("change", function (event) {
    var input = event.target;
    if (!input.classList || !input.classList.contains("photo-file")) { return; }
    var label = input.closest(".photo-btn");
    var name = label && label.querySelector(".photo-name");
    var file = input.files && input.files[0];
    var max = parseInt(input.getAttribute("data-max-bytes") || "0", 10);
    var old = label && label.parentNode.querySelector(".photo-too-large");
    if (old) { old.remove(); }
    if (file && max && file.size > max) {
      input.value = "";
      file = null;
      var p = document.createElement("p");
      p.className = "field-error photo-too-large";
      p.setAttribute("role", "alert");
      p.textContent = input.getAttribute("data-too-large");
      label.insertAdjacentElement("afterend", p);
    }
    if (name) { name.textContent = file ? file.name : name.getAttribute("data-empty"); }
    if (label) { label.classList.toggle("has-file", !!file); }
  });
})();
