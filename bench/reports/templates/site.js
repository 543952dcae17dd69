(function () {
  "use strict";
  function cellValue(row, idx) {
    var cell = row.cells[idx];
    if (!cell) { return null; }
    var raw = cell.getAttribute("data-value");
    if (raw === null) { raw = cell.textContent.trim(); }
    if (raw === "" || raw === "–") { return null; }
    var num = Number(raw);
    return isNaN(num) ? raw.toLowerCase() : num;
  }
  function sortBy(th, dir) {
    var table = th.closest("table");
    var idx = Array.prototype.indexOf.call(th.parentNode.children, th);
    var body = table.tBodies[0];
    var rows = Array.prototype.slice.call(body.rows);
    rows.sort(function (a, b) {
      var x = cellValue(a, idx), y = cellValue(b, idx);
      if (x === null && y === null) { return 0; }
      if (x === null) { return 1; }   // unknown values always last
      if (y === null) { return -1; }
      var c = x < y ? -1 : (x > y ? 1 : 0);
      return dir === "asc" ? c : -c;
    });
    rows.forEach(function (r) { body.appendChild(r); });
    Array.prototype.forEach.call(th.parentNode.children, function (h) { h.removeAttribute("aria-sort"); });
    th.setAttribute("aria-sort", dir === "asc" ? "ascending" : "descending");
    table.setAttribute("data-sorted", th.getAttribute("data-col") + ":" + dir);
  }
  function setHash(key, value) {
    var params = new URLSearchParams(location.hash.slice(1));
    params.set(key, value);
    if (history.replaceState) { history.replaceState(null, "", "#" + params.toString()); }
  }
  function onHeader(th) {
    var current = th.getAttribute("aria-sort");
    var dir = current === "descending" ? "asc" : current === "ascending" ? "desc" : (th.getAttribute("data-default-dir") || "asc");
    sortBy(th, dir);
    if (th.closest("table").id === "leaderboard") { setHash("sort", th.getAttribute("data-col")); setHash("dir", dir); }
  }
  function showTab(axis) {
    var found = false;
    document.querySelectorAll(".tabs button").forEach(function (b) {
      var on = b.getAttribute("data-tab") === axis; found = found || on;
      b.setAttribute("aria-selected", on ? "true" : "false");
    });
    if (!found) { return; }
    document.querySelectorAll(".panel").forEach(function (p) { p.hidden = p.getAttribute("data-tab") !== axis; });
    setHash("tab", axis);
  }
  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("table.sortable th[data-col]").forEach(function (th) {
      th.addEventListener("click", function () { onHeader(th); });
    });
    document.querySelectorAll(".tabs button").forEach(function (b) {
      b.addEventListener("click", function () { showTab(b.getAttribute("data-tab")); });
    });
    // The page honours #sort=<column>&dir=asc|desc&tab=<axis>, so a link can share a view (and tests can drive it).
    var params = new URLSearchParams(location.hash.slice(1));
    var col = params.get("sort");
    if (col) {
      var th = document.querySelector('#leaderboard th[data-col="' + col.replace(/"/g, "") + '"]');
      if (th) {
        var want = params.get("dir") === "asc" ? "ascending" : "descending";
        th.click();
        if (th.getAttribute("aria-sort") !== want) { th.click(); }
      }
    }
    if (params.get("tab")) { showTab(params.get("tab")); }
  });
  window.addEventListener("load", function () {
    var imgs = Array.prototype.slice.call(document.querySelectorAll("img.plot"));
    var ok = imgs.filter(function (i) { return i.complete && i.naturalWidth > 0; }).length;
    document.body.setAttribute("data-plots-loaded", ok + "/" + imgs.length);
    // Layout facts for tests: does the main table fit its box, and is the translator column sticky?
    var table = document.getElementById("leaderboard");
    if (table) {
      var box = table.parentNode;
      document.body.setAttribute("data-table-fits", table.scrollWidth <= box.clientWidth + 1 ? "yes" : "no");
      var cell = table.tBodies[0] && table.tBodies[0].rows[0] ? table.tBodies[0].rows[0].cells[1] : null;
      document.body.setAttribute("data-translator-sticky", cell && getComputedStyle(cell).position === "sticky" ? "yes" : "no");
    }
  });
})();
