/* Comment threads: a click on a suggested member completes the "@name" being typed. No inline scripts (CSP). */
(function () {
  "use strict";
  if (window.stagegateComments) { return; }  // one listener, however many threads the page holds
  window.stagegateComments = true;

  document.addEventListener("click", function (event) {
    var choice = event.target.closest ? event.target.closest("[data-mention]") : null;
    if (!choice) { return; }
    var form = choice.closest("form");
    var input = form && form.querySelector("[data-mention-input]");
    if (!input) { return; }
    input.value = input.value.replace(/@[\w.@+-]*$/, "@" + choice.getAttribute("data-mention") + " ");
    var list = form.querySelector("[data-mention-list]");
    if (list) { list.innerHTML = ""; }
    input.focus();
  });
})();
