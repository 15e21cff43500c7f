// Place suggestions for every input[data-place-autocomplete]: a native <datalist> filled from the gazetteer's
// JSON endpoint (the attribute's value, else /therapists/places/). Without JavaScript the box is a plain text
// field and the search resolves what was typed, so this only saves keystrokes.
(function () {
  "use strict";

  var MIN_LENGTH = 2;
  var MAX_LENGTH = 100;
  var DELAY_MS = 150;

  // Chromium's filter for datalist options: the value or the label contains the typed text, ignoring case and
  // white space (HTMLInputElement::FilteredDataListOptions); Firefox filters on the label.
  function folded(text) {
    return text.toLowerCase().replace(/\s+/g, "");
  }

  function shownFor(typed, place) {
    var wanted = folded(typed);
    return folded(place.query).indexOf(wanted) !== -1 || folded(place.label).indexOf(wanted) !== -1;
  }

  function bind(input, index) {
    var url = input.getAttribute("data-place-autocomplete") || "/therapists/places/";
    var list = document.createElement("datalist");
    list.id = (input.id || "place") + "-suggestions-" + index;
    input.insertAdjacentElement("afterend", list);
    input.setAttribute("list", list.id);
    // The browser's own history of the field would mix with the gazetteer's places.
    input.setAttribute("autocomplete", "off");

    var answers = new Map();
    var timer = null;
    var latest = "";

    function show(places, typed) {
      var options = document.createDocumentFragment();
      places.forEach(function (place) {
        var option = document.createElement("option");
        option.value = place.query;
        // A place found through another spelling ("NYC" -> New York, "saint lo" -> St. Louis) would be hidden
        // by the browser, which lists only options whose value or label contains the typed text: its label
        // then says what it was found for.
        option.label = shownFor(typed, place) ? place.label : place.label + " (" + typed + ")";
        option.textContent = option.label;
        options.appendChild(option);
      });
      list.replaceChildren(options);
    }

    function lookUp(typed) {
      if (answers.has(typed)) {
        show(answers.get(typed), typed);
        return;
      }
      var address = url + (url.indexOf("?") === -1 ? "?" : "&") + "q=" + encodeURIComponent(typed);
      fetch(address, { headers: { Accept: "application/json" }, credentials: "same-origin" })
        .then(function (response) {
          return response.ok ? response.json() : [];
        })
        .then(function (places) {
          places = Array.isArray(places) ? places : [];
          answers.set(typed, places);
          if (typed === latest) {
            show(places, typed);
          }
        })
        .catch(function () {
          // Offline or refused: the field still works as a plain text box.
        });
    }

    input.addEventListener("input", function () {
      var typed = input.value.replace(/\s+/g, " ").trim();
      latest = typed;
      window.clearTimeout(timer);
      if (typed.length < MIN_LENGTH || typed.length > MAX_LENGTH) {
        show([], typed);
        return;
      }
      timer = window.setTimeout(function () {
        lookUp(typed);
      }, DELAY_MS);
    });
  }

  function start() {
    document.querySelectorAll("input[data-place-autocomplete]").forEach(bind);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
