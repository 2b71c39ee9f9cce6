/* Sort the index by a click on a header (numbers by their value, text by locale), filter by any text. */
(function () {
  "use strict";
  var table = document.getElementById("aar-index");
  var body = table.tBodies[0];
  table.querySelectorAll("th").forEach(function (th, i) {
    th.addEventListener("click", function () {
      var asc = th.dataset.asc !== "true";
      var rows = Array.prototype.slice.call(body.rows);
      rows.sort(function (a, b) {
        var x = a.cells[i], y = b.cells[i], c;
        if (x.dataset.value !== undefined && y.dataset.value !== undefined && x.dataset.value !== "" && y.dataset.value !== "") {
          c = parseFloat(x.dataset.value) - parseFloat(y.dataset.value);
        } else {
          c = x.innerText.localeCompare(y.innerText, document.documentElement.lang);
        }
        return asc ? c : -c;
      });
      th.dataset.asc = asc;
      rows.forEach(function (r) { body.appendChild(r); });
    });
  });
  document.getElementById("aar-filter").addEventListener("input", function (e) {
    var q = e.target.value.toLowerCase();
    Array.prototype.forEach.call(body.rows, function (r) { r.hidden = q && r.innerText.toLowerCase().indexOf(q) < 0; });
  });
})();
