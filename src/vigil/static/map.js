/* Vigil's offline maps (DECISIONS 16): Leaflet with no tile server. Country boundaries come
   from the locally served Natural Earth TopoJSON (world-atlas), incidents are circle markers.
   Everything a map needs is in the data-* attributes of its element (the CSP forbids inline
   scripts):
     data-boundaries   URL of the countries TopoJSON (boundaries.js draws them)
     data-points       JSON list of {id, lat, lon, title, url}
     data-pick-lat/-lon  ids of the inputs a click or tap on the map sets (the member form)
     data-home         ISO 3166-1 numeric code of the country to show when there is no point
     data-zoom         how close to show a single point (default 5: its region and borders)
     data-shapes       JSON list of GeoJSON geometries to outline (a site's perimeter)  */
(function () {
  "use strict";

  var WORLD = [[-58, -170], [78, 180]];
  var POINT_ZOOM = 5;
  var PICK_ZOOM = 9;

  function popupFor(point) {
    var link = document.createElement("a");
    link.href = point.url;
    link.textContent = "#" + point.id + " " + point.title;
    return link;
  }

  function readNumber(input) {
    if (!input || input.value.trim() === "") { return null; }
    var value = Number(input.value.trim().replace(",", "."));
    return isFinite(value) ? value : null;
  }

  // The map stays geographic in right-to-left pages (west is on the left); its controls move
  // to the start side, where the page's other controls are.
  function mapControls(map) {
    var rtl = document.documentElement.dir === "rtl";
    L.control.zoom({ position: rtl ? "topright" : "topleft" }).addTo(map);
    L.control.attribution({ position: rtl ? "bottomleft" : "bottomright", prefix: false })
      .addAttribution("Natural Earth \u00b7 Leaflet").addTo(map);
  }

  function setUp(element) {
    var points = [];
    try { points = JSON.parse(element.getAttribute("data-points") || "[]"); } catch (e) { points = []; }
    var latInput = document.getElementById(element.getAttribute("data-pick-lat") || "");
    var lonInput = document.getElementById(element.getAttribute("data-pick-lon") || "");
    var picking = Boolean(latInput && lonInput);
    var home = element.getAttribute("data-home") || "";
    var pointZoom = Number(element.getAttribute("data-zoom")) || POINT_ZOOM;

    var map = L.map(element, {
      attributionControl: false,
      zoomControl: false,
      zoomSnap: 0.5,
      worldCopyJump: false,
      maxBounds: [[-85, -200], [85, 200]],
      minZoom: 1,
      maxZoom: 16
    });
    mapControls(map);
    element.classList.add("map-ready");

    // Points many at one place (219 incidents in six cities) gather into clusters that show
    // their count (map-layers.js, where the page loads it); the shapes stay apart.
    var markers = L.featureGroup().addTo(map);
    var pointLayer = window.VigilMap ? window.VigilMap.cluster().addTo(map) : markers;
    points.forEach(function (point) {
      L.circleMarker([point.lat, point.lon], {
        radius: 7, weight: 2, color: "#7a0c10", fillColor: "#d62828", fillOpacity: 0.85,
        className: "incident-marker"
      }).bindPopup(popupFor(point)).addTo(pointLayer);
    });

    var pin = null;
    function placePin(lat, lon, zoomIn) {
      if (pin) { pin.setLatLng([lat, lon]); }
      else {
        pin = L.circleMarker([lat, lon], {
          radius: 8, weight: 3, color: "#083f77", fillColor: "#0b57a4", fillOpacity: 0.9,
          className: "incident-marker pick-marker"
        }).addTo(map);
      }
      if (zoomIn) { map.setView([lat, lon], Math.max(map.getZoom() || 0, PICK_ZOOM)); }
    }

    var shapes = [];
    try { shapes = JSON.parse(element.getAttribute("data-shapes") || "[]"); } catch (e) { shapes = []; }
    shapes.forEach(function (shape) {
      L.geoJSON(shape, {
        interactive: false,
        style: { color: "#083f77", weight: 2, fillColor: "#0b57a4", fillOpacity: 0.15, className: "perimeter" }
      }).addTo(markers);
    });

    var placed = points.length > 0;
    if (points.length === 1) {
      map.setView([points[0].lat, points[0].lon], pointZoom);
    } else if (points.length > 1) {
      map.fitBounds(L.latLngBounds(points.map(function (p) { return [p.lat, p.lon]; })),
        { padding: [24, 24], maxZoom: pointZoom });
    } else {
      map.fitBounds(WORLD);
    }

    if (picking) {
      var lat = readNumber(latInput), lon = readNumber(lonInput);
      if (lat !== null && lon !== null) {
        placePin(lat, lon, false);
        map.setView([lat, lon], PICK_ZOOM);
        placed = true;
      }
      map.on("click", function (event) {
        var latlng = event.latlng.wrap();
        latInput.value = latlng.lat.toFixed(6);
        lonInput.value = latlng.lng.toFixed(6);
        placePin(latlng.lat, latlng.lng, false);
      });
      [latInput, lonInput].forEach(function (input) {
        input.addEventListener("change", function () {
          var a = readNumber(latInput), b = readNumber(lonInput);
          if (a !== null && b !== null && Math.abs(a) <= 90 && Math.abs(b) <= 180) { placePin(a, b, true); }
        });
      });
      var form = element.closest("form");
      if (form) {
        form.addEventListener("change", function (event) {
          var target = event.target;
          if (target && target.name === "candidate" && target.checked) {
            var cLat = Number(target.getAttribute("data-lat"));
            var cLon = Number(target.getAttribute("data-lon"));
            if (isFinite(cLat) && isFinite(cLon)) { map.setView([cLat, cLon], PICK_ZOOM); }
          }
        });
        form.addEventListener("htmx:afterSwap", function () {
          var chosen = form.querySelector("input[name=candidate]:checked");
          if (chosen && readNumber(latInput) === null) {
            map.setView([Number(chosen.getAttribute("data-lat")), Number(chosen.getAttribute("data-lon"))], PICK_ZOOM);
          }
        });
      }
    }

    if (window.VigilBoundaries) {
      window.VigilBoundaries(map, element).then(function (countries) {
        if (!placed && home) {
          var country = countries.features.filter(function (f) { return String(f.id) === home; })[0];
          if (country) { map.fitBounds(L.geoJSON(country).getBounds(), { padding: [8, 8] }); }
        }
      }).catch(function () { /* said in data-boundaries-error */ });
    }

    // A map inside a closed <details> had no size when it was made.
    var details = element.closest("details");
    if (details) {
      details.addEventListener("toggle", function () { if (details.open) { map.invalidateSize(); } });
    }
    return map;
  }

  function start() {
    if (typeof L === "undefined" || typeof topojson === "undefined") { return; }
    Array.prototype.forEach.call(document.querySelectorAll(".map[data-boundaries]"), setUp);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
