// The shell's behaviour that plain HTML cannot give: the PIN pad keys, the idle return to the notice
// board, the board's rotation, the heartbeat that tells the watchdog the page is alive, print buttons
// and labels scanned with a USB scanner. Everything works without it, more slowly: forms post,
// links navigate. Content swapped in by htmx is set up with htmx.onLoad, like every feature script.
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

  // Print buttons (no inline handlers: the content security policy forbids them).
  document.addEventListener("click", function (event) {
    if (event.target.closest("[data-print]")) { window.print(); }
  });

  // Idle: whoever walked away is signed out and the screen returns to the notice board. Only a
  // person's input counts: polls, heartbeats and swaps that nobody asked for never do.
  var idleSeconds = parseInt(body.getAttribute("data-idle-seconds") || "0", 10);
  var boardUrl = body.getAttribute("data-board-url");
  var lastInput = Date.now();  // the page's load starts its idle time
  var lastTouch = 0;  // but only input is a person
  ["pointerdown", "keydown", "touchstart", "wheel", "input", "submit"].forEach(function (name) {
    document.addEventListener(name, function () { lastInput = lastTouch = Date.now(); },
                              { passive: true, capture: true });
  });
  // Tell the server too: a request that neither a person's own event nor their input of a moment
  // ago started (a poll, a panel loading itself) is passive there, so it does not restart the
  // session's idle time either.
  document.addEventListener("htmx:configRequest", function (event) {
    var cause = event.detail.triggeringEvent;
    if (!(cause && cause.isTrusted) && Date.now() - lastTouch > 1500) {
      event.detail.headers["X-Kiosk-Passive"] = "1";
    }
  });
  function onBoard() { return location.pathname === boardUrl; }
  function goIdle() {
    var signedIn = document.body.getAttribute("data-signed-in") === "1";
    if (!signedIn) { location.assign(boardUrl); return; }
    fetch(body.getAttribute("data-signout-url"), {
      method: "POST", headers: { "X-CSRFToken": csrfToken() }, credentials: "same-origin", redirect: "manual"
    }).catch(function () {}).then(function () { location.assign(boardUrl); });
  }
  if (idleSeconds > 0) {
    setInterval(function () {
      var quiet = Date.now() - lastInput;
      if (!onBoard() && quiet > idleSeconds * 1000) { goIdle(); }
      // the board shows a new warning or pact without anyone touching the screen
      else if (onBoard() && quiet > 5 * 60 * 1000) { lastInput = Date.now(); location.reload(); }
    }, 1000);
  }

  // After a boosted navigation or form post, the new page opens where it speaks to the person: the
  // first problem of a refused form, else the message of what was just saved, else its top — as a
  // page loaded without scripts does. (htmx would keep the old scroll position, and a confirmation
  // at the top of a long form's next page would stay off screen.) Polls and fragment swaps are not
  // boosted and scroll nothing.
  body.addEventListener("htmx:afterSettle", function (event) {
    if (!event.detail.boosted) { return; }
    var anchor = location.hash && document.getElementById(location.hash.slice(1));
    if (anchor) { anchor.scrollIntoView({ block: "start" }); return; }
    window.scrollTo(0, 0);
    var said = document.querySelector("#main [role=alert], #main .flash");
    if (said) { said.scrollIntoView({ block: "nearest" }); }
  });

  // Irreversible actions ask first (kiosk/confirm.py). The server answers a post not yet confirmed
  // with a dialog appended to the body; it opens over the page. "Yes" sends the person's own form
  // again with confirm=yes, the way it was sent (a clause editor's swap stays a swap); when that
  // form is gone, the dialog's form posts the same fields itself. "Cancel" closes the dialog.
  body.addEventListener("htmx:afterSwap", function (event) {
    var dialog = body.querySelector("dialog[data-ask-first]:not([open])");
    if (!dialog) { return; }
    var origin = event.detail.requestConfig && event.detail.requestConfig.elt;
    var form = origin && (origin.tagName === "FORM" ? origin : origin.closest("form"));
    function close() { if (dialog.open) { dialog.close(); } dialog.remove(); }
    dialog.addEventListener("cancel", close);
    dialog.querySelector("[data-confirm-cancel]").addEventListener("click", close);
    dialog.querySelector("[data-confirm-yes]").addEventListener("click", function (e) {
      if (!form || !body.contains(form)) { return; }
      e.preventDefault();
      var yes = document.createElement("input");
      yes.type = "hidden"; yes.name = "confirm"; yes.value = "yes";
      form.appendChild(yes);
      form.addEventListener("htmx:afterRequest", function () { yes.remove(); }, { once: true });
      close();
      form.requestSubmit();
    });
    dialog.showModal();
  });

  // Notice board: rotate the slides of whatever board was loaded (a boosted tap on the tile too).
  htmx.onLoad(function (root) {
    var boards = root.matches && root.matches(".slides") ? [root] : root.querySelectorAll(".slides");
    Array.prototype.forEach.call(boards, function (board) {
      var slides = board.querySelectorAll(".slide");
      if (slides.length < 2) { return; }
      var seconds = parseInt(board.getAttribute("data-rotate-seconds") || "12", 10);
      var i = 0;
      var timer = setInterval(function () {
        if (!document.body.contains(board)) { clearInterval(timer); return; }
        slides[i].classList.remove("is-active");
        i = (i + 1) % slides.length;
        slides[i].classList.add("is-active");
      }, seconds * 1000);
    });
  });

  // Heartbeat for the watchdog on the kiosk itself (the app answers only on loopback).
  if (body.getAttribute("data-role") === "village" && /^(127\.0\.0\.1|localhost|\[::1\])$/.test(location.hostname)) {
    var beat = function () {
      fetch(body.getAttribute("data-heartbeat-url"), { method: "POST", credentials: "same-origin" }).catch(function () {});
    };
    beat();
    setInterval(beat, 30000);
  }

  // A USB QR scanner types a label's URL and Enter, fast, wherever the focus is. Outside text
  // fields, catch it on any page; the app asks each feature whose label it is.
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
        if (/^https?:\/\/\S+\/\S+$/i.test(scanned)) {
          event.preventDefault();
          location.assign(scanUrl + "?text=" + encodeURIComponent(scanned));
        }
        scanned = "";
      } else if (event.key.length === 1) {
        scanned += event.key;
      }
    });
  }
})();
