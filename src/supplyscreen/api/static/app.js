// Polls a screening's progress and reloads the page when it has finished. No other script runs.
(function () {
  "use strict";
  function poll(box) {
    var id = box.getAttribute("data-job");
    fetch("/jobs/" + encodeURIComponent(id), { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (job) {
        if (!job) { return; }
        document.getElementById("rows-done").textContent = job.rows_done;
        var status = document.getElementById("job-status");
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
    var box = document.getElementById("progress");
    if (box) {
      var s = box.getAttribute("data-status");
      if (s === "queued" || s === "running") { poll(box); }
    }
  });
})();
