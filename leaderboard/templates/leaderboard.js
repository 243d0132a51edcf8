"use strict";
(function () {
  var tabs = Array.prototype.slice.call(document.querySelectorAll(".tab"));
  function activate(selected) {
    tabs.forEach(function (tab) {
      var on = tab === selected;
      tab.setAttribute("aria-selected", on ? "true" : "false");
      document.getElementById(tab.getAttribute("aria-controls")).hidden = !on;
    });
  }
  tabs.forEach(function (tab) {
    tab.addEventListener("click", function () { activate(tab); });
  });
  if (tabs.length) { activate(tabs[0]); }

  function cellKey(row, column, numeric) {
    var raw = row.cells[column].getAttribute("data-value");
    if (raw === null || raw === "") { return null; }
    return numeric ? parseFloat(raw) : raw;
  }
  document.querySelectorAll("th button.sort").forEach(function (button) {
    button.addEventListener("click", function () {
      var th = button.closest("th");
      var table = th.closest("table");
      var column = Array.prototype.indexOf.call(th.parentNode.children, th);
      var numeric = th.getAttribute("data-type") === "number";
      var ascending = th.getAttribute("aria-sort") !== "ascending";
      table.querySelectorAll("thead th").forEach(function (h) { h.removeAttribute("aria-sort"); });
      th.setAttribute("aria-sort", ascending ? "ascending" : "descending");
      table.querySelectorAll("tbody.ranked, tbody.unranked").forEach(function (body) {
        var rows = Array.prototype.slice.call(body.rows);
        rows.sort(function (a, b) {
          var x = cellKey(a, column, numeric), y = cellKey(b, column, numeric);
          if (x === null || y === null) {
            return (x === null) - (y === null) || a.getAttribute("data-order") - b.getAttribute("data-order");
          }
          var order = x < y ? -1 : x > y ? 1 : 0;
          return (ascending ? order : -order) || a.getAttribute("data-order") - b.getAttribute("data-order");
        });
        rows.forEach(function (row) { body.appendChild(row); });
      });
    });
  });
})();
