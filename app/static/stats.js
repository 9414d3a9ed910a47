// The statistics pages: draw each chart container (.chart[data-chart]) from the options the
// server embedded as JSON (#chart-options), with ECharts' SVG renderer so that charts print
// sharp; redraw at the paper's size before printing. Picking a date selects "from – to".
(function () {
  "use strict";
  var data = document.getElementById("chart-options");
  var charts = [];
  if (data && window.echarts) {
    var options = JSON.parse(data.textContent);
    document.querySelectorAll(".chart[data-chart]").forEach(function (box) {
      var option = options[box.dataset.chart];
      if (!option) return;
      if (option.height_px) box.style.height = option.height_px + "px";
      delete option.height_px;
      option.animation = false;
      var chart = echarts.init(box, null, { renderer: "svg" });
      chart.setOption(option);
      charts.push(chart);
    });
  }
  function resize() { charts.forEach(function (chart) { chart.resize(); }); }
  window.addEventListener("resize", resize);
  window.addEventListener("beforeprint", resize);
  window.addEventListener("afterprint", resize);
  var form = document.getElementById("stats-filters");
  if (form) {
    form.querySelectorAll("input[type=date]").forEach(function (input) {
      input.addEventListener("change", function () { form.elements.period.value = "custom"; });
    });
  }
})();
(function () {
  "use strict";
  var button = document.getElementById("print");
  if (button) button.addEventListener("click", function () { window.print(); });
})();
