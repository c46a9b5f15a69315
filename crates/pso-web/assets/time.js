// The week grid (/time): keyboard moves between cells, durations read as the server reads
// them (pso_domain::duration::parse_duration), live totals, and the findings of the site's
// rules (the htmx answer of …/check) shown on the cells they concern.
(function () {
  "use strict";
  // Minutes of a typed duration: 7.5, 7,5, 7:30, 7h30, 7h, 7h30m, 450m; 0 for empty; null
  // when it is not a duration or more than 24 hours.
  function parseDuration(s) {
    var t = String(s).toLowerCase().replace(/\s+/g, "");
    if (t === "") { return 0; }
    var m, minutes;
    if ((m = /^(\d{1,4})m$/.exec(t))) {
      minutes = parseInt(m[1], 10);
    } else if ((m = /^(\d{1,4})h(?:(\d{1,2})m?)?$/.exec(t))) {
      var mm = m[2] ? parseInt(m[2], 10) : 0;
      if (mm >= 60) { return null; }
      minutes = parseInt(m[1], 10) * 60 + mm;
    } else if ((m = /^(\d{1,4}):(\d{2})$/.exec(t))) {
      if (parseInt(m[2], 10) >= 60) { return null; }
      minutes = parseInt(m[1], 10) * 60 + parseInt(m[2], 10);
    } else if ((m = /^(\d{0,4})(?:[.,](\d{1,2}))?$/.exec(t)) && (m[1] !== "" || m[2])) {
      var whole = m[1] ? parseInt(m[1], 10) : 0;
      var frac = m[2] || "";
      var hundredths = frac.length === 0 ? 0 : frac.length === 1 ? parseInt(frac, 10) * 10 : parseInt(frac, 10);
      minutes = whole * 60 + Math.floor((hundredths * 60 + 50) / 100);
    } else {
      return null;
    }
    return minutes > 1440 ? null : minutes;
  }
  function hm(x) {
    var h = Math.floor(x / 60), m = x % 60;
    return h + ":" + (m < 10 ? "0" : "") + m;
  }
  function grid() { return document.getElementById("grid"); }
  function cellAt(r, c) {
    var g = grid();
    return g && g.querySelector("input.cell-input[data-r='" + r + "'][data-c='" + c + "']");
  }
  function move(input, dr, dc) {
    var r = parseInt(input.getAttribute("data-r"), 10) + dr;
    var c = parseInt(input.getAttribute("data-c"), 10) + dc;
    var next = cellAt(r, c);
    if (next) { next.focus(); next.select(); return true; }
    return false;
  }
  function totals() {
    var g = grid();
    if (!g) { return; }
    var days = [0, 0, 0, 0, 0, 0, 0], week = 0;
    g.querySelectorAll("tbody tr").forEach(function (tr) {
      var row = 0;
      tr.querySelectorAll("input.cell-input").forEach(function (inp) {
        var v = parseDuration(inp.value);
        var td = inp.parentNode;
        td.classList.toggle("cell-bad", v === null);
        if (v === null) { v = 0; }
        row += v;
        days[parseInt(inp.getAttribute("data-c"), 10)] += v;
      });
      week += row;
      var t = tr.querySelector(".row-total");
      if (t) { t.textContent = row ? hm(row) : ""; }
    });
    g.querySelectorAll("tfoot td.day-total").forEach(function (td) {
      var s = td.querySelector(".day-sum");
      if (s) { s.textContent = hm(days[parseInt(td.getAttribute("data-c"), 10)]); }
    });
    var w = document.getElementById("week-total");
    if (w) { w.textContent = hm(week); }
  }
  // Shows the findings list's items on their cells (or day totals).
  function mark() {
    var g = grid(), box = document.getElementById("grid-findings");
    if (!g || !box) { return; }
    g.querySelectorAll(".cell-notes").forEach(function (n) { n.textContent = ""; });
    g.querySelectorAll(".cell-warn, .cell-error").forEach(function (td) {
      td.classList.remove("cell-warn", "cell-error");
    });
    box.querySelectorAll("li[data-kind]").forEach(function (li) {
      var task = li.getAttribute("data-task"), date = li.getAttribute("data-date");
      var kind = li.getAttribute("data-kind");
      var target = null;
      var sel = task ? "tbody td.cell" : "tfoot td.day-total";
      g.querySelectorAll(sel).forEach(function (td) {
        if (td.getAttribute("data-date") === date && (!task || td.getAttribute("data-task") === task)) {
          target = td;
        }
      });
      if (!target) { return; }
      target.classList.add(kind === "error" ? "cell-error" : "cell-warn");
      var notes = target.querySelector(".cell-notes");
      if (notes) {
        var span = document.createElement("span");
        span.className = "cell-note note-" + kind;
        span.textContent = li.textContent.replace(/^[^:]*:\s*/, "");
        notes.appendChild(span);
      }
    });
  }
  document.addEventListener("keydown", function (evt) {
    var t = evt.target;
    if (!t || !t.classList || !t.classList.contains("cell-input")) { return; }
    var atStart = t.selectionStart === 0 && t.selectionEnd === 0;
    var atEnd = t.selectionStart === t.value.length && t.selectionEnd === t.value.length;
    var all = t.selectionStart === 0 && t.selectionEnd === t.value.length;
    var moved = false;
    switch (evt.key) {
      case "ArrowUp": moved = move(t, -1, 0); break;
      case "ArrowDown": moved = move(t, 1, 0); break;
      case "ArrowLeft": if (atStart || all) { moved = move(t, 0, -1); } break;
      case "ArrowRight": if (atEnd || all) { moved = move(t, 0, 1); } break;
      default: return;
    }
    if (moved) { evt.preventDefault(); }
  });
  document.addEventListener("focusin", function (evt) {
    var t = evt.target;
    if (t && t.classList && t.classList.contains("cell-input") && !t.readOnly) { t.select(); }
  });
  var dirty = false;
  document.addEventListener("input", function (evt) {
    var t = evt.target;
    if (t && t.classList && t.classList.contains("cell-input")) { dirty = true; totals(); }
  });
  // Submitting sends the saved sheet: say so when the grid has changes not saved yet.
  document.addEventListener("submit", function (evt) {
    var form = evt.target;
    if (form && form.id === "grid-form") { dirty = false; return; }
    if (form && form.id === "submit-form" && dirty &&
        !window.confirm("Your latest changes are not saved. Submit the sheet as last saved?")) {
      evt.preventDefault();
    }
  });
  document.addEventListener("htmx:afterSettle", function (evt) {
    var el = evt.detail && evt.detail.elt;
    if (el && (el.id === "grid-findings" || el.id === "grid-check")) { mark(); }
  });
  // For the browser test that holds this rule against the server's.
  window.PSO = window.PSO || {};
  window.PSO.parseDuration = parseDuration;
  document.addEventListener("DOMContentLoaded", totals);
  if (document.readyState !== "loading") { totals(); }
})();
