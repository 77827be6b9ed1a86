// charts.js draws each table[data-chart] of a dashboard as an Apache ECharts
// chart above it. The table stays: it holds the same numbers and is what
// screen readers and pages without JavaScript read, so the chart is hidden
// from assistive technology. The first column labels the categories (Jalali
// months, agencies, provinces), each other column is a series, and each
// cell's data-v is its number ("" for an undefined share: a gap).
//
// The content security policy allows no inline script or style: this file
// is served from /static, the chart is drawn on a canvas (whose styles
// ECharts sets through the DOM, which the policy allows), and tooltips are
// drawn on the canvas too (richText), never as HTML.
(function () {
  'use strict';
  if (typeof window.echarts === 'undefined') {
    return; // the library is not installed (`make assets`): the tables remain
  }
  var root = document.documentElement;
  var rtl = root.dir === 'rtl';
  var locale = root.lang === 'fa' ? 'fa-IR' : 'en-US';
  var percent = root.lang === 'fa' ? '٪' : '%';
  var font = 'Vazirmatn, Tahoma, "Noto Sans Arabic", sans-serif';
  var palette = ['#1d70b8', '#00703c', '#d4351c', '#6f72af', '#b58840'];

  // fmt writes a number in the page's digits (Persian on Persian pages).
  function fmt(v, unit) {
    if (v === null || v === undefined || isNaN(v)) {
      return '—';
    }
    var s = Number(v).toLocaleString(locale, {maximumFractionDigits: 1});
    return unit === 'pct' ? s + percent : s;
  }

  function text(cell) {
    return (cell.textContent || '').replace(/\s+/g, ' ').trim();
  }

  // read returns the categories and series of a table, or null when it
  // holds no numbers.
  function read(table) {
    var head = table.tHead && table.tHead.rows[0];
    if (!head || !table.tBodies.length) {
      return null;
    }
    var series = [];
    for (var i = 1; i < head.cells.length; i++) {
      series.push({name: text(head.cells[i]), data: []});
    }
    var labels = [];
    var rows = table.tBodies[0].rows;
    for (var r = 0; r < rows.length; r++) {
      var cells = rows[r].cells;
      if (cells.length !== series.length + 1) {
        continue; // the "no figures" row
      }
      labels.push(text(cells[0]));
      for (var c = 1; c < cells.length; c++) {
        var raw = cells[c].getAttribute('data-v');
        series[c - 1].data.push(raw === null || raw === '' ? null : Number(raw));
      }
    }
    return labels.length ? {labels: labels, series: series} : null;
  }

  function draw(table) {
    var data = read(table);
    if (!data) {
      return null;
    }
    var kind = table.getAttribute('data-chart');
    var unit = table.getAttribute('data-unit');
    var bar = kind === 'bar';
    var box = document.createElement('div');
    box.className = 'chart__canvas' + (bar ? ' chart__canvas--bar' : '');
    box.setAttribute('aria-hidden', 'true');
    box.setAttribute('data-chart-of', table.id);
    if (bar) {
      // One band per row, so that long names stay readable on a phone.
      box.style.height = Math.max(240, data.labels.length * data.series.length * 14 + 120) + 'px';
    }
    var figure = table.closest('figure') || table.parentNode;
    figure.insertBefore(box, figure.firstChild);

    var values = {
      type: 'value',
      position: bar ? undefined : (rtl ? 'right' : 'left'),
      inverse: bar && rtl,
      max: unit === 'pct' ? 100 : undefined,
      minInterval: unit === 'pct' ? undefined : 1, // counts and hours are whole
      axisLabel: {formatter: function (v) { return fmt(v, unit); }, fontFamily: font}
    };
    var categories = {
      type: 'category',
      data: data.labels,
      inverse: !bar && rtl, // time runs from right to left on a Persian page
      position: bar ? (rtl ? 'right' : 'left') : undefined,
      axisLabel: {fontFamily: font, hideOverlap: true, width: bar ? 140 : undefined, overflow: bar ? 'truncate' : undefined}
    };
    var chart = window.echarts.init(box, null, {renderer: 'canvas'});
    chart.setOption({
      animation: false,
      color: palette,
      textStyle: {fontFamily: font},
      legend: {top: 0, type: 'scroll', left: rtl ? undefined : 0, right: rtl ? 0 : undefined, textStyle: {fontFamily: font}},
      grid: {top: 48, bottom: 8, left: 8, right: 8, containLabel: true},
      tooltip: {
        trigger: 'axis',
        renderMode: 'richText',
        textStyle: {fontFamily: font},
        formatter: function (items) {
          var lines = [items.length ? items[0].name : ''];
          for (var i = 0; i < items.length; i++) {
            lines.push(items[i].seriesName + ': ' + fmt(items[i].value, unit));
          }
          return lines.join('\n');
        }
      },
      xAxis: bar ? values : categories,
      yAxis: bar ? categories : values,
      series: data.series.map(function (s) {
        return {name: s.name, type: bar ? 'bar' : 'line', data: s.data, connectNulls: false, symbolSize: 6};
      })
    });
    return chart;
  }

  var charts = [];
  var tables = document.querySelectorAll('table[data-chart]');
  for (var i = 0; i < tables.length; i++) {
    var c = draw(tables[i]);
    if (c) {
      charts.push(c);
    }
  }
  var pending = 0;
  window.addEventListener('resize', function () {
    window.clearTimeout(pending);
    pending = window.setTimeout(function () {
      for (var j = 0; j < charts.length; j++) {
        charts[j].resize();
      }
    }, 150);
  });
}());
