/* Draw the insight charts with Apache ECharts (served from our own static files) from the JSON the page
   embeds as #insights-charts; redrawn after every HTMX swap of the results. */
(function () {
  "use strict";
  var palette = ["#b3261e", "#0b57d0", "#1e7b34", "#9a6700", "#6f42c1", "#0f766e", "#c2410c", "#5b6670"];

  function bars(d, horizontal) {
    var cat = { type: "category", data: d.labels, axisLabel: { interval: 0, width: 90, overflow: "truncate" } };
    var val = { type: "value" };
    return {
      color: palette, tooltip: { trigger: "axis" }, grid: { left: horizontal ? 110 : 40, right: 16, top: 16, bottom: horizontal ? 24 : 60 },
      xAxis: horizontal ? val : Object.assign(cat, { axisLabel: { rotate: 30, interval: 0 } }),
      yAxis: horizontal ? Object.assign(cat, { inverse: true }) : val,
      series: [{ type: "bar", name: d.label, data: d.values }]
    };
  }

  var builders = {
    series: function (d) {
      return {
        color: palette, tooltip: { trigger: "axis" }, legend: { top: 0, type: "scroll" },
        grid: { left: 40, right: 16, top: 40, bottom: 30 },
        xAxis: { type: "category", data: d.months }, yAxis: { type: "value" },
        series: d.states.map(function (s) { return { type: "bar", stack: "state", name: s.name, data: s.data }; })
      };
    },
    categories: function (d) { return bars(d, true); },
    areas: function (d) { return bars(d, false); },
    accepted: function (d) { return bars(d, true); },
    praise: function (d) {
      var o = bars(d, true);
      o.xAxis.min = 1; o.xAxis.max = 5;
      return o;
    }
  };

  function draw() {
    var holder = document.getElementById("insights-charts");
    if (!holder || !window.echarts) { return; }
    var data = JSON.parse(holder.textContent);
    document.querySelectorAll("[data-chart]").forEach(function (el) {
      var name = el.getAttribute("data-chart");
      var old = window.echarts.getInstanceByDom(el);
      if (old) { old.dispose(); }
      if (!data[name] || !builders[name]) { el.hidden = true; return; }
      var chart = window.echarts.init(el, null, { renderer: "canvas" });
      chart.setOption(builders[name](data[name]));
    });
  }

  document.addEventListener("DOMContentLoaded", draw);
  document.addEventListener("htmx:afterSettle", draw);
  window.addEventListener("resize", function () {
    document.querySelectorAll("[data-chart]").forEach(function (el) {
      var chart = window.echarts && window.echarts.getInstanceByDom(el);
      if (chart) { chart.resize(); }
    });
  });
})();
