// "Skip to the form" (macros.html skip_to_form): the link names the form; this puts the focus
// on its first field a person can fill in, so one Tab and Enter from the top start typing.
(function () {
  "use strict";
  var FIELDS = "input:not([type=hidden]):not([disabled]), select:not([disabled]), textarea:not([disabled])";
  document.addEventListener("click", function (event) {
    var link = event.target.closest ? event.target.closest("a[data-skip-to-form]") : null;
    if (!link) return;
    var form = document.getElementById(link.getAttribute("href").slice(1));
    if (!form) return;
    var fields = form.querySelectorAll(FIELDS);
    for (var i = 0; i < fields.length; i++) {
      if (fields[i].offsetParent !== null || fields[i].getClientRects().length) {
        event.preventDefault();
        fields[i].focus();
        fields[i].scrollIntoView({ block: "center" });
        return;
      }
    }
  });
})();
