/* A small map of where the reported problem is. Without JavaScript, or if Leaflet fails to
   load, the page still gives the address and the coordinates as text. */
(function () {
  "use strict";

  var CREDITS =
    '© <a href="https://www.kartverket.no/">Kartverket</a>, ' +
    '© <a href="https://www.openstreetmap.org/copyright">OpenStreetMap contributors</a>';

  function drawMap(element) {
    var lat = parseFloat(element.dataset.lat);
    var lon = parseFloat(element.dataset.lon);
    if (!isFinite(lat) || !isFinite(lon) || !element.dataset.tiles) {
      return;
    }
    element.classList.add("report-map-ready");
    element.setAttribute("role", "region");
    element.setAttribute("aria-label", element.dataset.label || "");
    var map = L.map(element, { scrollWheelZoom: false }).setView([lat, lon], 16);
    L.tileLayer(element.dataset.tiles, { maxZoom: 19, attribution: CREDITS }).addTo(map);
    // The marker repeats what the text below the map says, so it stays out of the tab order.
    L.marker([lat, lon], { keyboard: false, alt: "" }).addTo(map);
  }

  function start() {
    var element = document.getElementById("report-map");
    if (element && typeof L !== "undefined") {
      drawMap(element);
    }
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
}());
