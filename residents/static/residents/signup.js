// Sign-up pages: small enhancements; every page works without them (the server refuses a
// new code asked for too soon, with the wait).
(function () {
  "use strict";

  // The error summary: focus it so that it is read first; its links move the focus to the field.
  var summary = document.querySelector("[data-error-summary]");
  if (summary) {
    summary.focus();
    summary.addEventListener("click", function (event) {
      var link = event.target.closest("a[href^='#']");
      if (!link) return;
      var field = document.getElementById(link.getAttribute("href").slice(1));
      if (!field) return;
      event.preventDefault();
      var label = document.querySelector("label[for='" + field.id + "']");
      (label || field).scrollIntoView({ block: "center" });
      field.focus({ preventScroll: true });
    });
  }

  // "Send a new code": counts down the seconds until the server sends another.
  var button = document.getElementById("resend-button");
  if (button) {
    var left = parseInt(button.getAttribute("data-wait"), 10) || 0;
    var note = document.querySelector("[data-resend-wait]");
    var tick = function () {
      if (left <= 0) {
        button.disabled = false;
        button.textContent = button.getAttribute("data-label");
        if (note) note.hidden = true;
        return;
      }
      button.disabled = true;
      button.textContent = button.getAttribute("data-countdown").replace("SECONDS", String(left));
      left -= 1;
      window.setTimeout(tick, 1000);
    };
    if (note) note.hidden = true; // the button shows the seconds itself
    tick();
  }
})();
