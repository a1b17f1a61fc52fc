/* « Rencontres », Carte: one circle per site, its area proportional to the people met (radius
   ∝ √people). The figures are also in the table under the map. No inline script (strict CSP). */
(function () {
  "use strict";
  var el = document.getElementById("records-map");
  var source = document.getElementById("records-map-data");
  if (!el || !source || !window.L) return;
  var CHAMBERY = [45.5667, 5.9217];
  var MAX_RADIUS_PX = 36, MIN_RADIUS_PX = 4;
  var points = JSON.parse(source.textContent);
  var tiles = el.dataset.tilesUrl;
  var map = L.map(el, { zoomControl: true, attributionControl: !!tiles });
  if (tiles) {
    L.tileLayer(tiles, { maxZoom: 19, attribution: "© contributeurs OpenStreetMap" }).addTo(map);
  }
  L.control.scale({ imperial: false }).addTo(map);
  var peak = points.reduce(function (m, p) { return Math.max(m, p.people); }, 0) || 1;
  var where = [];
  points.forEach(function (p) {
    var radius = Math.max(MIN_RADIUS_PX, MAX_RADIUS_PX * Math.sqrt(p.people / peak));
    L.circleMarker([p.lat, p.lon], {
      radius: radius, color: "#0b5d5b", weight: 2, fillColor: "#0b5d5b", fillOpacity: 0.35,
      className: "site-circle",
    }).bindTooltip(p.name + " : " + p.people + " personne(s), " + p.stops + " arrêt(s)").addTo(map);
    where.push([p.lat, p.lon]);
  });
  if (where.length > 1) map.fitBounds(L.latLngBounds(where), { padding: [40, 40], maxZoom: 16 });
  else map.setView(where[0] || CHAMBERY, 15);
  // The scenario's streets as a grey background when the server knows them (no tiles needed).
  if (el.dataset.streetsUrl) {
    fetch(el.dataset.streetsUrl, { credentials: "same-origin" })
      .then(function (res) { return res.ok ? res.json() : { lines: [] }; })
      .then(function (data) {
        if (!data.lines || !data.lines.length) return;
        map.createPane("streets").style.zIndex = 350; // under the circles
        L.polyline(data.lines, {
          color: "#7d8a8a", weight: 2, interactive: false, pane: "streets",
          renderer: L.canvas({ padding: 0.5, pane: "streets" }),
        }).addTo(map);
      })
      .catch(function () {});
  }
  el.dataset.ready = String(points.length);
})();
