// "Select all" for a table of checkboxes: <input type="checkbox" data-select-all="CLASS"> ticks or
// clears every checkbox with that class, and shows "mixed" when only some are ticked.
(function () {
  "use strict";
  document.querySelectorAll("[data-select-all]").forEach(function (all) {
    var boxes = function () { return document.querySelectorAll("input[type=checkbox]." + all.dataset.selectAll); };
    all.addEventListener("change", function () {
      boxes().forEach(function (b) { b.checked = all.checked; });
    });
    document.addEventListener("change", function (e) {
      if (!e.target.classList || !e.target.classList.contains(all.dataset.selectAll)) { return; }
      var list = Array.prototype.slice.call(boxes());
      var ticked = list.filter(function (b) { return b.checked; }).length;
      all.checked = ticked === list.length;
      all.indeterminate = ticked > 0 && ticked < list.length;
    });
  });
})();
