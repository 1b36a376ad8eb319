// Publicity forms: the activity form shows attendance only for a training or a drill and the last
// day only for a campaign; chips fill the day and the number reached; steppers count the plan. The
// form works without it (every field is shown, numbers are typed).
htmx.onLoad(function (root) {
  "use strict";
  function each(selector, setUp) {
    if (root.matches && root.matches(selector)) { setUp(root); }
    Array.prototype.forEach.call(root.querySelectorAll(selector), setUp);
  }

  each("[data-activity-form]", function (form) {
    function follow() {
      var kind = form.querySelector("input[name=kind]:checked");
      form.classList.toggle("is-attendance", !!kind && kind.getAttribute("data-attendance") === "1");
      form.classList.toggle("is-campaign", !!kind && kind.getAttribute("data-campaign") === "1");
    }
    Array.prototype.forEach.call(form.querySelectorAll("input[name=kind]"), function (radio) {
      radio.addEventListener("change", follow);
    });
    follow();
    Array.prototype.forEach.call(form.querySelectorAll("[data-fill]"), function (chip) {
      chip.addEventListener("click", function () {
        var input = form.querySelector("[name='" + chip.getAttribute("data-fill") + "']");
        if (input) { input.value = chip.getAttribute("data-value"); }
      });
    });
  });

  each("[data-stepper]", function (row) {
    var input = row.querySelector("input");
    Array.prototype.forEach.call(row.querySelectorAll("[data-step]"), function (button) {
      button.addEventListener("click", function () {
        var value = parseInt(input.value, 10) || 0;
        input.value = Math.max(0, Math.min(99, value + parseInt(button.getAttribute("data-step"), 10)));
      });
    });
  });
});
