/* The charts page (templates/dashboard/analytics.html): each [data-chart] element is drawn with ECharts' SVG renderer
   from the JSON of the json_script element it names (evaluations/analytics.py builds it, labels translated); the
   table under each chart holds the same numbers. "Download as PNG" draws the chart once more on a canvas, off the
   page, and saves it. Tooltips are drawn in the chart (renderMode "richText"): ECharts' HTML tooltips carry style
   attributes, which the Content-Security-Policy (style-src 'self') refuses. Before printing, the tables are opened and the charts fitted to the paper. */
(function () {
  "use strict";
  if (!window.echarts) { return; }
  var PALETTE = ["#1f4e8c", "#d9822b", "#2e8b57", "#8e44ad", "#c0392b", "#7f8c8d", "#16a085", "#b7950b"];
  var TONES = { met: "#2e8b57", missed: "#c0392b", overdue: "#e67e22", upcoming: "#1f4e8c" };
  var charts = [];

  function narrow(el) { return el.clientWidth < 576; }

  function barsOption(spec, el) {
    var horizontal = spec.horizontal;
    var category = {
      type: "category", data: spec.categories,
      axisLabel: horizontal ? { width: narrow(el) ? 110 : 260, overflow: "break", fontSize: 11 } : { fontSize: 11, hideOverlap: true },
    };
    var value = { type: "value", minInterval: 1 };
    if (horizontal) { category.inverse = true; }
    // On a phone the legend wraps below the chart (a scrolling legend hides series behind its arrows).
    var legendRows = narrow(el) ? Math.ceil(spec.series.length / 2) : 0;
    return {
      color: PALETTE,
      animation: false,
      aria: { enabled: true },
      tooltip: { trigger: "axis", axisPointer: { type: "shadow" }, confine: true, renderMode: "richText" },
      legend: legendRows ? { type: "plain", bottom: 0, left: 0, right: 0, itemGap: 6, textStyle: { fontSize: 11, width: 140, overflow: "truncate" } }
                         : { type: "scroll", top: 0, textStyle: { fontSize: 11 } },
      grid: { left: 8, right: 16, top: legendRows ? 12 : 40, bottom: legendRows ? 8 + legendRows * 24 : 8, containLabel: true },
      xAxis: horizontal ? value : category,
      yAxis: horizontal ? category : value,
      series: spec.series.map(function (s) {
        var series = { type: "bar", name: s.name, data: s.data, emphasis: { focus: "series" } };
        if (spec.stacked) { series.stack = "all"; }
        if (s.tone && TONES[s.tone]) { series.itemStyle = { color: TONES[s.tone] }; }
        return series;
      }),
    };
  }

  function tilesOption(spec, el) {
    var stacked = narrow(el);
    var n = spec.maps.length;
    var option = { animation: false, aria: { enabled: true }, tooltip: { confine: true, renderMode: "richText" }, title: [], grid: [],
                   xAxis: [], yAxis: [], visualMap: [], series: [] };
    spec.maps.forEach(function (map, i) {
      var max = Math.max.apply(null, map.tiles.map(function (t) { return t.value; }).concat([1]));
      var box = stacked ? { left: "2%", width: "96%", top: (i * 100 / n + 5) + "%", height: (100 / n - 8) + "%" }
                        : { left: (i * 100 / n + 1) + "%", width: (100 / n - 2) + "%", top: "10%", height: "86%" };
      option.title.push({ text: map.name, left: box.left, top: stacked ? (i * 100 / n) + "%" : 0,
                          textStyle: { fontSize: 13 } });
      option.grid.push(box);
      option.xAxis.push({ type: "category", gridIndex: i, data: range(spec.columns), show: false });
      option.yAxis.push({ type: "category", gridIndex: i, data: range(spec.rows), inverse: true, show: false });
      option.visualMap.push({ seriesIndex: i, min: 0, max: max, show: false,
                              inRange: { color: ["#eef3fa", "#1f4e8c"] } });
      option.series.push({
        type: "heatmap", name: map.name, xAxisIndex: i, yAxisIndex: i,
        data: map.tiles.map(function (t) { return { value: [t.column, t.row, t.value], name: t.name, short: t.short }; }),
        itemStyle: { borderColor: "#fff", borderWidth: 2 },
        label: { show: true, fontSize: stacked ? 10 : 11, formatter: function (p) { return p.data.short + "\n" + p.data.value[2]; } },
        tooltip: { formatter: function (p) { return p.data.name + ": " + p.data.value[2]; } },
      });
    });
    return option;
  }

  function range(n) { var out = []; for (var i = 0; i < n; i += 1) { out.push(i); } return out; }

  function height(spec, el) {
    if (spec.kind === "tiles") { return narrow(el) ? el.clientWidth * 2 + 40 : Math.round(el.clientWidth / 2) + 30; }
    var legend = narrow(el) ? Math.ceil(spec.series.length / 2) * 24 : 0;
    if (spec.horizontal) {
      var row = narrow(el) ? (spec.stacked ? 34 : 62) : (spec.stacked ? 30 : 44);
      return Math.max(240, spec.categories.length * row + 70 + legend);
    }
    return 320 + legend;
  }

  function optionFor(spec, el) { return spec.kind === "tiles" ? tilesOption(spec, el) : barsOption(spec, el); }

  function draw(el) {
    var spec = JSON.parse(document.getElementById(el.getAttribute("data-chart")).textContent);
    el.style.height = height(spec, el) + "px";
    var chart = window.echarts.init(el, null, { renderer: "svg" });
    chart.setOption(optionFor(spec, el));
    charts.push({ el: el, spec: spec, chart: chart, narrow: narrow(el) });
    var button = document.querySelector('[data-chart-png="' + el.id.replace(/-drawing$/, "") + '"]');
    if (button) {
      button.hidden = false;
      button.addEventListener("click", function () { savePng(spec, el, button.getAttribute("data-filename")); });
    }
  }

  function savePng(spec, el, filename) {
    var box = document.createElement("div");
    box.style.position = "absolute";
    box.style.left = "-10000px";
    box.style.width = el.clientWidth + "px";
    box.style.height = el.clientHeight + "px";
    document.body.appendChild(box);
    var copy = window.echarts.init(box, null, { renderer: "canvas" });
    var option = optionFor(spec, el);
    option.title = [].concat(option.title || []);
    copy.setOption(option);
    var link = document.createElement("a");
    link.href = copy.getDataURL({ type: "png", pixelRatio: 2, backgroundColor: "#fff" });
    link.download = filename;
    document.body.appendChild(link);
    link.click();
    link.remove();
    copy.dispose();
    box.remove();
  }

  function resize() {
    charts.forEach(function (c) {
      c.el.style.height = height(c.spec, c.el) + "px";
      if (c.narrow !== narrow(c.el)) { c.narrow = narrow(c.el); c.chart.setOption(optionFor(c.spec, c.el), true); }
      c.chart.resize();
    });
  }

  var opened = [];
  window.addEventListener("beforeprint", function () {
    document.querySelectorAll("details.portal-chart-table:not([open])").forEach(function (d) { d.open = true; opened.push(d); });
    resize();
  });
  window.addEventListener("afterprint", function () {
    opened.forEach(function (d) { d.open = false; });
    opened = [];
    resize();
  });

  document.querySelectorAll("[data-chart]").forEach(draw);
  // Redrawn as soon as a drawing's box changes width (a window turned or resized), before the next paint.
  var widths = new WeakMap();
  var observer = new ResizeObserver(function (entries) {
    if (entries.some(function (e) { return widths.get(e.target) !== e.contentRect.width; })) {
      entries.forEach(function (e) { widths.set(e.target, e.contentRect.width); });
      resize();
    }
  });
  charts.forEach(function (c) { widths.set(c.el, c.el.clientWidth); observer.observe(c.el); });
}());
