// Maps without a tile server: the city's own boundaries drawn as vector layers (Leaflet).
// Wire a map with data-* attributes on a <div data-map>:
//   data-regions="URL"   GeoJSON boundaries to draw (e.g. /api/v1/regions?parent=120101)
//   data-points="URL"    GeoJSON points (properties: label, colour, url) drawn as circle markers
//   data-cluster         cluster the points (leaflet.markercluster must be loaded)
//   data-pick="LAT_ID,LON_ID"  clicking the map puts a pin and fills those inputs (city coordinates)
//   data-drill="URL_WITH_{code}"  clicking a region opens that URL
//   data-tiles="URL"     an optional tile layer when a deployment has one
(function () {
  "use strict";
  var COLOURS = { green: "#1a7f37", yellow: "#b7791f", red: "#c0392b", grey: "#5b6673", blue: "#1c5fb8" };

  function fetchJSON(url) {
    return fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (r) { if (!r.ok) { throw new Error(r.status); } return r.json(); });
  }

  function init(el) {
    // Clustering (data-cluster) needs a maximum zoom, which a map without a tile layer lacks.
    var map = L.map(el, { zoomSnap: 0.25, attributionControl: false, preferCanvas: true, maxZoom: 19 });
    map.setView([39.13, 117.2], 9);
    el.civicgridMap = map;
    if (el.dataset.tiles) { L.tileLayer(el.dataset.tiles, { maxZoom: 19 }).addTo(map); }
    var ready = [];
    if (el.dataset.regions) {
      ready.push(fetchJSON(el.dataset.regions).then(function (fc) {
        var layer = L.geoJSON(fc, {
          style: { color: "#1c5fb8", weight: 1, fillColor: "#9bbbe6", fillOpacity: 0.12 },
          onEachFeature: function (f, lyr) {
            var p = f.properties || {};
            var name = document.documentElement.lang === "en" ? (p.name_en || p.name_zh) : p.name_zh;
            lyr.bindTooltip(name + (p.synthetic ? " *" : ""), { sticky: true });
            if (el.dataset.drill) {
              lyr.on("click", function () { window.location = el.dataset.drill.replace("{code}", p.code); });
            }
          }
        }).addTo(map);
        if (layer.getBounds().isValid()) { map.fitBounds(layer.getBounds(), { padding: [8, 8] }); }
        return layer;
      }));
    }
    if (el.dataset.points) {
      ready.push(fetchJSON(el.dataset.points).then(function (fc) {
        var group = el.hasAttribute("data-cluster") && L.markerClusterGroup
          ? L.markerClusterGroup({ chunkedLoading: true, maxClusterRadius: 50 }) : L.featureGroup();
        L.geoJSON(fc, {
          pointToLayer: function (f, latlng) {
            var c = COLOURS[(f.properties || {}).colour] || COLOURS.blue;
            return L.circleMarker(latlng, { radius: 6, color: "#fff", weight: 1, fillColor: c, fillOpacity: 0.9 });
          },
          onEachFeature: function (f, lyr) {
            var p = f.properties || {};
            if (p.label) { lyr.bindTooltip(p.label); }
            if (p.url) { lyr.on("click", function () { window.location = p.url; }); }
          }
        }).eachLayer(function (l) { group.addLayer(l); });
        group.addTo(map);
        if (!el.dataset.regions && group.getLayers().length) { map.fitBounds(group.getBounds(), { padding: [16, 16] }); }
        return group;
      }));
    }
    if (el.dataset.pick) {
      var ids = el.dataset.pick.split(",");
      var lat = document.getElementById(ids[0]), lon = document.getElementById(ids[1]);
      var marker = null;
      var place = function (latlng) {
        if (marker) { marker.setLatLng(latlng); } else { marker = L.marker(latlng).addTo(map); }
        lat.value = latlng.lat.toFixed(6); lon.value = latlng.lng.toFixed(6);
        lat.dispatchEvent(new Event("change", { bubbles: true }));
      };
      if (lat.value && lon.value) { place(L.latLng(+lat.value, +lon.value)); }
      map.on("click", function (e) { place(e.latlng); });
      el.civicgridPlace = place;
    }
    Promise.all(ready).catch(function () { el.setAttribute("data-map-error", "1"); })
      .then(function () { el.setAttribute("data-map-ready", "1"); });
  }

  document.querySelectorAll("[data-map]").forEach(init);
})();
