// The new-report pages, made quicker with JavaScript; every step also works without it.
"use strict";

(function () {
  // "Use my location" on the place search: straight to the report for where you stand.
  function setUpLocate(box) {
    var button = box.querySelector("[data-locate-button]");
    var status = box.querySelector("[data-locate-status]");
    if (!button || !("geolocation" in navigator)) {
      return;
    }
    button.hidden = false;
    button.addEventListener("click", function () {
      status.textContent = box.dataset.finding;
      navigator.geolocation.getCurrentPosition(
        function (position) {
          var lat = position.coords.latitude.toFixed(6);
          var lon = position.coords.longitude.toFixed(6);
          window.location.href =
            box.dataset.newUrl + "?lat=" + encodeURIComponent(lat) + "&lon=" + encodeURIComponent(lon);
        },
        function () {
          status.textContent = box.dataset.failed;
        },
        { enableHighAccuracy: true, timeout: 15000, maximumAge: 60000 }
      );
    });
  }

  // The category's urgent notice, shown as soon as the category is chosen.
  function setUpUrgentNotices(form) {
    var notices = form.querySelectorAll("[data-urgent-notice]");
    function update() {
      var chosen = form.querySelector("input[name=category]:checked");
      var showId = chosen ? chosen.dataset.urgent : "";
      notices.forEach(function (notice) {
        notice.hidden = notice.id !== showId;
      });
    }
    form.addEventListener("change", update);
    update();
  }

  // How many photos are chosen, and a warning before sending more than the form takes.
  function setUpPhotoCount(input, output) {
    var max = 5;
    input.addEventListener("change", function () {
      var count = input.files ? input.files.length : 0;
      if (count === 0) {
        output.textContent = "";
      } else if (count > max) {
        output.textContent = output.dataset.tooMany;
      } else if (count === 1) {
        output.textContent = output.dataset.one;
      } else {
        output.textContent = output.dataset.many.replace("%(count)s", String(count));
      }
    });
  }

  document.querySelectorAll("[data-locate]").forEach(setUpLocate);
  var categoryForm = document.getElementById("category-choice");
  if (categoryForm) {
    setUpUrgentNotices(categoryForm);
  }
  var photos = document.getElementById("id_photos");
  var photoCount = document.querySelector("[data-photo-count]");
  if (photos && photoCount) {
    setUpPhotoCount(photos, photoCount);
  }
  // After a failed submit, the summary of problems is where the eye and the reader go first.
  var summary = document.getElementById("error-summary");
  if (summary) {
    summary.focus();
  }
})();
