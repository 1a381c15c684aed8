// Draws the dashboard's and the client page's charts from the numbers rendered by json_script.
// The same numbers are in tables next to each chart, for those who prefer reading. The
// series names come from each canvas's data-label-* attributes, translated by the template.
(function () {
  "use strict";

  function readData(id) {
    var element = document.getElementById(id);
    return element ? JSON.parse(element.textContent) : null;
  }

  function draw(canvasId, config) {
    var canvas = document.getElementById(canvasId);
    if (canvas && window.Chart) {
      config.options = Object.assign({ responsive: true, maintainAspectRatio: true, aspectRatio: 2 }, config.options || {});
      new window.Chart(canvas, config);
    }
  }

  function label(canvasId, name) {
    var canvas = document.getElementById(canvasId);
    return (canvas && canvas.dataset[name]) || "";
  }

  function bars(canvasId, labels, datasets, options) {
    draw(canvasId, { type: "bar", data: { labels: labels, datasets: datasets }, options: options });
  }

  // An axis of counts: whole numbers only ("0, 1, 2", never "0.5 cases").
  function countAxis() {
    return { beginAtZero: true, ticks: { precision: 0 } };
  }

  // Times to resolution come in one unit per chart, hours or days, chosen on the server by
  // how long the longest is; the axis says which, and a tooltip reads the time in words.
  function resolutionChart(canvasId, times) {
    var words = [times.median_words, times.p90_words];
    bars(canvasId, times.labels, [
      { label: label(canvasId, "labelMedian"), data: times.median },
      { label: label(canvasId, "labelP90"), data: times.p90 }
    ], {
      scales: { y: { beginAtZero: true, title: { display: true, text: label(canvasId, times.unit === "days" ? "axisDays" : "axisHours") } } },
      plugins: {
        tooltip: {
          callbacks: {
            label: function (item) { return item.dataset.label + ": " + words[item.datasetIndex][item.dataIndex]; }
          }
        }
      }
    });
  }

  var dashboard = readData("dashboard-data");
  if (dashboard) {
    bars("chart-weeks", dashboard.weeks.labels, [
      { label: label("chart-weeks", "labelOpened"), data: dashboard.weeks.opened },
      { label: label("chart-weeks", "labelResolved"), data: dashboard.weeks.resolved }
    ], { scales: { y: countAxis() } });
    bars("chart-ratings", dashboard.ratings.labels, [{ label: label("chart-ratings", "labelAnswers"), data: dashboard.ratings.counts }], {
      scales: { y: countAxis() }
    });
    resolutionChart("chart-temperament", dashboard.temperament);
    resolutionChart("chart-root-cause", dashboard.root_cause);
    bars("chart-escalations", dashboard.escalations.labels, [{ label: label("chart-escalations", "labelEscalations"), data: dashboard.escalations.counts }], {
      indexAxis: "y",
      scales: { x: countAxis() }
    });
  }

  var mood = readData("client-mood-data");
  if (mood) {
    draw("chart-client-mood", {
      type: "line",
      data: { labels: mood.labels, datasets: [{ label: label("chart-client-mood", "labelMood"), data: mood.levels, stepped: true }] },
      options: {
        scales: {
          y: {
            min: 1,
            max: 4,
            ticks: {
              stepSize: 1,
              callback: function (value) { return mood.names[value] || ""; }
            }
          }
        }
      }
    });
  }
})();
