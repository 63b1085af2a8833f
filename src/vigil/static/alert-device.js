/* The account page's "Alerts on this device": whether a live alert also beeps and vibrates
   here (alerts-live.js reads the same keys). Kept in this browser's storage, not on the server:
   a person's phone may ring while their desk stays quiet. Shown only where it can work. */
(function () {
  "use strict";

  var section = document.getElementById("alert-device-settings");
  if (!section) { return; }
  try { localStorage.setItem("vigil-alert-probe", "1"); localStorage.removeItem("vigil-alert-probe"); }
  catch (e) { return; }
  section.hidden = false;
  Array.prototype.forEach.call(section.querySelectorAll("[data-alert-setting]"), function (box) {
    var key = "vigil-alert-" + box.getAttribute("data-alert-setting");
    box.checked = localStorage.getItem(key) === "on";
    box.addEventListener("change", function () {
      localStorage.setItem(key, box.checked ? "on" : "off");
    });
  });
})();
