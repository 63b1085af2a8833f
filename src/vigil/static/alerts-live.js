/* Live alert banner on every Vigil page: an EventSource on /api/v1/alerts/stream; each alert the
   viewer may read appears at the top within a second of being sent, without reload; a Test or
   Exercise alert is marked as such; each alert also tells the page (a "vigil-alert" event on
   the body) so that what it shows live, like the dashboard's cards, looks again. Texts come
   from the banner element's data-* attributes (translated on the server); no inline script. */
(function () {
  "use strict";

  var box = document.getElementById("alert-banner");
  if (!box || typeof EventSource === "undefined") { return; }
  var dismissedKey = "vigil-dismissed-alerts";

  function dismissed() {
    try { return JSON.parse(sessionStorage.getItem(dismissedKey) || "[]"); } catch (e) { return []; }
  }

  function show(alert) {
    if (dismissed().indexOf(alert.id) !== -1 || document.getElementById("alert-" + alert.id)) { return; }
    var item = document.createElement("div");
    item.id = "alert-" + alert.id;
    item.className = "alert-banner-item severity-" + String(alert.severity || "").toLowerCase();
    item.setAttribute("role", "alert");
    // Test and Exercise alerts say so in words, first (not by colour alone).
    var status = String(alert.status || "Actual").toLowerCase();
    var mark = status === "actual" ? null : box.getAttribute("data-status-" + status);
    if (mark) {
      var tag = document.createElement("strong");
      tag.className = "status-mark status-" + status;
      tag.textContent = mark;
      item.appendChild(tag);
      item.classList.add("alert-banner-" + status);
    }
    var title = document.createElement("strong");
    title.textContent = (alert.msg_type === "Cancel" ? box.getAttribute("data-cancelled") + " " : "") + alert.headline;
    var text = document.createElement("p");
    text.textContent = alert.instruction || alert.area || "";
    var link = document.createElement("a");
    link.href = alert.url;
    link.textContent = box.getAttribute("data-open");
    var close = document.createElement("button");
    close.type = "button";
    close.className = "button-quiet";
    close.textContent = box.getAttribute("data-dismiss");
    close.addEventListener("click", function () {
      var list = dismissed();
      list.push(alert.id);
      try { sessionStorage.setItem(dismissedKey, JSON.stringify(list)); } catch (e) { /* private mode */ }
      item.remove();
      if (!box.children.length) { box.hidden = true; }
    });
    item.appendChild(title);
    item.appendChild(text);
    item.appendChild(link);
    item.appendChild(close);
    box.insertBefore(item, box.firstChild);
    box.hidden = false;
  }

  var source = new EventSource("/api/v1/alerts/stream");
  source.addEventListener("alert", function (event) {
    try { show(JSON.parse(event.data)); } catch (e) { /* ignore a garbled event */ }
    // The dashboard's "now" cards ask again at once (hx-trigger="vigil-alert from:body").
    document.body.dispatchEvent(new CustomEvent("vigil-alert"));
  });
  window.addEventListener("pagehide", function () { source.close(); });
})();
