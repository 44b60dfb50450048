/* Stagegate page behaviour. No inline scripts anywhere: the Content-Security-Policy forbids them. */
(function () {
  "use strict";

  // Forms marked data-reset-on-success are cleared after htmx saved them (e.g. "add an activity").
  document.addEventListener("htmx:afterRequest", function (event) {
    var form = event.target.closest ? event.target.closest("form[data-reset-on-success]") : null;
    if (form && event.detail.xhr && event.detail.xhr.status < 300) {
      form.reset();
      var first = form.querySelector("input[type=text]");
      if (first) { first.focus(); }
    }
  });

  // A successful htmx save clears the alerts left by an earlier refusal.
  document.addEventListener("htmx:beforeRequest", function () {
    var alerts = document.getElementById("htmx-alerts");
    if (alerts) { alerts.innerHTML = ""; }
  });

  // Plain (non-htmx) forms that change something irreversible ask first: <form data-confirm="...">.
  document.addEventListener("submit", function (event) {
    var form = event.target;
    var question = form.getAttribute && form.getAttribute("data-confirm");
    if (question && !window.confirm(question)) {
      event.preventDefault();
    }
  });

  // RACI grid: colour a cell as soon as its role changes, and count unsaved changes.
  function paintRaciCell(select) {
    var cell = select.closest("td");
    if (!cell) { return; }
    cell.setAttribute("data-role", select.value || "");
    cell.classList.toggle("sg-changed", select.value !== (select.getAttribute("data-initial") || ""));
    var form = select.form;
    var counter = form && form.querySelector("[data-raci-changes]");
    if (counter) {
      var changed = form.querySelectorAll("td.sg-changed").length;
      counter.textContent = changed ? changed + " unsaved change" + (changed === 1 ? "" : "s") : "";
    }
  }
  document.addEventListener("change", function (event) {
    if (event.target.matches && event.target.matches("select[data-raci-cell]")) {
      paintRaciCell(event.target);
    }
  });

  // Inline rename on the checklist: show the form, hide the label, and back on Escape.
  document.addEventListener("click", function (event) {
    var toggle = event.target.closest && event.target.closest("[data-rename-toggle]");
    if (!toggle) { return; }
    var row = toggle.closest("[data-activity]");
    if (!row) { return; }
    event.preventDefault();
    row.classList.toggle("sg-renaming");
    var input = row.querySelector("form[data-rename] input[name=name]");
    if (input && row.classList.contains("sg-renaming")) { input.focus(); input.select(); }
  });
  document.addEventListener("keydown", function (event) {
    if (event.key !== "Escape") { return; }
    var row = event.target.closest && event.target.closest(".sg-renaming");
    if (row) { row.classList.remove("sg-renaming"); }
  });

  function initTooltips(root) {
    if (!window.bootstrap) { return; }
    root.querySelectorAll('[data-bs-toggle="tooltip"]').forEach(function (element) {
      window.bootstrap.Tooltip.getOrCreateInstance(element);
    });
  }
  document.addEventListener("DOMContentLoaded", function () { initTooltips(document); });
  document.addEventListener("htmx:afterSwap", function (event) { initTooltips(event.target); });
})();
