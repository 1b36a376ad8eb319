// Station check on the touchscreen: steppers for counts and a number pad for pressures, so that
// a check needs no keyboard. Without this file the fields are plain inputs and still work.
(function () {
  "use strict";

  document.addEventListener("click", function (event) {
    var step = event.target.closest("[data-delta]");
    if (step) {
      var box = step.closest("[data-stepper]");
      var input = box && box.querySelector("input");
      if (!input) { return; }
      var value = parseInt(input.value || "0", 10);
      if (isNaN(value)) { value = 0; }
      value = Math.max(0, value + parseInt(step.getAttribute("data-delta"), 10));
      input.value = String(value);
      return;
    }
    var key = event.target.closest("[data-num]");
    if (key) {
      var form = key.closest("form");
      var field = form && form.querySelector("input[name=pressure]");
      if (!field) { return; }
      var k = key.getAttribute("data-num");
      if (k === "back") { field.value = field.value.slice(0, -1); }
      else if (k === "." && field.value.indexOf(".") >= 0) { return; }
      else if (field.value.length < 5) { field.value += k; }
    }
  });

  // With the pad on screen, the system keyboard would only cover it.
  htmx.onLoad(function (root) {
    root.querySelectorAll("[data-numpad]").forEach(function (pad) {
      var field = pad.closest("form").querySelector("input[name=pressure]");
      if (field) { field.setAttribute("inputmode", "none"); }
    });
  });
})();
