// The search page's filters apply as soon as one changes: a checkbox or a list submits the form. Only where the
// filters sit beside the results (wide screens): on a phone they sit behind "Filters" and "Show therapists"
// applies them all at once. Without JavaScript the "Show therapists" button does the same everywhere.
(function () {
  "use strict";

  var WIDE = window.matchMedia("(min-width: 52.01rem)");

  function saysNothing(element) {
    // A shorter address: empty boxes ("q=&near=") and lists left at their default ("radius_km=25&sort=best",
    // the select's data-default) search as if they were not there.
    if (!element.name || element.disabled || element.type === "checkbox") {
      return false;
    }
    return element.value === "" || (element.hasAttribute("data-default") && element.value === element.dataset.default);
  }

  document.querySelectorAll("form[data-search-form]").forEach(function (form) {
    form.addEventListener("change", function (event) {
      var target = event.target;
      var applies = target.type === "checkbox" || target.tagName === "SELECT";
      if (applies && WIDE.matches && target.closest(".filters-panel")) {
        form.requestSubmit();
      }
    });
    // The map position an earlier search left (hidden lat and lng) gives way to a place typed in the box: the
    // server prefers the place too, but the address should not carry a position nobody searches by.
    form.addEventListener("input", function (event) {
      if (event.target.name === "near") {
        form.querySelectorAll("input[data-map-position]").forEach(function (input) {
          input.remove();
        });
      }
    });
    form.addEventListener("submit", function () {
      Array.prototype.forEach.call(form.elements, function (element) {
        if (saysNothing(element)) {
          element.disabled = true;
        }
      });
    });
    // Back from the next page: the browser may restore disabled fields; enable them again.
    window.addEventListener("pageshow", function () {
      Array.prototype.forEach.call(form.elements, function (element) {
        element.disabled = false;
      });
    });
  });
})();
