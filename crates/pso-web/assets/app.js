// PSO pages: small helpers on top of htmx. No inline scripts (CSP: script-src 'self').
(function () {
  "use strict";
  function flash(text) {
    var el = document.getElementById("flash");
    if (!el) { return; }
    el.textContent = text;
    el.hidden = false;
    window.clearTimeout(flash.timer);
    flash.timer = window.setTimeout(function () { el.hidden = true; }, 8000);
  }
  document.addEventListener("htmx:responseError", function (evt) {
    var xhr = evt.detail.xhr;
    var text = (xhr && xhr.responseText) || "";
    try {
      var problem = JSON.parse(text);
      if (problem && problem.detail) { text = problem.detail; }
    } catch (e) { /* plain text */ }
    if (!text || text.length > 300) { text = "That did not work (" + (xhr ? xhr.status : "?") + ")."; }
    flash(text);
  });
  document.addEventListener("htmx:sendError", function () {
    flash("The server cannot be reached. Check your connection and try again.");
  });
  // Plain forms (without htmx) ask before destructive actions: <form data-confirm="...">.
  document.addEventListener("submit", function (evt) {
    var form = evt.target;
    var msg = form && form.getAttribute && form.getAttribute("data-confirm");
    if (msg && !window.confirm(msg)) { evt.preventDefault(); }
  });
  document.addEventListener("click", function (evt) {
    var t = evt.target;
    if (t && t.id === "flash") { t.hidden = true; }
  });
})();
