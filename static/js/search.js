// The search page's filters apply as soon as one changes: a checkbox or a list submits the form. Only where the
// filters sit beside the results (wide screens): on a phone they sit behind "Filters" and "Show therapists"
// applies them all at once. Without JavaScript the "Show therapists" button does the same everywhere.
(function () {
  "use strict";

  var WIDE = window.matchMedia("(min-width: 52.01rem)");

  function withoutEmptyValues(form) {
    // A shorter address: empty boxes ("q=&near=") say nothing.
    Array.prototype.forEach.call(form.elements, function (element) {
      if (element.name && !element.disabled && element.value === "" && element.type !== "checkbox") {
        element.disabled = true;
      }
    });
  }

  document.querySelectorAll("form[data-search-form]").forEach(function (form) {
    form.addEventListener("change", function (event) {
      var target = event.target;
      var applies = target.type === "checkbox" || target.tagName === "SELECT";
      if (applies && WIDE.matches && target.closest(".filters-panel")) {
        form.requestSubmit();
      }
    });
    form.addEventListener("submit", function () {
      withoutEmptyValues(form);
    });
    // Back from the next page: the browser may restore disabled fields; enable them again.
    window.addEventListener("pageshow", function () {
      Array.prototype.forEach.call(form.elements, function (element) {
        element.disabled = false;
      });
    });
  });
})();
