// Polls a job's progress (a screening's, or a document scan's) and reloads the page when it has
// finished. No other script runs. The progress box names what to ask (data-poll) and which of the
// answer's fields each element shows (data-field); the element marked data-state shows the state.
(function () {
  "use strict";
  function poll(box) {
    fetch(box.getAttribute("data-poll"), { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (job) {
        if (!job) { return; }
        box.querySelectorAll("[data-field]").forEach(function (el) {
          el.textContent = job[el.getAttribute("data-field")];
        });
        var status = box.querySelector("[data-state]");
        status.textContent = job.status;
        status.className = "state state-" + job.status;
        if (job.status === "done" || job.status === "failed" || job.status === "cancelled") {
          window.location.reload();
        } else {
          window.setTimeout(function () { poll(box); }, 700);
        }
      })
      .catch(function () { window.setTimeout(function () { poll(box); }, 2000); });
  }
  document.addEventListener("DOMContentLoaded", function () {
    var box = document.querySelector("[data-poll]");
    if (box) {
      var s = box.getAttribute("data-status");
      if (s === "queued" || s === "running") { poll(box); }
    }
  });
})();
