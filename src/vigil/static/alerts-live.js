/* Live alert banner on every Vigil page: an EventSource on /api/v1/alerts/stream; each alert the
   viewer may read appears at the top within a second of being sent, without reload; a Test or
   Exercise alert is marked as such; each alert also tells the page (a "vigil-alert" event on
   the body) so that what it shows live, like the dashboard's cards, looks again. Texts come
   from the banner element's data-* attributes (translated on the server); no inline script.

   The banner stays on screen (CSS: sticky) until each alert is opened or hidden; while one is
   shown the tab's title flashes the headline, and this device beeps and vibrates when its
   person switched that on for it (the account page; kept in this browser, as a phone may ring
   and a desk may not). A stream that fails is opened again; one that ends comes back by itself
   (EventSource), and the server sends the current alerts again on every connection. */
(function () {
  "use strict";

  var box = document.getElementById("alert-banner");
  if (!box || typeof EventSource === "undefined") { return; }
  var dismissedKey = "vigil-dismissed-alerts";
  var rungKey = "vigil-rung-alerts";
  var FLASH_MS = 1000;
  var RECONNECT_MS = 3000;
  var pageTitle = document.title;
  var flashing = null;

  function setting(name) {
    try { return localStorage.getItem("vigil-alert-" + name) === "on"; } catch (e) { return false; }
  }

  /* The title alternates between the newest headline and the page's own until no alert is
     shown any more. */
  function flash(headline) {
    var alertTitle = "\u26a0 " + headline;
    if (flashing) { window.clearInterval(flashing); }
    document.title = alertTitle;
    flashing = window.setInterval(function () {
      if (!box.children.length) { stopFlashing(); return; }
      document.title = document.title === alertTitle ? pageTitle : alertTitle;
    }, FLASH_MS);
  }

  function stopFlashing() {
    if (flashing) { window.clearInterval(flashing); flashing = null; }
    document.title = pageTitle;
  }

  function ring() {
    if (setting("vibrate") && navigator.vibrate) { navigator.vibrate([300, 150, 300, 150, 300]); }
    if (!setting("sound")) { return; }
    try {
      var Context = window.AudioContext || window.webkitAudioContext;
      var audio = new Context();
      [0, 0.35, 0.7].forEach(function (at) {
        var tone = audio.createOscillator();
        tone.frequency.value = 880;
        tone.connect(audio.destination);
        tone.start(audio.currentTime + at);
        tone.stop(audio.currentTime + at + 0.2);
      });
    } catch (e) { /* no sound on this device: the banner and the title still show it */ }
  }

  function remembered(key) {
    try { return JSON.parse(sessionStorage.getItem(key) || "[]"); } catch (e) { return []; }
  }

  function remember(key, id) {
    var list = remembered(key);
    list.push(id);
    try { sessionStorage.setItem(key, JSON.stringify(list)); } catch (e) { /* private mode */ }
  }

  function dismissed() { return remembered(dismissedKey); }

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
    var heading = document.createElement("strong");
    heading.textContent = (alert.msg_type === "Cancel" ? box.getAttribute("data-cancelled") + " " : "") + alert.headline;
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
      remember(dismissedKey, alert.id);
      item.remove();
      if (!box.children.length) { box.hidden = true; stopFlashing(); }
    });
    item.appendChild(heading);
    item.appendChild(text);
    item.appendChild(link);
    item.appendChild(close);
    box.insertBefore(item, box.firstChild);
    box.hidden = false;
    flash(heading.textContent);
    // Once per alert in this tab: every page it opens shows the current alerts again, and
    // a phone buzzing at each page would teach its person to switch it off.
    if (remembered(rungKey).indexOf(alert.id) === -1) {
      remember(rungKey, alert.id);
      ring();
    }
  }

  var source = null;
  function connect() {
    source = new EventSource("/api/v1/alerts/stream");
    source.addEventListener("alert", function (event) {
      try { show(JSON.parse(event.data)); } catch (e) { /* ignore a garbled event */ }
      // The dashboard's "now" cards ask again at once (hx-trigger="vigil-alert from:body").
      document.body.dispatchEvent(new CustomEvent("vigil-alert"));
    });
    source.addEventListener("error", function () {
      // EventSource retries a dropped connection itself, but gives up on an answer that is
      // not a stream (a proxy's 502 while the server restarts): open it again.
      if (source.readyState === EventSource.CLOSED) { window.setTimeout(connect, RECONNECT_MS); }
    });
  }
  connect();
  window.addEventListener("pagehide", function () { source.close(); });
})();
