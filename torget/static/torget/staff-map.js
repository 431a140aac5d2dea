/* The small maps of the staff tools. The duplicate picker shows the report and the nearby
   reports, numbered as in the list; choosing a marker chooses the report in the list. The
   pin mover puts the pin where the map is clicked (or the marker dragged) and writes the
   position into the form's fields. Without JavaScript the list and the fields do the same. */
(function () {
  "use strict";

  var CREDITS =
    '© <a href="https://www.kartverket.no/">Kartverket</a>, ' +
    '© <a href="https://www.openstreetmap.org/copyright">OpenStreetMap contributors</a>';

  function numbered(number) {
    return L.divIcon({ className: "candidate-marker", html: String(number), iconSize: [26, 26] });
  }

  function addCandidates(map, element) {
    var bounds = [[parseFloat(element.dataset.lat), parseFloat(element.dataset.lon)]];
    element.querySelectorAll("[data-candidate]").forEach(function (item) {
      var at = [parseFloat(item.dataset.lat), parseFloat(item.dataset.lon)];
      var input = document.getElementById(item.dataset.input);
      // The list is the way to choose by keyboard, so the markers stay out of the tab order.
      var marker = L.marker(at, { icon: numbered(item.dataset.number), keyboard: false });
      marker.on("click", function () {
        if (input) {
          input.checked = true;
          input.focus();
        }
      });
      marker.addTo(map);
      bounds.push(at);
    });
    if (bounds.length > 1) {
      map.fitBounds(bounds, { padding: [30, 30], maxZoom: 18 });
    }
  }

  function setUpMover(map, marker, element) {
    var latInput = document.getElementById(element.dataset.moveLat);
    var lonInput = document.getElementById(element.dataset.moveLon);
    if (!latInput || !lonInput) {
      return;
    }
    marker.dragging.enable();
    function put(latlng) {
      marker.setLatLng(latlng);
      latInput.value = latlng.lat.toFixed(6);
      lonInput.value = latlng.lng.toFixed(6);
    }
    map.on("click", function (event) {
      put(event.latlng);
    });
    marker.on("dragend", function () {
      put(marker.getLatLng());
    });
  }

  function start() {
    var element = document.getElementById("tool-map");
    if (!element || typeof L === "undefined" || !element.dataset.tiles) {
      return;
    }
    var lat = parseFloat(element.dataset.lat);
    var lon = parseFloat(element.dataset.lon);
    if (!isFinite(lat) || !isFinite(lon)) {
      return;
    }
    element.hidden = false;
    element.setAttribute("role", "region");
    element.setAttribute("aria-label", element.dataset.label || "");
    var map = L.map(element, { scrollWheelZoom: false }).setView([lat, lon], 17);
    L.tileLayer(element.dataset.tiles, { maxZoom: 19, attribution: CREDITS }).addTo(map);
    var marker = L.marker([lat, lon], { keyboard: false, alt: "" }).addTo(map);
    addCandidates(map, element);
    if (element.dataset.moveLat) {
      setUpMover(map, marker, element);
    }
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
}());
