/* Keeps an import's progress card up to date by polling the job's JSON API.
 * Without JavaScript the page reloads itself (noscript meta refresh) or offers a reload link.
 * When the job ends, the page reloads once to show the final counts and the report links. */
(function () {
  "use strict";
  var card = document.querySelector("[data-poll-url]");
  if (!card || !window.fetch) { return; }
  var url = card.getAttribute("data-poll-url");
  var every = (parseFloat(card.getAttribute("data-poll-seconds")) || 2) * 1000;
  var bar = card.querySelector("progress");
  var reload = card.querySelector(".job-reload");
  var labelsNode = document.getElementById("job-status-labels");
  var labels = labelsNode ? JSON.parse(labelsNode.textContent) : {};
  var failures = 0;
  // The colour of each outcome, from the server (jobs/selectors.py, OUTCOME_TONES): green only
  // when every row was imported.
  var tonesNode = document.getElementById("job-outcome-tones");
  var TONES = tonesNode ? JSON.parse(tonesNode.textContent) : {};
  var badge = card.querySelector('[data-field="status"]');
  var lastStatus = badge ? badge.getAttribute("data-outcome") : card.getAttribute("data-status");
  if (reload) { reload.hidden = true; }

  function show(field, value) {
    var node = card.querySelector('[data-field="' + field + '"]');
    if (node) { node.textContent = value === null || value === undefined ? "–" : String(value); }
  }

  function update(job) {
    bar.value = job.percent;
    bar.textContent = job.percent + "%";
    show("percent", job.percent);
    show("total", job.total === null ? "…" : job.total);
    ["processed", "imported", "failed", "rows_per_second", "seconds_left"].forEach(function (field) {
      show(field, job[field]);
    });
    var outcome = job.outcome || job.status;
    if (lastStatus !== outcome) {
      var label = job.outcome_label || labels[job.status] || job.status;
      badge.textContent = label;
      badge.className = "job-status job-tone-" + (TONES[outcome] || "neutral");
      badge.setAttribute("data-outcome", outcome);
      show("announce", label);
    }
    lastStatus = outcome;
    return job.status === "queued" || job.status === "running";
  }

  function poll() {
    fetch(url, { headers: { "Accept": "application/json" }, credentials: "same-origin" })
      .then(function (response) {
        if (!response.ok) { throw new Error(String(response.status)); }
        return response.json();
      })
      .then(function (job) {
        failures = 0;
        if (update(job)) { window.setTimeout(poll, every); } else { window.location.reload(); }
      })
      .catch(function () {
        failures += 1;
        if (failures >= 5) { if (reload) { reload.hidden = false; } return; }
        window.setTimeout(poll, every * failures);
      });
  }

  window.setTimeout(poll, every);
}());
