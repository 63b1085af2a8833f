/* Country boundaries under Vigil's offline maps (DECISIONS 16 and 36), at the detail the zoom
   needs: the 1:110m Natural Earth world (38 KB compressed) first, the 1:50m one (230 KB) only
   once the map is zoomed in to a region or closer, where the coarse borders would be visibly
   wrong. Read from the map element (no inline script, CSP):
     data-boundaries       URL of the coarse countries TopoJSON
     data-boundaries-fine  URL of the fine one (optional)
   window.VigilBoundaries(map, element) returns a promise of the coarse countries (GeoJSON), for
   a map that fits its home country; it marks the element data-boundaries-drawn, and
   data-boundaries-detail="fine" once the fine layer replaced the coarse one. */
(function () {
  "use strict";

  var FINE_ZOOM = 6;  // a region and closer; the phone-sized country views stay coarse
  var STYLE = { color: "#6b7785", weight: 1, fillColor: "#f4f1e8", fillOpacity: 1, className: "country" };
  var cache = {};

  /* Rings that cross the antimeridian (Russia, Fiji) jump from +180 to -180; Leaflet would draw
     that jump as a band across the world. Each ring is made continuous instead. */
  function unwrapRing(ring) {
    var offset = 0, previous = null;
    return ring.map(function (coord) {
      if (previous !== null) {
        var step = coord[0] - previous;
        if (step > 180) { offset -= 360; } else if (step < -180) { offset += 360; }
      }
      previous = coord[0];
      return [coord[0] + offset, coord[1]];
    });
  }

  function unwrap(geometry) {
    if (!geometry) { return geometry; }
    if (geometry.type === "Polygon") {
      return { type: "Polygon", coordinates: geometry.coordinates.map(unwrapRing) };
    }
    if (geometry.type === "MultiPolygon") {
      return {
        type: "MultiPolygon",
        coordinates: geometry.coordinates.map(function (polygon) { return polygon.map(unwrapRing); })
      };
    }
    return geometry;
  }

  function countries(url) {
    if (!cache[url]) {
      cache[url] = fetch(url, { credentials: "same-origin" })
        .then(function (response) {
          if (!response.ok) { throw new Error("boundaries: HTTP " + response.status); }
          return response.json();
        })
        .then(function (topology) {
          var found = topojson.feature(topology, topology.objects.countries);
          found.features.forEach(function (feature) { feature.geometry = unwrap(feature.geometry); });
          return found;
        });
    }
    return cache[url];
  }

  function draw(map, element) {
    var coarseUrl = element.getAttribute("data-boundaries");
    var fineUrl = element.getAttribute("data-boundaries-fine");
    var layer = null;
    var fine = false;

    function show(found) {
      var next = L.geoJSON(found, { interactive: false, style: STYLE }).addTo(map).bringToBack();
      if (layer) { map.removeLayer(layer); }
      layer = next;
    }

    function refine() {
      if (fine || !fineUrl || map.getZoom() < FINE_ZOOM) { return; }
      fine = true;
      map.off("zoomend", refine);
      countries(fineUrl).then(function (found) {
        show(found);
        element.setAttribute("data-boundaries-detail", "fine");
      }).catch(function () {
        // Offline without the fine file, or a failed load: the coarse borders stay.
        element.setAttribute("data-boundaries-detail", "coarse");
      });
    }

    return countries(coarseUrl).then(function (found) {
      if (!fine) { show(found); }
      element.setAttribute("data-boundaries-drawn", "true");
      map.on("zoomend", refine);
      refine();
      return found;
    }).catch(function (error) {
      element.setAttribute("data-boundaries-error", String(error));
      throw error;
    });
  }

  window.VigilBoundaries = draw;
})();
