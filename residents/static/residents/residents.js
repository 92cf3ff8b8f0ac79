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
})();
