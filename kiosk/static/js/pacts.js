// Fire pact: the finger signature pad and the household picker's number pad.
// Without this file the pledge page still works: a committee member confirms for the household.
// The layout loads it once on every page; pads in whatever htmx loads are set up by htmx.onLoad.
(function () {
  "use strict";
  var W = 600, H = 240, MIN_STEP = 3, MAX_POINTS = 2800;

  // ---- signature pad -------------------------------------------------------------------------
  // Strokes are kept as integer points in a fixed 600x240 box, whatever the canvas's size on
  // screen, and posted as {"v":1,"w":600,"h":240,"s":[[x,y,x,y,...],...]}.
  function setUpPad(canvas) {
    var form = canvas.closest("form");
    var input = form.querySelector("[data-signature-input]");
    var ctx = canvas.getContext("2d");
    var strokes = [], current = null, points = 0;
    document.documentElement.classList.add("js-sigpad");

    function fit() {
      var ratio = window.devicePixelRatio || 1;
      var rect = canvas.getBoundingClientRect();
      canvas.width = Math.max(1, Math.round(rect.width * ratio));
      canvas.height = Math.max(1, Math.round(rect.height * ratio));
      redraw();
    }
    function redraw() {
      ctx.setTransform(canvas.width / W, 0, 0, canvas.height / H, 0, 0);
      ctx.clearRect(0, 0, W, H);
      ctx.lineWidth = 4; ctx.lineCap = "round"; ctx.lineJoin = "round"; ctx.strokeStyle = "#111827";
      strokes.forEach(function (s) {
        ctx.beginPath();
        ctx.moveTo(s[0], s[1]);
        for (var i = 2; i < s.length; i += 2) { ctx.lineTo(s[i], s[i + 1]); }
        if (s.length === 2) { ctx.lineTo(s[0] + 0.1, s[1]); }
        ctx.stroke();
      });
    }
    function point(event) {
      var rect = canvas.getBoundingClientRect();
      var x = Math.round((event.clientX - rect.left) / rect.width * W);
      var y = Math.round((event.clientY - rect.top) / rect.height * H);
      return [Math.min(W, Math.max(0, x)), Math.min(H, Math.max(0, y))];
    }
    function save() {
      input.value = strokes.length ? JSON.stringify({ v: 1, w: W, h: H, s: strokes }) : "";
    }
    function add(p) {
      if (points >= MAX_POINTS) { return; }
      var n = current.length;
      if (n >= 2 && Math.abs(current[n - 2] - p[0]) < MIN_STEP && Math.abs(current[n - 1] - p[1]) < MIN_STEP) { return; }
      current.push(p[0], p[1]);
      points += 1;
    }
    canvas.addEventListener("pointerdown", function (event) {
      event.preventDefault();
      canvas.setPointerCapture(event.pointerId);
      current = [];
      strokes.push(current);
      add(point(event));
      redraw();
    });
    canvas.addEventListener("pointermove", function (event) {
      if (!current) { return; }
      event.preventDefault();
      var events = event.getCoalescedEvents ? event.getCoalescedEvents() : [event];
      if (!events.length) { events = [event]; }
      events.forEach(function (e) { add(point(e)); });
      redraw();
    });
    function end() {
      if (!current) { return; }
      current = null;
      save();
    }
    canvas.addEventListener("pointerup", end);
    canvas.addEventListener("pointercancel", end);
    canvas.addEventListener("lostpointercapture", end);
    var clear = form.querySelector("[data-sigpad-clear]");
    if (clear) {
      clear.addEventListener("click", function () { strokes = []; points = 0; current = null; save(); redraw(); });
    }
    window.addEventListener("resize", fit);
    fit();
  }

  // ---- number pad for the household search ---------------------------------------------------
  document.addEventListener("click", function (event) {
    var key = event.target.closest("[data-kp-key]");
    if (!key) { return; }
    var form = key.closest("[data-keypad-form]");
    var input = form && form.querySelector("input[name=q]");
    if (!input) { return; }
    var k = key.getAttribute("data-kp-key");
    if (k === "clear") { input.value = ""; }
    else if (k === "back") { input.value = input.value.slice(0, -1); }
    else if (input.value.length < 20) { input.value += k; }
    input.dispatchEvent(new Event("input", { bubbles: true }));
  });

  htmx.onLoad(function (root) {
    if (root.matches && root.matches("[data-sigpad]")) { setUpPad(root); }
    root.querySelectorAll("[data-sigpad]").forEach(setUpPad);
  });
})();
