/* The incident room (playbooks): after an action on a task, focus stays on that task rather than
   jumping to the top when htmx replaces the room; a change someone else made (the room's
   stream) is announced politely to screen readers; and a printed room shows every stage and
   task's guidance, folded or not. No inline script (CSP). */
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
      event.target.closest("li.task, .stage-done > summary");
    currentTask = spot ? spot.id : null;
  });

  document.body.addEventListener("htmx:load", function (event) {
    var added = event.detail && event.detail.elt;
    if (!added || added.id !== "room-live") { return; }
    if (window.vigilCopyButtons) { window.vigilCopyButtons(added); }
    var mine = pendingTask;
    pendingTask = null;
    var lost = document.activeElement === document.body || !document.activeElement;
    var found = document.getElementById(mine || (lost ? currentTask : null) || "");
    // The last task of a stage folds the stage away: focus goes to the stage's summary.
    var folded = found && found.closest("details.stage-done:not([open])");
    if (folded) { found = folded.querySelector("summary"); }
    if (found) { found.focus({ preventScroll: true }); }
    if (mine) { return; }
    var stream = document.querySelector(".room-stream");
    var status = document.getElementById("live-status");
    if (stream && status) { status.textContent = stream.getAttribute("data-updated") || ""; }
  });

  window.addEventListener("beforeprint", function () {
    Array.prototype.forEach.call(document.querySelectorAll("#room-live details"), function (d) {
      d.setAttribute("open", "");
    });
  });
})();
