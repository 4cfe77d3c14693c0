// The dashboard's charts, drawn with the vendored Chart.js from the figures the page embeds
// as JSON (the page's CSP allows no inline script).
"use strict";
(function () {
  function start() {
    var block = document.getElementById("figures-data");
    if (!block || typeof Chart === "undefined") { return; }
    var f = JSON.parse(block.textContent);
    var rates = ["correction_rate", "override_rate", "rejection_rate", "escalation_rate", "audit_miss_rate"];
    bar("chart-rates", rates, rates.map(function (k) { return f[k]; }), "share");
    var rules = Object.keys(f.flag_rate_by_rule);
    bar("chart-flags", rules, rules.map(function (k) { return f.flag_rate_by_rule[k]; }), "share of interactions");
    var reviewers = Object.keys(f.throughput);
    bar("chart-throughput", reviewers, reviewers.map(function (k) { return f.throughput[k]; }), "decisions");
    var weeks = Object.keys(f.reasons_by_week);
    var codes = {};
    weeks.forEach(function (w) { Object.keys(f.reasons_by_week[w]).forEach(function (c) { codes[c] = true; }); });
    var datasets = Object.keys(codes).sort().map(function (code) {
      return { label: code, data: weeks.map(function (w) { return f.reasons_by_week[w][code] || 0; }) };
    });
    chart("chart-reasons", { type: "bar", data: { labels: weeks, datasets: datasets },
      options: { animation: false, scales: { x: { stacked: true }, y: { stacked: true, beginAtZero: true } } } });
    document.body.dataset.chartsReady = "true";
  }
  function bar(id, labels, values, label) {
    chart(id, { type: "bar", data: { labels: labels, datasets: [{ label: label, data: values }] },
      options: { animation: false, scales: { y: { beginAtZero: true } } } });
  }
  function chart(id, config) {
    var canvas = document.getElementById(id);
    if (canvas) { new Chart(canvas, config); }
  }
  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", start); } else { start(); }
})();
