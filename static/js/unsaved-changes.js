// Warn before leaving the briefing change form with changes not saved. The warning is set
// by the first change to any field and cleared when the form is submitted, or autosaved
// (autosave.js says so with "newsroom:autosaved" when nothing was typed meanwhile). A form shown
// again after a refused save (errors, a blocked publish, an edit conflict) holds unsaved
// changes from the start.
(function () {
  "use strict";
  var form = document.querySelector("#content-main form");
  if (!form) {
    return;
  }
  var dirty = Boolean(
    document.querySelector(".errornote, .newsroom-blockers, .newsroom-conflict")
  );
  function markDirty() {
    dirty = true;
  }
  form.addEventListener("input", markDirty);
  form.addEventListener("change", markDirty);
  form.addEventListener("submit", function () {
    dirty = false;
  });
  form.addEventListener("newsroom:autosaved", function () {
    dirty = false;
  });
  window.addEventListener("beforeunload", function (event) {
    if (dirty) {
      event.preventDefault();
      event.returnValue = "";
    }
  });
})();
