// The resident's report form (templates/web/portal/report.html), wired by data-* attributes:
//   data-report-form, data-nearby-url, data-city-crs on the <form>;
//   [data-locate] "use my location", [data-category-filter] the category search box,
//   [data-nearby] the "Is it one of these?" panel.
// The map itself (pin picking into the lat/lon inputs) is map.js, which runs first.
(function () {
  "use strict";
  var form = document.querySelector("[data-report-form]");
  if (!form) { return; }

  // --- WGS-84 -> GCJ-02 ----------------------------------------------------------------------
  // The published forward formula, as civicgrid/geo/gcj02.py. The map is drawn in the city's
  // coordinates (GCJ-02 for the demo city) and a device gives WGS-84: the pin is shown converted
  // while the WGS-84 reading itself is sent (crs=wgs84) for the server to convert exactly.
  var A = 6378245.0, EE = 0.00669342162296594323;

  function outOfChina(lat, lon) {
    return !(lon >= 72.004 && lon <= 137.8347 && lat >= 0.8293 && lat <= 55.8271);
  }
  function transformLat(x, y) {
    var r = -100.0 + 2.0 * x + 3.0 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * Math.sqrt(Math.abs(x));
    r += (20.0 * Math.sin(6.0 * x * Math.PI) + 20.0 * Math.sin(2.0 * x * Math.PI)) * 2.0 / 3.0;
    r += (20.0 * Math.sin(y * Math.PI) + 40.0 * Math.sin(y / 3.0 * Math.PI)) * 2.0 / 3.0;
    r += (160.0 * Math.sin(y / 12.0 * Math.PI) + 320.0 * Math.sin(y * Math.PI / 30.0)) * 2.0 / 3.0;
    return r;
  }
  function transformLon(x, y) {
    var r = 300.0 + x + 2.0 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * Math.sqrt(Math.abs(x));
    r += (20.0 * Math.sin(6.0 * x * Math.PI) + 20.0 * Math.sin(2.0 * x * Math.PI)) * 2.0 / 3.0;
    r += (20.0 * Math.sin(x * Math.PI) + 40.0 * Math.sin(x / 3.0 * Math.PI)) * 2.0 / 3.0;
    r += (150.0 * Math.sin(x / 12.0 * Math.PI) + 300.0 * Math.sin(x / 30.0 * Math.PI)) * 2.0 / 3.0;
    return r;
  }
  function wgs84ToGcj02(lat, lon) {
    if (outOfChina(lat, lon)) { return [lat, lon]; }
    var dLat = transformLat(lon - 105.0, lat - 35.0), dLon = transformLon(lon - 105.0, lat - 35.0);
    var radLat = lat / 180.0 * Math.PI, magic = Math.sin(radLat);
    magic = 1 - EE * magic * magic;
    var sqrtMagic = Math.sqrt(magic);
    dLat = (dLat * 180.0) / ((A * (1 - EE)) / (magic * sqrtMagic) * Math.PI);
    dLon = (dLon * 180.0) / (A / sqrtMagic * Math.cos(radLat) * Math.PI);
    return [lat + dLat, lon + dLon];
  }
  function gcj02ToWgs84(lat, lon) {  // fixed-point iteration on the forward formula
    var w = [lat, lon];
    for (var i = 0; i < 10; i++) {
      var g = wgs84ToGcj02(w[0], w[1]);
      w = [w[0] - (g[0] - lat), w[1] - (g[1] - lon)];
    }
    return w;
  }
  var cityCrs = form.dataset.cityCrs || "gcj02";
  function toCity(lat, lon, crs) {
    if (crs === cityCrs) { return [lat, lon]; }
    return crs === "wgs84" ? wgs84ToGcj02(lat, lon) : gcj02ToWgs84(lat, lon);
  }
  window.civicgridGcj02 = { wgs84ToGcj02: wgs84ToGcj02, gcj02ToWgs84: gcj02ToWgs84 };

  // --- the point ---------------------------------------------------------------------------
  var lat = form.querySelector("[name=lat]"), lon = form.querySelector("[name=lon]");
  var crs = form.querySelector("[name=crs]");
  var mapEl = form.querySelector("[data-map]");
  var map = mapEl && mapEl.civicgridMap, place = mapEl && mapEl.civicgridPlace;

  // Show a point given in `from` on the map, keeping the inputs as given.
  function showPoint(la, lo, from) {
    if (!place) { return; }
    var c = toCity(la, lo, from);
    place(L.latLng(c[0], c[1]));  // map.js fills the inputs with the city coordinates...
    lat.value = la.toFixed(6); lon.value = lo.toFixed(6); crs.value = from;  // ...put the reading back
    map.setView(c, Math.max(map.getZoom(), 16));
  }

  // A form shown again with a device reading: map.js put the pin at the raw numbers; convert.
  if (lat.value && lon.value && crs.value !== cityCrs) {
    var la0 = parseFloat(lat.value), lo0 = parseFloat(lon.value);
    if (isFinite(la0) && isFinite(lo0)) { showPoint(la0, lo0, crs.value); }
  }
  if (map) {
    // A pin put on the map is in the city's coordinates (map.js has filled the inputs already).
    map.on("click", function () { crs.value = cityCrs; });
  }
  // Typed coordinates move the pin (map.js's own change events are not trusted ones).
  [lat, lon, crs].forEach(function (input) {
    input.addEventListener("change", function (e) {
      if (!e.isTrusted) { return; }
      var la = parseFloat(lat.value), lo = parseFloat(lon.value);
      if (isFinite(la) && isFinite(lo)) { showPoint(la, lo, crs.value); }
    });
  });

  var locate = form.querySelector("[data-locate]"), locateStatus = form.querySelector("[data-locate-status]");
  if (locate && navigator.geolocation && place) {
    locate.hidden = false;
    locate.addEventListener("click", function () {
      locateStatus.textContent = locate.dataset.msgLocating;
      navigator.geolocation.getCurrentPosition(function (pos) {
        showPoint(pos.coords.latitude, pos.coords.longitude, "wgs84");
        locateStatus.textContent = locate.dataset.msgLocated;
        scheduleNearby();
      }, function () {
        locateStatus.textContent = locate.dataset.msgFailed;
      }, { enableHighAccuracy: true, timeout: 15000, maximumAge: 60000 });
    });
  }

  // --- the category: a search box over the <select> and its <optgroup>s ---------------------
  var filter = form.querySelector("[data-category-filter]");
  var select = form.querySelector("[name=category]");
  if (filter && select) {
    var label = form.querySelector("[data-category-filter-label]");
    var status = form.querySelector("[data-category-status]");
    var first = select.options[0];
    var groups = Array.prototype.map.call(select.querySelectorAll("optgroup"), function (g) {
      return {
        label: g.label,
        options: Array.prototype.map.call(g.querySelectorAll("option"), function (o) {
          return { value: o.value, text: o.text };
        })
      };
    });
    filter.hidden = false;
    if (label) { label.hidden = false; }
    filter.addEventListener("input", function () {
      var q = filter.value.trim().toLowerCase(), current = select.value, count = 0, only = null;
      while (select.lastChild) { select.removeChild(select.lastChild); }
      select.appendChild(first);
      groups.forEach(function (g) {
        var whole = q && g.label.toLowerCase().indexOf(q) !== -1;
        var shown = g.options.filter(function (o) {
          return !q || whole || o.value === current || o.text.toLowerCase().indexOf(q) !== -1;
        });
        if (!shown.length) { return; }
        var group = document.createElement("optgroup");
        group.label = g.label;
        shown.forEach(function (o) {
          group.appendChild(new Option(o.text, o.value, false, o.value === current));
          count += 1; only = o.value;
        });
        select.appendChild(group);
      });
      if (!current) { select.value = ""; }
      if (count === 1 && select.value !== only) {
        select.value = only;
        select.dispatchEvent(new Event("change", { bubbles: true }));
      }
      if (status) { status.textContent = filter.dataset.msgMatches.replace("%(n)s", count); }
    });
  }

  // --- "Is it one of these?" ---------------------------------------------------------------
  var panel = form.querySelector("[data-nearby]");
  var checked = form.querySelector("[name=duplicates_checked]");
  var timer = null, asked = 0;

  function loadNearby() {
    if (!panel || !select) { return; }
    if (!select.value || !lat.value || !lon.value) { panel.innerHTML = ""; return; }
    var params = new URLSearchParams({ category: select.value, lat: lat.value, lon: lon.value, crs: crs.value });
    var mine = ++asked;
    fetch(form.dataset.nearbyUrl + "?" + params.toString(), { credentials: "same-origin", headers: { Accept: "text/html" } })
      .then(function (r) { if (!r.ok) { throw new Error(r.status); } return r.text(); })
      .then(function (html) {
        if (mine !== asked) { return; }  // a newer question was asked meanwhile
        panel.innerHTML = html;
        if (panel.querySelector("[data-nearby-checked]")) { checked.value = "True"; }
      })
      .catch(function () { /* the server shows them when the form is sent instead */ });
  }
  function scheduleNearby() {
    clearTimeout(timer);
    // Later: map.js fires "change" before the click handler above sets the coordinate system.
    timer = setTimeout(loadNearby, 250);
  }
  [select, lat, lon, crs].forEach(function (input) {
    if (input) { input.addEventListener("change", scheduleNearby); }
  });
  if (select && select.value && lat.value && lon.value) { scheduleNearby(); }
})();
