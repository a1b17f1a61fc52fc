/* Coordinator catalogue pages: Leaflet maps (sites list, one point in a form, placed by address
   too), live check of the window grammar, focus on the error summary. No inline script (strict
   CSP). */
(function () {
  "use strict";
  var CHAMBERY = [45.5667, 5.9217];
  var csrf = (document.querySelector('meta[name="csrf-token"]') || {}).content || "";

  function postJSON(url, body) {
    return fetch(url, {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRFToken": csrf },
      body: JSON.stringify(body),
    }).then(function (res) {
      return res.json().catch(function () { return {}; }).then(function (data) {
        data.httpStatus = res.status;
        return data;
      });
    });
  }

  function pin(kind) {
    return L.divIcon({ className: "pin " + (kind || ""), iconSize: [22, 22], iconAnchor: [11, 11] });
  }

  function round6(x) { return Math.round(x * 1e6) / 1e6; }

  function newMap(el) {
    // Tiles only when the server names a tile source: the maps work offline without them.
    var tiles = el.dataset.tilesUrl;
    var map = L.map(el, { zoomControl: true, attributionControl: !!tiles });
    if (tiles) {
      L.tileLayer(tiles, { maxZoom: 19, attribution: "© contributeurs OpenStreetMap" }).addTo(map);
    }
    L.control.scale({ imperial: false }).addTo(map);
    return map;
  }

  // The scenario's streets as a grey background (no tiles needed); the map works without them.
  function drawStreets(map, el, fitWhenEmpty) {
    if (!el.dataset.streetsUrl) return;
    fetch(el.dataset.streetsUrl, { credentials: "same-origin" })
      .then(function (res) { return res.ok ? res.json() : { lines: [] }; })
      .then(function (data) {
        if (!data.lines || !data.lines.length) return;
        var layer = L.polyline(data.lines, {
          color: "#7d8a8a", weight: 2, interactive: false, renderer: L.canvas({ padding: 0.5 }),
        }).addTo(map);
        layer.bringToBack();
        if (fitWhenEmpty) map.fitBounds(layer.getBounds());
      })
      .catch(function () {});
  }

  function fit(map, points) {
    if (points.length > 1) map.fitBounds(L.latLngBounds(points), { padding: [30, 30], maxZoom: 16 });
    else map.setView(points[0] || CHAMBERY, 15);
  }

  function listMap(el) {
    var data = JSON.parse(document.getElementById("map-data").textContent);
    var map = newMap(el);
    var status = document.getElementById("map-status");
    var points = [];
    if (data.depot) {
      L.marker([data.depot.lat, data.depot.lon], { icon: pin("depot"), title: "Dépôt : " + data.depot.name, keyboard: false })
        .addTo(map);
      points.push([data.depot.lat, data.depot.lon]);
    }
    data.sites.forEach(function (site) {
      if (site.lat === null || site.lon === null) return;
      var marker = L.marker([site.lat, site.lon], { icon: pin("site"), title: site.name, alt: site.name, draggable: true });
      var link = document.createElement("a");
      link.href = el.dataset.editUrl.replace("__code__", encodeURIComponent(site.code));
      link.textContent = site.name;
      marker.bindPopup(link);
      marker.on("dragend", function () {
        var to = marker.getLatLng();
        status.textContent = "Déplacement de « " + site.name + " »…";
        postJSON(el.dataset.moveUrl.replace("__code__", encodeURIComponent(site.code)), { lat: round6(to.lat), lon: round6(to.lng) })
          .then(function (res) {
            if (!res.ok) throw new Error(res.error || "refusé");
            site.lat = res.lat; site.lon = res.lon;
            status.textContent = "« " + site.name + " » déplacé et enregistré.";
          })
          .catch(function () {
            marker.setLatLng([site.lat, site.lon]);
            status.textContent = "« " + site.name + " » n'a pas pu être déplacé (connexion ?) : rien n'a changé.";
          });
      });
      marker.addTo(map);
      points.push([site.lat, site.lon]);
    });
    fit(map, points);
    drawStreets(map, el, points.length === 0);
    map.on("click", function (e) {
      var url = el.dataset.newUrl + "?lat=" + round6(e.latlng.lat) + "&lon=" + round6(e.latlng.lng);
      var link = document.createElement("a");
      link.href = url;
      link.className = "btn small primary add-here";
      link.textContent = "Ajouter un lieu ici";
      L.popup().setLatLng(e.latlng).setContent(link).openOn(map);
      link.focus();
    });
  }

  function pointMap(el) {
    var lat = document.getElementById(el.dataset.lat);
    var lon = document.getElementById(el.dataset.lon);
    var map = newMap(el);
    var marker = null;
    function read() {
      var a = parseFloat(lat.value.replace(",", ".")), b = parseFloat(lon.value.replace(",", "."));
      return isFinite(a) && isFinite(b) && Math.abs(a) <= 90 && Math.abs(b) <= 180 ? [a, b] : null;
    }
    function place(at, write) {
      if (!marker) {
        marker = L.marker(at, { icon: pin(el.dataset.pin || "site"), draggable: true, title: el.dataset.pin === "parking" ? "Stationnement" : "Position" }).addTo(map);
        marker.on("dragend", function () { var p = marker.getLatLng(); place([p.lat, p.lng], true); });
      } else {
        marker.setLatLng(at);
      }
      if (write) { lat.value = round6(at[0]); lon.value = round6(at[1]); }
    }
    var start = read();
    if (start) place(start, false);
    map.setView(start || CHAMBERY, start ? 16 : 14);
    drawStreets(map, el, !start);
    map.on("click", function (e) { place([e.latlng.lat, e.latlng.lng], true); });
    [lat, lon].forEach(function (input) {
      input.addEventListener("change", function () { var p = read(); if (p) { place(p, false); map.panTo(p); } });
    });
    return function moveTo(at) {
      place(at, true);
      map.setView(at, Math.max(map.getZoom(), 16));
    };
  }

  function fillOnly(at) { // no map (Leaflet not loaded): the fields still get the point
    document.getElementById("f-lat").value = round6(at[0]);
    document.getElementById("f-lon").value = round6(at[1]);
  }

  // « Localiser l'adresse »: the server geocodes the typed address (its cache works offline);
  // the point fills the fields and moves the pin. A failure changes nothing and says so.
  var GEOCODE_FAILED = "Adresse introuvable ou pas de connexion : placez le lieu sur la carte ou tapez ses coordonnées";

  function geocodeButton(box, moveTo) {
    var address = document.getElementById(box.dataset.address);
    var commune = box.dataset.commune ? document.getElementById(box.dataset.commune) : null;
    var button = box.querySelector("button");
    var out = box.querySelector(".check");
    var described = (address.getAttribute("aria-describedby") || "").split(" ").filter(Boolean);
    if (described.indexOf(out.id) < 0) address.setAttribute("aria-describedby", described.concat(out.id).join(" "));
    box.hidden = false;
    function say(text, kind) { out.textContent = text; out.className = "check" + (kind ? " " + kind : ""); }
    button.addEventListener("click", function () {
      var text = address.value.trim();
      if (!text) { say("Tapez d'abord une adresse.", "bad"); address.focus(); return; }
      button.disabled = true;
      say("Recherche de l'adresse…", "");
      postJSON(box.dataset.url, { address: text, commune: commune ? commune.value : "" })
        .then(function (res) {
          if (!res.ok || typeof res.lat !== "number" || typeof res.lon !== "number") {
            say(res.error || GEOCODE_FAILED, "bad");
            return;
          }
          moveTo([res.lat, res.lon]);
          say("Adresse localisée : " + res.lat + ", " + res.lon + " (vérifiez le repère sur la carte).", "ok");
        })
        .catch(function () { say(GEOCODE_FAILED, "bad"); })
        .then(function () { button.disabled = false; });
    });
  }

  function windowsCheck(input) {
    var out = document.getElementById("windows-lecture");
    var timer = null, asked = 0;
    function check() {
      var text = input.value, n = ++asked;
      if (!text.trim()) { out.textContent = ""; out.className = "check"; return; }
      postJSON(input.dataset.checkUrl, { windows: text }).then(function (res) {
        if (n !== asked) return; // an older answer
        if (res.ok) {
          out.textContent = "Compris : " + res.french;
          out.className = "check ok";
          input.removeAttribute("aria-invalid");
        } else {
          out.textContent = res.error ? "À corriger : " + res.error : "Vérification impossible pour l'instant.";
          out.className = res.error ? "check bad" : "check";
          if (res.error) input.setAttribute("aria-invalid", "true");
        }
      }).catch(function () { if (n === asked) { out.textContent = ""; out.className = "check"; } });
    }
    var serverError = document.getElementById("windows-erreur");
    input.addEventListener("input", function () {
      if (serverError) serverError.hidden = true; // the live check replaces the saved error
      clearTimeout(timer);
      timer = setTimeout(check, 400);
    });
    if (input.value && !serverError) check();
  }

  var map = document.getElementById("map"), moveTo = null;
  if (map && window.L) {
    if (map.dataset.mode === "list") listMap(map); else moveTo = pointMap(map);
  }
  var parkMap = document.getElementById("park-map"); // the vehicle's own parking point
  if (parkMap && window.L) pointMap(parkMap);
  var geocode = document.getElementById("geocode");
  if (geocode) geocodeButton(geocode, moveTo || fillOnly);
  var windows = document.querySelector("input[data-check-url]");
  if (windows) windowsCheck(windows);
  var summary = document.getElementById("erreurs");
  if (summary) summary.focus();
})();
