// A list's filter panel (<details data-wide-open>) is open on a wide screen, where there is
// room beside the list, and closed on a phone, where it would push the list down a screen;
// one showing an error (data-keep-open) stays open. Set once: a person's own toggle stands.
(function () {
  "use strict";
  var wide = window.matchMedia("(min-width: 56.25rem)").matches; // 900 px at the default size
  var panels = document.querySelectorAll("details[data-wide-open]");
  for (var i = 0; i < panels.length; i++) {
    panels[i].open = wide || panels[i].hasAttribute("data-keep-open");
  }
})();
