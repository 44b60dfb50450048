// Draws every [data-chart] element from its JSON figure, the text of the hidden element #chart-<id>-figure.
// No inline scripts: the CSP allows only our own files. A point whose customdata is a same-site URL
// (or an array starting with one) opens it on click: that is how charts drill down to their projects.
(function () {
  "use strict";

  function drillUrl(point) {
    var data = point && point.customdata;
    if (Array.isArray(data)) { data = data[0]; }
    return typeof data === "string" && data.charAt(0) === "/" ? data : null;
  }

  function draw(el) {
    if (el.dataset.drawn === "1" || typeof Plotly === "undefined") { return; }
    var source = document.getElementById("chart-" + el.dataset.chart + "-figure");
    if (!source) { return; }
    var figure = JSON.parse(source.textContent);
    var config = {
      responsive: true,
      displaylogo: false,
      toImageButtonOptions: { format: "png", filename: el.dataset.chart },
    };
    Plotly.newPlot(el, figure.data || [], figure.layout || {}, config).then(function () {
      el.dataset.drawn = "1";
      el.on("plotly_click", function (event) {
        var url = drillUrl(event.points && event.points[0]);
        if (url) { window.location.assign(url); }
      });
    });
  }

  function drawAll(root) {
    (root || document).querySelectorAll("[data-chart]").forEach(draw);
  }

  document.addEventListener("DOMContentLoaded", function () { drawAll(document); });
  document.addEventListener("htmx:afterSettle", function (event) { drawAll(event.target); });
})();
