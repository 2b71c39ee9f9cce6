/* Draws every figure of the page from its JSON, in the report's language (decimal marks, month names). */
(function () {
  "use strict";
  var settings = JSON.parse(document.getElementById("aar-locale").textContent);
  if (!window.Plotly) { return; }
  if (settings.register) { window.Plotly.register(settings.register); }
  var scripts = document.querySelectorAll("script.aar-figure-data");
  for (var i = 0; i < scripts.length; i++) {
    var spec = JSON.parse(scripts[i].textContent);
    var target = document.getElementById(scripts[i].getAttribute("data-target"));
    if (!target) { continue; }
    window.Plotly.newPlot(target, spec.data, spec.layout, {
      displaylogo: false, responsive: true, locale: settings.locale,
      modeBarButtonsToRemove: ["select2d", "lasso2d", "autoScale2d"]
    });
  }
})();
