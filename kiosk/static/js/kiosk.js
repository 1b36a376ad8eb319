// Kiosk behaviour that plain HTML cannot give: the PIN pad keys, the idle return to the notice
// board, the board's rotation and the heartbeat that tells the watchdog the page is alive.
// Everything works without it, more slowly: forms post, links navigate.
(function () {
  "use strict";
  var body = document.body;

  function csrfToken() {
    try { return JSON.parse(body.getAttribute("hx-headers"))["X-CSRFToken"]; } catch (e) { return ""; }
  }

  // PIN pad: keys type into the PIN field; the field itself still accepts a keyboard.
  document.addEventListener("click", function (event) {
    var key = event.target.closest("[data-key]");
    if (!key) { return; }
    var form = key.closest("[data-pinpad]");
    var input = form && form.querySelector("input[name=pin]");
    if (!input) { return; }
    var k = key.getAttribute("data-key");
    if (k === "clear") { input.value = ""; }
    else if (input.value.length < (input.maxLength > 0 ? input.maxLength : 8)) { input.value += k; }
    input.dispatchEvent(new Event("input", { bubbles: true }));
  });

  // Idle: whoever walked away is signed out and the screen returns to the notice board.
  var idleSeconds = parseInt(body.getAttribute("data-idle-seconds") || "0", 10);
  var boardUrl = body.getAttribute("data-board-url");
  var onBoard = location.pathname === boardUrl;
  var last = Date.now();
  ["pointerdown", "keydown", "touchstart", "input", "scroll"].forEach(function (name) {
    document.addEventListener(name, function () { last = Date.now(); }, { passive: true, capture: true });
  });
  function goIdle() {
    var signedIn = document.body.getAttribute("data-signed-in") === "1";
    if (!signedIn) { location.assign(boardUrl); return; }
    fetch(body.getAttribute("data-signout-url"), {
      method: "POST", headers: { "X-CSRFToken": csrfToken() }, credentials: "same-origin", redirect: "manual"
    }).catch(function () {}).then(function () { location.assign(boardUrl); });
  }
  if (idleSeconds > 0 && !onBoard) {
    setInterval(function () {
      if (Date.now() - last > idleSeconds * 1000) { goIdle(); }
    }, 1000);
  }

  // Notice board: rotate slides; an urgent slide stays first and longer.
  var slides = document.querySelectorAll(".slides .slide");
  if (slides.length > 1) {
    var seconds = parseInt(document.querySelector(".slides").getAttribute("data-rotate-seconds") || "12", 10);
    var i = 0;
    setInterval(function () {
      slides[i].classList.remove("is-active");
      i = (i + 1) % slides.length;
      slides[i].classList.add("is-active");
    }, seconds * 1000);
  }
  if (onBoard) {
    // a new warning or pact appears without anyone touching the screen
    setTimeout(function () { location.reload(); }, 5 * 60 * 1000);
  }

  // Heartbeat for the watchdog on the kiosk itself (the app answers only on loopback).
  if (body.getAttribute("data-role") === "village" && /^(127\.0\.0\.1|localhost|\[::1\])$/.test(location.hostname)) {
    var beat = function () {
      fetch(body.getAttribute("data-heartbeat-url"), { method: "POST", credentials: "same-origin" }).catch(function () {});
    };
    beat();
    setInterval(beat, 30000);
  }

  // A USB QR scanner types the label's URL and Enter, fast, wherever the focus is. Outside text
  // fields, catch it on any page and open that hydrant or pool.
  var scanUrl = body.getAttribute("data-scan-url");
  var scanned = "", scanAt = 0;
  if (scanUrl) {
    document.addEventListener("keydown", function (event) {
      var t = event.target;
      if (t && (t.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(t.tagName))) { return; }
      var now = Date.now();
      if (now - scanAt > 300) { scanned = ""; }  // people type slower than scanners
      scanAt = now;
      if (event.key === "Enter") {
        var m = /\/H\/([A-Za-z0-9]{4,10})$/i.exec(scanned);
        if (m) { event.preventDefault(); location.assign(scanUrl + "?code=" + encodeURIComponent(m[1])); }
        scanned = "";
      } else if (event.key.length === 1) {
        scanned += event.key;
      }
    });
  }

  // htmx swaps do not change data-signed-in; keep it current after sign-in redirects.
  document.addEventListener("htmx:afterSettle", function () { last = Date.now(); });
})();

// Print buttons (no inline handlers: the content security policy forbids them).
document.addEventListener("click", function (event) {
  if (event.target.closest("[data-print]")) { window.print(); }
});
