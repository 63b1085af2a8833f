/* Tells the server the browser's time zone, so that a time typed in a form means the time the
   person meant. Fills every <input data-local-zone>; without JavaScript the server falls back to
   the organisation's country's zone. */
(function () {
  "use strict";
  var zone = "";
  try { zone = Intl.DateTimeFormat().resolvedOptions().timeZone || ""; } catch (e) { zone = ""; }
  if (!zone) { return; }
  Array.prototype.forEach.call(document.querySelectorAll("input[data-local-zone]"), function (input) {
    input.value = zone;
  });
})();
