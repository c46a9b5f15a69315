// Upload progress of the MS Project import form (htmx's xhr progress events).
(function () {
  "use strict";
  function byId(id) { return document.getElementById(id); }
  document.addEventListener("htmx:beforeRequest", function (evt) {
    if (!evt.target || evt.target.id !== "import-form") { return; }
    var box = byId("import-status");
    if (box) { box.hidden = false; }
    var p = byId("import-progress");
    if (p) { p.removeAttribute("value"); }
  });
  document.addEventListener("htmx:xhr:progress", function (evt) {
    var d = evt.detail;
    var p = byId("import-progress");
    var label = byId("import-progress-label");
    if (!p || !d || !d.lengthComputable || !d.total) { return; }
    p.max = d.total;
    p.value = d.loaded;
    if (label) {
      label.textContent = d.loaded >= d.total
        ? "Importing… (reading, mapping and writing the plan)"
        : "Uploading " + Math.round(100 * d.loaded / d.total) + " %";
    }
    if (d.loaded >= d.total) { p.removeAttribute("value"); }
  });
  document.addEventListener("htmx:afterRequest", function (evt) {
    if (!evt.target || evt.target.id !== "import-form") { return; }
    var box = byId("import-status");
    if (box && !evt.detail.successful) { box.hidden = true; }
  });
})();
