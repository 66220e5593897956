// Autosave the briefing change form (briefings/newsroom/autosave.py): a few seconds after
// a change, and at once when the page is hidden (another tab, the window closed). Nothing
// a reader sees changes: a live briefing's form becomes its pending change, any other's
// the editor's own autosave. The status line says when it was saved, or why not; what
// was typed stays in the page whatever the answer. After a save the form is marked clean
// for unsaved-changes.js ("newsroom:autosaved"), unless there was typing meanwhile.
(function () {
  "use strict";
  var status = document.getElementById("autosave-status");
  var form = document.querySelector("#content-main form");
  if (!status || !form || !window.fetch) {
    return;
  }
  var url = status.getAttribute("data-url");
  var delay = Math.max(1, parseInt(status.getAttribute("data-seconds"), 10) || 10) * 1000;
  var changes = 0; // changes typed since the page opened
  var savedChanges = 0; // how many of them the last autosave held
  var timer = null;
  var inFlight = false;
  var stopped = false; // the form is being submitted, or a colleague's save blocks autosave
  var waitingSubmitter; // a submit pressed while an autosave was on its way

  function say(text, state) {
    status.textContent = text;
    status.setAttribute("data-state", state);
  }

  function schedule() {
    if (stopped || timer !== null) {
      return;
    }
    timer = window.setTimeout(function () {
      timer = null;
      save(false);
    }, delay);
  }

  function changed(event) {
    if (event.target && event.target.name === "overwrite_version") {
      return;
    }
    changes += 1;
    schedule();
  }

  function versionField() {
    return form.querySelector("input[name='base_version']");
  }

  function finished() {
    inFlight = false;
    if (waitingSubmitter !== undefined) {
      var submitter = waitingSubmitter;
      waitingSubmitter = undefined;
      stopped = true;
      if (submitter && form.requestSubmit) {
        form.requestSubmit(submitter);
      } else {
        form.submit();
      }
    } else if (changes > savedChanges) {
      schedule();
    }
  }

  function failed(text) {
    say("Couldn't save — your changes are kept in this page. " + text, "error");
  }

  function save(leaving) {
    if (stopped || inFlight || changes === savedChanges) {
      return;
    }
    var holding = changes;
    var body = new URLSearchParams(new FormData(form));
    inFlight = true;
    say("Saving…", "saving");
    var text = body.toString();
    window
      .fetch(url, {
        method: "POST",
        body: body,
        credentials: "same-origin",
        headers: { Accept: "application/json", "X-Requested-With": "fetch" },
        // Sent even if the page goes away (within the browsers' 64 KB allowance).
        keepalive: leaving && text.length < 60000,
      })
      .then(function (response) {
        var type = response.headers.get("Content-Type") || "";
        if (response.redirected) {
          throw new Error("You have been signed out: sign in again in another tab.");
        }
        if (type.indexOf("application/json") === -1) {
          throw new Error("The server did not answer (" + response.status + ").");
        }
        return response.json().then(function (answer) {
          return { status: response.status, answer: answer };
        });
      })
      .then(function (result) {
        var answer = result.answer;
        if (result.status === 200 && answer.saved) {
          savedChanges = holding;
          var field = versionField();
          if (field && answer.version !== undefined) {
            field.value = String(answer.version);
          }
          say(answer.message, "saved");
          if (changes === holding) {
            form.dispatchEvent(new CustomEvent("newsroom:autosaved"));
          }
        } else if (result.status === 409) {
          stopped = true;
          failed(answer.message);
        } else if (answer.errors && answer.errors.length) {
          savedChanges = holding; // the same text would fail again: wait for the next change
          failed("Fix: " + answer.errors.join(" · "));
        } else {
          failed(answer.message || "");
        }
      })
      .catch(function (error) {
        failed(error && error.message ? error.message : "The connection failed.");
      })
      .then(finished);
  }

  form.addEventListener("input", changed);
  form.addEventListener("change", changed);
  form.addEventListener("submit", function (event) {
    if (inFlight) {
      // Wait for the autosave's new version, or this save would be refused as a
      // conflict with it; then submit with the same button.
      event.preventDefault();
      event.stopImmediatePropagation();
      waitingSubmitter = event.submitter || null;
      say("Saving…", "saving");
      return;
    }
    stopped = true;
    if (timer !== null) {
      window.clearTimeout(timer);
      timer = null;
    }
  });
  document.addEventListener("visibilitychange", function () {
    if (document.visibilityState === "hidden") {
      if (timer !== null) {
        window.clearTimeout(timer);
        timer = null;
      }
      save(true);
    }
  });
})();
