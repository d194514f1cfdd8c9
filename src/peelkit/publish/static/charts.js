// Progressive enhancement of charts: the published reports, and the web app's reports and compare page. Where
// scripts run and vega-embed has loaded, each chart's static SVG is replaced by the interactive chart drawn from
// the same Vega-Lite spec. The spec sits in a JSON data block so that a Content Security Policy allowing no
// inline script (the web app's) still works. Without scripts, or on any failure, the SVG and the table stay as
// the server drew them.
(function () {
  "use strict";
  if (typeof window.vegaEmbed !== "function") { return; }
  var blocks = document.querySelectorAll("script.vega-spec");
  Array.prototype.forEach.call(blocks, function (node) {
    var holder = node.parentElement.querySelector(".chart-svg");
    if (!holder) { return; }
    var spec;
    try { spec = JSON.parse(node.textContent); } catch (e) { return; }
    var target = document.createElement("div");
    // ast + the interpreter where the bundle has one: Vega then evaluates expressions without eval, which the
    // policy forbids. No default styles: vega-embed and its tooltip would inject <style> elements, which the
    // policy blocks (app.css styles the tooltip instead).
    var options = { actions: false, renderer: "svg", defaultStyle: false, ast: true,
                    tooltip: { disableDefaultStyle: true } };
    if (window.vega && window.vega.expressionInterpreter) { options.expr = window.vega.expressionInterpreter; }
    window.vegaEmbed(target, spec, options).then(function () {
      holder.replaceChildren(target);
      holder.classList.add("peel-chart--interactive");
    }).catch(function () { /* keep the static SVG */ });
  });
})();
