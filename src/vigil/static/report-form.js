/* The public report form when the connection is bad or gone (issue 17).

   Every report is first kept on this phone (IndexedDB, with a random idempotency key made
   here), then sent; what could not be sent waits and goes when the connection returns (the
   `online` event, or the next visit to the form). The server answers the same key with the
   same receipt and stores nothing more, so a retry after a lost answer never makes a second
   report; a Web Lock keeps two tabs from sending at once. The service worker
   (/report/sw.js, registered for this form's path only) keeps the page and its files, and
   lets every POST go to the network untouched.

   All words come translated from the form's data-* attributes (the CSP forbids inline
   scripts, and the page knows the language). */
(function () {
  "use strict";

  var form = document.getElementById("public-report-form");
  if (!form) { return; }
  var DB_NAME = "vigil-report-outbox";
  var STORE = "reports";
  var LOCK = "vigil-report-outbox";
  var RETRY_MS = 30000;
  var METRES_PER_DEGREE = 111320;
  var scope = form.getAttribute("data-scope");
  var text = form.dataset;
  var outbox = document.getElementById("outbox");
  var list = document.getElementById("outbox-list");
  var status = document.getElementById("outbox-status");
  var photoInput = document.getElementById("f-photo");
  var maxPhoto = Number(form.getAttribute("data-photo-max-bytes")) || 0;
  var precision = Number(form.getAttribute("data-precision")) || 0;

  /* The service worker: registered for this form's own path, so it controls nothing else. */
  if ("serviceWorker" in navigator && scope) {
    navigator.serviceWorker.register(form.getAttribute("data-worker"), { scope: scope })
      .then(function (registration) {
        var worker = registration.active || registration.waiting || registration.installing;
        if (worker) { worker.postMessage({ type: "keep-page", url: location.href }); }
      })
      .catch(function () { /* the form still works online */ });
  }

  /* ---- IndexedDB: one store of records keyed by their idempotency key ---- */
  function openDb() {
    return new Promise(function (resolve, reject) {
      if (!window.indexedDB) { reject(new Error("no IndexedDB")); return; }
      var request = indexedDB.open(DB_NAME, 1);
      request.onupgradeneeded = function () {
        request.result.createObjectStore(STORE, { keyPath: "key" });
      };
      request.onsuccess = function () { resolve(request.result); };
      request.onerror = function () { reject(request.error); };
    });
  }

  function withStore(mode, work) {
    return openDb().then(function (db) {
      return new Promise(function (resolve, reject) {
        var transaction = db.transaction(STORE, mode);
        var request = work(transaction.objectStore(STORE));
        transaction.oncomplete = function () { db.close(); resolve(request ? request.result : undefined); };
        transaction.onerror = transaction.onabort = function () { db.close(); reject(transaction.error); };
      });
    });
  }

  function save(record) { return withStore("readwrite", function (store) { return store.put(record); }); }
  function remove(key) { return withStore("readwrite", function (store) { return store.delete(key); }); }
  function records() {
    return withStore("readonly", function (store) { return store.getAll(); }).then(function (all) {
      return (all || []).filter(function (r) { return r.scope === scope; })
        .sort(function (a, b) { return a.savedAt < b.savedAt ? -1 : 1; });
    });
  }

  function newKey() {
    var bytes = new Uint8Array(24);
    crypto.getRandomValues(bytes);
    return Array.prototype.map.call(bytes, function (b) { return ("0" + b.toString(16)).slice(-2); }).join("");
  }

  /* The point moved to a grid `precision` metres apart, as the server does again. */
  function rounded(lat, lon) {
    if (!(precision > 0)) { return [lat.toFixed(6), lon.toFixed(6)]; }
    var latStep = precision / METRES_PER_DEGREE;
    var rlat = Math.max(-90, Math.min(90, Math.round(lat / latStep) * latStep));
    var lonStep = precision / (METRES_PER_DEGREE * Math.max(Math.cos(rlat * Math.PI / 180), 0.01));
    var rlon = Math.round(lon / lonStep) * lonStep;
    if (rlon > 180) { rlon -= 360; } else if (rlon < -180) { rlon += 360; }
    return [rlat.toFixed(6), rlon.toFixed(6)];
  }

  function fieldsOf() {
    var fields = {};
    new FormData(form).forEach(function (value, name) {
      if (typeof value === "string" && name !== "csrf_token" && name !== "submission_key") {
        fields[name] = value;
      }
    });
    var lat = parseFloat((fields.lat || "").replace(",", "."));
    var lon = parseFloat((fields.lon || "").replace(",", "."));
    if (isFinite(lat) && isFinite(lon)) {
      var point = rounded(lat, lon);
      fields.lat = point[0];
      fields.lon = point[1];
    }
    return fields;
  }

  /* ---- sending ---- */
  function token() {
    var input = form.querySelector("input[name=csrf_token]");
    return input ? input.value : "";
  }

  /* A page kept by the service worker may carry the token of an earlier visit: ask for the
     form again (the network first) and take its token. */
  function freshToken() {
    return fetch(scope, { credentials: "same-origin", cache: "no-store" })
      .then(function (response) { return response.text(); })
      .then(function (html) {
        var fresh = new DOMParser().parseFromString(html, "text/html").querySelector("input[name=csrf_token]");
        var input = form.querySelector("input[name=csrf_token]");
        if (fresh && input) { input.value = fresh.value; }
      });
  }

  function reasonOf(response, body) {
    if ((response.headers.get("content-type") || "").indexOf("json") !== -1) {
      try { return JSON.parse(body).detail || ""; } catch (e) { return ""; }
    }
    var page = new DOMParser().parseFromString(body, "text/html");
    var alert = page.querySelector("main [role=alert]");
    return alert ? alert.textContent.replace(/\s+/g, " ").trim() : "";
  }

  function sendOne(record, retried) {
    var body = new FormData();
    Object.keys(record.fields).forEach(function (name) { body.append(name, record.fields[name]); });
    body.append("csrf_token", token());
    body.append("submission_key", record.key);
    if (record.photo) {
      body.append("photo", new Blob([record.photo.data], { type: record.photo.type }), record.photo.name);
    }
    return fetch(record.action, {
      method: "POST",
      body: body,
      credentials: "same-origin",
      headers: { "Idempotency-Key": record.key }
    }).then(function (response) {
      return response.text().then(function (html) {
        if (response.ok) {
          var answer = new DOMParser().parseFromString(html, "text/html");
          var code = answer.getElementById("receipt-code");
          if (!code) { throw new Error("no receipt in the answer"); }
          if (record.key === justSubmitted) {
            /* Sent at once: the receipt page, as without JavaScript; nothing stays here. */
            showReceiptPage(answer);
            return remove(record.key);
          }
          /* What was written leaves the phone with the report; the receipt stays until the
             person says they have kept it. */
          return save({ key: record.key, scope: scope, savedAt: record.savedAt, state: "sent",
                        receipt: code.textContent.trim() });
        }
        if (response.status === 403 && !retried) {
          return freshToken().then(function () { return sendOne(record, true); });
        }
        if (response.status === 429 || response.status >= 500) {
          throw new Error("try again later: HTTP " + response.status);
        }
        record.state = "refused";
        record.reason = reasonOf(response, html);
        return save(record);
      });
    });
  }

  var justSubmitted = null;

  function showReceiptPage(answer) {
    var main = document.querySelector("main");
    var content = answer.querySelector("main");
    if (!main || !content) { return; }
    main.replaceChildren.apply(main, Array.prototype.slice.call(content.childNodes).map(function (node) {
      return document.importNode(node, true);
    }));
    document.title = answer.title;
    if (window.vigilCopyButtons) { window.vigilCopyButtons(main); }
    main.focus();
  }

  var sending = null;
  function sendWaiting() {
    if (sending) { return sending.then(sendWaiting); }
    if (navigator.onLine === false) { return show(); }  /* the `online` event brings it back */
    var run = function () {
      return records().then(function (all) {
        return all.filter(function (r) { return r.state === "waiting"; })
          .reduce(function (chain, record) {
            return chain.then(function () { return sendOne(record, false); });
          }, Promise.resolve());
      });
    };
    var locked = navigator.locks && navigator.locks.request
      ? navigator.locks.request(LOCK, run) : run();
    sending = locked.catch(function () { /* still waiting: the next chance sends it */ })
      .then(function () { sending = null; return show(); });
    return sending;
  }

  /* ---- what the page shows ---- */
  function button(label, action) {
    var element = document.createElement("button");
    element.type = "button";
    element.textContent = label;
    element.addEventListener("click", action);
    return element;
  }

  function savedAt(record) {
    var when = new Date(record.savedAt);
    var shown = when.toLocaleString(document.documentElement.lang || undefined,
      { dateStyle: "medium", timeStyle: "short" });
    return (text.savedAt || "").replace("{time}", shown);
  }

  function item(record) {
    var li = document.createElement("li");
    li.className = "outbox-item outbox-" + record.state;
    li.setAttribute("data-state", record.state);
    var line = document.createElement("p");
    li.appendChild(line);
    if (record.state === "sent") {
      var heading = document.createElement("strong");
      heading.textContent = text.sent;
      line.appendChild(heading);
      var label = document.createElement("p");
      label.textContent = text.receiptLabel + ":";
      var codeLine = document.createElement("p");
      codeLine.className = "receipt";
      var code = document.createElement("code");
      code.id = "receipt-" + record.key;
      code.className = "outbox-receipt";
      code.setAttribute("translate", "no");
      code.textContent = record.receipt;
      codeLine.appendChild(code);
      var copy = button(text.copyLabel, function () {});
      copy.className = "copy-code";
      copy.setAttribute("data-copy", code.id);
      copy.setAttribute("data-copied", text.copied);
      var keep = document.createElement("p");
      keep.textContent = text.keepCode;
      li.append(label, codeLine, copy, keep, button(text.forget, function () {
        remove(record.key).then(show);
      }));
    } else if (record.state === "refused") {
      line.textContent = text.refused + (record.reason ? " " + record.reason : "");
      li.append(button(text.edit, function () { restore(record); }));
    } else {
      line.textContent = savedAt(record) + (record.photo ? " " + text.photoKept : "");
      li.append(button(text.delete, function () {
        if (window.confirm(text.deleteConfirm)) { remove(record.key).then(show); }
      }));
    }
    return li;
  }

  function show() {
    return records().then(function (all) {
      list.replaceChildren.apply(list, all.map(item));
      outbox.hidden = all.length === 0;
      if (window.vigilCopyButtons) { window.vigilCopyButtons(list); }
      return all;
    }).catch(function () { outbox.hidden = true; return []; });
  }

  function restore(record) {
    Object.keys(record.fields).forEach(function (name) {
      var input = form.elements.namedItem(name);
      if (input && name !== "website") { input.value = record.fields[name]; }
    });
    remove(record.key).then(show).then(function () {
      var first = document.getElementById("f-what_happened");
      if (first) { first.focus(); }
    });
  }

  function announce(message) {
    status.textContent = message;
  }

  /* ---- submitting ---- */
  form.addEventListener("submit", function (event) {
    if (!window.indexedDB || !window.Promise) { return; }
    event.preventDefault();
    var file = photoInput && photoInput.files && photoInput.files[0];
    if (file && maxPhoto && file.size > maxPhoto) {
      announce(text.photoTooLarge);
      outbox.hidden = false;
      photoInput.focus();
      return;
    }
    justSubmitted = null;
    var record = {
      key: newKey(),
      scope: scope,
      action: form.getAttribute("action"),
      savedAt: new Date().toISOString(),
      state: "waiting",
      fields: fieldsOf(),
      photo: null
    };
    var zone = form.querySelector("input[name=zone]");
    var zoneValue = zone ? zone.value : "";
    (file ? file.arrayBuffer() : Promise.resolve(null)).then(function (data) {
      if (data) { record.photo = { data: data, type: file.type, name: file.name }; }
      return save(record);
    }).then(function () {
      justSubmitted = record.key;
      form.reset();
      if (zone) { zone.value = zoneValue; }
      announce(navigator.onLine ? text.sending : text.saved);
      return show();
    }).then(function () {
      outbox.focus();
      return sendWaiting();
    }).then(function (all) {
      var mine = (all || []).filter(function (r) { return r.key === record.key; })[0];
      if (mine && mine.state === "sent") { announce(text.sent); }
      else if (mine && mine.state === "waiting") { announce(text.saved); }
      else if (mine) { announce(text.refused); }
    }, function () {
      /* This phone cannot keep it (e.g. private browsing without storage): send it as is. */
      announce(text.notSaved);
      form.submit();
    });
  });

  /* ---- "use my location": only on request, rounded before it is put in the form ---- */
  var locate = document.getElementById("use-location");
  var locationStatus = document.getElementById("location-status");
  if (locate && navigator.geolocation) {
    locate.hidden = false;
    var locateHint = document.getElementById("f-location-hint");
    if (locateHint) { locateHint.hidden = false; }
    locate.addEventListener("click", function () {
      locationStatus.textContent = text.locating;
      navigator.geolocation.getCurrentPosition(function (position) {
        var point = rounded(position.coords.latitude, position.coords.longitude);
        ["f-lat", "f-lon"].forEach(function (id, index) {
          var input = document.getElementById(id);
          input.value = point[index];
          input.dispatchEvent(new Event("change"));
        });
        locationStatus.textContent = text.located;
      }, function () {
        locationStatus.textContent = text.noLocation;
      }, { enableHighAccuracy: false, timeout: 20000, maximumAge: 60000 });
    });
  }

  var offlineHint = document.getElementById("f-offline-hint");
  if (offlineHint && window.indexedDB) { offlineHint.hidden = false; }

  window.addEventListener("online", sendWaiting);
  window.setInterval(function () { if (navigator.onLine) { sendWaiting(); } }, RETRY_MS);
  show().then(function (all) {
    if (all.some(function (r) { return r.state === "waiting"; })) {
      announce(text.saved);
      if (navigator.onLine) { sendWaiting(); }
    }
  });
})();
