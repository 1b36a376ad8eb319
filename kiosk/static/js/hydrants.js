// Hydrant screens: the code keypad (and a USB scanner typing into it), "everything passed" on the
// inspection form, opening the note of a failed item, and the photo pickers. Without this file
// every form still works: keys are a convenience, the links and forms post as usual.
htmx.onLoad(function (root) {
  "use strict";
  function each(selector, setUp) {
    if (root.matches && root.matches(selector)) { setUp(root); }
    Array.prototype.forEach.call(root.querySelectorAll(selector), setUp);
  }

  // Code keypad: keys type into the code field, and the focus stays there, so that a scanner typing
  // a label's URL and Enter submits the form as typed and no scan is lost.
  each("[data-codepad]", function (form) {
    var input = form.querySelector("input[name=code]");
    if (!input) { return; }
    function focusAtEnd() {
      input.focus();
      var n = input.value.length;
      try { input.setSelectionRange(n, n); } catch (e) { /* not all inputs allow it */ }
    }
    Array.prototype.forEach.call(form.querySelectorAll("[data-code-key]"), function (key) {
      key.addEventListener("click", function () {
        var k = key.getAttribute("data-code-key");
        if (k === "clear") { input.value = ""; }
        else if (k === "back") { input.value = input.value.slice(0, -1); }
        else if (input.value.length < 120) { input.value += k; }
        focusAtEnd();
      });
    });
    focusAtEnd();
  });

  // Inspection: "everything passed" marks every item not answered yet and keeps the answers given.
  // The link is not boosted (hx-boost="false"): htmx's own handler on a boosted link would run first
  // and load a fresh form over the answers.
  each("[data-all-pass]", function (link) {
    link.addEventListener("click", function (event) {
      var form = link.closest("form");
      if (!form) { return; }
      event.preventDefault();
      Array.prototype.forEach.call(form.querySelectorAll(".insp-item"), function (item) {
        if (!item.querySelector("input[type=radio]:checked")) {
          var pass = item.querySelector("input[type=radio][value=pass]");
          if (pass) { pass.checked = true; }
        }
      });
    });
  });

  // A failed item opens its note and photo.
  each(".insp-item", function (item) {
    item.addEventListener("change", function (event) {
      var radio = event.target;
      var more = item.querySelector("details");
      if (radio.type === "radio" && radio.value === "fail" && radio.checked && more) { more.open = true; }
    });
  });

  // Photo pickers: show the chosen file; refuse one that is over the limit before it is sent.
  each(".photo-file", function (input) {
    input.addEventListener("change", function () {
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
  });
});
