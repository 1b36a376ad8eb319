/* The page a kiosk's photo QR opens on a phone (templates/photos/take.html): often WeChat's built-in
   browser, so no service worker and nothing kept. The photo is shrunk here before it is sent
   (js/photo_shrink.js, as the phone app does); the township answers with the next page, shown in
   place. Without this script the form posts the camera's file as it is, and the township shrinks it. */
(function () {
  "use strict";

  function showAnswer(html) {
    // the township's page for the outcome (sent, refused, expired): its main part, in place of ours
    const answer = new DOMParser().parseFromString(html, "text/html").querySelector("[data-photo-main]");
    const main = document.querySelector("[data-photo-main]");
    if (answer && main) {
      main.replaceWith(answer);
      setUp();
    }
  }

  function setUp() {
    const form = document.querySelector("[data-photo-form]");
    if (!form) return;
    const input = form.querySelector("[data-photo-input]");
    const preview = form.querySelector("[data-photo-preview]");
    const status = form.querySelector("[data-photo-status]");
    const send = form.querySelector("[data-photo-send]");
    let shrunk = null;

    input.addEventListener("change", async () => {
      shrunk = null;
      status.textContent = "";
      const file = input.files[0];
      if (!file) return;
      try {
        shrunk = await window.shrinkPhoto(file);
      } catch (e) {
        // a format this browser cannot draw: the township may still read it, if it is not too big
        shrunk = file.size <= Number(form.dataset.maxBytes) ? file : null;
        if (!shrunk) status.textContent = form.dataset.unreadable;
      }
      if (shrunk) {
        if (preview.src) URL.revokeObjectURL(preview.src);
        preview.src = URL.createObjectURL(shrunk);
        preview.hidden = false;
      }
    });

    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      if (!shrunk) {
        status.textContent = form.dataset.unreadable;
        return;
      }
      const body = new FormData();
      body.append("photo", shrunk, "photo.jpg");
      send.disabled = true;
      status.textContent = form.dataset.sending;
      try {
        const response = await fetch(form.action, { method: "POST", body: body, credentials: "same-origin" });
        if (response.redirected && response.ok) {
          location.replace(response.url);
          return;
        }
        showAnswer(await response.text());
      } catch (e) {
        status.textContent = form.dataset.failed;
        send.disabled = false;
      }
    });
  }

  document.addEventListener("DOMContentLoaded", setUp);
})();
