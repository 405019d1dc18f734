/* Batch selection on a list page: the "select all on this page" box (which, without this script, sends every id of
   the page itself) ticks and unticks the rows, and shows "some" when only part of the page is ticked; the bar
   says how many are selected. */
(function () {
  document.querySelectorAll("[data-batch-form]").forEach(function (form) {
    var all = form.querySelector("[data-batch-all]");
    var rows = Array.prototype.slice.call(form.querySelectorAll("[data-batch-row]"));
    var count = form.querySelector("[data-batch-count]");
    if (!all || !rows.length) { return; }
    function refresh() {
      var ticked = rows.filter(function (box) { return box.checked; }).length;
      all.checked = ticked === rows.length;
      all.indeterminate = ticked > 0 && ticked < rows.length;
      if (count) { count.textContent = count.getAttribute("data-template").replace("%(n)s", String(ticked)); }
    }
    all.addEventListener("change", function () {
      rows.forEach(function (box) { box.checked = all.checked; });
      refresh();
    });
    rows.forEach(function (box) { box.addEventListener("change", refresh); });
    // The rows now carry the selection: the box's own list of the page's ids would select them all again.
    all.removeAttribute("name");
    refresh();
  });
})();
