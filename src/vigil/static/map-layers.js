/* Layers Vigil's offline maps share (DECISIONS 16: no tiles, so nothing is on the map unless
   Vigil draws it): clusters with counts (leaflet.markercluster), the sites a person may read as
   markers coloured by type, and place names from Vigil's gazetteer at city zoom. Read from the
   data-* attributes of the map's element (no inline script, CSP):
     data-sites    URL of the readable sites ({sites: [{id, name, type, lat, lon, url}]})
     data-legend   id of the legend (<li data-kind> per type, with the type in words)
     data-places   URL of the place names ({places: [{name, lat, lon}]}, ?bbox=&zoom=&limit=) */
(function () {
  "use strict";

  var LABEL_ZOOM = 7;  // from about a region's size down to streets
  var MOST_LABELS = 60;

  function cluster(options) {
    if (typeof L.markerClusterGroup !== "function") { return L.featureGroup(); }
    return L.markerClusterGroup(Object.assign({
      showCoverageOnHover: false, maxClusterRadius: 40, spiderfyOnMaxZoom: true
    }, options || {}));
  }

  function clamp(value, low, high) { return Math.min(high, Math.max(low, value)); }

  function kindLabels(legend) {
    var labels = {};
    if (!legend) { return labels; }
    Array.prototype.forEach.call(legend.querySelectorAll("[data-kind]"), function (item) {
      labels[item.getAttribute("data-kind")] = item.textContent.trim();
    });
    return labels;
  }

  function sitePopup(site, label) {
    var box = document.createElement("div");
    var link = document.createElement("a");
    link.href = site.url;
    link.textContent = site.name;
    link.dir = "auto";
    var kind = document.createElement("div");
    kind.className = "meta";
    kind.textContent = label;
    box.appendChild(link);
    box.appendChild(kind);
    return box;
  }

  /* The readable sites as markers (the clusters show their counts); the legend keeps the types
     present. Resolves to the cluster layer. */
  function siteMarkers(map, element) {
    var url = element.getAttribute("data-sites");
    if (!url) { return Promise.resolve(null); }
    var legend = document.getElementById(element.getAttribute("data-legend") || "");
    var labels = kindLabels(legend);
    var group = cluster().addTo(map);
    return fetch(url, { credentials: "same-origin" }).then(function (response) {
      if (!response.ok) { throw new Error("sites: HTTP " + response.status); }
      return response.json();
    }).then(function (data) {
      var present = {};
      data.sites.forEach(function (site) {
        var label = labels[site.type] || site.type;
        present[site.type] = true;
        L.marker([site.lat, site.lon], {
          icon: L.divIcon({ className: "site-marker site-kind-" + site.type, iconSize: [16, 16] }),
          title: site.name + " \u00b7 " + label
        }).bindPopup(sitePopup(site, label)).addTo(group);
      });
      if (legend) {
        Array.prototype.forEach.call(legend.querySelectorAll("[data-kind]"), function (item) {
          item.hidden = !present[item.getAttribute("data-kind")];
        });
        legend.hidden = data.sites.length === 0;
      }
      element.setAttribute("data-sites-drawn", String(data.sites.length));
      return group;
    }).catch(function (error) { element.setAttribute("data-sites-error", String(error)); });
  }

  /* Names of the largest places in view from city zoom on, redrawn after each move; labels
     are tooltips that take no clicks (the map underneath stays usable). */
  function placeLabels(map, element) {
    var url = element.getAttribute("data-places");
    if (!url) { return; }
    var layer = L.layerGroup().addTo(map);
    var asked = 0, timer = null;
    function refresh() {
      var ask = ++asked;
      if (map.getZoom() < LABEL_ZOOM) { layer.clearLayers(); return; }
      var b = map.getBounds(), size = map.getSize();
      var box = [clamp(b.getWest(), -180, 180), clamp(b.getSouth(), -90, 90),
                 clamp(b.getEast(), -180, 180), clamp(b.getNorth(), -90, 90)];
      if (box[0] >= box[2] || box[1] >= box[3]) { layer.clearLayers(); return; }
      var limit = clamp(Math.round(size.x * size.y / 9000), 4, MOST_LABELS);
      var query = "?bbox=" + encodeURIComponent(box.map(function (v) { return v.toFixed(4); }).join(",")) +
        "&zoom=" + Math.floor(map.getZoom()) + "&limit=" + limit;
      fetch(url + query, { credentials: "same-origin" }).then(function (response) {
        if (!response.ok) { throw new Error("places: HTTP " + response.status); }
        return response.json();
      }).then(function (data) {
        if (ask !== asked) { return; }
        layer.clearLayers();
        data.places.forEach(function (place) {
          var text = document.createElement("span");
          text.textContent = place.name;
          L.tooltip({ permanent: true, direction: "center", className: "place-label", interactive: false, opacity: 1 })
            .setLatLng([place.lat, place.lon]).setContent(text).addTo(layer);
        });
        element.setAttribute("data-places-drawn", String(data.places.length));
      }).catch(function (error) { element.setAttribute("data-places-error", String(error)); });
    }
    map.on("moveend", function () { clearTimeout(timer); timer = setTimeout(refresh, 200); });
    refresh();
  }

  window.VigilMap = { cluster: cluster, siteMarkers: siteMarkers, placeLabels: placeLabels };
})();
