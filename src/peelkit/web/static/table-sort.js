// Progressive enhancement of tables marked data-sortable: sort in the page instead of reloading it. Column
// headings that are already links to a server-sorted page keep working without scripts; with scripts the click
// sorts in place, aria-sort says which column is sorted and how, and the address is updated so the sorted view
// can be shared. Headings without a link get a button. Empty cells (missing figures) always sort last.
(function () {
  "use strict";

  function cellValue(row, index) {
    var cell = row.children[index];
    if (!cell) { return ""; }
    var given = cell.getAttribute("data-sort-value");
    return (given !== null ? given : cell.textContent).trim();
  }

  function compare(a, b) {
    if (a === "" && b === "") { return 0; }
    if (a === "") { return 1; }
    if (b === "") { return -1; }
    var x = parseFloat(a.replace(/,/g, "")), y = parseFloat(b.replace(/,/g, ""));
    if (!isNaN(x) && !isNaN(y) && /^[-+]?[\d,.]+%?$/.test(a) && /^[-+]?[\d,.]+%?$/.test(b)) { return x - y; }
    return a.localeCompare(b, "en-GB");
  }

  function sortTable(table, header, descending) {
    var index = Array.prototype.indexOf.call(header.parentElement.children, header);
    var body = table.tBodies[0];
    var rows = Array.prototype.slice.call(body.rows);
    rows.sort(function (r1, r2) {
      var a = cellValue(r1, index), b = cellValue(r2, index);
      if (a === "" || b === "") { return compare(a, b); }
      return descending ? compare(b, a) : compare(a, b);
    });
    rows.forEach(function (row) { body.appendChild(row); });
    Array.prototype.forEach.call(header.parentElement.children, function (th) {
      th.setAttribute("aria-sort", th === header ? (descending ? "descending" : "ascending") : "none");
      var arrow = th.querySelector(".peel-sort-arrow");
      if (arrow) { arrow.textContent = th === header ? (descending ? " ▼" : " ▲") : ""; }
    });
  }

  function enhance(table) {
    var headers = table.tHead ? table.tHead.rows[0].cells : [];
    Array.prototype.forEach.call(headers, function (header) {
      var link = header.querySelector("a.peel-sort-link");
      if (link) {
        link.addEventListener("click", function (event) {
          var url = new URL(link.href, window.location.href);
          var descending = url.searchParams.get("order") === "desc";
          event.preventDefault();
          sortTable(table, header, descending);
          // The next click on this heading goes the other way, as the server's links do.
          url.searchParams.set("order", descending ? "asc" : "desc");
          var shown = new URL(link.href, window.location.href);
          link.href = url.toString();
          if (window.history && window.history.replaceState) { window.history.replaceState(null, "", shown.toString()); }
        });
        return;
      }
      var button = document.createElement("button");
      button.type = "button";
      button.className = "peel-sort-button";
      while (header.firstChild) { button.appendChild(header.firstChild); }  // keeps <abbr> and its title
      var arrow = document.createElement("span");
      arrow.className = "peel-sort-arrow";
      arrow.setAttribute("aria-hidden", "true");
      button.appendChild(arrow);
      header.appendChild(button);
      header.setAttribute("aria-sort", "none");
      button.addEventListener("click", function () {
        sortTable(table, header, header.getAttribute("aria-sort") === "ascending");
      });
    });
  }

  Array.prototype.forEach.call(document.querySelectorAll("table[data-sortable]"), enhance);
})();
