// The patrol report form (templates/web/patrol/report.html, wired by data-* attributes).
// Where: the device's position is sent as WGS-84 (crs=wgs84); a pin put on the map is in the
// city's coordinates (crs = data-city-crs); coordinates typed by hand are GPS readings (WGS-84).
// Each time the point changes the page says which grid holds it (data-locate-url).
// What next: "resolved on the spot" is offered only for categories marked data-on-spot, and
// then the photo is required. The server checks all of this again.
(function () {
  "use strict";
  var form = document.querySelector("[data-patrol-report]");
  if (!form) { return; }
  var lat = form.elements.lat, lon = form.elements.lon, crs = form.elements.crs;
  var status = document.getElementById("where-status");
  var mapEl = document.getElementById("report-map");
  var button = form.querySelector("[data-geolocate]");
  var category = form.elements.category, photo = form.elements.photo;
  var onSpot = form.querySelector('input[name="mode"][value="on_spot"]');
  var forHandling = form.querySelector('input[name="mode"][value="report"]');
  var placingDevice = false;

  function msg(name, values) {
    var text = form.dataset["msg" + name] || "";
    Object.keys(values || {}).forEach(function (k) { text = text.replace("%(" + k + ")s", values[k]); });
    return text;
  }
  function say(text) { status.textContent = text; }

  function lookUp() {
    var query = new URLSearchParams({ lat: lat.value, lon: lon.value, crs: crs.value });
    return fetch(form.dataset.locateUrl + "?" + query, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (r) { return r.json().then(function (body) { return { ok: r.ok, body: body }; }); });
  }

  // Say which grid holds the point (after ``before``); returns the answer for the caller.
  function describe(before) {
    return lookUp().then(function (res) {
      if (!res.ok) { say((before ? before + " " : "") + (res.body.message || "")); return null; }
      var g = res.body.grid;
      var name = (document.documentElement.lang === "en" ? (g.name_en || g.name_zh) : g.name_zh) + " (" + g.code + ")";
      say((before ? before + " " : "") + msg(res.body.mine ? "InGrid" : "OtherGrid", { name: name }));
      return res.body;
    }).catch(function () { say(before || ""); return null; });
  }

  // Put the pin where a WGS-84 point lies (``where``: the city coordinates the server gave) while
  // the fields keep the WGS-84 values that will be sent.
  function pinWgs84(where) {
    if (!where || !mapEl || !mapEl.civicgridPlace) { return; }
    var wgsLat = lat.value, wgsLon = lon.value;
    placingDevice = true;
    mapEl.civicgridPlace(L.latLng(where.y, where.x));
    lat.value = wgsLat; lon.value = wgsLon; crs.value = "wgs84";
    placingDevice = false;
    // After the grid is drawn (map.js fits the map to it), so that the pin stays in view.
    whenMapReady(function () {
      var map = mapEl.civicgridMap;
      if (!map.getBounds().contains([where.y, where.x])) { map.setView([where.y, where.x], map.getZoom()); }
    });
  }

  function whenMapReady(fn) {
    if (mapEl.hasAttribute("data-map-ready")) { fn(); return; }
    var watch = new MutationObserver(function () {
      if (mapEl.hasAttribute("data-map-ready")) { watch.disconnect(); fn(); }
    });
    watch.observe(mapEl, { attributes: true, attributeFilter: ["data-map-ready"] });
  }

  // A pin put on the map (map.js fills the fields and sends a synthetic change event).
  lat.addEventListener("change", function (e) {
    if (e.isTrusted || placingDevice) { return; }
    crs.value = form.dataset.cityCrs;
    describe(msg("Pinned"));
  });
  // Coordinates typed by hand.
  [lat, lon].forEach(function (input) {
    input.addEventListener("input", function () { crs.value = "wgs84"; });
    input.addEventListener("change", function (e) { if (e.isTrusted && lat.value && lon.value) { describe(""); } });
  });

  if (button && "geolocation" in navigator) {
    button.hidden = false;
    button.addEventListener("click", function () {
      say(msg("Locating"));
      button.disabled = true;
      navigator.geolocation.getCurrentPosition(function (pos) {
        button.disabled = false;
        lat.value = pos.coords.latitude.toFixed(6); lon.value = pos.coords.longitude.toFixed(6); crs.value = "wgs84";
        describe(msg("Found", { m: Math.round(pos.coords.accuracy) })).then(pinWgs84);
      }, function () {
        button.disabled = false;
        say(msg("Denied"));
      }, { enableHighAccuracy: true, timeout: 20000, maximumAge: 30000 });
    });
  } else if (button) {
    say(msg("Unsupported"));
  }

  // A form sent back with an error: say where its point is (and move the pin to a WGS-84 one).
  if (lat.value && lon.value) {
    describe("").then(function (where) { if (crs.value === "wgs84") { pinWgs84(where); } });
  }

  function syncMode() {
    if (!onSpot || !category) { return; }
    var option = category.options[category.selectedIndex];
    var allowed = !!(option && option.hasAttribute("data-on-spot"));
    onSpot.disabled = !allowed;
    if (!allowed && onSpot.checked) { forHandling.checked = true; }
    if (photo) { photo.required = onSpot.checked; }
  }
  category.addEventListener("change", syncMode);
  form.querySelectorAll('input[name="mode"]').forEach(function (r) { r.addEventListener("change", syncMode); });
  syncMode();
})();
