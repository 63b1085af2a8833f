/* The area of an alert on Vigil's offline map (Leaflet, Natural Earth boundaries, no tiles).
   Compose: data-lat / data-lon / data-radius name the inputs; a tap sets the centre and the
   circle follows the inputs. Detail: data-circle ({lat, lon, radius_km}) and data-polygons
   ([[[lat, lon], ...]]) are drawn read-only. No inline script (CSP). */
(function () {
  "use strict";

  function num(input) {
    if (!input || input.value.trim() === "") { return null; }
    var value = Number(input.value.trim().replace(",", "."));
    return isFinite(value) ? value : null;
  }

  function json(element, name) {
    try { return JSON.parse(element.getAttribute(name) || "null"); } catch (e) { return null; }
  }

  function setUp(element) {
    var map = L.map(element, { zoomSnap: 0.5, minZoom: 1, maxZoom: 16, maxBounds: [[-85, -200], [85, 200]],
      zoomControl: false, attributionControl: false });
    var rtl = document.documentElement.dir === "rtl";  // controls to the start side (map.js)
    L.control.zoom({ position: rtl ? "topright" : "topleft" }).addTo(map);
    L.control.attribution({ position: rtl ? "bottomleft" : "bottomright", prefix: false })
      .addAttribution("Natural Earth \u00b7 Leaflet").addTo(map);
    map.fitBounds([[34, -12], [60, 35]]);
    var style = { color: "#7a0c10", weight: 2, fillColor: "#d62828", fillOpacity: 0.2, className: "alert-area" };
    var shapes = L.featureGroup().addTo(map);

    var circle = json(element, "data-circle");
    if (circle) { L.circle([circle.lat, circle.lon], Object.assign({ radius: circle.radius_km * 1000 }, style)).addTo(shapes); }
    (json(element, "data-polygons") || []).forEach(function (ring) { L.polygon(ring, style).addTo(shapes); });
    if (shapes.getLayers().length) { map.fitBounds(shapes.getBounds(), { padding: [16, 16] }); }

    var lat = document.getElementById(element.getAttribute("data-lat") || "");
    var lon = document.getElementById(element.getAttribute("data-lon") || "");
    var radius = document.getElementById(element.getAttribute("data-radius") || "");
    if (lat && lon && radius) {
      var drawn = null;
      var redraw = function (fit) {
        var a = num(lat), b = num(lon), r = num(radius);
        if (a === null || b === null || r === null || r <= 0 || Math.abs(a) > 90 || Math.abs(b) > 180) { return; }
        if (drawn) { drawn.setLatLng([a, b]); drawn.setRadius(r * 1000); }
        else { drawn = L.circle([a, b], Object.assign({ radius: r * 1000 }, style)).addTo(map); }
        if (fit) { map.fitBounds(drawn.getBounds(), { padding: [16, 16] }); }
      };
      map.on("click", function (event) {
        var point = event.latlng.wrap();
        lat.value = point.lat.toFixed(5);
        lon.value = point.lng.toFixed(5);
        redraw(false);
        lat.dispatchEvent(new Event("change", { bubbles: true }));
      });
      [lat, lon, radius].forEach(function (input) { input.addEventListener("change", function () { redraw(true); }); });
      redraw(true);
    }

    var url = element.getAttribute("data-boundaries");
    if (url && typeof topojson !== "undefined") {
      fetch(url, { credentials: "same-origin" }).then(function (r) { return r.json(); }).then(function (topology) {
        L.geoJSON(topojson.feature(topology, topology.objects.countries), {
          interactive: false,
          style: { color: "#6b7785", weight: 1, fillColor: "#f4f1e8", fillOpacity: 1, className: "country" }
        }).addTo(map).bringToBack();
        element.setAttribute("data-boundaries-drawn", "true");
      }).catch(function (error) { element.setAttribute("data-boundaries-error", String(error)); });
    }
    element.classList.add("map-ready");
  }

  function start() {
    if (typeof L === "undefined") { return; }
    Array.prototype.forEach.call(document.querySelectorAll("#alert-map"), setUp);
  }
  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", start); } else { start(); }
})();
