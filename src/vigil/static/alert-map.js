/* The area of an alert on Vigil's offline map (Leaflet, Natural Earth boundaries, no tiles).
   Compose: data-lat / data-lon / data-radius / data-polygon name the inputs; a tap sets the
   centre, the shapes follow the inputs, and alert-draw.js draws them on the map into the
   inputs; the readable sites and place names come from map-layers.js (data-sites,
   data-places). Detail: data-circle ({lat, lon, radius_km}) and data-polygons
   ([[[lat, lon], ...]]) are drawn read-only. No inline script (CSP). */
(function () {
  "use strict";

  var TAP_AFTER_DRAW_MS = 500;
  if (typeof L !== "undefined" && L.PM) { L.PM.setOptIn(true); }  // geoman edits our shapes only

  function num(input) {
    if (!input || input.value.trim() === "") { return null; }
    var value = Number(input.value.trim().replace(",", "."));
    return isFinite(value) ? value : null;
  }

  function json(element, name) {
    try { return JSON.parse(element.getAttribute(name) || "null"); } catch (e) { return null; }
  }

  function fire(input) { input.dispatchEvent(new Event("change", { bubbles: true })); }

  /* "lat,lon lat,lon ..." as the form takes it; null unless it is a closed ring. */
  function parseRing(text) {
    var points = text.trim().split(/\s+/).map(function (pair) {
      var parts = pair.split(",").map(Number);
      return parts.length === 2 && isFinite(parts[0]) && isFinite(parts[1]) ? parts : null;
    });
    if (points.length < 4 || points.indexOf(null) !== -1) { return null; }
    return points.slice(0, -1);
  }

  function busy(map) {
    return Boolean(map.pm && (map.pm.globalDrawModeEnabled() || map.pm.globalEditModeEnabled() ||
      map.pm.globalDragModeEnabled() || map.pm.globalRemovalModeEnabled())) ||
      map.getContainer().classList.contains("drawing-circle");
  }

  function compose(map, element, style) {
    var input = function (name) { return document.getElementById(element.getAttribute(name) || ""); };
    var lat = input("data-lat"), lon = input("data-lon"), radius = input("data-radius"), polygonInput = input("data-polygon");
    if (!(lat && lon && radius)) { return; }
    var drawn = null, polygon = null;
    var area = { style: style, drewAt: 0, inputs: { lat: lat, lon: lon, radius: radius, polygon: polygonInput },
      onShape: function () {} };
    var shapeStyle = Object.assign({ pmIgnore: false }, style);
    var writing = false;  // our own "change": the shape is already where the input says
    area.fire = function (field) { writing = true; try { fire(field); } finally { writing = false; } };

    function redraw(fit) {
      var a = num(lat), b = num(lon), r = num(radius);
      if (a === null || b === null || r === null || r <= 0 || Math.abs(a) > 90 || Math.abs(b) > 180) { return; }
      if (drawn) { drawn.setLatLng([a, b]); drawn.setRadius(r * 1000); }
      else { drawn = L.circle([a, b], Object.assign({ radius: r * 1000 }, shapeStyle)).addTo(map); area.onShape(drawn); }
      if (fit) { map.fitBounds(drawn.getBounds(), { padding: [16, 16] }); }
    }
    function redrawPolygon(fit) {
      var ring = polygonInput ? parseRing(polygonInput.value) : null;
      if (!ring) { return; }
      if (polygon) { polygon.setLatLngs(ring); }
      else { polygon = L.polygon(ring, shapeStyle).addTo(map); area.onShape(polygon); }
      if (fit && !drawn) { map.fitBounds(polygon.getBounds(), { padding: [16, 16] }); }
    }

    area.circle = function () { return drawn; };
    area.polygon = function () { return polygon; };
    area.setCircle = function (a, b, km) {
      lat.value = a.toFixed(5);
      lon.value = b.toFixed(5);
      if (km !== null && km > 0) { radius.value = String(Math.round(km * 1000) / 1000); }
      redraw(false);
      area.fire(lat);
    };
    area.clearCircle = function () {
      if (drawn) { map.removeLayer(drawn); drawn = null; }
      lat.value = ""; lon.value = "";
      area.fire(lat);
    };
    area.setPolygon = function (layer) {
      if (polygon && polygon !== layer) { map.removeLayer(polygon); }
      polygon = layer;
      area.onShape(layer);
      polygonInput.value = window.VigilAlertDraw.ringText(layer);
      area.fire(polygonInput);
    };
    area.clearPolygon = function () {
      if (polygon) { map.removeLayer(polygon); polygon = null; }
      polygonInput.value = "";
      area.fire(polygonInput);
    };

    map.on("click", function (event) {
      if (Date.now() - area.drewAt < TAP_AFTER_DRAW_MS || busy(map)) { return; }
      var point = event.latlng.wrap();
      area.setCircle(point.lat, point.lng, null);
    });
    if (window.VigilAlertDraw) { window.VigilAlertDraw.setUp(map, element, area); }
    [lat, lon, radius].forEach(function (field) { field.addEventListener("change", function () {
      if (!writing) { redraw(true); }
    }); });
    if (polygonInput) {
      polygonInput.addEventListener("change", function () {
        if (writing) { return; }
        if (polygonInput.value.trim() === "" && polygon) { map.removeLayer(polygon); polygon = null; }
        redrawPolygon(true);
      });
    }
    redraw(true);
    redrawPolygon(true);
  }

  function setUp(element) {
    var map = L.map(element, { zoomSnap: 0.5, minZoom: 1, maxZoom: 16, maxBounds: [[-85, -200], [85, 200]],
      zoomControl: false, attributionControl: false, pmIgnore: false });
    var rtl = document.documentElement.dir === "rtl";  // controls to the start side (map.js)
    L.control.zoom({ position: rtl ? "topright" : "topleft" }).addTo(map);
    L.control.attribution({ position: rtl ? "bottomleft" : "bottomright", prefix: false })
      .addAttribution("Natural Earth \u00b7 GeoNames \u00b7 Leaflet").addTo(map);
    map.fitBounds([[34, -12], [60, 35]]);
    var style = { color: "#7a0c10", weight: 2, fillColor: "#d62828", fillOpacity: 0.2, className: "alert-area" };
    var shapes = L.featureGroup().addTo(map);

    var circle = json(element, "data-circle");
    if (circle) { L.circle([circle.lat, circle.lon], Object.assign({ radius: circle.radius_km * 1000 }, style)).addTo(shapes); }
    (json(element, "data-polygons") || []).forEach(function (ring) { L.polygon(ring, style).addTo(shapes); });
    if (shapes.getLayers().length) { map.fitBounds(shapes.getBounds(), { padding: [16, 16] }); }

    compose(map, element, style);
    if (window.VigilMap) {
      window.VigilMap.siteMarkers(map, element);
      window.VigilMap.placeLabels(map, element);
    }

    if (window.VigilBoundaries && typeof topojson !== "undefined") {
      window.VigilBoundaries(map, element).catch(function () { /* said in data-boundaries-error */ });
    }
    element.classList.add("map-ready");
  }

  function start() {
    if (typeof L === "undefined") { return; }
    Array.prototype.forEach.call(document.querySelectorAll("#alert-map"), setUp);
  }
  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", start); } else { start(); }
})();
