// Polls a document scan's progress and reloads the page when it has finished (the scan pages only).
(function () {
  "use strict";
  function poll(box) {
    var id = box.getAttribute("data-scan");
    fetch("/scan/" + encodeURIComponent(id), { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (job) {
        if (!job) { return; }
        document.getElementById("files-done").textContent = job.files_done;
        document.getElementById("pages-done").textContent = job.pages_done;
        var status = document.getElementById("scan-status");
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
    var box = document.getElementById("scan-progress");
    if (box) {
      var s = box.getAttribute("data-status");
      if (s === "queued" || s === "running") { poll(box); }
    }
  });
})();
