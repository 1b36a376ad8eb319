// Night-patrol forms: preset chips fill the night and the times, and ticking a checkpoint suggests
// its time (ten minutes after the one before, from the start), which the patroller corrects. Without
// this file the date and time fields are typed as usual.
htmx.onLoad(function (root) {
  "use strict";
  function each(selector, setUp) {
    if (root.matches && root.matches(selector)) { setUp(root); }
    Array.prototype.forEach.call(root.querySelectorAll(selector), setUp);
  }

  each("[data-run-form]", function (form) {
    Array.prototype.forEach.call(form.querySelectorAll("[data-fill]"), function (chip) {
      chip.addEventListener("click", function () {
        var input = form.querySelector("[name='" + chip.getAttribute("data-fill") + "']");
        if (input) { input.value = chip.getAttribute("data-value"); }
      });
    });

    function minutes(text) {
      var m = /^(\d{1,2}):(\d{2})$/.exec(text || "");
      return m ? parseInt(m[1], 10) * 60 + parseInt(m[2], 10) : null;
    }
    function clock(total) {
      total = ((total % 1440) + 1440) % 1440;
      var h = Math.floor(total / 60), m = total % 60;
      return (h < 10 ? "0" : "") + h + ":" + (m < 10 ? "0" : "") + m;
    }
    Array.prototype.forEach.call(form.querySelectorAll(".pt-reach input[type=checkbox]"), function (box) {
      box.addEventListener("change", function () {
        var time = box.closest(".pt-reach").querySelector(".pt-reach-time");
        if (!box.checked || !time || time.value) { return; }
        var start = minutes(form.querySelector("[name=start]").value);
        var filled = Array.prototype.map.call(form.querySelectorAll(".pt-reach-time"), function (t) {
          return minutes(t.value);
        }).filter(function (v) { return v !== null; });
        var base = filled.length ? filled[filled.length - 1] : start;
        if (base !== null) { time.value = clock(base + 10); }
      });
    });
  });
});
