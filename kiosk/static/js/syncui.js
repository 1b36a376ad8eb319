/* The kiosk's enrolment keypad: letters and digits of the township's code, no keyboard needed. */
htmx.onLoad(function (root) {
  root.querySelectorAll("[data-enrol-keypad]").forEach(function (form) {
    var input = form.querySelector("input[name=code]");
    form.querySelectorAll("[data-enrol-key]").forEach(function (key) {
      key.addEventListener("click", function () {
        var raw = input.value.replace(/[^A-Z0-9]/gi, "").toUpperCase();
        raw = key.dataset.enrolKey === "back" ? raw.slice(0, -1) : (raw + key.dataset.enrolKey).slice(0, 10);
        input.value = raw.length > 5 ? raw.slice(0, 5) + "-" + raw.slice(5) : raw;
      });
    });
  });
});
