/* A button that copies a receipt code, or a link's address (progressive: without JavaScript the
   button stays hidden and the code can still be selected). data-copy: id of the element holding
   the code, or of the link;
   data-copied: what the button says for a moment after copying (translated by the page). */
(function () {
  "use strict";

  function selectText(element) {
    var range = document.createRange();
    range.selectNodeContents(element);
    var selection = window.getSelection();
    selection.removeAllRanges();
    selection.addRange(range);
  }

  function copied(button) {
    var label = button.textContent;
    button.textContent = button.getAttribute("data-copied") || label;
    window.setTimeout(function () { button.textContent = label; }, 2500);
  }

  function enable(button) {
    if (button.getAttribute("data-copy-ready")) { return; }
    button.setAttribute("data-copy-ready", "1");
    button.hidden = false;
    button.addEventListener("click", function () {
      var source = document.getElementById(button.getAttribute("data-copy") || "");
      if (!source) { return; }
      // A link is copied as the address it opens, whole (the page may show it shortened).
      var text = source.tagName === "A" ? source.href : source.textContent.trim();
      if (navigator.clipboard && window.isSecureContext) {
        navigator.clipboard.writeText(text).then(function () { copied(button); }, function () {
          selectText(source);
        });
      } else {
        selectText(source);
        try { if (document.execCommand("copy")) { copied(button); } } catch (e) { /* selected */ }
      }
    });
  }

  function enableAll(root) {
    Array.prototype.forEach.call((root || document).querySelectorAll("button[data-copy]"), enable);
  }

  window.vigilCopyButtons = enableAll;
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", function () { enableAll(document); });
  } else {
    enableAll(document);
  }
})();
