// Progressive enhancement: where scripts run and vega-embed loaded, each chart's static SVG is replaced by
// the interactive chart drawn from the same Vega-Lite spec. Without scripts the SVG and its table remain.
(function () {
  if (typeof window.vegaEmbed !== "function") { return; }
  document.querySelectorAll("script.vega-spec").forEach(function (node) {
    var holder = node.parentElement.querySelector(".chart-svg");
    if (!holder) { return; }
    var spec;
    try { spec = JSON.parse(node.textContent); } catch (e) { return; }
    var target = document.createElement("div");
    window.vegaEmbed(target, spec, { actions: false, renderer: "svg" }).then(function () {
      holder.replaceChildren(target);
    }).catch(function () { /* keep the static SVG */ });
  });
})();
