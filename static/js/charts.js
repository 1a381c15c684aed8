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

  var dashboard = readData("dashboard-data");
  if (dashboard) {
    bars("chart-weeks", dashboard.weeks.labels, [
      { label: label("chart-weeks", "labelOpened"), data: dashboard.weeks.opened },
      { label: label("chart-weeks", "labelResolved"), data: dashboard.weeks.resolved }
    ]);
    bars("chart-ratings", dashboard.ratings.labels, [{ label: label("chart-ratings", "labelAnswers"), data: dashboard.ratings.counts }]);
    [["chart-temperament", dashboard.temperament], ["chart-root-cause", dashboard.root_cause]].forEach(function (pair) {
      bars(pair[0], pair[1].labels, [
        { label: label(pair[0], "labelMedian"), data: pair[1].median },
        { label: label(pair[0], "labelP90"), data: pair[1].p90 }
      ]);
    });
    bars("chart-escalations", dashboard.escalations.labels, [{ label: label("chart-escalations", "labelEscalations"), data: dashboard.escalations.counts }], {
      indexAxis: "y"
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
