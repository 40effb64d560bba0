// Command centre: the open problems on the map, coloured by SLA state, refreshed every minute.
// Wired by data-* on the <div data-map> that map.js sets up (it draws the boundaries and drills):
//   data-live-points="URL"       GeoJSON of open cases (properties: label, colour, url; truncated)
//   data-refresh-seconds="60"    how often to fetch them again (only while the page is visible)
//   data-truncated-message="…"   shown in [data-map-note] when the server capped the points
(function () {
  "use strict";
  var COLOURS = { green: "#1a7f37", yellow: "#b7791f", red: "#c0392b", grey: "#5b6673" };
  var WORST_FIRST = ["red", "yellow", "green", "grey"];

  // A group of points shows its count in the colour of its worst SLA state, not by its size.
  function clusterIcon(cluster) {
    var seen = {};
    cluster.getAllChildMarkers().forEach(function (m) { seen[m.options.sla] = true; });
    var worst = WORST_FIRST.filter(function (c) { return seen[c]; })[0] || "grey";
    return L.divIcon({
      html: "<div><span>" + cluster.getChildCount() + "</span></div>",
      className: "marker-cluster command-cluster command-cluster-" + worst,
      iconSize: L.point(40, 40)
    });
  }

  function layerFor(fc) {
    var group = L.markerClusterGroup
      ? L.markerClusterGroup({
        chunkedLoading: true, maxClusterRadius: 50, disableClusteringAtZoom: 16, iconCreateFunction: clusterIcon
      })
      : L.featureGroup();
    L.geoJSON(fc, {
      pointToLayer: function (f, latlng) {
        var sla = COLOURS[(f.properties || {}).colour] ? f.properties.colour : "grey";
        return L.circleMarker(latlng, { radius: 6, color: "#fff", weight: 1, fillColor: COLOURS[sla], fillOpacity: 0.9, sla: sla });
      },
      onEachFeature: function (f, lyr) {
        var p = f.properties || {};
        if (p.label) { lyr.bindTooltip(p.label); }
        if (p.url) { lyr.on("click", function () { window.location = p.url; }); }
      }
    }).eachLayer(function (l) { group.addLayer(l); });
    return group;
  }

  function start(el) {
    var map = el.civicgridMap;
    if (!map) { return; }
    // Without a tile layer the map has no maximum zoom, and marker clusters need one.
    if (!isFinite(map.getMaxZoom())) { map.setMaxZoom(19); }
    var note = el.parentNode.querySelector("[data-map-note]");
    var current = null, first = true;
    function load() {
      fetch(el.dataset.livePoints, { credentials: "same-origin", headers: { Accept: "application/json" } })
        .then(function (r) { if (!r.ok) { throw new Error(r.status); } return r.json(); })
        .then(function (fc) {
          var next = layerFor(fc);
          if (current) { map.removeLayer(current); }
          current = next.addTo(map);
          if (first && !el.dataset.regions && next.getLayers().length) {
            map.fitBounds(next.getBounds(), { padding: [16, 16] });
          }
          first = false;
          if (note) { note.textContent = fc.truncated ? el.dataset.truncatedMessage : ""; }
          el.setAttribute("data-points-ready", String(fc.features.length));
        })
        .catch(function () { el.setAttribute("data-map-error", "1"); });
    }
    load();
    var seconds = parseInt(el.dataset.refreshSeconds || "0", 10);
    if (seconds > 0) {
      window.setInterval(function () { if (document.visibilityState === "visible") { load(); } }, seconds * 1000);
    }
  }

  document.querySelectorAll("[data-live-points]").forEach(start);
})();
