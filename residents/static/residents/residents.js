// Residents pages: small enhancements; every page works without them.
(function () {
  "use strict";

  // Sign-up: show only the chosen town's villages and communities. Without this script the
  // list is grouped by town and the server checks that the two go together.
  document.querySelectorAll("select[data-filter-by]").forEach(function (communities) {
    var town = document.getElementById(communities.getAttribute("data-filter-by"));
    if (!town) return;
    var groups = Array.prototype.slice.call(communities.querySelectorAll("optgroup[data-town]"));
    function filter() {
      var chosen = communities.value;
      groups.forEach(function (group) { if (group.parentNode) group.parentNode.removeChild(group); });
      groups.forEach(function (group) {
        if (!town.value || group.getAttribute("data-town") === town.value) communities.appendChild(group);
      });
      communities.value = chosen;
      if (communities.value !== chosen) communities.value = "";
    }
    town.addEventListener("change", filter);
    filter();
  });

  // Apply and change forms: the postal address is asked for only with postal delivery.
  document.querySelectorAll("form").forEach(function (form) {
    var box = form.querySelector("[data-postal-address]");
    var radios = form.querySelectorAll("input[type=radio][name=delivery]");
    if (!box || !radios.length) return;
    function toggle() {
      var post = form.querySelector("input[type=radio][name=delivery]:checked");
      box.hidden = !(post && post.value === "post") && !box.querySelector("[aria-invalid=true]");
    }
    radios.forEach(function (radio) { radio.addEventListener("change", toggle); });
    toggle();
  });

  // Apply: the reason for residence is asked only for a residence permit.
  document.querySelectorAll("form.apply-form").forEach(function (form) {
    var basis = form.querySelector("[data-basis]");
    var kinds = form.querySelectorAll("input[type=radio][name=kind]");
    if (!basis || !kinds.length) return;
    function toggle() {
      var kind = form.querySelector("input[type=radio][name=kind]:checked");
      basis.hidden = !!kind && kind.value !== "permit_issue" && !basis.classList.contains("has-error");
    }
    kinds.forEach(function (radio) { radio.addEventListener("change", toggle); });
    toggle();
  });

  // The pre-check: each file uploads as soon as it is chosen, several at once, each with its
  // own progress and error, and the list updates in place. Without this script each form is
  // posted on its own and the page comes back (the server answers both).
  var forms = document.querySelectorAll("form.upload-form");
  if (!forms.length || !window.FormData || !window.XMLHttpRequest) return;
  document.querySelectorAll("[data-js-only]").forEach(function (element) { element.hidden = false; });

  function showError(form, text) {
    var input = form.querySelector("input[type=file]");
    var field = input.closest(".field");
    var id = input.id + "_error";
    var box = document.getElementById(id);
    if (!box) {
      box = document.createElement("div");
      box.className = "field-error";
      box.id = id;
      field.appendChild(box);
    }
    box.textContent = "";
    var line = document.createElement("p");
    line.textContent = text;
    box.appendChild(line);
    field.classList.add("has-error");
    input.setAttribute("aria-invalid", "true");
    var described = (input.getAttribute("aria-describedby") || "").split(" ").filter(Boolean);
    if (described.indexOf(id) < 0) described.push(id);
    input.setAttribute("aria-describedby", described.join(" "));
  }

  function clearError(form) {
    var input = form.querySelector("input[type=file]");
    var box = document.getElementById(input.id + "_error");
    if (box) box.parentNode.removeChild(box);
    input.closest(".field").classList.remove("has-error");
    input.removeAttribute("aria-invalid");
    var described = (input.getAttribute("aria-describedby") || "").split(" ").filter(function (token) {
      return token && token !== input.id + "_error";
    });
    input.setAttribute("aria-describedby", described.join(" "));
  }

  function refreshPrecheck(answer) {
    var stillMissing = {};
    answer.missing.forEach(function (item) { stillMissing[item.code] = true; });
    document.querySelectorAll(".missing-item[data-code]").forEach(function (item) {
      if (stillMissing[item.getAttribute("data-code")] || item.classList.contains("is-done")) return;
      item.classList.add("is-done");
      item.removeAttribute("data-document-kind");
      var form = item.querySelector("form.upload-form");
      if (form && !form.classList.contains("is-uploading")) form.parentNode.removeChild(form);
      var done = document.createElement("p");
      done.className = "upload-done";
      done.textContent = answer.message;
      item.appendChild(done);
    });
    var summary = document.getElementById("precheck-status");
    if (summary) {
      summary.textContent = answer.summary;
      summary.classList.toggle("is-missing", !answer.eligible);
      summary.classList.toggle("is-complete", answer.eligible);
    }
    var steps = document.querySelectorAll(".step-indicator li");
    if (answer.eligible && steps.length === 3 && steps[1].classList.contains("current")) {
      steps[1].classList.replace("current", "done");
      steps[1].removeAttribute("aria-current");
      steps[2].classList.add("current");
      steps[2].setAttribute("aria-current", "step");
    }
    var submit = document.getElementById("submit-button");
    if (submit && answer.eligible) {
      submit.disabled = false;
      submit.removeAttribute("aria-describedby");
      var hint = document.getElementById("submit-hint");
      if (hint) hint.parentNode.removeChild(hint);
    }
    var list = document.querySelector("ul.documents");
    var heading = document.getElementById("documents-title");
    if (!list && heading && answer.document) {
      list = document.createElement("ul");
      list.className = "documents";
      list.setAttribute("role", "list");
      var empty = heading.parentNode.querySelector("p.lead");
      if (empty) empty.parentNode.removeChild(empty);
      heading.parentNode.appendChild(list);
    }
    if (list && answer.document) {
      var entry = document.createElement("li");
      entry.className = "document";
      entry.setAttribute("data-kind", answer.document.kind);
      var link = document.createElement("a");
      link.className = "document-link";
      link.href = answer.document.url;
      var name = document.createElement("span");
      name.className = "document-name";
      name.textContent = answer.document.label;
      link.appendChild(name);
      entry.appendChild(link);
      list.appendChild(entry);
    }
  }

  function upload(form) {
    var input = form.querySelector("input[type=file]");
    var status = form.querySelector("[data-upload-status]");
    var box = form.querySelector("[data-upload-progress]");
    var bar = box && box.querySelector("progress");
    var kind = form.querySelector("[name=kind]");
    var file = input.files && input.files[0];
    if (!file || form.classList.contains("is-uploading")) return;
    clearError(form);
    if (kind && !kind.value) { showError(form, form.getAttribute("data-text-choose-kind")); return; }
    var limit = parseInt(form.getAttribute("data-max-bytes"), 10);
    if (limit && file.size > limit) { showError(form, form.getAttribute("data-text-too-large")); return; }

    var request = new XMLHttpRequest();
    request.open("POST", form.action);
    request.setRequestHeader("Accept", "application/json");
    request.setRequestHeader("X-Requested-With", "XMLHttpRequest");
    request.upload.addEventListener("progress", function (event) {
      if (event.lengthComputable && bar) bar.value = Math.round((event.loaded / event.total) * 100);
    });
    function finish() {
      form.classList.remove("is-uploading");
      form.removeAttribute("aria-busy");
      if (box) box.hidden = true;
    }
    request.addEventListener("load", function () {
      finish();
      var answer = null;
      try { answer = JSON.parse(request.responseText); } catch (ignored) { answer = null; }
      if (request.status === 201 && answer) {
        status.textContent = answer.message;
        input.value = "";
        refreshPrecheck(answer);
        return;
      }
      status.textContent = "";
      if (answer && answer.error) {
        // The refusal in words, then what the field accepts ("JPEG or PNG."), as the page shows both.
        var fields = answer.error.fields || {};
        var lines = [answer.error.message];
        (fields.file || []).concat(fields.kind || []).forEach(function (line) {
          if (lines.indexOf(line) < 0) lines.push(line);
        });
        showError(form, lines.join(" "));
      } else if (request.status === 413) {
        showError(form, form.getAttribute("data-text-too-large"));
      } else {
        showError(form, form.getAttribute("data-text-failed"));
      }
    });
    request.addEventListener("error", function () {
      finish();
      status.textContent = "";
      showError(form, form.getAttribute("data-text-failed"));
    });
    form.classList.add("is-uploading");
    form.setAttribute("aria-busy", "true");
    if (bar) bar.value = 0;
    if (box) box.hidden = false;
    status.textContent = form.getAttribute("data-text-uploading");
    request.send(new FormData(form));
  }

  forms.forEach(function (form) {
    var input = form.querySelector("input[type=file]");
    var kind = form.querySelector("select[name=kind]");
    form.classList.add("is-enhanced");
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      upload(form);
    });
    // A slot that knows its kind uploads on choosing the file; "another document" once its kind is chosen too.
    input.addEventListener("change", function () { if (!kind || kind.value) upload(form); });
    if (kind) kind.addEventListener("change", function () { if (input.files && input.files.length) upload(form); });
    if (!kind) {
      var button = form.querySelector("[data-upload-button]");
      if (button) button.hidden = true;
    }
  });
})();
