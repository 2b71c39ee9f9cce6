/* Draws the figures of the page from their JSON, in the report's language (decimal marks, month names).
   `aarDraw(root)` draws the figures under `root` not drawn yet: the page calls it once at its end; in a
   notebook (JupyterLab, nbconvert exports) each section's output calls it for itself. */
(function () {
  "use strict";
  var settings = null;
  window.aarDraw = function (root) {
    if (!window.Plotly) { return; }
    if (settings === null) {
      var element = document.getElementById("aar-locale");
      settings = element ? JSON.parse(element.textContent) : {locale: "en"};
      if (settings.register) { window.Plotly.register(settings.register); }
    }
    var scope = root || document;
    var scripts = scope.querySelectorAll("script.aar-figure-data");
    for (var i = 0; i < scripts.length; i++) {
      var id = scripts[i].getAttribute("data-target");
      var target = scope.querySelector("[id='" + id + "']");
      if (!target || target.getAttribute("data-drawn")) { continue; }
      target.setAttribute("data-drawn", "true");
      var spec = JSON.parse(scripts[i].textContent);
      window.Plotly.newPlot(target, spec.data, spec.layout, {
        displaylogo: false, responsive: true, locale: settings.locale,
        modeBarButtonsToRemove: ["select2d", "lasso2d", "autoScale2d"]
      });
    }
  };
  if (document.currentScript && document.currentScript.hasAttribute("data-draw-page")) { window.aarDraw(document); }
})();
