/* Drawing an alert's area on the compose map with leaflet-geoman (npm): a circle by dragging
   from its centre (or tapping the centre, keeping the typed radius), a polygon by clicking its
   corners; both can be edited, moved and removed. The shape is written into the form's own
   inputs (circle centre and radius; the polygon as "lat,lon" pairs, the first repeated last),
   which then get a "change" event: the preview follows, and the form posts as if typed.
   Geoman manages only the drawn shapes (opt-in), not the sites, labels or boundaries. */
(function () {
  "use strict";

  var DRAG_MIN_PX = 4;  // less is a tap: the centre moves, the radius stays

  function ringText(layer) {
    var ring = layer.getLatLngs()[0].map(function (p) { return p.lat.toFixed(5) + "," + p.lng.toFixed(5); });
    return ring.concat(ring.slice(0, 1)).join(" ");
  }

  /* `area` (alert-map.js): style, inputs {lat, lon, radius, polygon}, circle(), setCircle(lat,
     lon, km or null), clearCircle(), polygon(), setPolygon(layer), clearPolygon(), fire(input)
     (a "change" the map itself makes), drewAt (when a drag ended), onShape(layer) (set here). */
  function setUp(map, element, area) {
    if (!map.pm) { return; }
    var text = {};
    try { text = JSON.parse(element.getAttribute("data-draw-text") || "{}"); } catch (e) { text = {}; }
    var rtl = document.documentElement.dir === "rtl";
    map.pm.setLang("vigil", text.geoman || {}, "en");
    map.pm.setGlobalOptions({ snappable: false, pathOptions: Object.assign({ pmIgnore: false }, area.style),
      templineStyle: area.style, hintlineStyle: area.style });
    map.pm.addControls({
      position: rtl ? "topright" : "topleft",
      drawMarker: false, drawCircleMarker: false, drawPolyline: false, drawRectangle: false, drawText: false,
      drawCircle: false, drawPolygon: Boolean(area.inputs.polygon), cutPolygon: false, rotateMode: false,
      editMode: true, dragMode: true, removalMode: true
    });

    // A circle by dragging: geoman's own circle is click, move, click.
    var container = map.getContainer(), start = null, temp = null, wasDragging = false;
    function deactivate() {
      if (temp) { map.removeLayer(temp); temp = null; }
      start = null;
      container.classList.remove("drawing-circle");
      if (wasDragging) { map.dragging.enable(); wasDragging = false; }
    }
    function down(event) {
      if (event.button !== 0 || start || event.target.closest(".leaflet-control")) { return; }
      start = { latlng: map.mouseEventToLatLng(event), x: event.clientX, y: event.clientY };
      temp = L.circle(start.latlng, Object.assign({ radius: 1, pmIgnore: true, interactive: false }, area.style)).addTo(map);
      event.preventDefault();
    }
    function move(event) {
      if (start) { temp.setRadius(start.latlng.distanceTo(map.mouseEventToLatLng(event))); }
    }
    function up(event) {
      if (!start) { return; }
      var moved = Math.abs(event.clientX - start.x) + Math.abs(event.clientY - start.y) >= DRAG_MIN_PX;
      var centre = start.latlng.wrap(), radiusKm = start.latlng.distanceTo(map.mouseEventToLatLng(event)) / 1000;
      area.drewAt = Date.now();  // the click that follows is not a tap on the map
      map.pm.Toolbar.toggleButton("dragCircle", false);
      stop();
      area.setCircle(centre.lat, centre.lng, moved ? radiusKm : null);
    }
    function begin() {
      container.classList.add("drawing-circle");
      if (map.dragging.enabled()) { map.dragging.disable(); wasDragging = true; }
      container.addEventListener("pointerdown", down);
      container.addEventListener("pointermove", move);
      container.addEventListener("pointerup", up);
    }
    function stop() {
      container.removeEventListener("pointerdown", down);
      container.removeEventListener("pointermove", move);
      container.removeEventListener("pointerup", up);
      deactivate();
    }
    if (area.inputs.lat) {
      map.pm.Toolbar.createCustomControl({
        name: "dragCircle", block: "draw", title: text.circle || "Circle", className: "leaflet-pm-icon-circle",
        toggle: true, actions: ["cancel"],
        afterClick: function (event, context) { if (context.button.toggled()) { begin(); } else { stop(); } }
      });
      map.pm.Toolbar.changeControlOrder(["dragCircle", "Polygon"]);
    }

    map.on("pm:create", function (event) {
      if (event.shape !== "Polygon") { return; }
      area.setPolygon(event.layer);
    });
    map.on("pm:remove", function (event) {
      if (event.layer === area.circle()) { area.clearCircle(); }
      if (event.layer === area.polygon()) { area.clearPolygon(); }
    });
    // Edited or moved: the inputs follow (alert-map.js listens on its shapes' pm events too).
    area.onShape = function (layer) {
      layer.on("pm:edit pm:dragend", function () {
        if (layer instanceof L.Circle) {
          var c = layer.getLatLng().wrap();
          area.setCircle(c.lat, c.lng, layer.getRadius() / 1000);
        } else if (area.inputs.polygon) {
          area.inputs.polygon.value = ringText(layer);
          area.fire(area.inputs.polygon);
        }
      });
    };
    // Geoman's buttons carry their title on a wrapper: the links themselves get the name.
    Array.prototype.forEach.call(container.querySelectorAll(".button-container[title]"), function (box) {
      var link = box.querySelector(".leaflet-buttons-control-button");
      if (link) { link.setAttribute("aria-label", box.getAttribute("title")); }
    });
    area.ringText = ringText;
  }

  window.VigilAlertDraw = { setUp: setUp, ringText: ringText };
})();
