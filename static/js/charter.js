/* Charter edit and gate decision forms. Loaded as a static file: the CSP forbids inline scripts. */
(function () {
  "use strict";

  // A row fragment from charter-row-new was appended to a section's <tbody data-formset-rows>:
  // the formset now holds one more form, so TOTAL_FORMS follows the number of rows on the page
  // (rows marked for removal stay in the page and in the count; the server drops them).
  document.addEventListener("htmx:afterSwap", function (event) {
    var body = event.detail.target;
    var section = body && body.getAttribute && body.getAttribute("data-formset-rows");
    if (!section) { return; }
    var total = document.getElementById("id_" + section + "-TOTAL_FORMS");
    var rows = body.querySelectorAll("tr[data-formset-row]");
    if (total) { total.value = String(rows.length); }
    var last = rows[rows.length - 1];
    var first = last && last.querySelector("input:not([type=checkbox]), textarea, select");
    if (first) { first.focus(); }
  });

  // Gate decision form: a blank condition / rework row cloned from its <template>, numbered
  // with the formset's TOTAL_FORMS (Django's "__prefix__" placeholder is replaced).
  document.addEventListener("click", function (event) {
    var button = event.target.closest && event.target.closest("[data-formset-add]");
    if (!button) { return; }
    var prefix = button.getAttribute("data-formset-add");
    var template = document.getElementById("empty-" + prefix);
    var body = document.getElementById("rows-" + prefix);
    var total = document.getElementById("id_" + prefix + "-TOTAL_FORMS");
    if (!template || !body || !total) { return; }
    event.preventDefault();
    var index = parseInt(total.value, 10) || 0;
    body.insertAdjacentHTML("beforeend", template.innerHTML.replace(/__prefix__/g, String(index)));
    total.value = String(index + 1);
  });

  // Gate decision form: show the parts that belong to the chosen decision only
  // (<... data-show-for="conditional_go recycle">). Without JavaScript everything stays visible.
  function showForDecision(form) {
    var checked = form.querySelector("input[name=decision]:checked");
    var decision = checked ? checked.value : "";
    form.querySelectorAll("[data-show-for]").forEach(function (part) {
      var wanted = part.getAttribute("data-show-for").split(" ");
      part.hidden = wanted.indexOf(decision) === -1;
    });
  }
  document.addEventListener("change", function (event) {
    if (event.target.matches && event.target.matches("input[name=decision]") && event.target.form) {
      showForDecision(event.target.form);
    }
  });
  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("form[data-decision-form]").forEach(showForDecision);
  });
})();
