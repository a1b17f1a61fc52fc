/* « Planifier », review of a plan: its tours on a Leaflet map over the scenario's streets (drawn
   from its OSM file: no tiles needed). Data from the page's JSON block (strict CSP: no inline
   script). */
(function () {
  "use strict";
  var COLOURS = ["#0b5d5b", "#a3221b", "#1f4e9c", "#8a5a00", "#6b2f8f", "#2f6b1f", "#b34a00", "#3d4f5c"];
  var el = document.getElementById("plan-map");
  var source = document.getElementById("plan-map-data");
  if (!el || !source || !window.L) return;
  var data = JSON.parse(source.textContent);
  function text(value) { // names are shown as text, never as HTML
    var span = document.createElement("span");
    span.textContent = value;
    return span;
  }
  var map = L.map(el, { zoomControl: true, attributionControl: false });
  L.control.scale({ imperial: false }).addTo(map);
  var bounds = L.latLngBounds([]);
  if (data.depot) {
    var depot = [data.depot.lat, data.depot.lon];
    L.marker(depot, {
      icon: L.divIcon({ className: "pin depot", iconSize: [22, 22], iconAnchor: [11, 11] }),
      title: "Dépôt : " + data.depot.name, keyboard: false,
    }).addTo(map);
    bounds.extend(depot);
  }
  data.tours.forEach(function (tour, k) {
    var colour = COLOURS[k % COLOURS.length];
    L.polyline(tour.line, { color: colour, weight: 4, opacity: 0.8 }).bindTooltip(text(tour.label)).addTo(map);
    tour.stops.forEach(function (stop) {
      var at = [stop.lat, stop.lon];
      L.circleMarker(at, { radius: 8, color: "#fff", weight: 2, fillColor: colour, fillOpacity: 1 })
        .bindPopup(text(tour.label + " — " + stop.n + ". " + stop.label))
        .addTo(map);
      bounds.extend(at);
    });
    // Where the vehicle parks when the stand is more than 30 m away: a « P » and the walk, dashed.
    (tour.walks || []).forEach(function (walk) {
      L.polyline(walk.line, { color: "#1b1f23", weight: 3, dashArray: "4 6", className: "walk-line" })
        .bindTooltip(text(walk.label)).addTo(map);
      var at = [walk.lat, walk.lon];
      L.marker(at, {
        icon: L.divIcon({ className: "pin parking", html: "P", iconSize: [20, 20], iconAnchor: [10, 10] }),
        title: walk.label, keyboard: false,
      }).bindPopup(text(walk.label)).addTo(map);
      bounds.extend(at);
    });
  });
  if (bounds.isValid()) map.fitBounds(bounds, { padding: [30, 30], maxZoom: 16 });
  else map.setView([45.5667, 5.9217], 14);
  if (el.dataset.streetsUrl) {
    fetch(el.dataset.streetsUrl, { credentials: "same-origin" })
      .then(function (res) { return res.ok ? res.json() : { lines: [] }; })
      .then(function (streets) {
        if (!streets.lines || !streets.lines.length) return;
        L.polyline(streets.lines, {
          color: "#9aa5a5", weight: 2, interactive: false, renderer: L.canvas({ padding: 0.5 }),
        }).addTo(map).bringToBack();
      })
      .catch(function () {});
  }
})();
