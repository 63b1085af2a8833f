/* The incident room (playbooks): after an action on a task, focus stays on that task rather than
   jumping to the top when htmx replaces the room; a change someone else made (the room's
   stream) is announced politely to screen readers; folds stay as a person left them through
   the live replacements; and a printed room shows every stage and task's guidance, folded or
   not. No inline script (CSP). */
(function () {
  "use strict";

  // The form that asked is gone once the room is replaced, so its task is noted before the
  // request; the task a person was on is noted too, because the room's stream replaces the
  // room again a moment later (their own change, or someone else's) and focus would fall to
  // the top of the page each time.
  var pendingTask = null;
  var currentTask = null;
  document.body.addEventListener("htmx:beforeRequest", function (event) {
    var from = event.detail && event.detail.elt;
    pendingTask = (from && from.getAttribute && from.getAttribute("data-task")) || null;
  });
  // The phone answer's name is kept as typed through the room's replacements (hx-preserve),
  // so it is emptied here once that answer is recorded.
  document.body.addEventListener("htmx:afterRequest", function (event) {
    var from = event.detail && event.detail.elt;
    var name = from && from.querySelector && from.querySelector("#phone-name");
    if (name && event.detail.successful) { name.value = ""; }
  });
  document.addEventListener("focusin", function (event) {
    var spot = event.target && event.target.closest &&
      event.target.closest("li.task, .stage-fold > summary, .done-fold > summary");
    currentTask = spot ? spot.id : null;
  });

  // A fold (a stage, the reopening criteria, the timeline's earlier entries) stays as the person
  // left it through the room's replacements while its state (data-fold) is the same; once the
  // state changes (a later stage becomes the current one, the current one is finished) the
  // server's choice shows. "toggle" does not bubble: it is caught on its way down.
  var folds = {};
  function noteFold(d) {
    if (d.id && d.hasAttribute("data-fold")) {
      folds[d.id] = { state: d.getAttribute("data-fold"), open: d.open };
    }
  }
  document.addEventListener("toggle", function (event) {
    var d = event.target;
    if (d && d.matches && d.matches("#room-live details[data-fold]")) { noteFold(d); }
  }, true);
  function keepFolds(room) {
    Array.prototype.forEach.call(room.querySelectorAll("details[data-fold]"), function (d) {
      var was = folds[d.id];
      if (was && was.state === d.getAttribute("data-fold")) { d.open = was.open; }
      noteFold(d);
    });
  }
  var first = document.getElementById("room-live");
  if (first) { keepFolds(first); }

  document.body.addEventListener("htmx:load", function (event) {
    var added = event.detail && event.detail.elt;
    if (!added || added.id !== "room-live") { return; }
    if (window.vigilCopyButtons) { window.vigilCopyButtons(added); }
    keepFolds(added);
    var mine = pendingTask;
    pendingTask = null;
    var lost = document.activeElement === document.body || !document.activeElement;
    var found = document.getElementById(mine || (lost ? currentTask : null) || "");
    // A task done moves into its stage's folded done tasks, and the last one folds the stage
    // away: focus goes to the summary of the outermost fold that hides it.
    var fold = found && found.parentElement && found.parentElement.closest("details");
    var hiding = null;
    while (fold) {
      if (!fold.open) { hiding = fold; }
      fold = fold.parentElement && fold.parentElement.closest("details");
    }
    if (hiding) { found = hiding.querySelector("summary"); }
    if (found) { found.focus({ preventScroll: true }); }
    if (mine) { return; }
    var stream = document.querySelector(".room-stream");
    var status = document.getElementById("live-status");
    if (stream && status) { status.textContent = stream.getAttribute("data-updated") || ""; }
  });

  // Printed, every fold is open; afterwards the room is as it was.
  var closedForPrint = [];
  window.addEventListener("beforeprint", function () {
    closedForPrint = Array.prototype.slice.call(
      document.querySelectorAll("#room-live details:not([open])"));
    closedForPrint.forEach(function (d) { d.open = true; });
  });
  window.addEventListener("afterprint", function () {
    closedForPrint.forEach(function (d) { d.open = false; });
    closedForPrint = [];
  });
})();
