// Progressive enhancement for pages that wait on the phone: poll the status
// URL in the element's data-poll and follow it. Without JavaScript the page
// reloads itself (a <noscript> refresh) or offers a link instead.
(function () {
  "use strict";
  var waiting = document.querySelector("[data-poll]");
  if (!waiting) {
    return;
  }
  var url = waiting.getAttribute("data-poll");
  var status = document.getElementById("status");
  function show(answer) {
    if (answer.status_text && status) {
      status.textContent = answer.status_text;
      status.className = "status " + (answer.status_class || "");
    }
    if (answer.next) {
      window.location.assign(answer.next);
      return true;
    }
    if (answer.done) {
      var before = document.getElementById("waiting");
      var after = document.getElementById("done");
      if (before) { before.hidden = true; }
      if (after) { after.hidden = false; }
      return true;
    }
    if (answer.final === true) {
      var retry = document.getElementById("retry");
      if (retry) { retry.hidden = false; }
      return true;
    }
    return false;
  }
  function tick() {
    fetch(url, { credentials: "same-origin", headers: { "Accept": "application/json" } })
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(function (answer) {
        if (!answer || !show(answer)) {
          window.setTimeout(tick, 1000);
        }
      })
      .catch(function () { window.setTimeout(tick, 2000); });
  }
  window.setTimeout(tick, 1000);
})();
