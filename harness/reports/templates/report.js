// Sort and filter the segment tables by one system's score or by the difference between two
// systems. Reads scores from the JSON block beside each table; writes only textContent.
(function () {
  "use strict";

  function setUp(form) {
    var section = document.getElementById(form.dataset.for);
    var table = section.querySelector("table.segments");
    var data = JSON.parse(document.getElementById(table.dataset.data).textContent);
    var body = table.tBodies[0];
    var rows = Array.prototype.slice.call(body.rows);
    var header = table.querySelector("th.value-column");
    var shown = form.querySelector(".shown-count");
    var fields = form.elements;

    function valueOf(index) {
      var scores = data.rows[index];
      var metric = fields.metric.value;
      var first = (scores[fields.system.value] || {})[metric];
      if (typeof first !== "number") return null;
      if (!fields.other.value) return first;
      var second = (scores[fields.other.value] || {})[metric];
      return typeof second === "number" ? first - second : null;
    }

    function bound(input, fallback) {
      return input.value === "" || isNaN(Number(input.value)) ? fallback : Number(input.value);
    }

    function update() {
      var low = bound(fields.min, -Infinity);
      var high = bound(fields.max, Infinity);
      var unbounded = low === -Infinity && high === Infinity;
      var order = fields.order.value;
      var keyed = rows.map(function (row) {
        var index = Number(row.dataset.index);
        return { row: row, index: index, value: valueOf(index) };
      });
      if (order !== "original") {
        var sign = order === "ascending" ? 1 : -1;
        keyed.sort(function (a, b) {
          if (a.value === null || b.value === null) {
            return (a.value === null) - (b.value === null) || a.index - b.index;
          }
          return sign * (a.value - b.value) || a.index - b.index;
        });
      }
      var count = 0;
      var fragment = document.createDocumentFragment();
      keyed.forEach(function (item) {
        var visible = item.value === null ? unbounded : item.value >= low && item.value <= high;
        item.row.hidden = !visible;
        count += visible ? 1 : 0;
        item.row.querySelector("td.sort-value").textContent =
          item.value === null ? "–" : item.value.toFixed(2);
        fragment.appendChild(item.row);
      });
      body.appendChild(fragment);
      header.textContent = fields.metric.value + ": " + fields.system.value +
        (fields.other.value ? " − " + fields.other.value : "");
      shown.textContent = "showing " + count + " of " + rows.length;
    }

    form.addEventListener("input", update);
    form.addEventListener("change", update);
    form.addEventListener("submit", function (event) { event.preventDefault(); });
    update();
  }

  Array.prototype.forEach.call(document.querySelectorAll("form.segment-controls"), setUp);
})();
