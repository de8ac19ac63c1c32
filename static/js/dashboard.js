// Draws each figure's chart from the JSON beside it: Vazirmatn, Persian digits, right to
// left. The table beside the chart holds the same figures for those who would rather read.
(function () {
  "use strict";
  if (typeof Chart === "undefined") { return; }
  var palette = ["#0b6e4f", "#e07a1f", "#3d5a80", "#b42318", "#7b5ea7", "#52606d"];
  var digits = new Intl.NumberFormat("fa-IR", { maximumFractionDigits: 1 });
  Chart.defaults.font.family = "Vazirmatn, Tahoma, sans-serif";
  Chart.defaults.locale = "fa-IR";
  Chart.defaults.maintainAspectRatio = false;
  var charts = [];
  document.querySelectorAll("canvas[data-chart]").forEach(function (canvas) {
    var source = document.getElementById(canvas.dataset.chart);
    if (!source) { return; }
    var config = JSON.parse(source.textContent);
    config.data.datasets.forEach(function (dataset, i) {
      dataset.backgroundColor = palette[i % palette.length];
      dataset.borderColor = palette[i % palette.length];
    });
    config.options = config.options || {};
    config.options.animation = false;
    config.options.plugins = {
      legend: { rtl: true, position: "bottom", labels: { font: { family: Chart.defaults.font.family } } },
      tooltip: {
        rtl: true,
        callbacks: { label: function (c) { return c.dataset.label + ": " + digits.format(c.parsed.y); } }
      }
    };
    config.options.scales = config.options.scales || {};
    config.options.scales.x = Object.assign({ reverse: true }, config.options.scales.x);
    config.options.scales.y = Object.assign({ position: "right" }, config.options.scales.y);
    config.options.scales.y.ticks = { callback: function (v) { return digits.format(v); } };
    var chart = new Chart(canvas, config);
    canvas.dataset.rendered = "1";
    charts.push(chart);
  });
  // Redraw at the paper's width so that a printed chart fits the page.
  window.addEventListener("beforeprint", function () { charts.forEach(function (c) { c.resize(); }); });
  window.addEventListener("afterprint", function () { charts.forEach(function (c) { c.resize(); }); });
})();
