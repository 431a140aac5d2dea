/* Torget's maps and "use my location". Everything it needs comes from data- attributes, so the
   pages keep a strict Content Security Policy; without JavaScript the pages work without it. */
(function () {
  "use strict";

  // The server refuses a larger box (reports/views/browse.py, MAX_BBOX_DEGREES).
  var MAX_SPAN_DEGREES = 2;

  function revealScriptedParts() {
    document.querySelectorAll("[data-needs-js]").forEach(function (element) {
      // A map section stays hidden if Leaflet failed to load: an empty box helps no one.
      element.hidden = !window.L && element.querySelector("[data-map]") !== null;
    });
  }

  function setupLocate(button) {
    if (!("geolocation" in navigator)) {
      button.parentElement.hidden = true;
      return;
    }
    var status = button.parentElement.querySelector("[data-locate-status]");
    var label = button.textContent;
    button.addEventListener("click", function () {
      button.disabled = true;
      button.textContent = button.dataset.busyText;
      navigator.geolocation.getCurrentPosition(
        function (position) {
          var url = new URL(button.dataset.aroundUrl, window.location.href);
          url.searchParams.set("lat", position.coords.latitude.toFixed(6));
          url.searchParams.set("lon", position.coords.longitude.toFixed(6));
          window.location.assign(url.toString());
        },
        function () {
          button.disabled = false;
          button.textContent = label;
          status.textContent = button.dataset.errorText;
        },
        { enableHighAccuracy: true, timeout: 15000, maximumAge: 60000 }
      );
    });
  }

  function pinFor(feature, latlng) {
    var props = feature.properties;
    var marker = L.marker(latlng, {
      title: props.title,
      icon: L.divIcon({ className: "pin pin-" + props.state_group, iconSize: [18, 18] })
    });
    marker.bindPopup(function () {
      return popupFor(props);
    });
    return marker;
  }

  // Built from DOM nodes, never from HTML strings: the titles are the citizens' own words.
  function popupFor(props) {
    var box = document.createElement("div");
    var link = document.createElement("a");
    link.className = "popup-title";
    link.href = props.url;
    link.textContent = props.title;
    var meta = document.createElement("span");
    meta.className = "popup-meta";
    meta.textContent = props.category + " · " + props.state_label;
    box.appendChild(link);
    box.appendChild(meta);
    return box;
  }

  function goTo(base, latlng) {
    var url = new URL(base, window.location.href);
    url.searchParams.set("lat", latlng.lat.toFixed(6));
    url.searchParams.set("lon", latlng.lng.toFixed(6));
    window.location.assign(url.toString());
  }

  // data-bounds is "south,west,north,east".
  function boundsOf(text) {
    var b = text.split(",").map(Number);
    return L.latLngBounds([b[0], b[1]], [b[2], b[3]]);
  }

  function startView(map, data) {
    if (data.lat && data.lon) {
      var centre = [Number(data.lat), Number(data.lon)];
      L.circleMarker(centre, {
        radius: 8, color: "#1b1f23", weight: 3, fillColor: "#ffbf47", fillOpacity: 1,
        interactive: false
      }).addTo(map);
      if (!data.bounds) {
        map.setView(centre, Number(data.zoom) || 15);
      }
    }
    if (data.bounds) {
      map.fitBounds(boundsOf(data.bounds));
    }
  }

  // A body's map asks only for its own area, so a wide view of a small body still has pins.
  function requestBox(map, data) {
    var box = map.getBounds();
    if (data.clip && data.bounds) {
      var limit = boundsOf(data.bounds);
      if (!box.intersects(limit)) {
        return null;
      }
      box = L.latLngBounds(
        [Math.max(box.getSouth(), limit.getSouth()), Math.max(box.getWest(), limit.getWest())],
        [Math.min(box.getNorth(), limit.getNorth()), Math.min(box.getEast(), limit.getEast())]
      );
    }
    return box;
  }

  function setupMap(element) {
    var data = element.dataset;
    var status = element.parentElement.querySelector("[data-map-status]");
    var map = L.map(element);
    L.tileLayer(data.tiles, { maxZoom: 19, attribution: data.attribution }).addTo(map);
    var pins = L.markerClusterGroup({ showCoverageOnHover: false, maxClusterRadius: 50 });
    map.addLayer(pins);
    var pending = null;

    function say(text) {
      if (status) {
        status.textContent = text || "";
      }
    }

    function load() {
      var box = requestBox(map, data);
      if (pending) {
        pending.abort();
      }
      if (!box) {
        pins.clearLayers();
        say("");
        return;
      }
      var west = Math.max(box.getWest(), -180), east = Math.min(box.getEast(), 180);
      var south = Math.max(box.getSouth(), -90), north = Math.min(box.getNorth(), 90);
      if (east - west > MAX_SPAN_DEGREES || north - south > MAX_SPAN_DEGREES) {
        pins.clearLayers();
        say(data.zoomText);
        return;
      }
      var url = new URL(data.geojsonUrl, window.location.href);
      url.searchParams.set("bbox", [west, south, east, north].map(function (n) {
        return n.toFixed(5);
      }).join(","));
      pending = new AbortController();
      fetch(url.toString(), { signal: pending.signal, headers: { Accept: "application/geo+json" } })
        .then(function (response) {
          if (!response.ok) {
            throw new Error(response.status);
          }
          return response.json();
        })
        .then(function (collection) {
          pins.clearLayers();
          pins.addLayer(L.geoJSON(collection, { pointToLayer: pinFor }));
          say(collection.truncated ? data.truncatedText : "");
        })
        .catch(function (error) {
          if (error.name !== "AbortError") {
            say(data.failedText);
          }
        });
    }

    var clickTo = data.newUrl || data.aroundUrl;
    if (clickTo) {
      map.on("click", function (event) {
        goTo(clickTo, event.latlng);
      });
    }
    map.on("moveend", load);
    startView(map, data);
  }

  function start() {
    revealScriptedParts();
    document.querySelectorAll("[data-locate]").forEach(setupLocate);
    if (window.L) {
      document.querySelectorAll("[data-map]").forEach(setupMap);
    }
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
