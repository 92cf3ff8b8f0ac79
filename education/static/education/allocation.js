/* While an allocation is queued or running, the round's page reloads itself every 3 seconds
 * (without JavaScript, the noscript refresh does it every 5), until the run is done. */
(function () {
  "use strict";
  if (document.querySelector("[data-allocation-running]")) {
    window.setTimeout(function () { window.location.reload(); }, 3000);
  }
}());
